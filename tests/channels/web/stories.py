"""Articles, settings and checks the web and partner channel tests share."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import feedparser
import jsonschema

from distro import config
from distro.dates import strip_dateline
from distro.models import Article, Byline, Credit, Dateline, Provenance
from distro.store.ledger import Ledger
from tests.conftest import SEED

ATOM = "{http://www.w3.org/2005/Atom}"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
JSON_FEED_11 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "next_url": {"type": "string", "format": "uri"},
        "language": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "url": {"type": "string", "format": "uri"},
                    "title": {"type": "string"},
                    "content_html": {"type": "string"},
                    "content_text": {"type": "string"},
                    "summary": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "date_modified": {"type": "string", "format": "date-time"},
                    "authors": {
                        "type": "array",
                        "items": {"type": "object", "minProperties": 1},
                    },
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "language": {"type": "string"},
                },
                "patternProperties": {"^_": {}},
                "additionalProperties": False,
            },
        },
    },
    "patternProperties": {"^_": {}},
}


#: The site's binary files (the ICO icon): every other file is UTF-8 text.
BINARY_SUFFIXES = frozenset({".ico"})


def text_files(root: Path) -> list[Path]:
    """Every text file under ``root`` (a site folder), sorted."""
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix not in BINARY_SUFFIXES
    )


def seed_lines() -> list[str]:
    """The non-empty lines of the original newspaper page."""
    text = SEED.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def provenance(when: dt.datetime) -> Provenance:
    return Provenance(origin="file:///inbox/000.txt", sha256="c" * 64, received_at=when)


def seed_article(when: dt.datetime = dt.datetime(2021, 7, 5, 0, 30, tzinfo=dt.UTC)) -> Article:
    """The seed page's lead story, as the parser would hand it over."""
    lines = seed_lines()
    dateline = Dateline(raw="本报7月5日讯", span=(0, 7), date=dt.date(2021, 7, 5), outlet="本报")
    return Article(
        id="a-c6710cc7ae2753f80001",
        section="要闻",
        kicker=lines[0],
        headline=lines[1],
        subheadline=lines[2],
        byline=Byline(
            raw=lines[3],
            role="记者",
            roles=["记者"],
            names=["宋迎迎"],
            credits=[Credit(name="宋迎迎", role="记者")],
        ),
        dateline=dateline,
        # As the parser leaves it: the dateline cut off the lead, kept in `dateline`.
        paragraphs=[strip_dateline(lines[4], dateline), *lines[5:7]],
        keywords=["观摩会"],
        page="1",
        issue_date=dt.date(2021, 7, 5),
        published_at=when,
        provenance=provenance(when),
    )


def article(n: int, when: dt.datetime, **update: Any) -> Article:
    """A short article numbered ``n``."""
    base = Article(
        id=f"a-{n:020x}",
        headline=f"第{n}条 新区观摩会举行",
        section="要闻",
        byline=Byline(raw="□记者 宋迎迎 报道", role="记者", roles=["记者"], names=["宋迎迎"]),
        paragraphs=[f"本报讯 第{n}条稿件的第一段。", "各有关部门参加。"],
        published_at=when,
        provenance=provenance(when),
    )
    return base.model_copy(update=update)


def settings(state: Path, text: str = "") -> config.Settings:
    """Settings from TOML ``text`` (a base URL on 127.0.0.1 by default) for a state folder."""
    body = text or '[channels.web]\nbase_url = "http://127.0.0.1:8000/"\ntitle = "西海岸新闻"\n'
    path = state / "distro.toml"
    state.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return config.load(path, state)


def store(ledger: Ledger, item: Article, channel: str = "web", target: str = "default") -> Article:
    """Put an article in the ledger and enqueue it for a channel, as ingest does."""
    _outcome, stored = ledger.put(item)
    ledger.enqueue(stored.id, stored.version, channel, target)
    return stored


def check_rss(data: bytes) -> feedparser.FeedParserDict:
    """RSS 2.0: parses cleanly, required elements, RFC 822 dates, atom:link rel=self."""
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    channel = ET.fromstring(data).find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    selfs = [e for e in channel.findall(f"{ATOM}link") if e.get("rel") == "self"]
    assert len(selfs) == 1 and selfs[0].get("href", "").endswith(".xml")
    assert channel.findtext("link") != selfs[0].get("href")
    for item in channel.findall("item"):
        assert item.findtext("title") and item.findtext("link") and item.findtext("guid")
        date = item.findtext("pubDate") or ""
        assert RFC822.match(date), date
        assert email.utils.parsedate_to_datetime(date).tzinfo is not None
    build = channel.findtext("lastBuildDate")
    if build:
        assert RFC822.match(build), build
    return parsed


def check_atom(data: bytes) -> feedparser.FeedParserDict:
    """Atom: parses cleanly; feed and entries have id, title, updated; every entry an author."""
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    root = ET.fromstring(data)
    for name in ("id", "title", "updated"):
        assert root.findtext(f"{ATOM}{name}"), name
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.findtext(f"{ATOM}{name}"), name
        authors = entry.findall(f"{ATOM}author")
        assert authors and all(a.findtext(f"{ATOM}name") for a in authors)
    return parsed


def check_json_feed(data: bytes) -> dict[str, Any]:
    """JSON Feed 1.1: the schema above, with formats checked."""
    doc: dict[str, Any] = json.loads(data.decode("utf-8"))
    jsonschema.validate(doc, JSON_FEED_11, format_checker=jsonschema.FormatChecker())
    return doc


def check_sitemap(data: bytes) -> list[str]:
    """A Google News sitemap: well-formed, ≤ 1,000 URLs, each with the news fields; the URLs."""
    root = ET.fromstring(data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
          "n": "http://www.google.com/schemas/sitemap-news/0.9"}  # fmt: skip
    urls = root.findall("s:url", ns)
    assert len(urls) <= 1000
    for url in urls:
        assert url.findtext("s:loc", namespaces=ns)
        assert url.findtext("n:news/n:publication/n:language", namespaces=ns) == "zh-cn"
        assert url.findtext("n:news/n:publication_date", namespaces=ns)
        assert url.findtext("n:news/n:title", namespaces=ns)
    return [u.findtext("s:loc", namespaces=ns) or "" for u in urls]


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
#: W3C Datetime, as sitemaps.org allows it for <lastmod>: a date, or a time with its offset.
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z))?$")


def _locations(data: bytes, root_tag: str, item_tag: str) -> list[tuple[str, str | None]]:
    """The (loc, lastmod) pairs of a sitemap or index, checking its structure on the way."""
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(data)
    assert root.tag == SITEMAP + root_tag, root.tag
    pairs = []
    for child in root:
        assert child.tag == SITEMAP + item_tag, child.tag
        allowed = {"loc", "lastmod"} | ({"changefreq", "priority"} if item_tag == "url" else set())
        names = [c.tag.removeprefix(SITEMAP) for c in child]
        assert set(names) <= allowed and names.count("loc") == 1, names
        assert names.count("lastmod") <= 1, names
        loc = child.findtext(SITEMAP + "loc") or ""
        assert loc.startswith(("http://", "https://")) and len(loc) <= 2048, loc
        lastmod = child.findtext(SITEMAP + "lastmod")
        assert lastmod is None or W3C_DATETIME.match(lastmod), lastmod
        pairs.append((loc, lastmod))
    assert len(pairs) <= 50_000
    assert len({loc for loc, _ in pairs}) == len(pairs), "a URL twice"
    return pairs


def check_urlset(data: bytes) -> list[tuple[str, str | None]]:
    """A sitemaps.org urlset: one <loc> per <url>, absolute, W3C lastmods; the pairs."""
    return _locations(data, "urlset", "url")


def check_sitemap_index(data: bytes) -> list[tuple[str, str | None]]:
    """A sitemaps.org sitemap index: one <loc> per <sitemap>; the pairs."""
    return _locations(data, "sitemapindex", "sitemap")
