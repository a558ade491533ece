"""The site's catalog: the newest entries of each list, kept in the ledger's key/value.

Publishing one article must not cost more with 100,000 articles archived than with 100, so the
home page, each section and the news sitemap keep a short list of their newest entries (a few
more than a page shows, so a kill rarely needs a refill) instead of asking the ledger for all
articles. A list is rebuilt from the ledger only when it is missing, or when kills emptied it
below a page while older entries had been cut off.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from distro.channels.web.render import INDEX_SIZE, Story, is_page, section_slug
from distro.models import Article

if TYPE_CHECKING:
    from distro.store.ledger import Ledger

#: Entries a list keeps beyond a page, as spares for kills.
SPARE = 25
CAPACITY = INDEX_SIZE + SPARE
NEWS_CAPACITY = 1000
NEWS_WINDOW = dt.timedelta(days=2)
HOME = "home"
NEWS = "news"
KEY_PREFIX = "web:catalog:"


@dataclass(frozen=True)
class Entry:
    """An article version as a list holds it: enough to order, link and title it."""

    id: str
    version: int
    published: str
    updated: str
    section: str | None
    headline: str

    @classmethod
    def of(cls, story: Story) -> Entry:
        return cls(
            id=story.article.id,
            version=story.article.version,
            published=story.published.astimezone(dt.UTC).isoformat(),
            updated=story.updated.astimezone(dt.UTC).isoformat(),
            section=story.article.section,
            headline=story.article.headline,
        )

    @property
    def published_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.published)

    @property
    def updated_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.updated)

    def order(self) -> tuple[str, str]:
        # UTC ISO strings sort as times do; ties go by id, newest first like the ledger.
        return (self.published, self.id)


@dataclass
class Shelf:
    """One list: its newest entries, and whether older ones were cut off."""

    entries: list[Entry] = field(default_factory=list)
    truncated: bool = False

    def upsert(self, entry: Entry, capacity: int) -> None:
        self.entries = [e for e in self.entries if e.id != entry.id]
        self.entries.append(entry)
        self.entries.sort(key=Entry.order, reverse=True)
        if len(self.entries) > capacity:
            del self.entries[capacity:]
            self.truncated = True

    def remove(self, article_id: str) -> bool:
        before = len(self.entries)
        self.entries = [e for e in self.entries if e.id != article_id]
        return len(self.entries) != before

    def starved(self) -> bool:
        """Kills took it below a page while older entries exist: refill from the ledger."""
        return self.truncated and len(self.entries) < INDEX_SIZE

    def dump(self) -> str:
        # Rows, not objects: the news list holds up to 1,000 entries and is saved every run.
        rows = [
            [e.id, e.version, e.published, e.updated, e.section, e.headline] for e in self.entries
        ]
        return json.dumps({"truncated": self.truncated, "rows": rows}, ensure_ascii=False)

    @classmethod
    def load(cls, text: str) -> Shelf:
        doc = json.loads(text)
        return cls([Entry(*row) for row in doc["rows"]], bool(doc["truncated"]))


class Catalog:
    """The lists one publish run reads and changes; ``save`` writes back the changed ones."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.shelves: dict[str, Shelf] = {}
        self.dirty: set[str] = set()
        #: Lists refilled from the ledger in this run: their pages may never have been written.
        self.rebuilt: set[str] = set()
        self.sections: list[str] = []
        known = ledger.get_value(KEY_PREFIX + "sections")
        self.fresh = known is None
        if known is not None:
            self.sections = json.loads(known)

    @staticmethod
    def section_key(section: str) -> str:
        return "section:" + section_slug(section)

    def shelf(self, name: str) -> Shelf:
        if name not in self.shelves:
            text = self.ledger.get_value(KEY_PREFIX + name)
            self.shelves[name] = Shelf.load(text) if text else Shelf()
        return self.shelves[name]

    @staticmethod
    def capacity(name: str) -> int:
        return NEWS_CAPACITY if name == NEWS else CAPACITY

    def lists_of(self, section: str | None) -> set[str]:
        """The lists an article of ``section`` belongs on."""
        return {HOME, NEWS, self.section_key(section)} if section else {HOME, NEWS}

    def rebuild(self, names: set[str] | None = None) -> None:
        """Refill lists (all of them by default) from the ledger: the one full read there is."""
        withheld = self.ledger.withheld("web")
        live = [a for a in self.ledger.articles() if is_page(a) and a.id not in withheld]
        if names is None:
            self.sections = sorted(set(self.sections) | {a.section for a in live if a.section})
            names = {HOME, NEWS} | {self.section_key(s) for s in self.sections}
            self.dirty.add("sections")
        buckets: dict[str, list[Entry]] = {name: [] for name in names}
        for article in live:
            entry = Entry.of(Story(article, updated_time(article)))
            for name in self.lists_of(article.section) & names:
                buckets[name].append(entry)
        for name, entries in buckets.items():
            entries.sort(key=Entry.order, reverse=True)
            room = self.capacity(name)
            self.shelves[name] = Shelf(entries[:room], truncated=len(entries) > room)
        self.dirty |= names
        self.rebuilt |= names

    def add(self, story: Story) -> set[str]:
        """Put a live story on its lists; the names of the lists it changed."""
        entry = Entry.of(story)
        section = story.article.section
        names = self.lists_of(section)
        if section and section not in self.sections:
            self.sections = sorted([*self.sections, section])
            self.dirty.add("sections")
        for name in names:
            self.shelf(name).upsert(entry, self.capacity(name))
        self.dirty |= names
        return names

    def drop(self, article_id: str, sections: set[str]) -> set[str]:
        """Take an article off every list it may be on; the names of the lists it left."""
        names = {HOME, NEWS} | {self.section_key(s) for s in sections}
        changed = {name for name in names if self.shelf(name).remove(article_id)}
        self.dirty |= changed
        return changed

    def prune_news(self, now: dt.datetime) -> None:
        shelf = self.shelf(NEWS)
        keep = [e for e in shelf.entries if e.published_at >= now - NEWS_WINDOW]
        if len(keep) != len(shelf.entries):
            shelf.entries = keep
            self.dirty.add(NEWS)

    def refill_starved(self) -> None:
        starved = {n for n, s in self.shelves.items() if n != NEWS and s.starved()}
        if starved:
            self.rebuild(names=starved)

    def save(self) -> None:
        for name in sorted(self.dirty - {"sections"}):
            self.ledger.set_value(KEY_PREFIX + name, self.shelves[name].dump())
        if "sections" in self.dirty or self.fresh:
            self.ledger.set_value(
                KEY_PREFIX + "sections", json.dumps(self.sections, ensure_ascii=False)
            )
        self.dirty.clear()
        self.fresh = False


def updated_time(article: Article) -> dt.datetime:
    """When a version appeared, as far as the article itself says (the first version's time)."""
    first = article.published_at or article.provenance.received_at
    return max(first, article.provenance.received_at)
