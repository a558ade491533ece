"""`distro find TEXT...`: articles by headline words, id, URL or section, with where each went."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from distro import config
from distro.errors import InputError


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "find", parents=[common], help="find articles by headline words, id, URL or section"
    )
    parser.add_argument("terms", nargs="*", metavar="TEXT", help="every term must match")
    parser.add_argument("--day", default=None, help="only articles of this day (YYYY-MM-DD)")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from distro.desk import queries
    from distro.store.ledger import Ledger

    try:
        day = dt.date.fromisoformat(args.day) if args.day else None
    except ValueError:
        raise InputError(f"--day must be YYYY-MM-DD, not {args.day!r}") from None
    if args.limit < 1:
        raise InputError("--limit must be at least 1")
    settings = config.load(args.config, args.state)
    with Ledger.open(settings) as ledger:
        found = queries.find(
            settings, ledger, day=day, query=" ".join(args.terms), limit=args.limit
        )
        docs = [queries.article_doc(settings, ledger, article) for article in found]
    for doc in docs:
        if args.json:
            doc.pop("deliveries", None)
            print(json.dumps(doc, ensure_ascii=False))
            continue
        went = ", ".join(
            f"{c['channel']}{'' if c['target'] == 'default' else ':' + c['target']}={c['state']}"
            for c in doc["channels"]
        )
        status = "" if doc["pub_status"] == "usable" else f" [{doc['pub_status']}]"
        print(f"{doc['id']} v{doc['version']}  {doc['day']}  {doc['section'] or '-'}  "
              f"{doc['headline']}{status}")  # fmt: skip
        if went:
            print(f"    {went}")
    if not docs:
        print("no article matches", flush=True)
        return 1
    return 0
