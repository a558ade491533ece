"""App files: JSON Feed 1.1 pages per section and global, ninjs documents, corrections, kills."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from distro.channels.app.feeds import AppFiles, render
from distro.channels.jsonfeed import VERSION_URL
from distro.channels.output import section_slug
from distro.models import Kind, PubStatus
from distro.ninjs import uri
from tests.channels.app.conftest import make_article

BASE = "https://news.example.cn/app/"
ITEM_KEYS = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
    "banner_image", "date_published", "date_modified", "authors", "tags", "language",
    "attachments",
}  # fmt: skip
FEED_KEYS = {
    "version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url",
    "icon", "favicon", "authors", "language", "expired", "hubs", "items",
}  # fmt: skip


@pytest.fixture(scope="module")
def ninjs(shared: Path) -> Draft202012Validator:
    schema = json.loads((shared / "ninjs" / "ninjs-schema_3.1.json").read_text(encoding="utf-8"))
    geojson = json.loads((shared / "ninjs" / "GeoJSON-schema.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(
        "https://geojson.org/schema/GeoJSON.json", Resource.from_contents(geojson)
    )
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def load(files: AppFiles, key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files.objects[key].data)
    return data


def key_of(url: str) -> str:
    return unquote(urlsplit(url).path).removeprefix(urlsplit(BASE).path)


def check_feed(feed: dict[str, Any]) -> None:
    """JSON Feed 1.1: required members, known members (extensions start with _), item ids."""
    assert feed["version"] == VERSION_URL
    assert isinstance(feed["title"], str) and feed["title"]
    assert isinstance(feed["items"], list)
    assert set(feed) <= FEED_KEYS
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html", item.get("content_text")), str)
        assert {k for k in item if not k.startswith("_")} <= ITEM_KEYS
        assert item["date_published"].endswith("+08:00")


def walk(files: AppFiles, key: str) -> list[dict[str, Any]]:
    """Follow next_url from ``key`` to the last page."""
    pages = []
    while True:
        feed = load(files, key)
        check_feed(feed)
        assert key_of(feed["feed_url"]) == key
        pages.append(feed)
        if "next_url" not in feed:
            return pages
        key = key_of(feed["next_url"])


def test_global_feed_pages_chain_with_next_url() -> None:
    articles = [make_article(section="要闻" if n % 2 else "体育") for n in range(7)]
    files = render(articles, title="西海岸新闻", base_url=BASE, page_size=3)
    pages = walk(files, "feed.json")
    # The head holds page_size to 2 × page_size - 1 items; archive pages, from the oldest, hold
    # page_size each: feed.json (4) -> feed-3.json (3) -> feed-2.json (3).
    assert [len(p["items"]) for p in pages] == [4, 3]
    assert [key_of(p["feed_url"]) for p in pages] == ["feed.json", "feed-2.json"]
    more = [make_article() for _ in range(10)]
    laid = walk(render(more, title="t", base_url=BASE, page_size=3), "feed.json")
    assert [len(p["items"]) for p in laid] == [4, 3, 3]
    assert [key_of(p["feed_url"]) for p in laid] == ["feed.json", "feed-3.json", "feed-2.json"]
    ids = [item["id"] for page in pages for item in page["items"]]
    assert sorted(ids) == sorted(uri(a.id) for a in articles) and len(set(ids)) == 7
    published = [item["date_published"] for page in pages for item in page["items"]]
    assert published == sorted(published, reverse=True)
    assert files.objects["feed.json"].content_type.startswith("application/feed+json")


def test_section_feeds_and_index() -> None:
    articles = [make_article(section="要闻"), make_article(section="体育"), make_article()]
    files = render(articles, title="西海岸新闻", base_url=BASE, page_size=50)
    index = load(files, "sections.json")
    assert [s["name"] for s in index["sections"]] == sorted(["要闻", "体育"])
    for section in index["sections"]:
        [page] = walk(files, key_of(section["feed_url"]))
        assert all(section["name"] in item["tags"] for item in page["items"])
        assert len(page["items"]) == section["count"]
    assert "sections/%E8%A6%81%E9%97%BB/feed.json" in json.dumps(index)
    assert section_slug("国内/国际 新闻") == "国内-国际-新闻"


def test_documents_are_ninjs_and_items_link_to_them(ninjs: Draft202012Validator) -> None:
    article = make_article()
    files = render([article], title="t", base_url=BASE, page_size=10)
    item = load(files, "feed.json")["items"][0]
    assert key_of(item["url"]) == f"articles/{article.id}.json"
    document = load(files, f"articles/{article.id}.json")
    ninjs.validate(document)
    assert document["version"] == "1" and "edNote" not in document


def test_correction_replaces_the_document_and_is_flagged(ninjs: Draft202012Validator) -> None:
    article = make_article()
    fixed = article.model_copy(update={"version": 2, "correction": "更正：人名有误"})
    files = render([fixed], title="t", base_url=BASE, page_size=10)
    document = load(files, f"articles/{article.id}.json")
    ninjs.validate(document)
    assert document["version"] == "2"
    assert "更正：人名有误" in document["edNote"]
    assert {"role": "correction", "value": "更正：人名有误"} in document["descriptions"]
    item = load(files, "feed.json")["items"][0]
    assert item["_distro"]["correction"] == "更正：人名有误" and item["_distro"]["version"] == 2


def test_killed_articles_disappear_and_teasers_stay_out() -> None:
    live = make_article()
    killed = make_article(pub_status=PubStatus.CANCELED)
    teaser = make_article(kind=Kind.TEASER, paragraphs=[])
    files = render([live, killed, teaser], title="t", base_url=BASE, page_size=10)
    assert [i["id"] for i in load(files, "feed.json")["items"]] == [uri(live.id)]
    assert files.removed == [f"articles/{killed.id}.json"]
    assert f"articles/{killed.id}.json" not in files.objects
    assert f"articles/{teaser.id}.json" not in files.objects


def test_same_articles_same_bytes() -> None:
    articles = [make_article(), make_article()]
    first = render(articles, title="t", base_url=BASE, page_size=1)
    second = render(list(reversed(articles)), title="t", base_url=BASE, page_size=1)
    assert {k: v.etag for k, v in first.objects.items()} == {
        k: v.etag for k, v in second.objects.items()
    }
