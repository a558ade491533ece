"""JSON Feed 1.1 rendering: required fields, stable ids, RFC 3339 Shanghai dates, sanitized HTML."""

from __future__ import annotations

import datetime as dt
import json

from distro.channels.jsonfeed import (
    SUMMARY_CHARS,
    VERSION_URL,
    encode,
    etag,
    page_url,
    paginate,
    render_jsonfeed,
    summarize,
)
from distro.models import Article, Byline, Dateline, Kind, Provenance

UTC = dt.UTC
RFC3339_SHANGHAI = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$"


def make(n: int, **update: object) -> Article:
    base = Article(
        id=f"a-{n:020x}",
        headline=f"第{n}条 新区观摩会举行",
        section="要闻",
        keywords=["观摩会", "要闻"],
        byline=Byline(raw="□记者 宋迎迎 报道", role="记者", roles=["记者"], names=["宋迎迎"]),
        paragraphs=["孙永红出席观摩会并讲话。", "各有关部门<单位>参加。"],
        published_at=dt.datetime(2021, 7, 5, 0, 30, tzinfo=UTC),
        provenance=Provenance(
            origin="file:///inbox/x.txt",
            sha256="a" * 64,
            received_at=dt.datetime(2021, 7, 5, 0, 30, tzinfo=UTC),
        ),
    )
    return base.model_copy(update=update)


def assert_valid(feed: dict[str, object]) -> None:
    """The JSON Feed 1.1 MUSTs."""
    assert feed["version"] == VERSION_URL
    assert isinstance(feed["title"], str) and feed["title"]
    items = feed["items"]
    assert isinstance(items, list)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    for item in items:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html", item.get("content_text")), str)
        for key in item:
            assert key in {
                "id", "url", "external_url", "title", "content_html", "content_text",
                "summary", "image", "banner_image", "date_published", "date_modified",
                "authors", "tags", "language", "attachments",
            } or key.startswith("_"), key  # fmt: skip


def test_feed_has_required_fields_and_shanghai_dates() -> None:
    feed = render_jsonfeed(
        [make(1)], title="要闻", home_url="https://x.test/", feed_url="https://x.test/feed.json"
    )
    assert_valid(feed)
    item = feed["items"][0]
    assert item["id"] == "a-00000000000000000001"
    assert item["date_published"] == "2021-07-05T08:30:00+08:00"
    assert "date_modified" not in item
    assert item["authors"] == [{"name": "宋迎迎"}]
    assert item["tags"] == ["要闻", "观摩会"]
    assert item["language"] == "zh-CN" == feed["language"]
    assert (
        item["content_html"] == "<p>孙永红出席观摩会并讲话。</p><p>各有关部门&lt;单位&gt;参加。</p>"
    )
    assert item["_distro"]["version"] == 1 and "correction" not in item["_distro"]
    assert "next_url" not in feed


def test_html_body_is_sanitized_and_summary_only_mode_uses_text() -> None:
    hostile = make(2, paragraphs=[], body_html='<p onclick="x()">好<script>alert(1)</script></p>')
    full = render_jsonfeed([hostile], title="t", home_url="h", feed_url="f")["items"][0]
    assert full["content_html"] == "<p>好</p>"
    brief = render_jsonfeed([make(3)], title="t", home_url="h", feed_url="f", full_text=False)
    item = brief["items"][0]
    assert "content_html" not in item
    assert item["content_text"] == "孙永红出席观摩会并讲话。 各有关部门<单位>参加。"


def test_correction_and_commentary_byline_and_teaser() -> None:
    fixed = make(4, version=2, correction="更正：人名有误").model_copy(
        update={
            "provenance": make(4).provenance.model_copy(
                update={"received_at": dt.datetime(2021, 7, 6, 1, 0, tzinfo=UTC)}
            )
        }
    )
    item = render_jsonfeed([fixed], title="t", home_url="h", feed_url="f")["items"][0]
    assert item["_distro"] == {
        "version": 2,
        "kind": "article",
        "genre": "news",
        "urgency": 5,
        "correction": "更正：人名有误",
    }
    assert item["date_modified"] == "2021-07-06T09:00:00+08:00"
    unsigned = make(5, byline=Byline(raw="□本报评论员", role="评论员", roles=["评论员"]))
    assert render_jsonfeed([unsigned], title="t", home_url="h", feed_url="f")["items"][0][
        "authors"
    ] == [{"name": "本报评论员"}]
    teaser = make(6, kind=Kind.TEASER, paragraphs=[], page_ref="3")
    item = render_jsonfeed([teaser], title="t", home_url="h", feed_url="f")["items"][0]
    assert item["content_text"] == teaser.headline


def test_url_for_and_external_link() -> None:
    article = make(7, link="https://origin.test/7")
    item = render_jsonfeed(
        [article],
        title="t",
        home_url="h",
        feed_url="f",
        url_for=lambda a: f"https://x.test/a/{a.id}.json",
    )["items"][0]
    assert item["url"] == "https://x.test/a/a-00000000000000000007.json"
    assert item["external_url"] == "https://origin.test/7"


def test_paginate_chains_pages_with_next_url() -> None:
    articles = [make(n) for n in range(1, 8)]
    pages = paginate(
        articles, title="全部", home_url="https://x.test/", feed_url="https://x.test/feed.json",
        page_size=3,
    )  # fmt: skip
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert [p["feed_url"] for p in pages] == [
        "https://x.test/feed.json",
        "https://x.test/feed-2.json",
        "https://x.test/feed-3.json",
    ]
    assert [p.get("next_url") for p in pages] == [
        "https://x.test/feed-2.json",
        "https://x.test/feed-3.json",
        None,
    ]
    for page in pages:
        assert_valid(page)
    seen = [item["id"] for page in pages for item in page["items"]]
    assert seen == [a.id for a in articles]
    empty = paginate(
        [], title="空", home_url="h", feed_url="https://x.test/s/feed.json", page_size=3
    )
    assert len(empty) == 1 and empty[0]["items"] == []


def test_page_url_without_extension_and_with_query() -> None:
    assert page_url("https://x.test/feed", 2) == "https://x.test/feed-2"
    assert page_url("https://x.test/v1.0/feed?x=1", 3) == "https://x.test/v1.0/feed-3?x=1"


def test_encoding_is_deterministic_utf8() -> None:
    feed = render_jsonfeed([make(8)], title="要闻", home_url="h", feed_url="f")
    data = encode(feed)
    assert "要闻".encode() in data and b"\\u" not in data
    assert json.loads(data) == feed
    again = encode(render_jsonfeed([make(8)], title="要闻", home_url="h", feed_url="f"))
    assert etag(data) == etag(again)
    assert etag(data) != etag(
        encode(render_jsonfeed([make(9)], title="要闻", home_url="h", feed_url="f"))
    )


def test_item_id_gives_every_item_the_id_the_caller_names() -> None:
    articles = [make(10), make(11, version=3)]
    urn = "urn:distro:article:"
    feed = render_jsonfeed(
        articles, title="t", home_url="h", feed_url="f", item_id=lambda a: urn + a.id
    )
    assert [i["id"] for i in feed["items"]] == [urn + a.id for a in articles]
    pages = paginate(
        articles, title="t", home_url="h", feed_url="https://x.test/feed.json", page_size=1,
        item_id=lambda a: urn + a.id,
    )  # fmt: skip
    assert [p["items"][0]["id"] for p in pages] == [urn + a.id for a in articles]


def test_content_opens_with_kicker_and_subheadline_and_dateline() -> None:
    item = make(
        12,
        kicker="2021年全区<攻坚突破年>现场观摩会举行",
        subheadline="孙永红出席并讲话 周安主持",
        dateline=Dateline(raw="本报7月5日讯", span=(0, 7)),
    )
    html = render_jsonfeed([item], title="t", home_url="h", feed_url="f")["items"][0][
        "content_html"
    ]
    assert html.startswith(
        "<p><small>2021年全区&lt;攻坚突破年&gt;现场观摩会举行</small></p>"
        "<p><strong>——孙永红出席并讲话 周安主持</strong></p>"
        "<p><strong>本报7月5日讯</strong> 孙永红出席观摩会并讲话。</p>"
    )
    teaser = make(13, kind=Kind.TEASER, paragraphs=[], page_ref="3", kicker="引题")
    assert (
        "content_html"
        not in render_jsonfeed([teaser], title="t", home_url="h", feed_url="f")["items"][0]
    )


def test_a_cut_summary_ends_with_a_chinese_ellipsis() -> None:
    long = make(14, paragraphs=["观摩" * 100])
    summary = summarize(long)
    assert summary.endswith("……") and not summary.endswith("………")
    assert len(summary) == SUMMARY_CHARS
    assert summarize(make(15)) == "孙永红出席观摩会并讲话。 各有关部门<单位>参加。"
