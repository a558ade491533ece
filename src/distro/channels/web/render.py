"""The static site's HTML (pure): article pages, section and home indexes, tombstones."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from distro.channels.body import render_html
from distro.channels.jsonfeed import published, summarize
from distro.channels.output import safe_segment
from distro.models import Article, Kind, PubStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: How many of the newest stories an index page or a feed lists.
INDEX_SIZE = 50


@dataclass(frozen=True)
class Site:
    """Where the site lives and what it is called."""

    base_url: str
    title: str

    @property
    def home_url(self) -> str:
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"

    def url(self, key: str) -> str:
        """The public URL of an object key; ``…/index.html`` is addressed as its folder."""
        if key == "index.html":
            return self.home_url
        if key.endswith("/index.html"):
            key = key[: -len("index.html")]
        return self.home_url + quote(key)


@dataclass(frozen=True)
class Story:
    """An article version as the site shows it, with the time this version appeared."""

    article: Article
    updated: dt.datetime

    @property
    def published(self) -> dt.datetime:
        return published(self.article)

    @property
    def summary(self) -> str:
        return summarize(self.article)


def section_slug(name: str) -> str:
    """A stable, URL- and key-safe folder name for a section; Chinese names stay Chinese."""
    slug = re.sub(r"[^\w-]+", "-", name.strip().lower()).strip("-_")
    if not slug:
        slug = "s-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return safe_segment(slug, name)


def article_key(article_id: str) -> str:
    """The object key of an article's page: stable across versions."""
    return f"articles/{article_id}.html"


def section_prefix(section: str) -> str:
    """The folder of a section's index and feeds."""
    return f"sections/{section_slug(section)}/"


def publishable(article: Article) -> Article:
    """The article with links only a reader may follow: an original link must be http(s)."""
    if article.link and urlsplit(article.link.strip()).scheme.lower() not in {"http", "https"}:
        return article.model_copy(update={"link": None})
    return article


def is_page(article: Article) -> bool:
    """Only live articles get pages; teasers point elsewhere and killed items are withdrawn."""
    return article.kind is Kind.ARTICLE and article.pub_status is not PubStatus.CANCELED


def local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)


def iso(value: dt.datetime) -> str:
    return local(value).isoformat(timespec="seconds")


def chinese_time(value: dt.datetime) -> str:
    moment = local(value)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("distro.channels.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["iso"] = iso
    env.filters["cn"] = chinese_time
    return env


def feed_links(site: Site, prefix: str, label: str) -> list[dict[str, str]]:
    base = site.home_url + quote(prefix)
    return [
        {"type": "application/rss+xml", "title": f"{label} RSS", "href": base + "feed.xml"},
        {"type": "application/atom+xml", "title": f"{label} Atom", "href": base + "atom.xml"},
        {"type": "application/feed+json", "title": f"{label} JSON", "href": base + "feed.json"},
    ]


def navigation(site: Site, sections: Sequence[str]) -> list[dict[str, str]]:
    return [{"href": site.url(section_prefix(s) + "index.html"), "label": s} for s in sections]


def marked_body(article: Article) -> Markup:
    """The sanitized body, the printed dateline in bold at the head of the lead."""
    # render_html escaped or sanitized every byte of it.
    return Markup(render_html(article, css_class="dateline"))


def printed_byline(article: Article) -> str:
    """The byline as printed, without the box the page sets before it (□记者 … → 记者 …)."""
    return article.byline.raw.strip("□■ \u3000") if article.byline else ""


def render_article(story: Story, site: Site, *, sections: Sequence[str] = ()) -> str:
    """An article's page."""
    article = story.article
    key = article_key(article.id)
    section_url = (
        site.url(section_prefix(article.section) + "index.html") if article.section else ""
    )
    return (
        environment()
        .get_template("article.html")
        .render(
            site=site,
            article=article,
            canonical=site.url(key),
            robots=None,
            summary=story.summary,
            published=story.published,
            updated=story.updated,
            body=marked_body(article),
            byline=printed_byline(article),
            section_url=section_url,
            nav=navigation(site, sections),
            feeds=feed_links(site, "", site.title),
        )
    )


def render_index(
    stories: list[Story],
    site: Site,
    *,
    section: str | None = None,
    sections: Sequence[str] = (),
) -> str:
    """The home page (``section=None``) or a section's index, newest first."""
    prefix = section_prefix(section) if section else ""
    items = [
        {
            "article": s.article,
            "href": site.url(article_key(s.article.id)),
            "summary": s.summary,
            "published": s.published,
        }
        for s in stories
    ]
    return (
        environment()
        .get_template("index.html")
        .render(
            site=site,
            heading=section,
            canonical=site.url(prefix + "index.html"),
            robots=None,
            stories=items,
            show_sections=section is None,
            nav=navigation(site, sections),
            feeds=feed_links(site, prefix, section or site.title),
        )
    )


def render_tombstone(
    article_id: str, killed: dt.datetime, site: Site, *, sections: Sequence[str] = ()
) -> str:
    """What stays at a killed article's address: no headline, no text, not indexed."""
    return (
        environment()
        .get_template("tombstone.html")
        .render(
            site=site,
            article_id=article_id,
            killed=killed,
            canonical=site.url(article_key(article_id)),
            robots="noindex",
            nav=navigation(site, sections),
            feeds=[],
        )
    )
