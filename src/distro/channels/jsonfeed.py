"""JSON Feed 1.1 rendering (pure), shared by the web and app channels."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from html import escape
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from distro.channels.body import render_html
from distro.html import body_text
from distro.models import Article, Kind

VERSION_URL = "https://jsonfeed.org/version/1.1"
MEDIA_TYPE = "application/feed+json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Characters of body text a summary keeps when the article has no summary of its own.
SUMMARY_CHARS = 120

UrlFor = Callable[[Article], str | None]
#: An item's id from its article; by default the bare article id.
ItemId = Callable[[Article], str]


def timestamp(value: dt.datetime) -> str:
    """RFC 3339 in Asia/Shanghai; naive values are taken as Shanghai wall time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds")


def published(article: Article) -> dt.datetime:
    """When the article was first published: its stated time, else when it was received."""
    return article.published_at or article.provenance.received_at


def summarize(article: Article) -> str:
    """The article's own summary, else the opening of its body, else its headline."""
    if article.summary:
        return article.summary
    text = " ".join(body_text(article).split())
    if not text:
        return article.headline
    # A Chinese ellipsis is two 省略号 (……), never one, never three dots.
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 2] + "……"


def content_html(article: Article) -> str:
    """The body HTML a feed carries: kicker and subheadline first, then the body with its dateline.

    A reader shows the item's title above its content, so the lines printed around the headline
    (引题 above, 副题 below with its dash) open the content; without a body there is no content.
    """
    body = render_html(article) if article.kind is Kind.ARTICLE else ""
    if not body:
        return ""
    head = ""
    if article.kicker:
        head += f"<p><small>{escape(article.kicker, quote=False)}</small></p>"
    if article.subheadline:
        head += f"<p><strong>——{escape(article.subheadline, quote=False)}</strong></p>"
    return head + body


def authors(article: Article) -> list[dict[str, str]]:
    """The byline's people, or the byline as printed when it names nobody (本报评论员)."""
    if article.byline is None:
        return []
    if article.byline.names:
        return [{"name": name} for name in article.byline.names]
    raw = article.byline.raw.strip("□■ \u3000")
    return [{"name": raw}] if raw else []


def tags(article: Article) -> list[str]:
    """Section first, then keywords, without repeats."""
    seen: dict[str, None] = {}
    for tag in [article.section, *article.keywords]:
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def render_item(
    article: Article,
    *,
    url: str | None = None,
    full_text: bool = True,
    item_id: ItemId | None = None,
) -> dict[str, Any]:
    """One article as a JSON Feed item; the id (``item_id``, else the article id) is stable."""
    item: dict[str, Any] = {"id": item_id(article) if item_id else article.id}
    if url:
        item["url"] = url
    if article.link and article.link != url:
        item["external_url"] = article.link
    item["title"] = article.headline
    summary = summarize(article)
    html = content_html(article)
    if full_text and html:
        item["content_html"] = html
    else:
        item["content_text"] = summary
    item["summary"] = summary
    first = published(article)
    item["date_published"] = timestamp(first)
    modified = max(first, article.provenance.received_at)
    if article.version > 1 or modified != first:
        item["date_modified"] = timestamp(modified)
    people = authors(article)
    if people:
        item["authors"] = people
    labels = tags(article)
    if labels:
        item["tags"] = labels
    item["language"] = article.language
    extension: dict[str, Any] = {
        "version": article.version,
        "kind": article.kind.value,
        "genre": article.genre,
        "urgency": article.urgency,
    }
    if article.correction:
        extension["correction"] = article.correction
    if article.page:
        extension["page"] = article.page
    item["_distro"] = extension
    return item


def render_jsonfeed(
    articles: Sequence[Article],
    *,
    title: str,
    home_url: str,
    feed_url: str,
    next_url: str | None = None,
    full_text: bool = True,
    description: str | None = None,
    url_for: UrlFor | None = None,
    item_id: ItemId | None = None,
) -> dict[str, Any]:
    """A JSON Feed 1.1 document of ``articles`` in the order given.

    ``url_for`` maps an article to its page; by default an item links to ``article.link``.
    ``item_id`` gives each item's id (the web passes the URN its RSS and Atom use).
    Nothing time-dependent is added, so the same articles always give the same bytes (and ETag).
    """
    link = url_for or (lambda article: article.link)
    feed: dict[str, Any] = {"version": VERSION_URL, "title": title, "home_page_url": home_url}
    feed["feed_url"] = feed_url
    if description:
        feed["description"] = description
    if next_url:
        feed["next_url"] = next_url
    feed["language"] = "zh-CN"
    feed["items"] = [
        render_item(a, url=link(a), full_text=full_text, item_id=item_id) for a in articles
    ]
    return feed


def page_url(feed_url: str, number: int) -> str:
    """The URL of page ``number`` (1-based) of a paginated feed: ``feed.json``, ``feed-2.json``."""
    if number == 1:
        return feed_url
    parts = urlsplit(feed_url)
    head, dot, ext = parts.path.rpartition(".")
    plain = not dot or "/" in ext
    path = f"{parts.path}-{number}" if plain else f"{head}-{number}.{ext}"
    return urlunsplit(parts._replace(path=path))


def paginate(
    articles: Sequence[Article],
    *,
    title: str,
    home_url: str,
    feed_url: str,
    page_size: int,
    full_text: bool = True,
    description: str | None = None,
    url_for: UrlFor | None = None,
    item_id: ItemId | None = None,
) -> list[dict[str, Any]]:
    """The feed split into pages of ``page_size`` items chained by ``next_url``.

    Page 1 lives at ``feed_url``, page n at ``page_url(feed_url, n)``; each page's ``feed_url``
    is its own address. An empty feed is one page with no items.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    chunks = [articles[i : i + page_size] for i in range(0, len(articles), page_size)] or [[]]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        following = page_url(feed_url, number + 1) if number < len(chunks) else None
        pages.append(
            render_jsonfeed(
                chunk,
                title=title,
                home_url=home_url,
                feed_url=page_url(feed_url, number),
                next_url=following,
                full_text=full_text,
                description=description,
                url_for=url_for,
                item_id=item_id,
            )
        )
    return pages


def encode(feed: dict[str, Any]) -> bytes:
    """A feed (or any JSON document) as compact UTF-8 with real Chinese characters."""
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def etag(data: bytes) -> str:
    """A strong ETag for published bytes: equal bytes, equal tag."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
