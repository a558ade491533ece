"""`distro datelines`: datelines and lead dates of openings, JSON Lines in, JSON Lines out."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
from collections.abc import Iterator
from typing import IO, Any

from distro.cli import issue_date_option
from distro.dates import find_dateline, lead_dates
from distro.models import Dateline

#: Longest input line read whole; a longer one is skipped (and reported) in constant memory.
MAX_LINE = 1 << 20


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "datelines",
        parents=[common],
        help="find datelines in openings (JSON Lines on stdin)",
        description=(
            'Reads one opening per line: a JSON object {"text", "issue_date"} or, with '
            "--issue-date, plain text. Writes one JSON object per input line, in order: "
            '{"dateline": null | {...}, "lead_dates": [...]}; a line that cannot be read gives '
            '{"line": N, "error": "..."} and the exit code is 1.'
        ),
    )
    parser.add_argument(
        "--issue-date",
        metavar="D",
        default=None,
        help="issue date (YYYY-MM-DD) for plain-text lines and objects without one",
    )
    parser.set_defaults(handler=run)


def read_lines(stream: IO[bytes], limit: int = MAX_LINE) -> Iterator[bytes | None]:
    """Each line without its end; None for a line longer than `limit` (read past, not kept)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(limit)
            yield None
            continue
        yield line.rstrip(b"\r\n")


def dateline_json(dateline: Dateline | None) -> dict[str, object] | None:
    """The dateline as the command prints it (ISO date, span as a list)."""
    if dateline is None:
        return None
    return {
        "raw": dateline.raw,
        "span": list(dateline.span),
        "date": dateline.date.isoformat() if dateline.date else None,
        "date_reason": dateline.date_reason,
        "outlet": dateline.outlet,
        "location": dateline.location,
        "location_qualifier": dateline.location_qualifier,
        "reporters": dateline.reporters,
        "position": dateline.position,
    }


def process(line: bytes, default_issue: dt.date | None, *, plain: bool) -> dict[str, object]:
    """One output object for one input line; ValueError names what is wrong with the line."""
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 at byte {exc.start}") from exc
    decoded = decoded.removeprefix("\ufeff")
    issue = default_issue
    ident: object = None
    if plain and not decoded.lstrip().startswith("{"):
        text = decoded
    else:
        try:
            item = json.loads(decoded)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from exc
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError('expected an object with a string "text"')
        text = item["text"]
        ident = item.get("id")
        raw_issue = item.get("issue_date")
        if raw_issue is not None:
            if not isinstance(raw_issue, str):
                raise ValueError('"issue_date" must be a string (YYYY-MM-DD) or null')
            try:
                issue = dt.date.fromisoformat(raw_issue)
            except ValueError as exc:
                raise ValueError(f'"issue_date" {raw_issue!r} is not a date') from exc
    dateline = find_dateline(text, issue)
    out: dict[str, object] = {}
    if ident is not None:
        out["id"] = ident
    out["dateline"] = dateline_json(dateline)
    out["lead_dates"] = [found.as_json() for found in lead_dates(text, issue, dateline)]
    return out


def run(args: argparse.Namespace) -> int:
    issue = issue_date_option(args.issue_date)
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper) and out.encoding.lower().replace("-", "") != "utf8":
        out.reconfigure(encoding="utf-8")  # Chinese stays Chinese whatever the locale
    bad = 0
    for number, line in enumerate(read_lines(sys.stdin.buffer), start=1):
        result: dict[str, object]
        if line is None:
            result = {"line": number, "error": f"line longer than {MAX_LINE} bytes"}
        else:
            try:
                result = process(line, issue, plain=issue is not None)
            except ValueError as exc:
                result = {"line": number, "error": str(exc)}
        if "error" in result:
            bad += 1
            result["dateline"] = None
            result["lead_dates"] = []
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()  # a line out per line in, also when the other end of a pipe waits for it
    if bad:
        print(f"distro: {bad} input line(s) could not be read", file=sys.stderr)
        return 1
    return 0
