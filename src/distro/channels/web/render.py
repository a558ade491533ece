"""The static site's HTML (pure): article pages, section and home indexes, tombstones."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket
from markupsafe import Markup

from distro.channels.body import render_html
from distro.channels.jsonfeed import authors, published, summarize
from distro.channels.output import section_slug
from distro.models import Article, Kind, PubStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9._/-]*")
#: How many of the newest stories an index page or a feed lists.
INDEX_SIZE = 50
FAVICON = "favicon.svg"
#: Stories per archive page: a day's pages cost the same however busy the day was.
ARCHIVE_PAGE = 100


@dataclass(frozen=True)
class Site:
    """Where the site lives, what it is called, and whose it is."""

    base_url: str
    title: str
    #: The publication's name (news:name, the JSON-LD publisher); the title when empty.
    publication: str = ""
    #: What the home page's meta description says; a sentence from the title when empty.
    description: str = ""

    @property
    def publisher(self) -> str:
        return self.publication or self.title

    @property
    def tagline(self) -> str:
        return self.description or f"{self.publisher}：最新稿件"

    @property
    def home_url(self) -> str:
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"

    def url(self, key: str) -> str:
        """The public URL of an object key; ``…/index.html`` is addressed as its folder."""
        if key == "index.html":
            return self.home_url
        if key.endswith("/index.html"):
            key = key[: -len("index.html")]
        # Most keys (articles/a-….html) need no quoting: skip it, a sitemap names thousands.
        return self.home_url + (key if _PLAIN_KEY.fullmatch(key) else quote(key))


@dataclass(frozen=True)
class Correction:
    """One earlier correction of an article: its version, note and when it appeared."""

    version: int
    note: str
    at: dt.datetime


@dataclass(frozen=True)
class Story:
    """An article version as the site shows it, with the time this version appeared (and the
    corrections before it, oldest first: a new note never erases an older one)."""

    article: Article
    updated: dt.datetime
    history: tuple[Correction, ...] = ()

    @property
    def published(self) -> dt.datetime:
        return published(self.article)

    @property
    def summary(self) -> str:
        return summarize(self.article)

    @property
    def timed(self) -> bool:
        return time_known(self.article)

    @property
    def issued(self) -> dt.datetime:
        """When the story really went out: its stated time, else when it reached the site.

        A printed page only knows its issue date (published_at is that midnight); the time a
        news sitemap wants is when the copy arrived on that day. Copy that arrived on a later
        day (an old issue loaded now) keeps its issue date: it was published then, not now.
        """
        if self.timed:
            return self.published
        arrived = local(self.article.provenance.received_at)
        if arrived.date() == local(self.published).date() and arrived > self.published:
            return arrived
        return self.published


def time_known(article: Article) -> bool:
    """Whether the article's publication time is a time, not just its issue date at midnight."""
    if article.published_at is None:
        return True  # the receipt time stands in, and that is a real moment
    moment = local(article.published_at)
    midnight = moment.hour == moment.minute == moment.second == moment.microsecond == 0
    return not (midnight and moment.date() == article.issue_date)


def article_key(article_id: str) -> str:
    """The object key of an article's page: stable across versions."""
    return f"articles/{article_id}.html"


def section_prefix(section: str) -> str:
    """The folder of a section's index and feeds."""
    return f"sections/{section_slug(section)}/"


def archive_key(section: str | None = None) -> str:
    """The archive's calendar page: the whole site's, or one section's."""
    return (section_prefix(section) if section else "") + "archive/index.html"


def day_page_key(day: str, section: str | None = None, page: int = 1) -> str:
    """Page ``page`` of one day's archive (``2021-07-05``): every section's, or one section's."""
    name = "index.html" if page == 1 else f"{page}.html"
    return (section_prefix(section) if section else "") + f"archive/{day}/{name}"


@dataclass(frozen=True)
class Listing:
    """A story as an archive page lists it: no body, so no article is read to list it."""

    id: str
    headline: str
    section: str | None
    published: dt.datetime
    timed: bool


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


def iso_when(value: dt.datetime, timed: bool = True) -> str:
    """A `<time datetime>` value: the moment with its offset, or the date alone when untimed."""
    return iso(value) if timed else local(value).date().isoformat()


def chinese_time(value: dt.datetime, timed: bool = True) -> str:
    """`2021年7月5日 08:30`, or only `2021年7月5日` when no time is known."""
    moment = local(value)
    day = f"{moment.year}年{moment.month}月{moment.day}日"
    return f"{day} {moment:%H:%M}" if timed else day


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's own bytecode cache (a private folder per user in the temp dir, keyed by each
    template's source): a publish task is a fresh process, and compiling the templates it uses
    again in each one cost about 50 ms. A cache that cannot be written is no cache, not an error.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache() -> TemplateCache | None:
    try:
        return TemplateCache()
    except (OSError, RuntimeError):  # no safe folder of our own in the temp dir
        return None


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("distro.channels.web", "templates"),
        bytecode_cache=template_cache(),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["iso"] = iso_when
    env.filters["cn"] = chinese_time
    env.filters["clock"] = lambda value: f"{local(value):%H:%M}"
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


#: Google shows at most 110 characters of a NewsArticle headline.
LD_HEADLINE_CHARS = 110


def script_json(doc: dict[str, object]) -> Markup:
    """JSON for a `<script>` element: real Chinese, and no `<`, `>` or `&` to end the element."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # escaped for the script element just above


def news_article(story: Story, site: Site, url: str) -> dict[str, object]:
    """schema.org NewsArticle of a page: headline, dates with their offset, authors, publisher."""
    article = story.article
    # Named people are Persons; an unsigned byline (本报评论员) speaks for the paper.
    kind = "Person" if article.byline and article.byline.names else "Organization"
    credited = [{"@type": kind, "name": person["name"]} for person in authors(article)]
    publisher = {"@type": "Organization", "name": site.publisher, "url": site.home_url}
    doc: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.headline[:LD_HEADLINE_CHARS],
    }
    if article.subheadline:
        doc["alternativeHeadline"] = article.subheadline
    doc["description"] = story.summary
    doc["datePublished"] = iso(story.issued)
    doc["dateModified"] = iso(max(story.updated, story.issued))
    doc["author"] = credited or [publisher]
    doc["publisher"] = publisher
    if article.section:
        doc["articleSection"] = article.section
    if article.keywords:
        doc["keywords"] = list(article.keywords)
    doc["inLanguage"] = article.language
    doc["isAccessibleForFree"] = True
    return doc


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
            issued=story.issued,
            timed=story.timed,
            updated=story.updated,
            history=story.history,
            ld=script_json(news_article(story, site, site.url(key))),
            body=marked_body(article),
            jump=jump_note(article),
            byline=printed_byline(article),
            section_url=section_url,
            nav=navigation(site, sections),
            feeds=feed_links(site, "", site.title),
        )
    )


def index_item(story: Story, site: Site) -> dict[str, object]:
    return {
        "article": story.article,
        "href": site.url(article_key(story.article.id)),
        "summary": story.summary,
        "published": story.published,
        "timed": story.timed,
    }


def render_index(
    stories: list[Story],
    site: Site,
    *,
    section: str | None = None,
    sections: Sequence[str] = (),
) -> str:
    """The home page (``section=None``) or a section's index, newest first."""
    prefix = section_prefix(section) if section else ""
    description = f"{site.publisher}“{section}”栏目的最新稿件。" if section else site.tagline
    return (
        environment()
        .get_template("index.html")
        .render(
            site=site,
            heading=section,
            description=description,
            canonical=site.url(prefix + "index.html"),
            archive=site.url(prefix + "archive/index.html"),
            robots=None,
            stories=[index_item(s, site) for s in stories],
            show_sections=section is None,
            nav=navigation(site, sections),
            feeds=feed_links(site, prefix, section or site.title),
        )
    )


def printed_page(page: str) -> str:
    """A page as a paper names it: `第2版`, `A2版`."""
    return f"{page}版" if page[:1].isalpha() and not page[:1].isdecimal() else f"第{page}版"


def jump_note(article: Article) -> str:
    """`（下转第2版）` under a story whose continuation is not in yet; empty otherwise."""
    if not article.continued_on_page:
        return ""
    return f"（下转{printed_page(article.continued_on_page)}）"


def render_teaser(
    teaser: Article, target: Article, site: Site, *, sections: Sequence[str] = ()
) -> str:
    """A resolved teaser (导读): its headline and summary, linking the story it points to."""
    return (
        environment()
        .get_template("teaser.html")
        .render(
            site=site,
            teaser=teaser,
            target_id=target.id,
            target_url=site.url(article_key(target.id)),
            target_headline=target.headline,
            page=printed_page(teaser.page_ref or target.page or ""),
            canonical=site.url(article_key(teaser.id)),
            robots="noindex",
            nav=navigation(site, sections),
            feeds=[],
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


def favicon(site: Site) -> bytes:
    """The site's icon: the publication's first character on its accent colour (SVG)."""
    mark = escape(site.publisher.strip()[:1] or "D", quote=True)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        '<rect width="64" height="64" rx="12" fill="#b3121f"/>'
        '<text x="32" y="46" font-size="40" text-anchor="middle" fill="#fff" '
        'font-family="Noto Serif CJK SC, Songti SC, serif" font-weight="900">'
        f"{mark}</text></svg>\n"
    ).encode()


def render_day(
    day: str,
    listings: Sequence[Listing],
    site: Site,
    *,
    section: str | None = None,
    page: int = 1,
    pages: int = 1,
    sections: Sequence[str] = (),
) -> str:
    """One page of a day's archive: its stories in the order given (the day's, oldest first)."""
    moment = dt.date.fromisoformat(day)
    label = f"{moment.year}年{moment.month}月{moment.day}日"
    items = [
        {
            "href": site.url(article_key(item.id)),
            "headline": item.headline,
            "section": item.section if section is None else None,
            "published": item.published,
            "timed": item.timed,
        }
        for item in listings
    ]
    heading = f"{section} · {label}" if section else label
    scope = f"“{section}”" if section else ""
    title = heading if page == 1 else f"{heading}（第{page}页）"

    def link(number: int) -> str:
        return site.url(day_page_key(day, section, number))

    return (
        environment()
        .get_template("day.html")
        .render(
            site=site,
            heading=heading,
            title=title,
            description=f"{site.publisher}{label}{scope}的稿件。",
            canonical=link(page),
            robots=None,
            items=items,
            pager=[{"number": n, "href": link(n)} for n in range(1, pages + 1) if pages > 1],
            page=page,
            calendar=site.url(archive_key(section)),
            nav=navigation(site, sections),
            feeds=[],
        )
    )


def render_calendar(
    days: Sequence[str], site: Site, *, section: str | None = None, sections: Sequence[str] = ()
) -> str:
    """The archive's calendar: every day with stories, by month, newest first."""
    months: dict[str, list[dict[str, str]]] = {}
    for day in sorted(days, reverse=True):
        moment = dt.date.fromisoformat(day)
        months.setdefault(f"{moment.year}年{moment.month}月", []).append(
            {"href": site.url(day_page_key(day, section)), "label": f"{moment.day}日", "day": day}
        )
    heading = f"{section} · 往期" if section else "往期"
    scope = f"“{section}”栏目" if section else ""
    return (
        environment()
        .get_template("calendar.html")
        .render(
            site=site,
            heading=heading,
            description=f"{site.publisher}{scope}按日期的稿件存档。",
            canonical=site.url(archive_key(section)),
            robots=None,
            months=list(months.items()),
            nav=navigation(site, sections),
            feeds=[],
        )
    )
