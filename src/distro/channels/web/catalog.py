"""The site's catalog: the newest entries of each list, kept in the ledger's key/value.

Publishing one article must not cost more with 100,000 articles archived than with 100, so the
home page, each section and the news sitemap keep a short list of their newest entries (a few
more than a page shows, so a kill rarely needs a refill) instead of asking the ledger for all
articles. A list is rebuilt from the ledger only when it is missing, or when kills emptied it
below a page while older entries had been cut off.

The archive is kept by day: each day's entries (every section) in one list of its own, and a
calendar of the days with their sections and last change. A publish reads and rewrites only the
days its articles belong to, so the archive pages and sitemaps of other days stay as they are.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from distro.channels.jsonfeed import published
from distro.channels.output import section_slug
from distro.channels.web.render import (
    INDEX_SIZE,
    Listing,
    Story,
    is_page,
    local,
)
from distro.models import Article, DeliveryState

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
DAY_PREFIX = "day:"
CALENDAR = "calendar"


@dataclass(frozen=True)
class Entry:
    """An article version as a list holds it: enough to order, link and title it."""

    id: str
    version: int
    published: str
    updated: str
    section: str | None
    headline: str
    #: Whether ``published`` is a time, not only an issue date (lists written before: yes).
    timed: bool = True
    #: When the story really went out (``Story.issued``); empty in lists written before.
    issued: str = ""

    @classmethod
    def of(cls, story: Story) -> Entry:
        return cls(
            id=story.article.id,
            version=story.article.version,
            published=story.published.astimezone(dt.UTC).isoformat(),
            updated=story.updated.astimezone(dt.UTC).isoformat(),
            section=story.article.section,
            headline=story.article.headline,
            timed=story.timed,
            issued=story.issued.astimezone(dt.UTC).isoformat(),
        )

    @property
    def issued_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.issued or self.published)

    @property
    def day(self) -> str:
        """The Shanghai day it was published on, the archive's unit."""
        return local(self.published_at).date().isoformat()

    def listing(self) -> Listing:
        return Listing(self.id, self.headline, self.section, self.published_at, self.timed)

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

    def upsert(self, entry: Entry, capacity: int | None) -> None:
        before = next((e for e in self.entries if e.id == entry.id), None)
        if before is not None and before.issued and before.issued < entry.issued:
            # A new version is not a new story: it went out when its first version did.
            entry = replace(entry, issued=before.issued)
        self.entries = [e for e in self.entries if e.id != entry.id]
        self.entries.append(entry)
        self.entries.sort(key=Entry.order, reverse=True)
        if capacity is not None and len(self.entries) > capacity:
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
            [e.id, e.version, e.published, e.updated, e.section, e.headline, e.timed, e.issued]
            for e in self.entries
        ]
        return json.dumps({"truncated": self.truncated, "rows": rows}, ensure_ascii=False)

    @classmethod
    def load(cls, text: str) -> Shelf:
        doc = json.loads(text)
        return cls([Entry(*row) for row in doc["rows"]], bool(doc["truncated"]))


@dataclass(frozen=True)
class Day:
    """A day of the archive: the sections it has stories in, and when one last changed."""

    sections: tuple[str, ...]
    lastmod: str


def article_day(article: Article) -> str:
    """The archive day of an article: the Shanghai date it was published on."""
    return local(published(article)).date().isoformat()


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
        #: The archive: each day's entries (loaded when a run needs them) and the calendar.
        self.days: dict[str, Shelf] = {}
        #: Each day's entries as this run found them: which archive pages changed follows.
        self.days_before: dict[str, list[Entry]] = {}
        self.dirty_days: set[str] = set()
        self.calendar: dict[str, Day] = {}
        stored = ledger.get_value(KEY_PREFIX + CALENDAR)
        #: No calendar yet (a new site, or one from before the archive): build it once.
        self.calendar_missing = stored is None
        if stored is not None:
            self.calendar = {d: Day(tuple(s), m) for d, (s, m) in json.loads(stored).items()}
        #: What the last ``settle_calendar`` changed: days added or removed, sections whose
        #: list of days changed.
        self.days_changed = False
        self.section_days_changed: set[str] = set()
        #: For each day changed in this run, every section it had stories in before or after.
        self.day_sections: dict[str, set[str]] = {}
        self.calendar_dirty = False

    @staticmethod
    def section_key(section: str) -> str:
        return "section:" + section_slug(section)

    def shelf(self, name: str) -> Shelf:
        if name not in self.shelves:
            text = self.ledger.get_value(KEY_PREFIX + name)
            self.shelves[name] = Shelf.load(text) if text else Shelf()
        return self.shelves[name]

    def day(self, day: str) -> Shelf:
        """A day's entries, newest first."""
        if day not in self.days:
            text = self.ledger.get_value(KEY_PREFIX + DAY_PREFIX + day)
            self.days[day] = Shelf.load(text) if text else Shelf()
            self.days_before[day] = list(self.days[day].entries)
        return self.days[day]

    @staticmethod
    def capacity(name: str) -> int:
        return NEWS_CAPACITY if name == NEWS else CAPACITY

    def lists_of(self, section: str | None) -> set[str]:
        """The lists an article of ``section`` belongs on."""
        return {HOME, NEWS, self.section_key(section)} if section else {HOME, NEWS}

    def live(self) -> list[Article]:
        """Every article the site may show, latest versions: the one full read there is."""
        withheld = self.ledger.withheld("web")
        return [a for a in self.ledger.articles() if is_page(a) and a.id not in withheld]

    def rebuild_days(self, live: list[Article] | None = None) -> None:
        """Build the archive from the ledger: every live article whose page the site holds.

        That is one the web channel sent, or one on a list rebuilt in this run (whose page this
        run writes); the others were never on the site (the channel was off), and an archive
        page must not link to a page that is not there.
        """
        sent = {
            d.article_id
            for d in self.ledger.deliveries(channel="web")
            if d.state is DeliveryState.SENT
        }
        # Pages this run writes: those a rebuilt list shows, and every one the news sitemap names.
        listed = {
            e.id
            for name in self.rebuilt
            for e in self.shelf(name).entries[: None if name == NEWS else INDEX_SIZE]
        }
        buckets: dict[str, list[Entry]] = {}
        for article in self.live() if live is None else live:
            if article.id in sent or article.id in listed:
                entry = Entry.of(Story(article, updated_time(article)))
                buckets.setdefault(entry.day, []).append(entry)
        for day, entries in buckets.items():
            entries.sort(key=Entry.order, reverse=True)
            self.days[day] = Shelf(entries)
        self.dirty_days |= set(buckets)
        self.calendar_missing = False
        self.settle_calendar(rebuilt=True)

    def rebuild(self, names: set[str] | None = None) -> None:
        """Refill lists (all of them by default) from the ledger: the one full read there is."""
        live = self.live()
        if names is None and self.calendar_missing:
            # The same full read fills the archive, once the lists it links to are known.
            self._rebuild_lists(live, names)
            self.rebuild_days(live)
            return
        self._rebuild_lists(live, names)

    def _rebuild_lists(self, live: list[Article], names: set[str] | None) -> None:
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
        self.day(entry.day).upsert(entry, None)
        self.dirty_days.add(entry.day)
        return names

    def drop(self, article_id: str, sections: set[str], days: Collection[str] = ()) -> set[str]:
        """Take an article off every list (and archive day) it may be on; the lists it left."""
        names = {HOME, NEWS} | {self.section_key(s) for s in sections}
        changed = {name for name in names if self.shelf(name).remove(article_id)}
        self.dirty |= changed
        for day in days:
            known = day in self.calendar or day in self.days
            if known and self.day(day).remove(article_id):
                self.dirty_days.add(day)
        return changed

    def settle_calendar(self, *, rebuilt: bool = False) -> None:
        """Bring the calendar in line with the days changed in this run."""
        before = dict(self.calendar)
        for day in self.dirty_days:
            entries = self.day(day).entries
            if entries:
                sections = tuple(sorted({e.section for e in entries if e.section}))
                self.calendar[day] = Day(sections, max(e.updated for e in entries))
            else:
                self.calendar.pop(day, None)
        self.days_changed |= rebuilt or set(before) != set(self.calendar)
        for day in set(before) | set(self.calendar):
            old = set(before[day].sections) if day in before else set()
            new = set(self.calendar[day].sections) if day in self.calendar else set()
            self.section_days_changed |= new if rebuilt else old ^ new
            if day in self.dirty_days:
                self.day_sections.setdefault(day, set()).update(old | new)
        self.calendar_dirty = True

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
        for day in sorted(self.dirty_days):
            if self.days[day].entries:
                self.ledger.set_value(KEY_PREFIX + DAY_PREFIX + day, self.days[day].dump())
            else:
                self.ledger.delete_value(KEY_PREFIX + DAY_PREFIX + day)
        if self.calendar_dirty:
            calendar = {d: [list(c.sections), c.lastmod] for d, c in sorted(self.calendar.items())}
            self.ledger.set_value(KEY_PREFIX + CALENDAR, json.dumps(calendar, ensure_ascii=False))
        self.dirty.clear()
        self.dirty_days.clear()
        self.calendar_dirty = False
        self.fresh = False


def updated_time(article: Article) -> dt.datetime:
    """When a version appeared, as far as the article itself says (the first version's time)."""
    first = article.published_at or article.provenance.received_at
    return max(first, article.provenance.received_at)
