"""`distro parse FILE... [--issue-date D] [--format json|ninjs]`: pages to JSON lines on stdout.

One JSON object per item, one per line, in page order, UTF-8 with real characters. The page
facts come from `--issue-date`, then the sidecar `<stem>.meta.json` beside the file, then the
file name (see distro.parse.meta). A file that cannot be parsed gets one line on stderr; the other
files are still parsed, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from distro.cli import fail, issue_date_option
from distro.errors import InputError
from distro.models import Article
from distro.parse import is_sidecar, page_meta, parse_page, sidecar_name
from distro.pipeline import invalid
from distro.sources.inbox import kind_of


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "parse",
        parents=[common],
        help="parse newspaper pages into articles (JSON lines)",
        epilog="Page facts come from --issue-date, else a sidecar <file stem>.meta.json "
        '({"issue_date": "2021-07-05", "page": "1", "section": "要闻", "publication": "…"}), '
        "else a file name starting with YYYY-MM-DD or YYYYMMDD (2021-07-05_01_要闻.txt); "
        "otherwise the issue date is inferred from the text and marked issue_date_inferred.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="page files (text)")
    parser.add_argument(
        "--issue-date",
        metavar="YYYY-MM-DD",
        default=None,
        help="issue date of every page (default: sidecar, file name, else inferred)",
    )
    parser.add_argument(
        "--format",
        choices=("json", "ninjs"),
        default="json",
        help="json: the article model; ninjs: IPTC ninjs 3.1 (default json)",
    )
    parser.set_defaults(handler=run)


def _render(article: Article, form: str) -> dict[str, Any]:
    if form == "ninjs":
        from distro.ninjs import to_ninjs

        return to_ninjs(article)
    return article.model_dump(mode="json")


def read_file(path: Path) -> bytes:
    """The bytes of a regular file (through a link: the operator named it); a named pipe or a
    device (``/dev/zero``) is refused, never read: it would block or never end."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise InputError(f"{path}: {kind_of(mode)}, not a page file")
        return handle.read()


def parse_file(path: Path, issue_date: dt.date | None) -> list[Article]:
    """The articles of one page file, with the facts of its sidecar and name."""
    try:
        data = read_file(path)
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path}: is a directory") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    side = path.with_name(Path(sidecar_name(path.name)).name)
    try:
        sidecar: bytes | None = read_file(side)
    except FileNotFoundError:
        sidecar = None
    except OSError as exc:  # a name so long its sidecar's passes the limit has none
        if exc.errno != errno.ENAMETOOLONG:
            raise InputError(f"{side}: cannot read the sidecar ({exc.strerror})") from exc
        sidecar = None
    meta = page_meta(path.name, sidecar)
    return parse_page(
        data,
        origin=path.resolve().as_uri(),
        issue_date=issue_date or meta.issue_date,
        page=meta.page,
        section=meta.section,
        publication=meta.publication or "本报",
    )


def run(args: argparse.Namespace) -> int:
    issue_date = issue_date_option(args.issue_date)
    status = 0
    for name in args.files:
        if is_sidecar(name):
            continue  # `distro parse inbox/*`: a sidecar is read with its page, not as one
        try:
            articles = parse_file(Path(name), issue_date)
        except InputError as exc:
            fail(exc.message)
            status = 1
            continue
        except ValidationError as exc:  # the page's facts break the article model
            fail(f"{name}: {invalid(exc)}")
            status = 1
            continue
        for article in articles:
            line = json.dumps(_render(article, args.format), ensure_ascii=False)
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
    return status
