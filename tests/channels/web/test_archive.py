"""The archive and what search engines read: day and section pages, sitemaps, robots.txt, icon."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest

from distro.channels import web
from distro.channels.web.catalog import CALENDAR, DAY_PREFIX, KEY_PREFIX
from distro.channels.web.render import ARCHIVE_PAGE
from distro.store.ledger import Ledger
from tests.channels.web.stories import (
    article,
    check_sitemap,
    check_sitemap_index,
    check_urlset,
    provenance,
    settings,
    store,
    text_files,
)
from tests.channels.web.test_publish import assert_links_resolve, site_files

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
BASE = "http://127.0.0.1:8000/"
CONFIG = (
    f'[channels.web]\nbase_url = "{BASE}"\ntitle = "西海岸新闻"\npublication = "西海岸报"\n'
    'description = "青岛西海岸新区的新闻。"\n'
)
NEWS = {"n": "http://www.google.com/schemas/sitemap-news/0.9"}


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as opened:
        yield opened


def day_of(when: dt.datetime) -> str:
    return when.astimezone(SHANGHAI).date().isoformat()


def key_of(url: str) -> str:
    """The file a site URL names (a folder URL is its index.html)."""
    assert url.startswith(BASE), url
    key = unquote(url[len(BASE) :])
    return key + "index.html" if key == "" or key.endswith("/") else key


def all_sitemap_urls(site: Path) -> dict[str, str | None]:
    """Every URL the sitemap index leads to, each sitemap checked; URL -> lastmod."""
    index = check_sitemap_index((site / "sitemap.xml").read_bytes())
    urls: dict[str, str | None] = {}
    for loc, _lastmod in index:
        for url, lastmod in check_urlset((site / key_of(loc)).read_bytes()):
            assert url not in urls, url
            urls[url] = lastmod
    return urls


def article_urls(urls: dict[str, str | None]) -> set[str]:
    return {u for u in urls if "/articles/" in u}


def test_archive_sitemaps_robots_and_icon(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state", CONFIG)
    yesterday = NOW - dt.timedelta(days=1)
    for n, section, when in [
        (1, "要闻", NOW),
        (2, "经济", NOW - dt.timedelta(minutes=5)),
        (3, "要闻", yesterday),
    ]:
        store(ledger, article(n, when, section=section))
    assert web.publish(cfg, ledger).sent == 3
    site = tmp_path / "state" / "site"

    robots = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in robots
    assert f"Sitemap: {BASE}sitemap.xml" in robots
    assert f"Sitemap: {BASE}sitemap-news.xml" in robots

    index = dict(check_sitemap_index((site / "sitemap.xml").read_bytes()))
    assert f"{BASE}sitemaps/pages.xml" in index
    for when in (NOW, yesterday):
        assert index[f"{BASE}sitemaps/{day_of(when)}.xml"], "a day's sitemap has a lastmod"
    urls = all_sitemap_urls(site)
    assert article_urls(urls) == {f"{BASE}articles/a-{n:020x}.html" for n in (1, 2, 3)}
    assert all(urls[u] for u in article_urls(urls))
    for url in urls:
        assert (site / key_of(url)).is_file(), url  # nothing a sitemap names is missing
    pages = {u for u, _ in check_urlset((site / "sitemaps/pages.xml").read_bytes())}
    assert {BASE, f"{BASE}archive/", f"{BASE}sections/%E8%A6%81%E9%97%BB/"} <= pages

    today = (site / "archive" / day_of(NOW) / "index.html").read_text(encoding="utf-8")
    assert "第1条" in today and "第2条" in today and "第3条" not in today
    section_day = site / "sections" / "要闻" / "archive" / day_of(yesterday) / "index.html"
    assert "第3条" in section_day.read_text(encoding="utf-8")
    calendar = (site / "archive" / "index.html").read_text(encoding="utf-8")
    assert f"/archive/{day_of(NOW)}/" in calendar and f"/archive/{day_of(yesterday)}/" in calendar
    economy = (site / "sections" / "经济" / "archive" / "index.html").read_text(encoding="utf-8")
    assert day_of(NOW) in economy and f"{day_of(yesterday)}/" not in economy

    home = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<h1[^>]*>", home)
    assert '<meta name="description" content="青岛西海岸新区的新闻。">' in home
    assert ET.fromstring((site / "favicon.svg").read_bytes()).tag.endswith("svg")
    news = ET.fromstring((site / "sitemap-news.xml").read_bytes())
    assert {e.text for e in news.iterfind(".//n:publication/n:name", NEWS)} == {"西海岸报"}
    assert assert_links_resolve(site) == 3


def test_news_sitemap_gives_a_page_its_arrival_not_midnight(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state", CONFIG)
    arrived = NOW - dt.timedelta(minutes=1)
    local = arrived.astimezone(SHANGHAI)
    midnight = dt.datetime.combine(local.date(), dt.time(0), tzinfo=SHANGHAI)
    # as the parser leaves a printed page: published at its issue date's midnight
    page = article(1, midnight, issue_date=local.date(), provenance=provenance(arrived)).model_copy(
        update={"published_at": midnight}
    )
    store(ledger, page)
    web.publish(cfg, ledger)
    site = tmp_path / "state" / "site"
    data = (site / "sitemap-news.xml").read_bytes()
    assert check_sitemap(data) == [f"{BASE}articles/a-{1:020x}.html"]
    (stamp,) = [e.text for e in ET.fromstring(data).iterfind(".//n:publication_date", NEWS)]
    assert stamp is not None and dt.datetime.fromisoformat(stamp) == arrived
    html = (site / "articles" / f"a-{1:020x}.html").read_text(encoding="utf-8")
    day = f"{local.year}年{local.month}月{local.day}日"
    assert f'<time datetime="{local.date().isoformat()}">{day}</time>' in html
    assert "00:00" not in html  # neither on the page nor in its metadata
    stamp = arrived.astimezone(SHANGHAI).isoformat()
    assert f'<meta property="article:published_time" content="{stamp}">' in html


def test_withheld_articles_stay_out_of_archive_and_sitemaps_even_on_a_rebuild(
    tmp_path: Path, ledger: Ledger
) -> None:
    cfg = settings(tmp_path / "state", CONFIG)
    store(ledger, article(1, NOW, headline="可以发布的稿件"))
    first = store(ledger, article(6, NOW - dt.timedelta(minutes=3)))
    web.publish(cfg, ledger)
    revised = ledger.revise(first.id, correction="待审的更正。", reason="desk")
    ledger.enqueue(revised.id, revised.version, "web")
    (pending,) = ledger.pending("web")
    ledger.hold(pending, "review")  # its second version waits at the gate
    held = store(ledger, article(2, NOW, headline="待审的稿件"))
    (pending,) = ledger.pending("web")
    ledger.hold(pending, "review")  # waits at the review gate
    refused = store(ledger, article(5, NOW, headline="被拒的稿件"))
    (pending,) = ledger.pending("web")
    ledger.mark_quarantined(pending, "rejected by the desk")
    store(ledger, article(3, NOW - dt.timedelta(minutes=1)))
    site = tmp_path / "state" / "site"
    for rebuild in (False, True):
        if rebuild:
            # a site whose archive was lost rebuilds it from the ledger: the back door
            ledger.delete_value(KEY_PREFIX + CALENDAR)
            ledger.delete_value(KEY_PREFIX + DAY_PREFIX + day_of(NOW))
            store(ledger, article(4, NOW - dt.timedelta(minutes=2)))
        web.publish(cfg, ledger)
        urls = article_urls(all_sitemap_urls(site))
        # version 1 of article 6 stays where it was put; a rebuild leaves out all that the
        # ledger withholds, as the home page and section lists do (Ledger.withheld)
        shown = (1, 3, 4) if rebuild else (1, 3, 6)
        live = {f"{BASE}articles/a-{n:020x}.html" for n in shown}
        assert urls == live
        archive = (site / "archive" / day_of(NOW) / "index.html").read_text(encoding="utf-8")
        assert "可以发布的稿件" in archive
        for path in text_files(site):
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                assert "待审的稿件" not in text and held.id not in text, path
                assert "被拒的稿件" not in text and refused.id not in text, path
                assert "待审的更正。" not in text, path


def test_kills_and_moves_leave_the_archive(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state", CONFIG)
    old_day = NOW - dt.timedelta(days=3)
    doomed = store(ledger, article(1, old_day, headline="将被撤回的稿件", section="要闻"))
    moving = store(ledger, article(2, old_day, headline="改了日期的稿件", section="要闻"))
    store(ledger, article(3, NOW, section="经济"))
    web.publish(cfg, ledger)
    site = tmp_path / "state" / "site"
    assert f"{BASE}sitemaps/{day_of(old_day)}.xml" in dict(
        check_sitemap_index((site / "sitemap.xml").read_bytes())
    )
    killed = ledger.kill(doomed.id, "legal")
    ledger.enqueue(killed.id, killed.version, "web")
    store(ledger, moving.model_copy(update={"published_at": NOW - dt.timedelta(minutes=1)}))
    before = site_files(site)
    web.publish(cfg, ledger)
    changed = {k for k, v in site_files(site).items() if before.get(k) != v}
    old = day_of(old_day)
    index = dict(check_sitemap_index((site / "sitemap.xml").read_bytes()))
    assert f"{BASE}sitemaps/{old}.xml" not in index  # the day is empty now
    urls = article_urls(all_sitemap_urls(site))
    assert urls == {f"{BASE}articles/{moving.id}.html", f"{BASE}articles/a-{3:020x}.html"}
    assert {f"archive/{old}/index.html", "archive/index.html", "sitemap.xml"} <= changed
    assert "sections/要闻/archive/index.html" in changed
    emptied = (site / "archive" / old / "index.html").read_text(encoding="utf-8")
    assert "这一天暂无稿件" in emptied
    today = (site / "archive" / day_of(NOW) / "index.html").read_text(encoding="utf-8")
    assert "改了日期的稿件" in today
    calendar = (site / "archive" / "index.html").read_text(encoding="utf-8")
    assert f"/archive/{old}/" not in calendar
    for path in text_files(site):
        if path.name != f"{doomed.id}.html":
            assert "将被撤回的稿件" not in path.read_text(encoding="utf-8"), path
    assert assert_links_resolve(site) == 2


def test_a_site_from_before_the_archive_builds_it_once(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state", CONFIG)
    for n in range(1, 4):
        store(ledger, article(n, NOW - dt.timedelta(days=n)))
    web.publish(cfg, ledger)
    # what a site published before the archive existed holds: lists, no calendar, no days
    for key in [CALENDAR] + [DAY_PREFIX + day_of(NOW - dt.timedelta(days=n)) for n in (1, 2, 3)]:
        ledger.delete_value(KEY_PREFIX + key)
    for path in [site := tmp_path / "state" / "site"]:
        for old in (path / "archive").rglob("*"):
            if old.is_file():
                old.unlink()
    ledger.put(article(9, NOW - dt.timedelta(days=5)))  # never sent to the web: no page
    store(ledger, article(4, NOW))
    web.publish(cfg, ledger)
    urls = article_urls(all_sitemap_urls(site))
    assert urls == {f"{BASE}articles/a-{n:020x}.html" for n in (1, 2, 3, 4)}
    assert ledger.get_value(KEY_PREFIX + CALENDAR) is not None
    assert assert_links_resolve(site) == 4
    # from now on each publish reads only its day
    before = site_files(site)
    store(ledger, article(5, NOW))
    web.publish(cfg, ledger)
    changed = {k for k, v in site_files(site).items() if before.get(k) != v}
    assert not any(day_of(NOW - dt.timedelta(days=n)) in k for k in changed for n in (1, 2, 3))


def test_a_busy_day_is_paged_and_a_new_story_rewrites_only_the_last_page(
    tmp_path: Path, ledger: Ledger
) -> None:
    cfg = settings(tmp_path / "state", CONFIG)
    morning = dt.datetime(2026, 11, 20, 6, 0, tzinfo=SHANGHAI)
    total = ARCHIVE_PAGE + 5
    for n in range(1, total + 1):
        store(ledger, article(n, morning + dt.timedelta(minutes=n)))
    web.publish(cfg, ledger)
    site = tmp_path / "state" / "site"
    folder = site / "archive" / "2026-11-20"
    first, second = (folder / "index.html").read_text(), (folder / "2.html").read_text()
    assert "第1条" in first and f"第{ARCHIVE_PAGE}条" in first and f"第{total}条" not in first
    assert f"第{ARCHIVE_PAGE + 1}条" in second and not (folder / "3.html").exists()
    urls = all_sitemap_urls(site)
    assert f"{BASE}archive/2026-11-20/2.html" in urls and len(article_urls(urls)) == total

    before = site_files(site)
    store(ledger, article(total + 1, morning + dt.timedelta(hours=5)))
    web.publish(cfg, ledger)
    changed = {k for k, v in site_files(site).items() if before.get(k) != v}
    assert "archive/2026-11-20/2.html" in changed
    assert "archive/2026-11-20/index.html" not in changed
    assert f"第{total + 1}条" in (folder / "2.html").read_text()

    for n in range(1, 7):  # six kills take the day back to one page
        killed = ledger.kill(f"a-{n:020x}", "test")
        ledger.enqueue(killed.id, killed.version, "web")
    web.publish(cfg, ledger)
    assert not (folder / "2.html").exists()
    page = (folder / "index.html").read_text()
    assert "第1条" not in page and f"第{total + 1}条" in page and 'class="pager"' not in page
    assert f"{BASE}archive/2026-11-20/2.html" not in all_sitemap_urls(site)
    assert_links_resolve(site)
