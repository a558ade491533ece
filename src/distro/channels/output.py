"""Published files written to an object store: typed, cached, ordered, and only when changed.

The web, partner and app channels render bytes; this module puts them where readers fetch them.
Three rules hold for every write:

- every object carries a Content-Type with ``charset=utf-8`` and a Cache-Control;
- files go out in tiers (pages, then the section indexes and feeds that link to them, then the
  home page and site-wide feeds), so a reader never follows a link to a page not yet uploaded;
  tombstones and deletions come last, after nothing links to those pages any more;
- a file whose bytes and headers are unchanged is not rewritten: its SHA-256 is kept in the
  ledger's key/value under a key derived from the object's URI (so a different bucket or folder
  starts afresh), and the object must still exist.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distro.store.ledger import Ledger
    from distro.store.objects import ObjectStore

#: Tiers, written in this order; a tombstone replaces a page only once nothing lists it.
PAGE = 0
SECTION = 1
ROOT = 2
WITHDRAWN = 3

#: Readers re-fetch feeds and indexes often; article pages change only with a new version.
FEED_CACHE = "public, max-age=60"
PAGE_CACHE = "public, max-age=300"

#: Longest path segment a section may give a key, in bytes of UTF-8 (file systems allow 255).
MAX_SEGMENT_BYTES = 64


def safe_segment(slug: str, name: str) -> str:
    """``slug`` as one safe key segment: never empty, ``.`` or ``..``, at most 64 bytes.

    A slug too long or made of dots only is cut (or replaced) and suffixed with a hash of the
    full ``name``, so two long names that share a beginning still get two folders.
    """
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    if not slug.strip("."):
        return f"s-{digest}"
    if len(slug.encode()) <= MAX_SEGMENT_BYTES:
        return slug
    head = slug.encode()[: MAX_SEGMENT_BYTES - len(digest) - 1].decode(errors="ignore")
    return f"{head.rstrip('-.')}-{digest}"


_NOT_SLUG = re.compile(r"[^\w-]+")


def section_slug(name: str) -> str:
    """The one folder name of a section on every channel (web, app, partners): stable, URL- and
    key-safe; Chinese names stay Chinese, Latin ones are lower-cased."""
    slug = _NOT_SLUG.sub("-", name.strip().lower()).strip("-_")
    if not slug:
        slug = "s-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return safe_segment(slug, name)


CONTENT_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "feed+json": "application/feed+json; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "css": "text/css; charset=utf-8",
}


def content_type(key: str) -> str:
    """The Content-Type a key's extension implies (UTF-8 text types carry the charset)."""
    name = key.rsplit("/", 1)[-1]
    if name in {"feed.xml"} or name.endswith(".rss"):
        return CONTENT_TYPES["rss"]
    if name in {"atom.xml"} or name.endswith(".atom"):
        return CONTENT_TYPES["atom"]
    if name in {"feed.json"} or (name.startswith("feed-") and name.endswith(".json")):
        return CONTENT_TYPES["feed+json"]
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    return CONTENT_TYPES.get(extension, "application/octet-stream")


@dataclass(frozen=True)
class OutputFile:
    """One object to publish."""

    key: str
    data: bytes
    content_type: str
    cache_control: str
    tier: int = PAGE

    def digest(self) -> str:
        """Hash over the bytes and the headers: a header change is a change too."""
        sha = hashlib.sha256()
        sha.update(self.content_type.encode())
        sha.update(b"\0")
        sha.update(self.cache_control.encode())
        sha.update(b"\0")
        sha.update(self.data)
        return sha.hexdigest()


def make_file(
    key: str,
    data: bytes | str,
    *,
    tier: int = PAGE,
    media_type: str | None = None,
    cache_control: str | None = None,
) -> OutputFile:
    """An OutputFile with the type guessed from the key and the cache policy from the tier."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return OutputFile(
        key=key,
        data=raw,
        content_type=media_type or content_type(key),
        cache_control=cache_control or (PAGE_CACHE if tier == PAGE else FEED_CACHE),
        tier=tier,
    )


@dataclass
class WriteReport:
    """Which keys a write changed."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


class Output:
    """Writes files to one object store, remembering what it wrote in the ledger."""

    def __init__(self, objects: ObjectStore, ledger: Ledger) -> None:
        self.objects = objects
        self.ledger = ledger
        self.book = ledger.kv("out")

    def _book_key(self, key: str) -> str:
        """The bookkeeping key (in the ledger's ``out`` namespace) of one object."""
        return hashlib.sha256(self.objects.uri(key).encode()).hexdigest()[:40]

    def unchanged(self, item: OutputFile) -> bool:
        """Whether the store already holds exactly these bytes and headers under the key."""
        known = self.book.get(self._book_key(item.key))
        return known == item.digest() and self.objects.exists(item.key)

    def write(self, files: Iterable[OutputFile], *, delete: Iterable[str] = ()) -> WriteReport:
        """Write changed files tier by tier, then delete ``delete``."""
        report = WriteReport()
        latest: dict[str, OutputFile] = {}
        for item in files:
            latest[item.key] = item  # a later render of the same key wins
        for item in sorted(latest.values(), key=lambda f: f.tier):
            if self.unchanged(item):
                report.unchanged.append(item.key)
                continue
            self.objects.put(
                item.key,
                item.data,
                content_type=item.content_type,
                cache_control=item.cache_control,
            )
            self.book.set(self._book_key(item.key), item.digest())
            report.written.append(item.key)
        for key in delete:
            if key in latest:
                continue
            self.objects.delete(key)
            self.book.delete(self._book_key(key))
            report.deleted.append(key)
        return report
