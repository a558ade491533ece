"""The `distro` command line: one module per command, registered here.

Exit codes: 0 success, 1 bad input or a failed run, 2 usage or config errors. Errors print one
line on stderr, never a traceback (``DISTRO_DEBUG=1`` shows it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from distro.errors import ConfigError, DistroError

#: Command modules; each has ``register(subparsers, common)``.
COMMANDS: tuple[str, ...] = (
    "distro.cli.config_cmd",
    "distro.cli.schemas_cmd",
    "distro.cli.ingest_cmd",
    "distro.cli.quarantine_cmd",
    "distro.cli.parse_cmd",
    "distro.cli.datelines_cmd",
    "distro.cli.publish_cmd",
    "distro.cli.airflow_cmd",
    "distro.cli.demo_cmd",
    "distro.cli.partners_cmd",
    "distro.cli.review_cmd",
    "distro.cli.find_cmd",
)

Handler = Callable[[argparse.Namespace], int]


def common_options() -> argparse.ArgumentParser:
    """Options every command takes: the state folder and the config file."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--state",
        metavar="DIR",
        default=None,
        help="state folder (env DISTRO_STATE, default ./var)",
    )
    common.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help="config file (env DISTRO_CONFIG; embedded defaults when absent)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(
        prog="distro", description="News ingestion and distribution on Apache Airflow."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = common_options()
    for name in COMMANDS:
        importlib.import_module(name).register(subparsers, common)
    return parser


def issue_date_option(value: str | None) -> dt.date | None:
    """The ``--issue-date`` option's value, checked."""
    if value is None:
        return None
    from distro.models import MAX_YEAR, MIN_YEAR

    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"--issue-date {value[:40]!r} is not a date (YYYY-MM-DD)") from exc
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ConfigError(f"--issue-date {value} is outside {MIN_YEAR}-{MAX_YEAR}")
    return day


def fail(message: str) -> None:
    """One line on stderr."""
    print(f"distro: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `distro` script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        fail(exc.message)
        return 2
    except DistroError as exc:
        if os.environ.get("DISTRO_DEBUG"):
            raise
        fail(exc.message)
        return 1
    except KeyboardInterrupt:
        fail("interrupted")
        return 130
    except BrokenPipeError:
        # A closed pipe (`| head`) is the reader's choice, not our failure.
        sys.stderr.close()
        return 0
    except OSError as exc:  # a state folder on /proc, a full disk, a name too long
        if os.environ.get("DISTRO_DEBUG"):
            raise
        where = f": {exc.filename}" if exc.filename else ""
        fail(f"{exc.strerror or exc}{where}")
        return 1
    except Exception as exc:  # a bug: still one line, the traceback on demand
        if os.environ.get("DISTRO_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {str(exc)[:300]} (DISTRO_DEBUG=1 shows where)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
