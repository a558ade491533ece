"""`distro publish CHANNEL [--target T]`: publish what the ledger holds pending for a channel."""

from __future__ import annotations

import argparse
from typing import Any

from distro import channels, config


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "publish", parents=[common], help="publish pending deliveries of one channel"
    )
    parser.add_argument("channel", choices=channels.names(), help="the channel")
    parser.add_argument(
        "--target", default=None, help="only this target (a WeChat account, a partner …)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from distro.store.ledger import Ledger

    settings = config.load(args.config, args.state)
    ledger = Ledger.open(settings)
    try:
        report = channels.publish(args.channel, settings, ledger, args.target)
    finally:
        ledger.close()
    print(report.summary())
    for message in report.messages:
        print(f"  {message}")
    return 1 if report.failed else 0
