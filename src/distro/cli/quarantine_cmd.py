"""`distro quarantine list|show ID|retry ID`: inputs that could not go on, and why."""

from __future__ import annotations

import argparse
import json
from typing import Any

from distro import config
from distro.errors import InputError
from distro.models import QuarantineEntry
from distro.pipeline import SHA256, retry
from distro.store.archive import Archive
from distro.store.ledger import Ledger
from distro.store.objects import MissingObject, open_objects


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("quarantine", help="list, show or retry quarantined inputs")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="open entries, newest first")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--all", action="store_true", help="include resolved entries")
    listing.set_defaults(handler=run_list)
    show = actions.add_parser("show", parents=[common], help="one entry and its raw payload")
    show.add_argument("id")
    show.set_defaults(handler=run_show)
    again = actions.add_parser("retry", parents=[common], help="process the input again")
    again.add_argument("id")
    again.set_defaults(handler=run_retry)


def as_json(entry: QuarantineEntry, ledger: Ledger) -> dict[str, Any]:
    doc = entry.model_dump(mode="json")
    doc["resolved"] = ledger.is_resolved(entry.id)
    return doc


def run_list(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    with Ledger.open(settings) as ledger:
        entries = ledger.quarantined(include_resolved=args.all)
        if args.json:
            docs = [as_json(entry, ledger) for entry in entries]
            print(json.dumps(docs, ensure_ascii=False, indent=2))
            return 0
        for entry in entries:
            when = entry.created_at.isoformat(timespec="seconds")
            print(f"{entry.id}  {when}  {entry.stage:<8}  {entry.origin or entry.raw_ref}")
            print(f"    {entry.reason}")
        print(f"{len(entries)} entries")
    return 0


def run_show(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    with Ledger.open(settings) as ledger:
        entry = ledger.get_quarantine(args.id)
        if entry is None:
            raise InputError(f"no quarantine entry {args.id}")
        doc = as_json(entry, ledger)
    if SHA256.match(entry.raw_ref):
        archive = Archive(open_objects(settings.config.archive, settings.state.archive))
        try:
            doc["raw"] = archive.meta(entry.raw_ref).model_dump(mode="json")
            head = archive.get(entry.raw_ref)[:400]
            doc["raw"]["head"] = head.decode("utf-8", errors="replace")
        except MissingObject:
            doc["raw"] = None
    print(json.dumps(doc, ensure_ascii=False, indent=2))
    return 0


def run_retry(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    with Ledger.open(settings) as ledger:
        report = retry(settings, ledger, args.id)
        resolved = ledger.is_resolved(args.id)
    print(json.dumps(report.as_json() | {"resolved": resolved}, ensure_ascii=False))
    return 0 if resolved else 1
