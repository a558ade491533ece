"""Feed payloads to articles (distro.parse.feed): sanitizing, dates, ids, bozo, hostile XML."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from distro.errors import SourceRejected
from distro.models import make_id
from distro.parse.feed import parse_feed
from tests.sources.feeds import BILLION_LAUGHS, BOZO, rss

URL = "https://news.example.cn/rss.xml"


def test_entries_become_sanitized_articles() -> None:
    data = rss(
        ("g-1", "头版<b>要闻</b>", "<p>正文<script>alert(1)</script></p><img src=x onerror=y>")
    )
    result = parse_feed(data, origin=URL, source="wire-feed", section="要闻")
    assert result.problems == [] and result.version == "rss20"
    [article] = result.articles
    assert article.id == make_id("feed", URL, "g-1")
    assert article.headline == "头版要闻"
    assert article.body_html is not None
    assert "script" not in article.body_html and "alert" not in article.body_html
    assert "onerror" not in article.body_html and "<p>正文</p>" in article.body_html
    assert article.summary == "正文"
    assert article.link == "https://news.example.cn/g-1.html"
    assert article.byline is not None and article.byline.names == ["记者 宋迎迎"]
    assert article.keywords == ["要闻"] and article.section == "要闻"
    assert article.published_at is not None
    assert article.published_at.utcoffset() == dt.timedelta(hours=8)
    assert article.published_at.isoformat() == "2026-01-06T10:30:00+08:00"
    assert article.language == "zh-cn"
    assert article.provenance.sha256 == hashlib.sha256(data).hexdigest()
    assert article.provenance.source == "wire-feed"


def test_same_guid_same_id_changed_content_changes_hash() -> None:
    [a] = parse_feed(rss(("g", "标题", "一")), origin=URL).articles
    [b] = parse_feed(rss(("g", "标题", "二")), origin=URL).articles
    [c] = parse_feed(rss(("g", "标题", "一"), title="新名字"), origin=URL).articles
    assert a.id == b.id == c.id
    assert a.content_hash() != b.content_hash()
    assert a.content_hash() == c.content_hash()


def test_bozo_feed_keeps_its_good_entries() -> None:
    result = parse_feed(BOZO, origin=URL)
    assert [a.headline for a in result.articles][:1] == ["好消息"]
    assert result.problems and result.problems[0].startswith("malformed feed (bozo)")


def test_entries_without_identity_or_text_are_problems() -> None:
    data = b'<rss version="2.0"><channel><title>t</title><item></item></channel></rss>'
    result = parse_feed(data, origin=URL)
    assert result.articles == []
    assert result.problems == ["entry 1: no title, summary, content or link"]


def test_duplicate_ids_in_one_feed_keep_the_first() -> None:
    result = parse_feed(rss(("g", "一", "x"), ("g", "二", "y")), origin=URL)
    assert [a.headline for a in result.articles] == ["一"]
    assert result.problems == ["entry 2: same id as entry 1; kept the first"]


def test_not_a_feed_is_a_problem() -> None:
    result = parse_feed(b"<html><body>hello</body></html>", origin=URL)
    assert result.articles == [] and result.problems


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        BILLION_LAUGHS.decode().encode("utf-16"),
        BILLION_LAUGHS.replace(b'"1.0"?>', b'"1.0" encoding="cp037"?>').decode().encode("cp037"),
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><title>&x;</title></channel></rss>",
        b"<rss><channel><!DOCTYPE x [<!ENTITY a 'b'>]><title>&a;</title>",  # not well-formed
    ],
)
def test_entity_declarations_are_refused(data: bytes) -> None:
    with pytest.raises(SourceRejected, match="entity declarations are refused"):
        parse_feed(data, origin=URL)


def test_bytes_are_never_taken_for_a_path() -> None:
    result = parse_feed(b"/etc/passwd", origin=URL)
    assert result.articles == [] and result.problems
