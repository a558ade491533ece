"""`distro review list|approve|reject|correct|editions|approve-edition|reject-edition`: the gates.

``list``/``approve ID...``/``reject ID... --reason R``/``correct ID --headline H…`` decide on
articles held at a channel target's review gate (a correction is a new version, held again where
the gate says so); ``editions``/``approve-edition E``/``reject-edition E --reason R`` on WeChat
群发 editions previewed and held for an editor (``approve = "editor"``).
"""

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
    fix = actions.add_parser(
        "correct",
        parents=[common],
        help="fix fields of a held article: a new version, which meets the gates again",
    )
    fix.add_argument("id", metavar="ID", help="the article id (a-…)")
    for name in review.EDITABLE:
        what = "one paragraph per line" if name == "paragraphs" else "empty clears it"
        fix.add_argument(f"--{name}", default=None, help=f"the corrected {name} ({what})")
    fix.add_argument("--by", default=None, help="the editor's name (default: your login)")
    fix.set_defaults(handler=run_correct)
    editions = actions.add_parser(
        "editions", parents=[common], help="WeChat 群发 editions previewed and held for an editor"
    )
    editions.add_argument("--json", action="store_true", help="one JSON object per line")
    editions.set_defaults(handler=run_editions)
    send = actions.add_parser(
        "approve-edition", parents=[common], help="send a held 群发 edition on the next run"
    )
    send.add_argument("edition", help="the edition id (`distro review editions` lists them)")
    send.add_argument("--account", default=None, help="the WeChat account (when several hold it)")
    send.add_argument("--by", default=None, help="the editor's name (default: your login)")
    send.set_defaults(handler=run_approve_edition)
    refuse = actions.add_parser(
        "reject-edition",
        parents=[common],
        help="send nothing of a held 群发 edition: quarantine its articles with a reason",
    )
    refuse.add_argument("edition", help="the edition id (`distro review editions` lists them)")
    refuse.add_argument("--reason", required=True, help="why it must not go out")
    refuse.add_argument("--account", default=None, help="the WeChat account (when several hold it)")
    refuse.add_argument("--by", default=None, help="the editor's name (default: your login)")
    refuse.set_defaults(handler=run_reject_edition)


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


def run_correct(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    fields = {n: getattr(args, n) for n in review.EDITABLE if getattr(args, n) is not None}
    with Ledger.open(settings) as ledger:
        done = review.correct(settings, ledger, args.id, fields, by=_editor(args.by))
    print(f"corrected {done['article_id']}: v{done['version']} ({', '.join(done['fields'])})")
    held = ", ".join(done["held"])
    print(f"held again for review on {held}" if held else "no gate holds it: the channels send it")
    return 0


def run_editions(args: argparse.Namespace) -> int:
    from distro.channels.wechat.approvals import waiting

    settings = config.load(args.config, args.state)
    with Ledger.open(settings) as ledger:
        held = waiting(settings, ledger)
    for doc in held:
        if args.json:
            print(json.dumps(doc, ensure_ascii=False))
            continue
        editors = ", ".join(doc["previewed_to"]) or "nobody"
        print(f"{doc['edition']}  account {doc['account']}  previewed to {editors}")
        for item in doc["articles"]:
            print(f"    {item['article_id']} v{item['version']}  {item['headline']}")
    if not held and not args.json:
        print("no 群发 edition waits for an editor")
    return 0


def run_approve_edition(args: argparse.Namespace) -> int:
    from distro.channels.wechat.approvals import approve

    settings = config.load(args.config, args.state)
    with Ledger.open(settings) as ledger:
        account, members = approve(
            settings, ledger, args.edition, account=args.account, by=_editor(args.by)
        )
    print(f"approved edition {args.edition} of account {account.name}: {len(members)} article(s)")
    print("the account's next run sends it with message/mass/sendall (once)")
    return 0


def run_reject_edition(args: argparse.Namespace) -> int:
    from distro.channels.wechat.approvals import reject

    settings = config.load(args.config, args.state)
    with Ledger.open(settings) as ledger:
        account, members = reject(
            settings, ledger, args.edition, args.reason, account=args.account, by=_editor(args.by)
        )
    print(f"rejected edition {args.edition} of account {account.name}: {len(members)} article(s)")
    print("nothing was sent; `distro quarantine retry` puts them into the next edition")
    return 0
