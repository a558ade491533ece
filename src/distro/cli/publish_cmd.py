"""`distro publish CHANNEL [--target T]`: publish what the ledger holds pending for a channel."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from distro import channels, config

if TYPE_CHECKING:
    from distro.channels import PublishReport
    from distro.store.ledger import Ledger

#: The deliveries store logs one record per delivery that ends: the progress bar counts them.
DELIVERIES = "distro.store.deliveries"


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
        def once() -> PublishReport:
            return channels.publish(args.channel, settings, ledger, args.target)

        if sys.stdout.isatty():
            report = with_progress(ledger, args.channel, args.target, once)
        else:
            report = once()
    finally:
        ledger.close()
    print(report.summary())
    for message in report.messages:
        print(f"  {message}")
    return 1 if report.failed else 0


class Counter(logging.Handler):
    """Calls ``step`` for each delivery of ``channel`` the run brings to an end."""

    def __init__(self, channel: str, step: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.channel = channel
        self.step = step

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "delivery_channel", None) == self.channel:
            self.step(str(getattr(record, "delivery_article", "")))


def with_progress(
    ledger: Ledger, channel: str, target: str | None, once: Callable[[], PublishReport]
) -> PublishReport:
    """Publish with a rich progress bar on the terminal: one step per delivery that ends."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    total = len(ledger.pending(channel, target=target)) or None
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[article]}"),
    )
    logger = logging.getLogger(DELIVERIES)
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(f"publish {channel}", total=total, article="")
        counter = Counter(channel, lambda article: bar.update(task, advance=1, article=article))
        level = logger.level
        logger.addHandler(counter)
        logger.setLevel(logging.INFO)
        try:
            return once()
        finally:
            logger.removeHandler(counter)
            logger.setLevel(level)
