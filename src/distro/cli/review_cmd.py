"""`distro review list|approve ID...|reject ID... --reason R`: the editors' review gate."""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any

from distro import config, review
from distro.store.ledger import Ledger


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("review", help="articles held at a review gate: list, decide")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="what waits for an editor")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.add_argument("--channel", default=None, help="only this channel")
    listing.set_defaults(handler=run_list)
    for name, what in (("approve", "send the held articles"), ("reject", "quarantine them")):
        action = actions.add_parser(name, parents=[common], help=what)
        action.add_argument("ids", nargs="+", metavar="ID", help="article ids (a-…)")
        action.add_argument(
            "--channel",
            action="append",
            default=None,
            help="decide for this channel only (repeatable; default: every channel it waits on)",
        )
        action.add_argument("--by", default=None, help="the editor's name (default: your login)")
        if name == "reject":
            action.add_argument("--reason", required=True, help="why it must not go out")
        action.set_defaults(handler=run_decide, decision=name)


def run_list(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    with Ledger.open(settings) as ledger:
        items = review.waiting(ledger, channel=args.channel)
    for item in items:
        doc = item.as_json()
        if args.json:
            print(json.dumps(doc, ensure_ascii=False))
            continue
        flags = ", ".join(doc["flags"]) or "-"
        print(
            f"{doc['article_id']} v{doc['version']}  {doc['channel']}/{doc['target']}"
            f"  confidence {doc['confidence']:.2f}  flags {flags}"
        )
        print(f"    {doc['headline']}")
        print(f"    held: {doc['reason']}")
    if not items and not args.json:
        print("nothing waits for review")
    return 0


def _editor(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "editor"


def run_decide(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    by = _editor(args.by)
    with Ledger.open(settings) as ledger:
        if args.decision == "approve":
            done = review.approve(ledger, args.ids, channels=args.channel, by=by)
            verb = "approved"
        else:
            done = review.reject(ledger, args.ids, args.reason, channels=args.channel, by=by)
            verb = "rejected"
    for d in done:
        print(f"{verb} {d.article_id} v{d.version} for {d.channel}/{d.target}")
    if args.decision == "approve" and done:
        print("the channels send them on their next run (an event or the sweep wakes them)")
    return 0
