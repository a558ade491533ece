"""The app's feed pages as stable buckets in the ledger: one more article rewrites a head page.

Every feed (``feed.json``, ``sections/<section>/feed.json``) is laid out as RFC 5005 lays out an
archived feed, so adding, correcting or killing one article touches a few pages, whatever the
size of the archive:

- the **head**, at the feed's own key, holds the newest articles: from ``page_size`` up to
  ``2 × page_size - 1`` of them once the feed has that many; its ``next_url`` is the newest
  archive page;
- **archive pages** ``feed-2.json``, ``feed-3.json`` … are numbered from the oldest. When the
  head reaches ``2 × page_size`` its older half becomes the next archive page; an archive page
  changes only when one of its own articles does (a correction, a kill, a backdated arrival), so
  it keeps its bytes and ETag. A page may hold fewer articles than ``page_size`` after kills or
  more after backdated arrivals; an emptied page is removed and its newer neighbour relinked, and
  a head that falls under ``page_size`` takes the newest archive page back.

Each article's JSON Feed item is rendered once, when its version is published, and kept with its
page in the ledger's key/value (namespace ``app:pages:``):

- ``app:pages:layout``: the title, base URL and page size the pages were built with (any change
  rebuilds them from the archive, once), or ``writing`` while a save is under way (a crash then
  leads to a rebuild too);
- ``app:pages:feed:<feed key>``: the feed's title, article count and archive page numbers;
- ``app:pages:page:<feed key>:<n>``: the members of page ``n`` (0 is the head), newest first;
- ``app:pages:at:<article id>``: the feeds and pages an article sits on;
- ``app:pages:sections``: section name -> feed key and count (``sections.json``);
- ``app:pages:withheld``: the withheld articles already taken out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from distro.channels import jsonfeed

if TYPE_CHECKING:
    from distro.store.ledger import Ledger

PREFIX = "app:pages:"
LAYOUT = PREFIX + "layout"
SECTIONS = PREFIX + "sections"
WITHHELD = PREFIX + "withheld"
WRITING = "writing"
GLOBAL = "feed.json"
HEAD = 0


@dataclass(frozen=True)
class Member:
    """One article on a page: its id, its sort key (newest first) and its rendered item."""

    id: str
    sort: str
    item: dict[str, Any]

    def dump(self) -> list[Any]:
        return [self.id, self.sort, self.item]

    @classmethod
    def load(cls, raw: Sequence[Any]) -> Member:
        return cls(str(raw[0]), str(raw[1]), dict(raw[2]))


def sort_key(when: dt.datetime, article_id: str) -> str:
    """A string that sorts like (time in UTC, id); naive times are Shanghai wall time."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=jsonfeed.SHANGHAI)
    utc = when.astimezone(dt.UTC)
    return f"{utc.year:04d}{utc:-%m-%dT%H:%M:%S.%f}|{article_id}"


def split(members: Sequence[Member], page_size: int) -> list[list[Member]]:
    """Members (any order) laid out from scratch: ``[head, archive 1 (oldest), archive 2, …]``."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    ordered = sorted(members, key=lambda m: m.sort, reverse=True)
    archives = max(0, len(ordered) // page_size - 1)
    cut = len(ordered) - archives * page_size
    pages = [ordered[:cut]]
    for n in range(archives):  # archive 1 holds the oldest page_size members
        start = len(ordered) - (n + 1) * page_size
        pages.append(ordered[start : start + page_size])
    return pages


def file_key(feed: str, page: int) -> str:
    """The object key of page ``page`` of ``feed``: the head at the feed's key, archive n at
    ``feed-<n+1>.json``."""
    return feed if page == HEAD else jsonfeed.page_url(feed, page + 1)


def page_document(
    members: Sequence[Member], *, title: str, base_url: str, key: str, next_key: str | None
) -> dict[str, Any]:
    """A JSON Feed 1.1 page, the same shape and key order as ``jsonfeed.render_jsonfeed``."""
    base = base_url.rstrip("/") + "/"
    feed: dict[str, Any] = {"version": jsonfeed.VERSION_URL, "title": title}
    feed["home_page_url"] = base_url
    feed["feed_url"] = _url(base, key)
    if next_key:
        feed["next_url"] = _url(base, next_key)
    feed["language"] = "zh-CN"
    feed["items"] = [m.item for m in members]
    return feed


def _url(base: str, key: str) -> str:
    from urllib.parse import quote

    return base + quote(key, safe="/-._~")


@dataclass
class FeedState:
    """One feed's bookkeeping: its title, article count and archive pages (oldest first)."""

    key: str
    title: str
    section: str | None = None
    count: int = 0
    archive: list[int] = field(default_factory=list)
    next: int = 1

    def dump(self) -> str:
        data = {"title": self.title, "section": self.section, "count": self.count,
                "archive": self.archive, "next": self.next}  # fmt: skip
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, key: str, text: str) -> FeedState:
        data = json.loads(text)
        return cls(key, data["title"], data["section"], data["count"], data["archive"],
                   data["next"])  # fmt: skip

    def newer(self, page: int) -> int:
        """The page whose ``next_url`` names ``page`` (the next newer one, or the head)."""
        index = self.archive.index(page)
        return self.archive[index + 1] if index + 1 < len(self.archive) else HEAD

    def older(self, page: int) -> int | None:
        """The page ``page`` links to with ``next_url``."""
        if page == HEAD:
            return self.archive[-1] if self.archive else None
        index = self.archive.index(page)
        return self.archive[index - 1] if index else None


class Pages:
    """The app's feeds in the ledger: load what a run touches, change it, save it, render it."""

    def __init__(self, ledger: Ledger | None, *, title: str, base_url: str, page_size: int) -> None:
        """``ledger`` None: nothing is read or saved (a pure layout from scratch)."""
        self.ledger = ledger
        self.title = title
        self.base_url = base_url
        self.page_size = page_size
        self.layout = json.dumps(
            {"title": title, "base_url": base_url, "page_size": page_size, "format": 1},
            ensure_ascii=False,
        )
        self.fresh = ledger is None or ledger.get_value(LAYOUT) != self.layout
        self.feeds: dict[str, FeedState | None] = {}
        self.pages: dict[tuple[str, int], list[Member]] = {}
        self.at: dict[str, dict[str, int]] = {}
        self.sections: dict[str, tuple[str, int]] = {}
        self.dirty: set[tuple[str, int]] = set()
        self.gone: set[tuple[str, int]] = set()
        self.touched_at: set[str] = set()
        self.sections_changed = self.fresh
        if ledger is not None and not self.fresh:
            raw = ledger.get_value(SECTIONS)
            if raw:
                self.sections = {k: (v[0], v[1]) for k, v in json.loads(raw).items()}

    # -- loading ---------------------------------------------------------------------------

    def _get(self, key: str) -> str | None:
        """A stored value; none when building from scratch (old values belong to the old layout)."""
        return None if self.ledger is None or self.fresh else self.ledger.get_value(key)

    def feed(self, key: str, *, section: str | None = None) -> FeedState | None:
        if key not in self.feeds:
            raw = self._get(PREFIX + "feed:" + key)
            self.feeds[key] = FeedState.load(key, raw) if raw else None
        state = self.feeds[key]
        if state is None and (key == GLOBAL or section is not None):
            title = self.title if section is None else f"{self.title} · {section}"
            state = self.feeds[key] = FeedState(key, title, section)
            self.dirty.add((key, HEAD))
        return state

    def page(self, key: str, number: int) -> list[Member]:
        if (key, number) not in self.pages:
            raw = self._get(f"{PREFIX}page:{key}:{number}")
            self.pages[(key, number)] = [Member.load(m) for m in json.loads(raw)] if raw else []
        return self.pages[(key, number)]

    def where(self, article_id: str) -> dict[str, int]:
        """The feeds (and pages) the article is on now."""
        if article_id not in self.at:
            raw = self._get(PREFIX + "at:" + article_id)
            self.at[article_id] = json.loads(raw) if raw else {}
        return self.at[article_id]

    def known_withheld(self) -> set[str]:
        raw = self._get(WITHHELD)
        return set(json.loads(raw)) if raw else set()

    # -- changing --------------------------------------------------------------------------

    def place(self, member: Member, feeds: dict[str, str | None]) -> None:
        """Put the article on ``feeds`` (feed key -> section name, None for the global feed),
        taking it off wherever it was."""
        self.remove(member.id)
        placed = {key: self._insert(key, section, member) for key, section in feeds.items()}
        self.at[member.id] = placed
        self.touched_at.add(member.id)

    def remove(self, article_id: str) -> bool:
        """Take the article off every feed; whether it was on one."""
        was = self.where(article_id)
        for key, number in was.items():
            state = self.feed(key)
            if state is None or (number != HEAD and number not in state.archive):
                continue
            members = self.page(key, number)
            kept = [m for m in members if m.id != article_id]
            if len(kept) == len(members):
                continue
            self.pages[(key, number)] = kept
            self.dirty.add((key, number))
            state.count -= 1
            if number != HEAD and not kept:
                self.dirty.add((key, state.newer(number)))
                state.archive.remove(number)
                self.gone.add((key, number))
                del self.pages[(key, number)]
            self._count(state)
        self.at[article_id] = {}
        self.touched_at.add(article_id)
        return bool(was)

    def _insert(self, key: str, section: str | None, member: Member) -> int:
        state = self.feed(key, section=section)
        assert state is not None
        head = self.page(key, HEAD)
        number = HEAD
        if state.archive and head and member.sort < head[-1].sort:
            number = state.archive[0]
            for candidate in reversed(state.archive):
                page = self.page(key, candidate)
                if page and page[-1].sort <= member.sort:
                    number = candidate
                    break
        members = self.page(key, number)
        members.append(member)
        members.sort(key=lambda m: m.sort, reverse=True)
        self.dirty.add((key, number))
        state.count += 1
        self._count(state)
        return number

    def _count(self, state: FeedState) -> None:
        if state.section is not None:
            self.sections[state.section] = (state.key, state.count)
            self.sections_changed = True

    def settle(self) -> None:
        """Restore the head's bounds in every feed changed: refill it, or split it."""
        for key in sorted({key for key, _ in self.dirty}):
            state = self.feed(key)
            if state is None:
                continue
            head = self.page(key, HEAD)
            while len(head) < self.page_size and state.archive:
                newest = state.archive.pop()
                head.extend(self.page(key, newest))
                head.sort(key=lambda m: m.sort, reverse=True)
                self.gone.add((key, newest))
                self.dirty.add((key, HEAD))
                self._moved(self.pages.pop((key, newest)), key, HEAD)
            while len(head) >= 2 * self.page_size:
                older, head[:] = head[-self.page_size :], head[: -self.page_size]
                number = state.next
                state.next += 1
                state.archive.append(number)
                self.pages[(key, number)] = older
                self.gone.discard((key, number))
                self.dirty |= {(key, number), (key, HEAD)}
                self._moved(older, key, number)

    def _moved(self, members: Iterable[Member], key: str, number: int) -> None:
        for member in members:
            self.where(member.id)[key] = number
            self.touched_at.add(member.id)

    def build(self, members: Iterable[tuple[Member, dict[str, str | None]]]) -> None:
        """Lay every feed out from scratch (a first run, or a changed layout)."""
        on: dict[str, list[Member]] = {}
        sections: dict[str, str | None] = {GLOBAL: None}
        for member, feeds in members:
            self.at[member.id] = {}
            self.touched_at.add(member.id)
            for key, section in feeds.items():
                on.setdefault(key, []).append(member)
                sections[key] = section
        for key, section in sections.items():
            state = self.feed(key, section=section)
            assert state is not None
            laid = split(on.get(key, []), self.page_size)
            state.count = sum(len(page) for page in laid)
            state.archive = list(range(1, len(laid)))
            state.next = len(laid)
            for number, page in enumerate(laid):
                number = HEAD if number == 0 else number
                self.pages[(key, number)] = page
                self.dirty.add((key, number))
                self._moved(page, key, number)
            self._count(state)

    # -- output ----------------------------------------------------------------------------

    def files(self) -> tuple[dict[str, bytes], list[str]]:
        """The pages to write (object key -> bytes) and the keys to delete."""
        out: dict[str, bytes] = {}
        delete = [file_key(key, number) for key, number in sorted(self.gone)]
        for key, number in sorted(self.dirty - self.gone):
            state = self.feed(key)
            if state is None:
                continue
            if state.section is not None and state.count == 0:
                delete.append(file_key(key, HEAD))  # the section has no article left
                continue
            older = state.older(number)
            document = page_document(
                self.page(key, number),
                title=state.title,
                base_url=self.base_url,
                key=file_key(key, number),
                next_key=None if older is None else file_key(key, older),
            )
            out[file_key(key, number)] = jsonfeed.encode(document)
        return out, delete

    def index(self) -> bytes:
        """``sections.json``: the sections with an article, by name, with feed URLs and counts."""
        base = self.base_url.rstrip("/") + "/"
        entries = [
            {"name": name, "feed_url": _url(base, key), "count": count}
            for name, (key, count) in sorted(self.sections.items())
            if count > 0
        ]
        listing = {"feed_url": _url(base, GLOBAL), "sections": entries}
        return json.dumps(listing, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def save(self, withheld: set[str]) -> None:
        """Write what changed to the key/value, marked so that a crash midway forces a rebuild."""
        ledger = self.ledger
        if ledger is None:
            raise ValueError("a layout without a ledger cannot be saved")
        ledger.set_value(LAYOUT, WRITING)
        for key, number in sorted(self.gone):
            if (key, number) not in self.pages:
                ledger.delete_value(f"{PREFIX}page:{key}:{number}")
        for key, number in sorted(self.dirty & set(self.pages)):
            members = [m.dump() for m in self.pages[(key, number)]]
            text = json.dumps(members, ensure_ascii=False, separators=(",", ":"))
            ledger.set_value(f"{PREFIX}page:{key}:{number}", text)
        for key, state in self.feeds.items():
            if state is not None and any(k == key for k, _ in self.dirty):
                ledger.set_value(PREFIX + "feed:" + key, state.dump())
        for article_id in sorted(self.touched_at):
            placed = self.at.get(article_id) or {}
            if placed:
                text = json.dumps(placed, ensure_ascii=False, separators=(",", ":"))
                ledger.set_value(PREFIX + "at:" + article_id, text)
            else:
                ledger.delete_value(PREFIX + "at:" + article_id)
        if self.sections_changed:
            text = json.dumps({k: list(v) for k, v in self.sections.items() if v[1] > 0},
                              ensure_ascii=False, separators=(",", ":"))  # fmt: skip
            ledger.set_value(SECTIONS, text)
        ledger.set_value(WITHHELD, json.dumps(sorted(withheld), ensure_ascii=False))
        ledger.set_value(LAYOUT, self.layout)
