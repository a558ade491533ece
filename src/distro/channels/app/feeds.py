"""The app's files (pure): JSON Feed 1.1 pages, global and per section, and a ninjs document each.

Layout under the app output (``<state>/app/`` or a bucket), URLs under ``channels.app.base_url``:

- ``feed.json`` (the newest articles), then ``feed-<n>.json`` archive pages chained by
  ``next_url``: every live article, newest first, laid out by ``distro.channels.app.pages`` so
  that a new article rewrites the head page and not the archive;
- ``sections/<section>/feed.json`` …: the same per section;
- ``sections.json``: the section names with their feed URLs (what an app's menu needs);
- ``articles/<id>.json``: the latest version as ninjs 3.1 (its ``uri`` is the article's URN,
  ``urn:distro:article:a-…``, the id of its item in every feed; the bare id is the ``altIds``
  entry of role ``distroId`` and names the file); a correction replaces the document
  (``version`` goes up, ``edNote`` flags it, the correction note is a ``descriptions`` entry);
  a killed article's document is removed and it leaves every feed.

Teasers (pointers to another page) are page furniture and stay out. Nothing time-dependent goes
into the bytes, so unchanged content keeps its ETag and is not rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from distro.channels import jsonfeed
from distro.channels.app import pages
from distro.channels.output import PAGE, ROOT, SECTION, section_slug
from distro.models import Article, Kind, PubStatus
from distro.ninjs import to_ninjs, uri

FEED_CACHE = "public, max-age=60"
DOCUMENT_CACHE = "public, max-age=300"
FEED_TYPE = "application/feed+json; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
#: Largest item plus document one article may make: a field this big is a fault, not news.
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


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
    refused: dict[str, str] = field(default_factory=dict)


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


def item_id(article: Article) -> str:
    """An item's id: the article's URN, as on the web's feeds and the ninjs document's ``uri``."""
    return uri(article.id)


def published_key(article: Article) -> str:
    """The article's place in every feed: newest first by publication time, then id."""
    return pages.sort_key(jsonfeed.published(article), article.id)


def section_feed(section: str) -> str:
    return f"sections/{section_slug(section)}/feed.json"


@dataclass(frozen=True)
class Rendered:
    """One live article rendered once: its feed item (as a page member), its document, and the
    feeds it belongs on (feed key -> section name, None for the global feed)."""

    member: pages.Member
    document: bytes
    feeds: dict[str, str | None]


def render_article(article: Article, *, base_url: str) -> Rendered:
    """The article's item and ninjs document; raises on data that cannot be rendered (a time
    that cannot be put in UTC, text that is not UTF-8, a document over ``MAX_DOCUMENT_BYTES``),
    for the caller to quarantine that article alone."""
    sort = published_key(article)
    item = jsonfeed.render_item(
        article, url=url(base_url, document_key(article.id)), item_id=item_id
    )
    size = len(jsonfeed.encode(item))  # also proves the item encodes (no lone surrogates)
    data = json.dumps(document(article), ensure_ascii=False, separators=(",", ":"))
    doc = data.encode("utf-8")
    if size + len(doc) > MAX_DOCUMENT_BYTES:
        raise ValueError(
            f"item and document are {size + len(doc):,} bytes, over the app's limit of "
            f"{MAX_DOCUMENT_BYTES:,}"
        )
    feeds: dict[str, str | None] = {pages.GLOBAL: None}
    if article.section:
        feeds[section_feed(article.section)] = article.section
    return Rendered(pages.Member(article.id, sort, item), doc, feeds)


def refusal(article_id: str, exc: BaseException) -> str:
    """The quarantine reason for an article that cannot be rendered."""
    return f"cannot render {article_id} for the app: {type(exc).__name__}: {str(exc)[:300]}"


def document_object(rendered: Rendered) -> AppObject:
    return AppObject(rendered.document, JSON_TYPE, DOCUMENT_CACHE, PAGE)


def feed_object(key: str, data: bytes) -> AppObject:
    """A feed page: the global feed's pages go out last (ROOT), section pages before (SECTION)."""
    tier = ROOT if key.startswith("feed") else SECTION
    return AppObject(data, FEED_TYPE, FEED_CACHE, tier)


def render(articles: Iterable[Article], *, title: str, base_url: str, page_size: int) -> AppFiles:
    """The app's files for the latest version of each article (killed ones included), laid out
    as ``pages`` lays them out from scratch; an article that cannot be rendered is left out and
    named in ``refused``."""
    files = AppFiles()
    laid: list[tuple[pages.Member, dict[str, str | None]]] = []
    for article in articles:
        if article.pub_status is PubStatus.CANCELED:
            files.removed.append(document_key(article.id))
            continue
        if article.kind is not Kind.ARTICLE:
            continue
        try:
            rendered = render_article(article, base_url=base_url)
        except Exception as exc:  # one article that cannot render must not stop the feeds
            files.refused[article.id] = refusal(article.id, exc)
            continue
        files.objects[document_key(article.id)] = document_object(rendered)
        laid.append((rendered.member, rendered.feeds))
    book = pages.Pages(None, title=title, base_url=base_url, page_size=page_size)
    book.build(laid)
    written, _gone = book.files()
    for key, data in written.items():
        files.objects[key] = feed_object(key, data)
    files.objects["sections.json"] = AppObject(book.index(), JSON_TYPE, FEED_CACHE, ROOT)
    return files
