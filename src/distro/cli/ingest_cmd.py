"""`distro ingest`: run every configured source once, plus an inbox and feeds given as flags."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from distro import config
from distro.errors import ConfigError
from distro.pipeline import IngestReport, SourceReport, ingest


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "ingest", parents=[common], help="fetch every source once and store the articles"
    )
    parser.add_argument("--inbox", metavar="DIR", help="also take the pages in this folder")
    parser.add_argument(
        "--feed", metavar="URL", action="append", default=[], help="also fetch this feed"
    )
    parser.add_argument(
        "--feeds-file", metavar="FILE", help="also fetch the feeds listed (one URL per line)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def read_feeds_file(path: str) -> list[str]:
    """URLs, one per line; blank lines and `#` comments skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read feeds file: {exc.strerror}") from exc
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def run(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    feeds = list(args.feed)
    if args.feeds_file:
        feeds += read_feeds_file(args.feeds_file)
    if args.json or not sys.stdout.isatty():
        report = ingest(settings, inbox=args.inbox, feeds=feeds)
    else:
        report = with_progress(settings, args.inbox, feeds)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        for source in report.sources:
            if source.outcome in {"quarantined", "error"}:
                print(f"{source.outcome}: {source.uri}: {source.reason}")
        print(report.summary())
    return 1 if report.errors else 0


def with_progress(settings: config.Settings, inbox: str | None, feeds: list[str]) -> IngestReport:
    """Ingest with a rich progress line on the terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[uri]}"),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("ingest", total=None, uri="")

        def advance(source: SourceReport) -> None:
            bar.update(task, advance=1, uri=source.uri[-60:])

        return ingest(settings, inbox=inbox, feeds=feeds, progress=advance)
