"""Hand-labelled real openings: at least 98% fully right, lead dates on their anchors.

Two sets: the shared dev set (../shared/datelines) and tests/dates/data (README there).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from distro.dates import find_dateline, lead_dates

THRESHOLD = 0.98
DATA = Path(__file__).resolve().parent / "data"
SETS = ["shared:datelines/dev.jsonl", "local:uhgeval.jsonl"]


def _unbracket(raw: str | None) -> str | None:
    """The README's convention: compare after stripping one enclosing pair of brackets."""
    if raw is None:
        return None
    raw = raw.strip()
    if raw[:1] in "(（" and raw[-1:] in ")）":
        raw = raw[1:-1].strip()
    return raw


def _items(shared: Path, name: str) -> list[dict[str, Any]]:
    where, _, rel = name.partition(":")
    path = (shared if where == "shared" else DATA) / rel
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _got(text: str, issue: dt.date) -> dict[str, Any]:
    found = find_dateline(text, issue)
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
    assert text[found.span[0] : found.span[1]] == found.raw
    return {
        "dateline_raw": _unbracket(found.raw),
        "dateline_date": found.date.isoformat() if found.date else None,
        "outlet": found.outlet,
        "location": found.location,
        "location_qualifier": found.location_qualifier,
        "reporters": found.reporters,
        "position": found.position,
    }


@pytest.mark.parametrize("name", SETS)
def test_at_least_98_percent_fully_right(shared: Path, name: str) -> None:
    items = _items(shared, name)
    assert len(items) >= 10
    failures: list[str] = []
    for item in items:
        expected = dict(item["expected"])
        expected["dateline_raw"] = _unbracket(expected["dateline_raw"])
        expected.setdefault("location_qualifier", None)
        expected.setdefault("position", "lead" if expected["dateline_raw"] else None)
        got = _got(item["text"], dt.date.fromisoformat(item["issue_date"]))
        if got != expected:
            failures.append(
                f"{item['id']}: got {json.dumps(got, ensure_ascii=False)}\n"
                f"    want {json.dumps(expected, ensure_ascii=False)}"
            )
    for failure in failures:
        print(failure)
    right = 1 - len(failures) / len(items)
    print(f"{name}: {len(items) - len(failures)}/{len(items)} fully right ({right:.1%})")
    assert right >= THRESHOLD, "\n".join(failures)


@pytest.mark.parametrize("name", SETS)
def test_lead_times_are_resolved_against_their_anchor(shared: Path, name: str) -> None:
    items = [item for item in _items(shared, name) if "lead_time" in item]
    assert items
    failures: list[str] = []
    for item in items:
        issue = dt.date.fromisoformat(item["issue_date"])
        found = find_dateline(item["text"], issue)
        want = item["lead_time"]
        got = [d.as_json() for d in lead_dates(item["text"], issue, found)]
        if not any(
            g["expr"] == want["expr"] and g["date"] == want["date"] and g["base"] == want["base"]
            for g in got
        ):
            failures.append(f"{item['id']}: want {want}, got {got}")
    for failure in failures:
        print(failure)
    assert not failures
