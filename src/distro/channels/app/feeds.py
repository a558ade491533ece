"""The app's files (pure): JSON Feed 1.1 pages, global and per section, and a ninjs document each.

Layout under the app output (``<state>/app/`` or a bucket), URLs under ``channels.app.base_url``:

- ``feed.json``, ``feed-2.json`` …: every live article, newest first, chained by ``next_url``;
- ``sections/<section>/feed.json`` …: the same per section;
- ``sections.json``: the section names with their feed URLs (what an app's menu needs);
- ``articles/<id>.json``: the latest version as ninjs 3.1; a correction replaces the document
  (``version`` goes up, ``edNote`` flags it, the correction note is a ``descriptions`` entry);
  a killed article's document is removed and it leaves every feed.

Teasers (pointers to another page) are page furniture and stay out. Nothing time-dependent goes
into the bytes, so unchanged content keeps its ETag and is not rewritten.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from distro.channels import jsonfeed
from distro.channels.output import PAGE, ROOT, SECTION, safe_segment
from distro.models import Article, Kind, PubStatus
from distro.ninjs import to_ninjs

FEED_CACHE = "public, max-age=60"
DOCUMENT_CACHE = "public, max-age=300"
FEED_TYPE = "application/feed+json; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
_UNSAFE = re.compile(r"[\s/\\?#%]+")


@dataclass(frozen=True)
class AppObject:
    """One file to publish."""

    data: bytes
    content_type: str
    cache_control: str
    tier: int = PAGE  # documents first, then section feeds, then the global feed and index

    @property
    def etag(self) -> str:
        return jsonfeed.etag(self.data)


@dataclass
class AppFiles:
    """Everything the app output should hold, and the documents to take down."""

    objects: dict[str, AppObject] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


def section_slug(section: str) -> str:
    """A path segment for a section: its own (Chinese) name, separators and spaces dashed."""
    return safe_segment(_UNSAFE.sub("-", section.strip()).strip("-"), section)


def document_key(article_id: str) -> str:
    return f"articles/{article_id}.json"


def url(base_url: str, key: str) -> str:
    """The public URL of ``key`` (non-ASCII path segments percent-encoded)."""
    return base_url.rstrip("/") + "/" + quote(key, safe="/-._~")


def document(article: Article) -> dict[str, Any]:
    """The article's ninjs 3.1 document; a corrected version is flagged in ``edNote``."""
    doc = to_ninjs(article)
    if article.correction:
        doc["edNote"] = f"correction, version {article.version}: {article.correction}"
    return doc


def _ordered(articles: Iterable[Article]) -> list[Article]:
    def key(article: Article) -> tuple[dt.datetime, str]:
        when = jsonfeed.published(article)
        if when.tzinfo is None:
            when = when.replace(tzinfo=jsonfeed.SHANGHAI)
        return when, article.id

    return sorted(articles, key=key, reverse=True)


def _feed_objects(
    key: str,
    articles: Sequence[Article],
    *,
    title: str,
    base_url: str,
    page_size: int,
    tier: int,
) -> dict[str, AppObject]:
    feed_url = url(base_url, key)
    pages = jsonfeed.paginate(
        articles,
        title=title,
        home_url=base_url,
        feed_url=feed_url,
        page_size=page_size,
        url_for=lambda article: url(base_url, document_key(article.id)),
    )
    objects = {}
    for number, page in enumerate(pages, start=1):
        page_key = jsonfeed.page_url(key, number)
        objects[page_key] = AppObject(jsonfeed.encode(page), FEED_TYPE, FEED_CACHE, tier)
    return objects


def render(articles: Iterable[Article], *, title: str, base_url: str, page_size: int) -> AppFiles:
    """The app's files for the latest version of each article (killed ones included)."""
    files = AppFiles()
    live: list[Article] = []
    for article in articles:
        if article.pub_status is PubStatus.CANCELED:
            files.removed.append(document_key(article.id))
        elif article.kind is Kind.ARTICLE:
            live.append(article)
    live = _ordered(live)
    files.objects.update(
        _feed_objects(
            "feed.json", live, title=title, base_url=base_url, page_size=page_size, tier=ROOT
        )
    )
    sections: dict[str, list[Article]] = {}
    for article in live:
        if article.section:
            sections.setdefault(article.section, []).append(article)
    index = []
    for name, members in sections.items():
        key = f"sections/{section_slug(name)}/feed.json"
        files.objects.update(
            _feed_objects(
                key,
                members,
                title=f"{title} · {name}",
                base_url=base_url,
                page_size=page_size,
                tier=SECTION,
            )
        )
        index.append({"name": name, "feed_url": url(base_url, key), "count": len(members)})
    index.sort(key=lambda entry: str(entry["name"]))
    listing = {"feed_url": url(base_url, "feed.json"), "sections": index}
    files.objects["sections.json"] = AppObject(
        json.dumps(listing, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        JSON_TYPE,
        FEED_CACHE,
        ROOT,
    )
    for article in live:
        doc = json.dumps(document(article), ensure_ascii=False, separators=(",", ":"))
        files.objects[document_key(article.id)] = AppObject(
            doc.encode("utf-8"), JSON_TYPE, DOCUMENT_CACHE, PAGE
        )
    return files
