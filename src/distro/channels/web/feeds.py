"""Feeds of the site (pure): RSS 2.0 and Atom via feedgen, JSON Feed 1.1, Google News sitemap.

Every format gives an article the same id, its URN (``urn:distro:article:a-…``, an RSS guid that
is not a permalink, an Atom IRI, the JSON Feed id), so a reader that follows two of the feeds
sees one story; it stays the same across versions.

A channel with WebSub hubs names them (``<link rel="hub">`` beside ``rel="self"`` in
RSS and Atom, ``hubs`` in JSON Feed), so a subscriber can ask a hub to push the feed's updates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from distro.channels import jsonfeed
from distro.channels.web.render import Site, Story, article_key, local
from distro.models import Article
from distro.ninjs import uri

#: Google News reads only the last two days, at most 1,000 URLs per sitemap.
NEWS_WINDOW = dt.timedelta(days=2)
NEWS_LIMIT = 1000
GENERATOR = "distro"
ATOM_NS = "http://www.w3.org/2005/Atom"

UrlFor = Callable[[Article], str]


@dataclass(frozen=True)
class Channel:
    """What a feed is about and where it lives."""

    title: str
    home_url: str
    self_url: str
    description: str
    #: WebSub hubs that announce this feed's updates.
    hubs: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewsEntry:
    """One sitemap URL: the little a news sitemap needs, kept without the article body."""

    url: str
    title: str
    #: When the story went out (``Story.issued``): a time, never an issue date's midnight.
    published: dt.datetime


def page_url(site: Site) -> UrlFor:
    return lambda article: site.url(article_key(article.id))


def authors(article: Article, fallback: str) -> list[str]:
    """Every credited person; the byline as printed or the publication when there is none."""
    return [person["name"] for person in jsonfeed.authors(article)] or [fallback]


def item_id(article: Article) -> str:
    """The one id of an article in every feed: its URN, stable across versions."""
    return uri(article.id)


class _RssHubs(BaseExtension):  # type: ignore[misc]
    """``<atom:link rel="hub">`` after the RSS channel's self link (feedgen writes only self)."""

    hubs: tuple[str, ...] = ()

    def extend_rss(self, feed: Any) -> Any:
        # `feed` is feedgen's lxml root; its own factory keeps lxml out of distro's imports.
        channel = feed[0]
        anchor = channel.find(f"{{{ATOM_NS}}}link")
        position = list(channel).index(anchor) + 1 if anchor is not None else len(channel)
        for offset, hub in enumerate(self.hubs):
            link = channel.makeelement(f"{{{ATOM_NS}}}link", {"href": hub, "rel": "hub"})
            channel.insert(position + offset, link)
        return feed


def _generator(channel: Channel, stories: Sequence[Story], *, atom: bool) -> FeedGenerator:
    fg = FeedGenerator()
    if not atom:
        # dc:creator carries the byline's names: RSS <author> wants an e-mail address.
        fg.load_extension("dc", atom=False, rss=True)
        if channel.hubs:
            fg.register_extension("websub", _RssHubs, BaseEntryExtension, atom=False, rss=True)
            fg.websub.hubs = channel.hubs
    fg.id(channel.home_url if not atom else channel.self_url)
    # RSS titles may be read as HTML: the channel's are escaped once more, like its items'.
    fg.title(channel.title if atom else escape(channel.title, quote=False))
    fg.description(channel.description if atom else escape(channel.description, quote=False))
    fg.language("zh-CN")
    fg.generator(GENERATOR)
    fg.author({"name": channel.title})
    # feedgen: RSS <link> takes the last link() call, so `self` goes first.
    fg.link(href=channel.self_url, rel="self")
    if atom:
        for hub in channel.hubs:
            fg.link(href=hub, rel="hub")
    fg.link(href=channel.home_url, rel="alternate")
    newest = max((s.updated for s in stories), default=None)
    if newest is not None:
        fg.updated(local(newest))
        fg.lastBuildDate(local(newest))
    else:
        # An empty feed still needs an `updated`; the epoch keeps the bytes reproducible.
        fg.updated(dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    return fg


def _entries(
    fg: FeedGenerator,
    stories: Sequence[Story],
    channel: Channel,
    url_for: UrlFor,
    *,
    full_text: bool,
    rss: bool,
) -> None:
    # feedgen prepends each new entry; adding oldest first keeps the newest on top.
    for story in reversed(stories):
        article = story.article
        fe = fg.add_entry()
        fe.id(item_id(article))
        fe.guid(item_id(article), permalink=False)
        # RSS titles may be read as HTML: escape once more so markup in a headline stays text.
        fe.title(escape(article.headline, quote=False) if rss else article.headline)
        fe.link(href=url_for(article), rel="alternate")
        names = authors(article, channel.title)
        if rss:
            fe.dc.dc_creator(names)
        else:
            for name in names:
                fe.author({"name": name})
        fe.published(local(story.published))
        fe.updated(local(story.updated))
        summary = story.summary
        html = jsonfeed.content_html(article)
        if rss:
            fe.description(escape(summary, quote=False))
            if full_text and html:
                fe.content(html, type="CDATA")
        else:
            fe.summary(summary)
            if full_text and html:
                fe.content(html, type="html")
        for tag in jsonfeed.tags(article):
            fe.category(term=tag)


def rss(
    stories: Sequence[Story], channel: Channel, url_for: UrlFor, *, full_text: bool = True
) -> bytes:
    """An RSS 2.0 document, newest first, UTF-8."""
    fg = _generator(channel, stories, atom=False)
    _entries(fg, stories, channel, url_for, full_text=full_text, rss=True)
    data: bytes = fg.rss_str(pretty=True)
    return data


def atom(
    stories: Sequence[Story], channel: Channel, url_for: UrlFor, *, full_text: bool = True
) -> bytes:
    """An Atom (RFC 4287) document, newest first, an author on every entry, UTF-8."""
    fg = _generator(channel, stories, atom=True)
    _entries(fg, stories, channel, url_for, full_text=full_text, rss=False)
    data: bytes = fg.atom_str(pretty=True)
    return data


def json_feed(
    stories: Sequence[Story], channel: Channel, url_for: UrlFor, *, full_text: bool = True
) -> bytes:
    """A JSON Feed 1.1 document (the renderer the app channel shares)."""
    feed = jsonfeed.render_jsonfeed(
        [s.article for s in stories],
        title=channel.title,
        home_url=channel.home_url,
        feed_url=channel.self_url,
        full_text=full_text,
        description=channel.description,
        url_for=url_for,
        item_id=item_id,
    )
    if channel.hubs:
        # JSON Feed 1.1 `hubs`, before `items` so the head of the document names them.
        items = feed.pop("items")
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in channel.hubs]
        feed["items"] = items
    return jsonfeed.encode(feed)


def news_sitemap(entries: Sequence[NewsEntry], *, publication: str, now: dt.datetime) -> bytes:
    """A Google News sitemap: entries of the last two days, newest first, at most 1,000."""
    recent = [e for e in entries if e.published > now - NEWS_WINDOW]
    recent.sort(key=lambda e: e.published, reverse=True)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">',
    ]
    for entry in recent[:NEWS_LIMIT]:
        lines += [
            "<url>",
            f"<loc>{xml_escape(entry.url)}</loc>",
            "<news:news>",
            "<news:publication>",
            f"<news:name>{xml_escape(publication)}</news:name>",
            "<news:language>zh-cn</news:language>",
            "</news:publication>",
            "<news:publication_date>"
            f"{local(entry.published).isoformat(timespec='seconds')}</news:publication_date>",
            f"<news:title>{xml_escape(entry.title)}</news:title>",
            "</news:news>",
            "</url>",
        ]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")
