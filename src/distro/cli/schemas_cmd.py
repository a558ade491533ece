"""`distro schemas [--check] [--out DIR]`: regenerate schemas/ from the models, or check drift."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from distro import schemas


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "schemas", parents=[common], help="write the JSON Schemas generated from the models"
    )
    parser.add_argument("--out", metavar="DIR", default="schemas", help="folder (default schemas)")
    parser.add_argument(
        "--check", action="store_true", help="only report drift; exit 1 when any file differs"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.out)
    if args.check:
        problems = schemas.drift(folder)
        for problem in problems:
            print(f"{folder / problem}")
        return 1 if problems else 0
    for path in schemas.write(folder):
        print(path)
    return 0
