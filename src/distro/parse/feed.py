"""Feed payloads to articles: guard against hostile XML, parse with feedparser, sanitize with nh3.

Pure: bytes in, articles and problems out. A malformed ("bozo") feed still yields the entries
feedparser recovered; the reason is returned as a problem for the caller to quarantine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re
import time
import xml.sax
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import nh3
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml import sax as defused_sax
from feedparser.encodings import convert_to_utf8
from pydantic import ValidationError

from distro.embargo import parse_time
from distro.errors import SourceRejected
from distro.html import sanitize, text_to_html
from distro.models import Article, Byline, Provenance, explain, make_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUMMARY_CHARS = 500
HEADLINE_FALLBACK_CHARS = 60
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
SPACE = re.compile(r"\s+")
HTML_TYPES = {"text/html", "application/xhtml+xml", "html", "xhtml"}
#: A numeric character reference, decimal or hex, in any ASCII-compatible encoding.
CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,24}));")


def _unusable(codepoint: int) -> bool:
    """Whether no text may hold the character (what ``models.CONTROL`` cleans, C1 aside)."""
    return (
        codepoint in (0xFFFE, 0xFFFF)
        or codepoint > 0x10FFFF
        or 0xD800 <= codepoint <= 0xDFFF
        or (codepoint < 0x20 and codepoint not in (0x09, 0x0A, 0x0D))
    )


def drop_unusable_charrefs(data: bytes) -> bytes:
    """``data`` without references to characters no text may hold (``&#xD800;``, ``&#1;``).

    feedparser's lenient parser raises on a lone surrogate's reference, which would fail the
    whole feed for one bad item; the models clean such characters anyway, so they go first.
    """

    def keep(match: re.Match[bytes]) -> bytes:
        hex_digits, digits = match.groups()
        codepoint = int(hex_digits, 16) if hex_digits else int(digits)
        return b"" if _unusable(codepoint) else match.group()

    return CHARREF.sub(keep, data) if b"&#" in data else data


@dataclass
class FeedResult:
    """What one feed payload yields."""

    articles: list[Article] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    encoding: str | None = None
    version: str | None = None


def refuse_hostile(data: bytes, origin: str, headers: dict[str, str] | None = None) -> None:
    """Refuse entity declarations (billion laughs, external entities) before any parser sees them.

    defusedxml stops at the first declaration, so the check ends in time bounded by the bytes
    before it. Documents that are not well-formed go to feedparser's lenient parser; they are
    refused when their bytes declare an entity anywhere.
    """
    try:
        defused_sax.parseString(
            data,
            xml.sax.handler.ContentHandler(),
            forbid_dtd=False,
            forbid_entities=True,
            forbid_external=True,
        )
    except DefusedXmlException as exc:
        raise SourceRejected(
            f"{origin}: XML entity declarations are refused ({type(exc).__name__}: {exc})"
        ) from exc
    except (xml.sax.SAXException, ValueError, LookupError, UnicodeError):
        if any(ENTITY_DECLARATION.search(view) for view in _views(data, headers or {})):
            raise SourceRejected(
                f"{origin}: XML entity declarations are refused (in a malformed document)"
            ) from None


def _views(data: bytes, headers: dict[str, str]) -> Iterator[bytes]:
    """The bytes as given, without NULs (UTF-16/32), and as feedparser will see them (UTF-8)."""
    yield data
    yield data.replace(b"\0", b"")
    try:
        # EBCDIC and other encodings expat cannot read: feedparser converts them first.
        yield convert_to_utf8(headers, data, {})
    except Exception:
        return


def plain(value: str | None) -> str:
    """Markup to one line of plain text."""
    if not value:
        return ""
    return SPACE.sub(" ", html.unescape(nh3.clean(value, tags=set()))).strip()


def to_shanghai(parsed: Any) -> dt.datetime | None:
    """feedparser's UTC struct_time as an Asia/Shanghai datetime (None when unusable)."""
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        return dt.datetime(*parsed[:6], tzinfo=dt.UTC).astimezone(SHANGHAI)
    except (ValueError, OverflowError):
        return None


def entry_body(entry: Any) -> str | None:
    """The entry's richest body as sanitized HTML."""
    contents = entry.get("content") or []
    chosen = next((c for c in contents if c.get("type") in HTML_TYPES), None)
    chosen = chosen or (contents[0] if contents else None)
    if chosen is None and entry.get("summary"):
        detail = entry.get("summary_detail") or {}
        chosen = {"type": detail.get("type", "text/html"), "value": entry.get("summary")}
    if not chosen or not chosen.get("value"):
        return None
    value = str(chosen["value"])
    if chosen.get("type") in HTML_TYPES:
        body = sanitize(value).strip()
    else:
        body = "".join(
            f"<p>{text_to_html(p.strip())}</p>" for p in value.split("\n\n") if p.strip()
        )
    return body or None


def http_link(value: Any) -> str | None:
    if isinstance(value, str) and value.lower().startswith(("http://", "https://")):
        return value.strip()
    return None


def embargo_of(entry: Any) -> dt.datetime | None:
    """The entry's ``dcterms:available`` (DCMI: when the resource becomes available), if any.

    One ISO 8601 time, no offset meaning Asia/Shanghai as in a sidecar; anything else (a range,
    a date alone, a year out of range) is a ValueError: the entry is quarantined, not guessed.
    """
    value = entry.get("dcterms_available")
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    when = parse_time(text, SHANGHAI, "dcterms:available")
    if "T" not in text and " " not in text:  # midnight would be a guess
        raise ValueError(f"dcterms:available {text!r} is a date without a time")
    return when


def entry_article(
    entry: Any,
    *,
    feed_url: str,
    language: str,
    provenance: Provenance,
    section: str | None,
) -> Article:
    """One feed entry as an article; ValueError when it has nothing to be an article."""
    guid = str(entry.get("id") or "").strip() or None
    link = http_link(entry.get("link"))
    body = entry_body(entry)
    summary = plain(entry.get("summary"))[:SUMMARY_CHARS] or None
    headline = plain(entry.get("title"))
    if not headline:
        text = summary or plain(body)
        headline = text[:HEADLINE_FALLBACK_CHARS] or (link or "")
    if not headline:
        raise ValueError("no title, summary, content or link")
    # dict.get: feedparser's own get maps a missing updated_parsed to published_parsed with a
    # DeprecationWarning (an out-of-range pubDate, year 9999, took that path).
    published = to_shanghai(dict.get(entry, "published_parsed")) or to_shanghai(
        dict.get(entry, "updated_parsed")
    )
    # Without a guid or link, a title alone does not tie two entries: add the date, else the text.
    key = guid or entry.get("link") or f"title:{headline}"
    if not guid and not entry.get("link"):
        tie = published.isoformat() if published else plain(body) or summary or ""
        key += "\x1f" + hashlib.sha256(tie.encode()).hexdigest()[:16]
    author = plain(entry.get("author"))
    byline = Byline(raw=author, names=[author]) if author else None
    keywords = list(dict.fromkeys(plain(t.get("term")) for t in entry.get("tags") or []))
    embargo = embargo_of(entry)
    return Article(
        id=make_id("feed", feed_url, str(key)),
        headline=headline,
        body_html=body,
        summary=summary,
        link=link,
        byline=byline,
        section=section,
        published_at=published,
        keywords=[k for k in keywords if k],
        language=language,
        provenance=provenance,
        embargo_until=embargo,
    )


def parse_feed(
    data: bytes,
    *,
    origin: str,
    headers: dict[str, str] | None = None,
    source: str = "feed",
    received_at: dt.datetime | None = None,
    section: str | None = None,
) -> FeedResult:
    """Articles from an RSS/Atom payload; raises SourceRejected for hostile XML."""
    # No content-location: feedparser would resolve relative guids against it, and ids must
    # not depend on where the feed happens to be served from beyond its URL.
    response_headers = {
        k.lower(): v for k, v in (headers or {}).items() if k.lower() != "content-location"
    }
    refuse_hostile(data, origin, response_headers)
    parsed = feedparser.parse(
        io.BytesIO(drop_unusable_charrefs(data)), response_headers=response_headers
    )
    result = FeedResult(encoding=parsed.get("encoding"), version=parsed.get("version") or None)
    error = parsed.get("bozo_exception")
    # A missing or non-XML Content-Type says nothing about the document itself.
    if parsed.get("bozo") and type(error).__name__ != "NonXMLContentType":
        result.problems.append(f"malformed feed (bozo): {type(error).__name__}: {error}")
    entries = parsed.get("entries") or []
    if not entries and not result.problems:
        kind = result.version or "no recognizable feed"
        result.problems.append(f"feed has no entries ({kind})")
    language = str(parsed.get("feed", {}).get("language") or "zh-CN").strip()[:35] or "zh-CN"
    provenance = Provenance(
        origin=origin,
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=received_at or dt.datetime.now(dt.UTC),
        source=source,
        encoding=result.encoding or None,
    )
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        try:
            article = entry_article(
                entry,
                feed_url=origin,
                language=language,
                provenance=provenance,
                section=section,
            )
        except ValidationError as exc:  # one line, the fields named (a reason, not a dump)
            result.problems.append(f"entry {number}: {explain(exc)}")
            continue
        except ValueError as exc:
            result.problems.append(f"entry {number}: {exc}")
            continue
        if article.id in seen:
            result.problems.append(
                f"entry {number}: same id as entry {seen[article.id]}; kept the first"
            )
            continue
        seen[article.id] = number
        result.articles.append(article)
    return result
