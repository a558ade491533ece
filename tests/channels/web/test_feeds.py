"""RSS, Atom, JSON Feed and the news sitemap: golden files, and each format's rules."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser

from distro.channels.web import feeds
from distro.channels.web.render import Site, Story
from distro.models import Byline
from tests.channels.web.golden import assert_golden
from tests.channels.web.stories import (
    ATOM,
    article,
    check_atom,
    check_json_feed,
    check_rss,
    check_sitemap,
    seed_article,
)

SITE = Site("https://news.example.cn/", "西海岸新闻")
WHEN = dt.datetime(2021, 7, 5, 0, 30, tzinfo=dt.UTC)


def channel(path: str) -> feeds.Channel:
    return feeds.Channel("西海岸新闻", SITE.home_url, SITE.home_url + path, "西海岸新闻：最新稿件")


def stories() -> list[Story]:
    seed = seed_article(WHEN)
    revised = article(2, WHEN - dt.timedelta(hours=1), version=2, correction="更正了时间。")
    unsigned = article(3, WHEN - dt.timedelta(hours=2), byline=None, section=None)
    commentary = article(
        4,
        WHEN - dt.timedelta(hours=3),
        genre="commentary",
        byline=Byline(raw="□本报评论员", role="评论员", roles=["评论员"]),
    )
    return [
        Story(seed, WHEN),
        Story(revised, WHEN + dt.timedelta(hours=2)),
        Story(unsigned, WHEN - dt.timedelta(hours=2)),
        Story(commentary, WHEN - dt.timedelta(hours=3)),
    ]


def test_rss_matches_golden_and_spec() -> None:
    data = feeds.rss(stories(), channel("feed.xml"), feeds.page_url(SITE))
    assert_golden("feed.xml", data)
    parsed = check_rss(data)
    assert parsed.feed.link == "https://news.example.cn/"
    assert [e.id for e in parsed.entries] == [
        "urn:distro:article:a-c6710cc7ae2753f80001",
        "urn:distro:article:a-00000000000000000002",
        "urn:distro:article:a-00000000000000000003",
        "urn:distro:article:a-00000000000000000004",
    ]
    first = parsed.entries[0]
    assert first.title == seed_article(WHEN).headline
    assert first.link == "https://news.example.cn/articles/a-c6710cc7ae2753f80001.html"
    assert "本报7月5日讯" in first.content[0].value
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "观摩会".encode() in data  # real characters, not character references


def test_atom_matches_golden_and_every_entry_has_an_author() -> None:
    data = feeds.atom(stories(), channel("atom.xml"), feeds.page_url(SITE))
    assert_golden("atom.xml", data)
    parsed = check_atom(data)
    assert [e.author for e in parsed.entries] == ["宋迎迎", "宋迎迎", "西海岸新闻", "本报评论员"]
    root = ET.fromstring(data)
    selfs = [e.get("href") for e in root.findall(f"{ATOM}link") if e.get("rel") == "self"]
    assert selfs == ["https://news.example.cn/atom.xml"]
    revised = parsed.entries[1]
    assert revised.updated == "2021-07-05T10:30:00+08:00"
    assert revised.published == "2021-07-05T07:30:00+08:00"


def test_ids_are_stable_across_versions_and_updated_moves() -> None:
    one = Story(article(7, WHEN), WHEN)
    two = Story(article(7, WHEN, version=2, headline="改过的标题"), WHEN + dt.timedelta(hours=1))
    first = check_atom(feeds.atom([one], channel("atom.xml"), feeds.page_url(SITE)))
    second = check_atom(feeds.atom([two], channel("atom.xml"), feeds.page_url(SITE)))
    assert first.entries[0].id == second.entries[0].id
    assert first.entries[0].updated != second.entries[0].updated
    assert second.feed.updated == "2021-07-05T09:30:00+08:00"


def test_summary_only_feeds_carry_no_body() -> None:
    data = feeds.rss(stories(), channel("feed.xml"), feeds.page_url(SITE), full_text=False)
    parsed = check_rss(data)
    assert "content" not in parsed.entries[0]
    assert b"content:encoded" not in data
    doc = check_json_feed(
        feeds.json_feed(stories(), channel("feed.json"), feeds.page_url(SITE), full_text=False)
    )
    assert all("content_html" not in item for item in doc["items"])


def test_json_feed_is_version_1_1_and_matches_golden() -> None:
    data = feeds.json_feed(stories(), channel("feed.json"), feeds.page_url(SITE))
    assert_golden("feed.json", data)
    doc = check_json_feed(data)
    assert doc["feed_url"] == "https://news.example.cn/feed.json"
    assert doc["items"][0]["url"].endswith("/articles/a-c6710cc7ae2753f80001.html")
    assert doc["items"][1]["_distro"]["correction"] == "更正了时间。"


def test_empty_feeds_are_still_valid() -> None:
    check_rss(feeds.rss([], channel("feed.xml"), feeds.page_url(SITE)))
    check_atom(feeds.atom([], channel("atom.xml"), feeds.page_url(SITE)))
    check_json_feed(feeds.json_feed([], channel("feed.json"), feeds.page_url(SITE)))


def test_news_sitemap_keeps_two_days_and_at_most_a_thousand() -> None:
    now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    entries = [
        feeds.NewsEntry(f"https://news.example.cn/articles/a-{n}.html", f"标题 {n} & <b>", t)
        for n, t in enumerate(now - dt.timedelta(minutes=3 * k) for k in range(1200))
    ]
    old = feeds.NewsEntry(
        "https://news.example.cn/articles/old.html", "旧闻", now - dt.timedelta(days=3)
    )
    data = feeds.news_sitemap([old, *entries], publication="西海岸新闻", now=now)
    urls = check_sitemap(data)
    assert len(urls) == 960  # one every 3 minutes for 48 hours (the 48:00 one is out)
    assert "https://news.example.cn/articles/old.html" not in urls
    assert urls[0].endswith("/a-0.html")
    crowded = [
        feeds.NewsEntry(e.url, e.title, now - dt.timedelta(seconds=n))
        for n, e in enumerate(entries)
    ]
    assert len(check_sitemap(feeds.news_sitemap(crowded, publication="x", now=now))) == 1000
    small = feeds.news_sitemap(entries[:2], publication="西海岸新闻", now=now)
    assert_golden("sitemap-news.xml", small)
    assert "标题 0 &amp; &lt;b&gt;".encode() in small


def test_rss_channel_and_item_titles_are_escaped_alike() -> None:
    """Readers that take RSS titles as HTML see `A&B <i>` as text in the channel and items."""
    odd = "要闻 & <i>评论</i>"
    item = article(7, WHEN, headline=odd)
    data = feeds.rss(
        [Story(item, WHEN)],
        feeds.Channel(odd, SITE.home_url, SITE.home_url + "feed.xml", odd),
        feeds.page_url(SITE),
    )
    root = ET.fromstring(data)
    channel_title = root.findtext("channel/title")
    item_title = root.findtext("channel/item/title")
    assert channel_title == item_title == "要闻 &amp; &lt;i&gt;评论&lt;/i&gt;"
    assert root.findtext("channel/description") == channel_title
    atom_root = ET.fromstring(
        feeds.atom([Story(item, WHEN)], channel("atom.xml"), feeds.page_url(SITE))
    )
    assert atom_root.findtext(f"{ATOM}entry/{ATOM}title") == odd


def test_an_article_has_one_id_in_rss_atom_and_json_feed() -> None:
    url_for = feeds.page_url(SITE)
    rss = check_rss(feeds.rss(stories(), channel("feed.xml"), url_for))
    atom = check_atom(feeds.atom(stories(), channel("atom.xml"), url_for))
    doc = check_json_feed(feeds.json_feed(stories(), channel("feed.json"), url_for))
    ids = [e.id for e in rss.entries]
    assert ids == [e.id for e in atom.entries] == [i["id"] for i in doc["items"]]
    assert ids == [f"urn:distro:article:{s.article.id}" for s in stories()]


def test_rss_names_its_authors_in_dc_creator() -> None:
    data = feeds.rss(stories(), channel("feed.xml"), feeds.page_url(SITE))
    parsed = check_rss(data)
    # feedparser (and newsboat) read the author of an RSS item from dc:creator
    assert [e.author for e in parsed.entries] == ["宋迎迎", "宋迎迎", "西海岸新闻", "本报评论员"]
    two = article(8, WHEN, byline=Byline(raw="□记者 宋迎迎 王伟", names=["宋迎迎", "王伟"]))
    root = ET.fromstring(feeds.rss([Story(two, WHEN)], channel("feed.xml"), feeds.page_url(SITE)))
    creators = root.findall("channel/item/{http://purl.org/dc/elements/1.1/}creator")
    assert [c.text for c in creators] == ["宋迎迎", "王伟"]
    assert root.find("channel/item/author") is None  # RSS <author> would want an e-mail


def test_feed_content_opens_with_kicker_subheadline_and_dateline() -> None:
    seed = seed_article(WHEN)
    for data in (
        feeds.rss([Story(seed, WHEN)], channel("feed.xml"), feeds.page_url(SITE)),
        feeds.atom([Story(seed, WHEN)], channel("atom.xml"), feeds.page_url(SITE)),
    ):
        content = feedparser.parse(data).entries[0].content[0].value
        assert content.index(seed.kicker or "") < content.index(seed.subheadline or "")
        dateline = content.index("<strong>本报7月5日讯</strong>")
        assert content.index(seed.subheadline or "") < dateline
    doc = check_json_feed(feeds.json_feed([Story(seed, WHEN)], channel("f"), feeds.page_url(SITE)))
    assert doc["items"][0]["content_html"].startswith(f"<p><small>{seed.kicker}</small></p>")


def test_news_sitemap_names_the_publication_and_the_real_time() -> None:
    now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    went_out = dt.datetime(2026, 11, 27, 5, 42, 10, tzinfo=dt.UTC)
    entry = feeds.NewsEntry("https://news.example.cn/articles/a-1.html", "标题", went_out)
    data = feeds.news_sitemap([entry], publication="西海岸报", now=now)
    root = ET.fromstring(data)
    ns = {"n": "http://www.google.com/schemas/sitemap-news/0.9"}
    assert root.findtext(".//n:publication/n:name", namespaces=ns) == "西海岸报"
    assert root.findtext(".//n:publication_date", namespaces=ns) == "2026-11-27T13:42:10+08:00"
