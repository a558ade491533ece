"""Jumps across the pages of one issue: a start and its continuation joined, teasers resolved.

A story that does not fit its page ends `（下转第二版）` (`continued_on_page`) and goes on
under a jump head on that page, `（上接第一版）` (`continued_from_page`); the jump head
repeats the headline or a short form of it. Pages arrive one file at a time and in any order,
so ingest keeps a small record per issue (paper and issue date) in ``ledger.kv("jumps")`` and
settles each page against it (`Jumps.settle`), under a lock on the issue:

- A start and a continuation match when the pages agree both ways (the start's page is the
  one the continuation comes from, the continuation's page the one the start jumps to; `2`,
  `二`, `A2` and `第二版` are one page), and their headlines share at least `MATCH` of their
  character bigrams (counted on the shorter one: a short jump head matches the full headline).
  Exactly one candidate joins; several are `jump_ambiguous`: none is joined, the arriving item
  carries the flag, and an editor decides.
- Joined, they are ONE article: the start's id, a new version whose paragraphs are the start's
  and then the continuation's (a paragraph the page break cut is rejoined), no longer marked
  continued. The continuation never goes out on its own afterwards.
- Before the continuation is in, the start goes out marked continued (channels show
  `（下转第N版）`), or with ``[jumps] start = "hold"`` waits ``hold_minutes`` first (its
  deliveries are scheduled, the embargo mechanism: released by ``Ledger.release_due``).
- A continuation that arrives before its start is a fragment, not a story: it is stored but its
  deliveries wait ``hold_minutes`` (flag `continuation_alone`), so the start normally catches
  it before anything goes out. When the start arrives later, the continuation is killed (a
  canceled version whose reason names the start; its waiting deliveries are closed, and a
  channel that did show it withdraws it), and the start's new version carries the whole text.
- A continuation that jumps again (`（下转第三版）`) is both: the article is the whole chain,
  from the start's page on, and each later part is handled as the continuation above.
- A teaser (`3版`) resolves to the article of the same issue on the page it names whose
  headline matches it best (`MATCH`, one best only) once that page is in: a new teaser version
  with ``page_ref_id``, so the web can link it.

Every step is a function of what the record and the page say, so a page ingested again makes
the same versions again (duplicates, nothing new), in whichever order the pages came.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

from distro.errors import StoreUnavailable
from distro.models import Article, Kind
from distro.owners import ended, owner_mark
from distro.parse.layout import PARAGRAPH_ENDS, page_number
from distro.store.articles import read_article
from distro.store.kv import KeyValue

log = logging.getLogger(__name__)

#: Share of the shorter headline's character bigrams the other must hold for a match.
MATCH = 0.5
#: How long one page may hold its issue's lock, and how long another waits for it.
LOCK_SECONDS = 30.0
FLAG_AMBIGUOUS = "jump_ambiguous"
FLAG_ALONE = "continuation_alone"


def normalise_page(printed: str | None) -> str | None:
    """A page as printed or named (`第二版`, `二`, `2`, `Ａ２版`) in plain form (`2`, `A2`)."""
    if printed is None:
        return None
    text = printed.strip().removeprefix("第").removesuffix("版").strip()
    return page_number(text) if text else None


def same_page(one: str | None, other: str | None) -> bool:
    """Whether two page names are one page: `A2` is `2` when only one side prints a letter."""
    a, b = normalise_page(one), normalise_page(other)
    if a is None or b is None:
        return False
    if a == b:
        return True
    bare_a, bare_b = a.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), b.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return bare_a == bare_b and (bare_a == a or bare_b == b)


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text if ch.isalnum()]
    if len(chars) == 1:
        return set(chars)
    return {a + b for a, b in pairwise(chars)}


def overlap(one: str, other: str) -> float:
    """Share of the shorter text's character bigrams the other holds (0-1)."""
    a, b = _bigrams(one), _bigrams(other)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def join(start: Article, continuation: Article) -> Article:
    """The start with the continuation's paragraphs after its own: one article, continued only
    where the continuation jumps again."""
    paragraphs = list(start.paragraphs)
    rest = list(continuation.paragraphs)
    if paragraphs and rest and paragraphs[-1][-1:] not in PARAGRAPH_ENDS:
        paragraphs[-1] += rest.pop(0)  # the page break cut this paragraph
    flags = [f for f in start.flags if f not in (FLAG_AMBIGUOUS,)]
    return start.model_copy(
        update={
            "paragraphs": [*paragraphs, *rest],
            "continued_on_page": continuation.continued_on_page,
            "confidence": min(start.confidence, continuation.confidence),
            "flags": flags,
        }
    )


@dataclass(frozen=True)
class Step:
    """What ingest does for one article: store it (its deliveries waiting until ``hold_until``
    when set), or withdraw ``kill`` (an id) with ``reason``."""

    article: Article | None = None
    hold_until: dt.datetime | None = None
    kill: str | None = None
    reason: str = ""


@dataclass
class Entry:
    """One item of an issue as the record keeps it."""

    id: str
    page: str
    headline: str
    kind: str = Kind.ARTICLE.value
    to: str | None = None  # a start: the page it continues on
    came_from: str | None = None  # a continuation: the page it continues from
    ref: str | None = None  # a teaser: the page it points to

    @property
    def is_start(self) -> bool:
        return self.to is not None

    @property
    def is_continuation(self) -> bool:
        return self.came_from is not None


@dataclass
class Record:
    """An issue's items, its joins (continuation -> start) and resolved teasers (-> target)."""

    items: dict[str, Entry] = field(default_factory=dict)
    joins: dict[str, str] = field(default_factory=dict)
    teasers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, text: str | None) -> Record:
        if not text:
            return cls()
        raw: dict[str, Any] = json.loads(text)
        return cls(
            items={k: Entry(**v) for k, v in raw.get("items", {}).items()},
            joins=dict(raw.get("joins", {})),
            teasers=dict(raw.get("teasers", {})),
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "items": {k: vars(v) for k, v in self.items.items()},
                "joins": self.joins,
                "teasers": self.teasers,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    def start_of(self, continuation_id: str) -> str | None:
        return self.joins.get(continuation_id)

    def continuation_of(self, start_id: str) -> str | None:
        return next((c for c, s in self.joins.items() if s == start_id), None)


def _entry(article: Article) -> Entry:
    return Entry(
        id=article.id,
        page=normalise_page(article.page) or "",
        headline=article.headline,
        kind=article.kind.value,
        to=normalise_page(article.continued_on_page) if article.kind is Kind.ARTICLE else None,
        came_from=normalise_page(article.continued_from_page)
        if article.kind is Kind.ARTICLE
        else None,
        ref=normalise_page(article.page_ref) if article.kind is Kind.TEASER else None,
    )


def _matches(entry: Entry, others: Iterable[Entry]) -> list[Entry]:
    return [o for o in others if overlap(entry.headline, o.headline) >= MATCH]


class Jumps:
    """Settles the pages of an issue against its record; one per ingest run."""

    def __init__(
        self,
        kv: KeyValue,
        *,
        start: Literal["publish", "hold"] = "publish",
        hold_minutes: float = 30.0,
        latest: Callable[[str], Article | None] | None = None,
    ) -> None:
        self.kv = kv
        self.start = start
        self.hold = dt.timedelta(minutes=hold_minutes)
        #: ``ledger.get``: the latest stored version of an id, or None.
        self.latest = latest

    # the issue's lock and record

    def _lock(self, issue: str) -> str:
        # The holder's mark is in the token: a lock whose process ended (an ingest killed while
        # it held it) is taken over at once instead of blocking every run until it expires.
        token = f"{owner_mark()} {uuid.uuid4().hex}"
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=LOCK_SECONDS)
            if self.kv.claim(f"lock:{issue}", token, expires_at=expires):
                return token
            holder = self.kv.get(f"lock:{issue}")
            if holder is not None and ended(holder):
                if self.kv.replace(f"lock:{issue}", holder, token, expires_at=expires):
                    return token
                continue
            if time.monotonic() > deadline:
                raise StoreUnavailable(f"the jumps record of {issue} stays locked")
            time.sleep(0.05)

    def _doc(self, article_id: str) -> Article | None:
        text = self.kv.get(f"doc:{article_id}")
        return None if text is None else read_article(text)

    def settle(
        self, articles: Sequence[Article], *, paper: str, apply: Callable[[list[Step]], None]
    ) -> None:
        """Store one page's articles, joined and resolved against their issue: ``apply`` does
        the steps, under the issue's lock, so two pages of one issue never store a story's
        versions out of order. The record is saved once they are done (a crash before that
        makes the same steps again on the retry).

        Articles without an issue date or a page (feed items) pass through unchanged.
        """
        plain: list[Step] = []
        by_issue: dict[str, list[Article]] = {}
        for article in articles:
            if article.issue_date is None or normalise_page(article.page) is None:
                plain.append(Step(article))
            else:
                by_issue.setdefault(f"{paper}|{article.issue_date.isoformat()}", []).append(article)
        if plain:
            apply(plain)
        for issue, page in by_issue.items():
            token = self._lock(issue)
            try:
                record = Record.load(self.kv.get(f"issue:{issue}"))
                apply(self._settle_page(record, page))
                self.kv.set(f"issue:{issue}", record.dump())
            finally:
                if self.kv.get(f"lock:{issue}") == token:
                    self.kv.delete(f"lock:{issue}")

    # one page

    def _settle_page(self, record: Record, page: Sequence[Article]) -> list[Step]:
        for article in page:
            record.items[article.id] = _entry(article)
            entry = record.items[article.id]
            if entry.is_start or entry.is_continuation:
                # The text as parsed: a later join is made from it, not from a joined version.
                self.kv.set(f"doc:{article.id}", article.model_dump_json())
        steps: list[Step] = []
        out: dict[str, Article] = {}
        for article in page:
            entry = record.items[article.id]
            if entry.is_continuation or entry.is_start:
                steps += self._link(record, article, entry)
            else:
                out[article.id] = article
        resolved = self._resolve_teasers(record, {a.id for a in page})
        for article in page:
            if article.id in out:
                target = resolved.pop(article.id, record.teasers.get(article.id))
                if target is not None and article.kind is Kind.TEASER:
                    article = article.model_copy(update={"page_ref_id": target})
                steps.append(Step(article))
        for teaser_id, target in resolved.items():  # teasers stored from earlier pages
            stored = self.latest(teaser_id) if self.latest is not None else None
            if stored is not None and stored.page_ref_id != target:
                steps.append(Step(stored.model_copy(update={"page_ref_id": target})))
        return steps

    def _held(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.hold

    def _starts_for(self, record: Record, entry: Entry) -> list[Entry]:
        """Unjoined starts this continuation may continue: pages agree both ways, headlines
        match."""
        candidates = [
            o
            for o in record.items.values()
            if o.is_start
            and o.id != entry.id
            and record.continuation_of(o.id) is None
            and same_page(o.to, entry.page)
            and same_page(o.page, entry.came_from)
        ]
        return _matches(entry, candidates)

    def _continuations_for(self, record: Record, entry: Entry) -> list[Entry]:
        """Unjoined continuations of this start."""
        candidates = [
            o
            for o in record.items.values()
            if o.is_continuation
            and o.id != entry.id
            and record.start_of(o.id) is None
            and same_page(o.page, entry.to)
            and same_page(o.came_from, entry.page)
        ]
        return _matches(entry, candidates)

    def _link(self, record: Record, article: Article, entry: Entry) -> list[Step]:
        """Join the article with its other parts, as far as the issue has them."""
        ambiguous: list[Entry] = []
        for continuation, found in (
            (True, self._starts_for(record, entry) if entry.is_continuation else []),
            (False, self._continuations_for(record, entry) if entry.is_start else []),
        ):
            if continuation and record.start_of(entry.id) is not None:
                continue
            if not continuation and record.continuation_of(entry.id) is not None:
                continue
            if len(found) > 1:
                ambiguous += found
            elif found:
                start, rest = (found[0].id, entry.id) if continuation else (entry.id, found[0].id)
                record.joins[rest] = start
                log.info("jump: %s continues %s 《%s》", rest, start, entry.headline)
        head = entry.id
        while (previous := record.start_of(head)) is not None and previous != entry.id:
            head = previous
        chain = [head]
        while (following := record.continuation_of(chain[-1])) is not None:
            if following in chain:
                break
            chain.append(following)
        if len(chain) == 1:
            if ambiguous:
                return [self._ambiguous(article, ambiguous)]
            if entry.is_continuation:
                alone = article.model_copy(update={"flags": [*article.flags, FLAG_ALONE]})
                return [Step(alone, hold_until=self._held())]
            return [Step(article, hold_until=self._held() if self.start == "hold" else None)]
        docs = [article if part == article.id else self._doc(part) for part in chain]
        parts = [doc for doc in docs if doc is not None]
        whole = parts[0]
        for piece in parts[1:]:
            whole = join(whole, piece)
        if whole.continued_from_page is not None:  # its start is not in yet: still a fragment
            whole = whole.model_copy(update={"flags": [*whole.flags, FLAG_ALONE]})
            steps = [Step(whole, hold_until=self._held())]
        else:
            steps = [Step(whole)]
        for part in chain[1:]:
            steps += self._withdraw(part, head)
        return steps

    def _ambiguous(self, article: Article, found: list[Entry]) -> Step:
        names = ", ".join(sorted(o.id for o in found))
        log.warning("jump: %s matches %d items (%s): left unjoined", article.id, len(found), names)
        flagged = article.model_copy(update={"flags": [*article.flags, FLAG_AMBIGUOUS]})
        if article.continued_from_page is not None or self.start == "hold":
            return Step(flagged, hold_until=self._held())
        return Step(flagged)

    def _withdraw(self, continuation_id: str, start_id: str) -> list[Step]:
        """A continuation stored alone before its start came: withdrawn, joined into the start."""
        stored = self.latest(continuation_id) if self.latest is not None else None
        if stored is None:
            return []
        return [Step(kill=continuation_id, reason=f"joined to its start {start_id}")]

    def _resolve_teasers(self, record: Record, arrived: set[str]) -> dict[str, str]:
        """Teasers whose target this page settles: teaser id -> the id it points to."""
        pages = {record.items[i].page for i in arrived}
        found: dict[str, str] = {}
        for teaser in record.items.values():
            if teaser.kind != Kind.TEASER.value or teaser.ref is None:
                continue
            if teaser.id not in arrived and not any(same_page(teaser.ref, p) for p in pages):
                continue
            if teaser.id in record.teasers:
                continue
            scored = sorted(
                (
                    (overlap(teaser.headline, o.headline), o.id)
                    for o in record.items.values()
                    if o.kind == Kind.ARTICLE.value
                    and not o.is_continuation  # a teaser points to where a story starts
                    and same_page(o.page, teaser.ref)
                ),
                reverse=True,
            )
            if not scored or scored[0][0] < MATCH:
                continue
            if len(scored) > 1 and scored[1][0] == scored[0][0]:
                log.warning("teaser %s: two articles match it equally: left unresolved", teaser.id)
                continue
            record.teasers[teaser.id] = found[teaser.id] = scored[0][1]
        return found
