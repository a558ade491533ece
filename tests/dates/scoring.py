"""Scoring dateline finders on the hand-labelled openings, whole and by outlet cross-validation.

An item is right when every field is: raw (one enclosing pair of brackets aside), date (null
included), outlet, location, qualifier, reporters, position. Outlet cross-validation holds one
outlet out at a time: its items are scored by a finder whose lexicon lacks every spelling of it,
so only the outlet class can find it, as it would a paper nobody listed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distro.dates.dateline import OUTLETS, DatelineFinder

DATA = Path(__file__).resolve().parent / "data"
#: Every labelled set: `shared:` under ../shared, `local:` under tests/dates/data.
SETS = (
    "shared:datelines/dev.jsonl",
    "local:uhgeval.jsonl",
    "local:sogou.jsonl",
    "local:feeds.jsonl",
    "local:papers.jsonl",
)
#: The sets whose headline runs into the story with no line break (…复出新浪体育讯北京时间…):
#: where an unlisted name starts cannot be told there, so they have their own held-out floors.
#: They keep no issue date (`issue_date` null, read with `issue_of`), so they are not in SETS,
#: which benchmarks/datelines.py reads with dates. `cnewsb.jsonl` was labelled and measured
#: before the finder was tuned on it (tests/dates/data/README.md).
GLUED = ("local:thucnews.jsonl", "local:cnewsb.jsonl")
#: Sets whose headline has its own line but which keep no issue date either (Sina's 2018
#: channels), so they are not in SETS. `sina2018.jsonl` holds outlets no other set names; it was
#: labelled and measured before the finder was tuned on it (tests/dates/data/README.md).
UNDATED = ("local:sina2018.jsonl",)
#: Every labelled set.
ALL_SETS = (*SETS, *GLUED, *UNDATED)
#: The group of an opening that names no outlet: what has no dateline cannot be held out.
NO_OUTLET = "(no outlet)"
#: A paper's words for itself: grammar every paper shares, not a name a list could miss. Held
#: out only when asked (`crossval(..., hold_self=True)`).
SELF = frozenset({"本报", "本刊", "本台", "本网"})


def unbracket(raw: str | None) -> str | None:
    """The README's convention: compare after stripping one enclosing pair of brackets."""
    if raw is None:
        return None
    raw = raw.strip()
    if raw[:1] in "(（" and raw[-1:] in ")）":
        raw = raw[1:-1].strip()
    return raw


def load(shared: Path, name: str) -> list[dict[str, Any]]:
    """The items of one set."""
    where, _, rel = name.partition(":")
    path = (shared if where == "shared" else DATA) / rel
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def expected(item: dict[str, Any]) -> dict[str, Any]:
    """The labels in the shape `got` returns."""
    want = dict(item["expected"])
    want["dateline_raw"] = unbracket(want["dateline_raw"])
    want.setdefault("location_qualifier", None)
    want.setdefault("position", "lead" if want["dateline_raw"] else None)
    return want


def issue_of(item: dict[str, Any]) -> dt.date | None:
    """The item's issue date; None where the source keeps none (THUCNews)."""
    issue = item.get("issue_date")
    return dt.date.fromisoformat(issue) if issue else None


def got(finder: DatelineFinder, text: str, issue: dt.date | None) -> dict[str, Any]:
    """What the finder reads from one opening, in the labels' shape."""
    found = finder.find(text, issue)
    if found is None:
        return {
            "dateline_raw": None,
            "dateline_date": None,
            "outlet": None,
            "location": None,
            "location_qualifier": None,
            "reporters": [],
            "position": None,
        }
    if text[found.span[0] : found.span[1]] != found.raw:
        raise AssertionError(f"span {found.span} does not index {found.raw!r}")
    return {
        "dateline_raw": unbracket(found.raw),
        "dateline_date": found.date.isoformat() if found.date else None,
        "outlet": found.outlet,
        "location": found.location,
        "location_qualifier": found.location_qualifier,
        "reporters": found.reporters,
        "position": found.position,
    }


@dataclass
class Tally:
    """Right and total counts, and the failures as readable lines."""

    right: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 1.0


def score(finder: DatelineFinder, items: Iterable[dict[str, Any]]) -> Tally:
    """How many items the finder gets fully right."""
    tally = Tally()
    for item in items:
        want = expected(item)
        have = got(finder, item["text"], issue_of(item))
        tally.total += 1
        if have == want:
            tally.right += 1
        else:
            tally.failures.append(
                f"{item['id']}: got {json.dumps(have, ensure_ascii=False)}\n"
                f"    want {json.dumps(want, ensure_ascii=False)}"
            )
    return tally


def group_of(item: dict[str, Any]) -> str:
    """The outlet an item is held out with."""
    outlet = item["expected"].get("outlet")
    return str(outlet) if outlet else NO_OUTLET


def without(outlet: str) -> DatelineFinder:
    """A finder whose lexicon lacks every spelling of `outlet`."""
    kept = {k: v for k, v in OUTLETS.items() if v != outlet and k != outlet}
    return DatelineFinder(kept)


def held_out_share(
    folds: dict[str, tuple[Tally, Tally]], ids: frozenset[str] | None = None
) -> tuple[int, int]:
    """(right, total) over every fold, each scored with its outlet held out; only `ids` if given."""
    if ids is None:
        return sum(h.right for _, h in folds.values()), sum(h.total for _, h in folds.values())
    wrong = {f.split(":", 1)[0] for _, held in folds.values() for f in held.failures}
    return len(ids - wrong), len(ids)


def crossval(
    items: list[dict[str, Any]], *, hold_self: bool = False
) -> dict[str, tuple[Tally, Tally]]:
    """Per outlet: (score with the full lexicon, score with the outlet held out)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(group_of(item), []).append(item)
    full = DatelineFinder()
    out: dict[str, tuple[Tally, Tally]] = {}
    for outlet, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        kept = outlet == NO_OUTLET or (outlet in SELF and not hold_self)
        held = full if kept else without(outlet)
        out[outlet] = (score(full, members), score(held, members))
    return out
