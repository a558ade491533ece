"""`distro config check|show`: validate the config file and print what it resolves to."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from distro import config


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("config", help="check or show the config")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", parents=[common], help="report every error with its path")
    check.set_defaults(handler=run_check)
    show = actions.add_parser("show", parents=[common], help="print the resolved config as JSON")
    show.add_argument(
        "--toml", action="store_true", help="as a TOML config file, each field described"
    )
    show.set_defaults(handler=run_show)


def run_check(args: argparse.Namespace) -> int:
    """Schema errors (exit 2), then crons and secrets: errors exit 2, warnings are printed."""
    settings = config.load(args.config, args.state)
    origin = settings.config_path or "embedded defaults"
    errors = config.schedule_problems(settings.config)
    secret_errors, warnings = config.secret_problems(settings.config)
    errors += secret_errors
    for line in warnings:
        print(f"{origin}: warning: {line}", file=sys.stderr)
    if errors:
        for line in errors:
            print(f"{origin}: {line}", file=sys.stderr)
        print(f"{origin}: {len(errors)} errors", file=sys.stderr)
        return 2
    print(f"{origin}: ok ({len(settings.config.sources)} sources, state {settings.state.root})")
    return 0


def run_show(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    if args.toml:
        from distro import configdoc

        print(configdoc.dumps(settings.config), end="")
        return 0
    print(json.dumps(settings.config.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return 0
