"""The site's sitemaps and robots.txt (pure): every article by day, under one sitemap index.

``sitemap.xml`` is always a sitemap index (sitemaps.org): one ``sitemaps/<day>.xml`` per archive
day, holding that day's archive page and articles, and ``sitemaps/pages.xml`` with the home page,
the sections and the archive. A publish then rewrites the sitemap of the days it touched and
the index, never a list of every article (a plain urlset caps at 50,000 URLs anyway).
``sitemap-news.xml`` (Google News, the last two days) lives in ``feeds``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from distro.channels.web.render import Site, local

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: sitemaps.org: at most 50,000 URLs (or sitemaps in an index) per file.
MAX_URLS = 50_000
INDEX_KEY = "sitemap.xml"
PAGES_KEY = "sitemaps/pages.xml"
NEWS_KEY = "sitemap-news.xml"


@dataclass(frozen=True)
class Location:
    """One `<url>` of a sitemap, or one `<sitemap>` of an index: an address and its last change."""

    url: str
    lastmod: dt.datetime | None = None


def day_key(day: str) -> str:
    """The object key of an archive day's sitemap."""
    return f"sitemaps/{day}.xml"


def _lastmod(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return f"<lastmod>{local(value).isoformat(timespec='seconds')}</lastmod>"


def _document(root: str, element: str, locations: Iterable[Location]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="{NAMESPACE}">']
    for count, loc in enumerate(locations, start=1):
        if count > MAX_URLS:
            raise ValueError(f"a sitemap holds at most {MAX_URLS:,} entries")
        lines.append(f"<{element}><loc>{escape(loc.url)}</loc>{_lastmod(loc.lastmod)}</{element}>")
    lines.append(f"</{root}>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def urlset(locations: Sequence[Location]) -> bytes:
    """A sitemap of pages, in the order given."""
    return _document("urlset", "url", locations)


def sitemap_index(sitemaps: Sequence[Location]) -> bytes:
    """A sitemap index naming other sitemaps, in the order given."""
    return _document("sitemapindex", "sitemap", sitemaps)


def robots(site: Site) -> bytes:
    """robots.txt: everything may be crawled (tombstones say noindex); where the sitemaps are."""
    lines = [
        "User-agent: *",
        "Allow: /",
        "",
        f"Sitemap: {site.home_url}{INDEX_KEY}",
        f"Sitemap: {site.home_url}{NEWS_KEY}",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")
