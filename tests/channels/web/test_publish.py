"""Publishing the site from the ledger: layout, incremental writes, versions, kills, S3."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from distro.channels import web
from distro.channels.web.catalog import CAPACITY, KEY_PREFIX
from distro.models import DeliveryState, Kind
from distro.store.ledger import Ledger
from distro.store.objects import LocalObjectStore
from tests.channels.web.stories import (
    article,
    check_atom,
    check_json_feed,
    check_rss,
    check_sitemap,
    settings,
    store,
    text_files,
)
from tests.servers.s3 import S3Server

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
SHANGHAI = ZoneInfo("Asia/Shanghai")
FEEDS = ("feed.xml", "atom.xml", "feed.json", "sitemap-news.xml")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as opened:
        yield opened


def site_files(root: Path) -> dict[str, int]:
    """Every file of the site with its modification time."""
    return {
        p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()
    }


def assert_links_resolve(site: Path, base_url: str = "http://127.0.0.1:8000/") -> int:
    """Every article link of every feed, index and sitemap is a page in the folder."""
    linked: set[str] = set()
    for path in text_files(site):
        if not path.match("articles/*"):
            text = path.read_text(encoding="utf-8")
            for key in re.findall(re.escape(base_url) + r"(articles/[a-z0-9-]+\.html)", text):
                linked.add(key)
    missing = sorted(key for key in linked if not (site / key).is_file())
    assert missing == [], missing
    return len(linked)


def check_folder(folder: Path) -> dict[str, object]:
    """Every feed of a site folder is valid; the parsed feeds by name."""
    return {
        "feed.xml": check_rss((folder / "feed.xml").read_bytes()),
        "atom.xml": check_atom((folder / "atom.xml").read_bytes()),
        "feed.json": check_json_feed((folder / "feed.json").read_bytes()),
        "sitemap-news.xml": check_sitemap((folder / "sitemap-news.xml").read_bytes()),
    }


def test_publish_lays_out_the_site_with_valid_feeds(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state")
    for n, section in [(1, "要闻"), (2, "经济"), (3, "要闻")]:
        store(ledger, article(n, NOW - dt.timedelta(minutes=n), section=section))
    teaser = store(ledger, article(9, NOW, kind=Kind.TEASER, page_ref="3", paragraphs=[]))
    report = web.publish(cfg, ledger)
    assert (report.sent, report.skipped, report.failed) == (3, 1, 0)
    site = tmp_path / "state" / "site"
    names = set(site_files(site))
    assert {f"articles/a-{n:020x}.html" for n in (1, 2, 3)} <= names
    assert f"articles/{teaser.id}.html" not in names
    for folder in (site, site / "sections" / "要闻", site / "sections" / "经济"):
        assert (folder / "index.html").is_file()
        parsed = check_folder(folder)
        rss = parsed["feed.xml"]
        assert teaser.id not in json.dumps(parsed["feed.json"])
        assert all(teaser.id not in e.id for e in rss.entries)  # type: ignore[attr-defined]
    home = check_folder(site)
    assert [e.title for e in home["feed.xml"].entries] == [  # type: ignore[attr-defined]
        "第1条 新区观摩会举行",
        "第2条 新区观摩会举行",
        "第3条 新区观摩会举行",
    ]
    yaowen = check_folder(site / "sections" / "要闻")
    assert len(yaowen["feed.xml"].entries) == 2  # type: ignore[attr-defined]
    assert len(yaowen["sitemap-news.xml"]) == 2  # type: ignore[arg-type]
    assert len(home["sitemap-news.xml"]) == 3  # type: ignore[arg-type]
    assert all(d.state is DeliveryState.SENT for d in ledger.deliveries(channel="web"))
    page = (site / "articles" / f"a-{1:020x}.html").read_text(encoding="utf-8")
    assert "<h1>第1条 新区观摩会举行</h1>" in page
    assert assert_links_resolve(site) == 3


def test_one_new_article_rewrites_only_what_it_touches(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state")
    for n, section in [(1, "要闻"), (2, "经济"), (3, "要闻")]:
        store(ledger, article(n, NOW - dt.timedelta(hours=n), section=section))
    web.publish(cfg, ledger)
    site = tmp_path / "state" / "site"
    before = site_files(site)
    store(ledger, article(4, NOW, section="经济"))
    report = web.publish(cfg, ledger)
    after = site_files(site)
    changed = {k for k in after if before.get(k) != after[k]}
    day = NOW.astimezone(SHANGHAI).date().isoformat()
    archive = {f"archive/{day}/index.html", f"sections/经济/archive/{day}/index.html"}
    archive |= {f"sitemaps/{day}.xml", "sitemap.xml"}
    allowed = {f"articles/a-{4:020x}.html", *archive}
    allowed |= {name for name in ("index.html", *FEEDS)}
    allowed |= {f"sections/经济/{name}" for name in ("index.html", *FEEDS)}
    if (NOW - dt.timedelta(hours=3)).astimezone(SHANGHAI).date().isoformat() != day:
        # just after midnight in Shanghai the new article opens a day: the calendars list it
        allowed |= {"archive/index.html", "sections/经济/archive/index.html"}
    assert f"articles/a-{4:020x}.html" in changed
    assert archive <= changed, archive - changed
    assert changed <= allowed, changed - allowed
    assert "index.html" in changed and "sections/经济/feed.xml" in changed
    assert not any(k.startswith("sections/要闻/") for k in changed)
    assert len(report.outputs) == len(changed)
    # a rerun finds nothing pending and writes nothing
    again = web.publish(cfg, ledger)
    assert (again.sent, again.outputs) == (0, [])
    assert site_files(site) == after


def test_new_version_keeps_the_id_shows_the_note_and_moves_updated(
    tmp_path: Path, ledger: Ledger
) -> None:
    cfg = settings(tmp_path / "state")
    first = store(ledger, article(1, NOW - dt.timedelta(hours=1)))
    web.publish(cfg, ledger)
    site = tmp_path / "state" / "site"
    old = check_atom((site / "atom.xml").read_bytes()).entries[0]
    revised = ledger.revise(first.id, correction="原稿人名有误，已更正。", reason="desk")
    ledger.enqueue(revised.id, revised.version, "web")
    web.publish(cfg, ledger)
    page = (site / "articles" / f"{first.id}.html").read_text(encoding="utf-8")
    assert "原稿人名有误，已更正。" in page and 'data-version="2"' in page
    new = check_atom((site / "atom.xml").read_bytes()).entries[0]
    assert new.id == old.id
    assert new.updated_parsed > old.updated_parsed
    assert check_json_feed((site / "feed.json").read_bytes())["items"][0]["_distro"]["version"] == 2


def test_a_third_correction_keeps_the_second_with_its_time(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state")
    first = store(ledger, article(1, NOW - dt.timedelta(hours=1)))
    web.publish(cfg, ledger)
    notes = ["第一次更正：人名有误。", "第二次更正：日期有误。", "第三次更正：地名有误。"]
    for note in notes:
        revised = ledger.revise(first.id, correction=note, reason="desk")
        ledger.enqueue(revised.id, revised.version, "web")
        web.publish(cfg, ledger)
    page = (tmp_path / "state" / "site" / "articles" / f"{first.id}.html").read_text("utf-8")
    assert all(note in page for note in notes)
    history = page[page.index('<ol class="history">') :]
    items = re.findall(
        r'<li><time datetime="([^"]+)">[^<]+</time>（第(\d)版）：([^<]+)</li>', history
    )
    assert [(v, n) for _t, v, n in items] == [("2", notes[0]), ("3", notes[1])]
    assert all(dt.datetime.fromisoformat(t).tzinfo is not None for t, _v, _n in items)
    assert page.index(notes[2]) < page.index('<ol class="history">')  # the latest note leads


def test_moving_section_leaves_the_old_section(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state")
    item = store(ledger, article(1, NOW, section="要闻"))
    store(ledger, article(2, NOW - dt.timedelta(hours=1), section="要闻"))
    web.publish(cfg, ledger)
    store(ledger, item.model_copy(update={"section": "经济"}))
    web.publish(cfg, ledger)
    site = tmp_path / "state" / "site"
    old = check_rss((site / "sections" / "要闻" / "feed.xml").read_bytes())
    new = check_rss((site / "sections" / "经济" / "feed.xml").read_bytes())
    assert [e.title for e in old.entries] == ["第2条 新区观摩会举行"]
    assert [e.title for e in new.entries] == ["第1条 新区观摩会举行"]


def test_killed_article_leaves_every_page_and_feed_and_leaves_a_tombstone(
    tmp_path: Path, ledger: Ledger
) -> None:
    cfg = settings(tmp_path / "state")
    doomed = store(ledger, article(1, NOW, section="要闻", headline="将被撤回的稿件"))
    store(ledger, article(2, NOW - dt.timedelta(hours=1), section="要闻"))
    web.publish(cfg, ledger)
    site = tmp_path / "state" / "site"
    assert "将被撤回的稿件" in (site / "index.html").read_text(encoding="utf-8")
    killed = ledger.kill(doomed.id, "legal takedown")
    ledger.enqueue(killed.id, killed.version, "web")
    report = web.publish(cfg, ledger)
    assert report.sent == 1
    for path in text_files(site):
        if path.name != f"{doomed.id}.html":
            text = path.read_text(encoding="utf-8")
            assert doomed.id not in text, path
            assert "将被撤回的稿件" not in text, path
    tombstone = (site / "articles" / f"{doomed.id}.html").read_text(encoding="utf-8")
    assert "本文已撤回" in tombstone and "将被撤回的稿件" not in tombstone
    check_folder(site)
    check_folder(site / "sections" / "要闻")
    (delivery,) = [d for d in ledger.deliveries(article_id=doomed.id) if d.version == 2]
    assert delivery.state is DeliveryState.SENT and delivery.detail["outcome"] == "tombstone"


def test_lost_catalog_is_rebuilt_from_the_ledger(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state")
    for n in range(1, 4):
        ledger.put(article(n, NOW - dt.timedelta(hours=n), section="经济"))
    store(ledger, article(4, NOW, section="要闻"))
    web.publish(cfg, ledger)
    site = tmp_path / "state" / "site"
    titles = [e.title for e in check_rss((site / "feed.xml").read_bytes()).entries]
    assert titles == [f"第{n}条 新区观摩会举行" for n in (4, 1, 2, 3)]
    # the three never delivered to the web still get pages, since the lists link to them
    assert assert_links_resolve(site) == 4
    assert len(check_rss((site / "sections" / "经济" / "feed.xml").read_bytes()).entries) == 3


def test_kills_that_starve_a_list_refill_it(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state")
    total = CAPACITY + 10
    for n in range(1, total + 1):
        store(ledger, article(n, NOW - dt.timedelta(minutes=n)))
    web.publish(cfg, ledger)
    shelf = json.loads(ledger.get_value(KEY_PREFIX + "home") or "{}")
    assert shelf["truncated"] is True and len(shelf["rows"]) == CAPACITY
    for n in range(1, 31):  # kill the 30 newest: 45 left on the list, under a page of 50
        killed = ledger.kill(f"a-{n:020x}", "test")
        ledger.enqueue(killed.id, killed.version, "web")
    web.publish(cfg, ledger)
    entries = check_rss((tmp_path / "state" / "site" / "feed.xml").read_bytes()).entries
    assert len(entries) == 50
    assert assert_links_resolve(tmp_path / "state" / "site") == total - 30
    assert entries[0].title == "第31条 新区观摩会举行"
    assert entries[-1].title == "第80条 新区观摩会举行"


def test_s3_output_has_types_charset_and_cache_control(
    tmp_path: Path, ledger: Ledger, s3_env: S3Server
) -> None:
    bucket = s3_env.bucket()
    cfg = settings(
        tmp_path / "state",
        '[channels.web]\nbase_url = "https://news.example.cn/"\n'
        f'[channels.web.output]\nkind = "s3"\nbucket = "{bucket}"\nprefix = "site"\n'
        f'endpoint_url = "{s3_env.endpoint_url}"\nregion = "us-east-1"\n',
    )
    item = store(ledger, article(1, NOW, section="要闻"))
    report = web.publish(cfg, ledger)
    assert report.sent == 1 and all(o.startswith(f"s3://{bucket}/site/") for o in report.outputs)
    client = s3_env.client()
    expected = {
        f"site/articles/{item.id}.html": ("text/html; charset=utf-8", "public, max-age=300"),
        "site/index.html": ("text/html; charset=utf-8", "public, max-age=60"),
        "site/feed.xml": ("application/rss+xml; charset=utf-8", "public, max-age=60"),
        "site/atom.xml": ("application/atom+xml; charset=utf-8", "public, max-age=60"),
        "site/feed.json": ("application/feed+json; charset=utf-8", "public, max-age=60"),
        "site/sitemap-news.xml": ("application/xml; charset=utf-8", "public, max-age=60"),
        "site/sections/要闻/feed.xml": ("application/rss+xml; charset=utf-8", "public, max-age=60"),
        "site/favicon.ico": ("image/x-icon", "public, max-age=60"),
    }
    for key, (kind, cache) in expected.items():
        head = client.head_object(Bucket=bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (kind, cache), key
    body = client.get_object(Bucket=bucket, Key="site/feed.xml")["Body"].read()
    assert check_rss(body).entries[0].link == f"https://news.example.cn/articles/{item.id}.html"


def test_publish_revise_and_kill_on_sqlite_and_postgresql(tmp_path: Path, store_url: str) -> None:
    cfg = settings(tmp_path / "state")
    site = tmp_path / "state" / "site"
    with Ledger(store_url) as ledger:
        kept = store(ledger, article(1, NOW, section="要闻"))
        doomed = store(ledger, article(2, NOW - dt.timedelta(hours=1), section="经济"))
        assert web.publish(cfg, ledger).sent == 2
        revised = ledger.revise(kept.id, correction="更正。", reason="desk")
        ledger.enqueue(revised.id, revised.version, "web")
        killed = ledger.kill(doomed.id, "takedown")
        ledger.enqueue(killed.id, killed.version, "web")
        assert web.publish(cfg, ledger).sent == 2
        assert ledger.pending("web") == []
    rss = check_rss((site / "feed.xml").read_bytes())
    assert [e.title for e in rss.entries] == ["第1条 新区观摩会举行"]
    assert check_rss((site / "sections" / "经济" / "feed.xml").read_bytes()).entries == []
    assert "本文已撤回" in (site / "articles" / f"{doomed.id}.html").read_text(encoding="utf-8")
    assert "更正。" in (site / "articles" / f"{kept.id}.html").read_text(encoding="utf-8")


def test_pages_go_out_before_the_lists_that_link_them(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    puts: list[str] = []

    class Recording(LocalObjectStore):
        def put(self, key: str, data: bytes, **headers: str | None) -> str:
            puts.append(key)
            return super().put(key, data, **headers)  # type: ignore[arg-type]

    # the package's `publish` attribute is the function; the module is in sys.modules
    module = importlib.import_module("distro.channels.web.publish")
    monkeypatch.setattr(module, "objects_of", lambda s: Recording(s.state.site))
    cfg = settings(tmp_path / "state")
    store(ledger, article(1, NOW, section="要闻"))
    doomed = store(ledger, article(2, NOW - dt.timedelta(hours=1), section="要闻"))
    web.publish(cfg, ledger)
    page = puts.index(f"articles/a-{1:020x}.html")
    section = [i for i, k in enumerate(puts) if k.startswith("sections/")]
    root = [i for i, k in enumerate(puts) if "/" not in k]
    assert page < min(section) and max(section) < min(root)
    puts.clear()
    killed = ledger.kill(doomed.id, "takedown")
    ledger.enqueue(killed.id, killed.version, "web")
    web.publish(cfg, ledger)
    assert puts[-1] == f"articles/{doomed.id}.html"  # the tombstone, once nothing lists it
    assert "index.html" in puts and "sections/要闻/feed.xml" in puts
