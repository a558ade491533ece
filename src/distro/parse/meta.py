"""Facts about a page that its text may not print: issue date, page, section, publication.

Two conventions, the sidecar winning over the file name:

- a sidecar JSON file beside the page named ``<page file stem>.meta.json``
  (``000_c6710cc7ae2753f8.txt`` → ``000_c6710cc7ae2753f8.meta.json``) holding any of
  ``{"issue_date": "2021-07-05", "page": "1", "section": "要闻", "publication": "西海岸新闻"}``,
  and ``"embargo_until"``: an ISO 8601 time before which no channel shows the page's articles
  (``"2021-07-05T06:00:00+08:00"``; a time without an offset is Asia/Shanghai), or one per
  channel (``{"web": "…T06:00", "wechat": "…T07:00", "*": "…"}``);
- a file name that starts with the issue date, ``YYYY-MM-DD`` or ``YYYYMMDD``, optionally
  followed by the page (``01``, ``A3``, ``p2``, ``第3版``) and a Chinese section name, separated
  by ``_``, ``-``, ``.`` or a space: ``2021-07-05_01_要闻.txt``, ``20210705-A3.txt``.

Producers drop the sidecar before the page (write, then rename), so a page never arrives
without the facts meant for it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from zoneinfo import ZoneInfo

from distro.embargo import parse_time
from distro.errors import ParseError
from distro.models import MAX_YEAR, MIN_YEAR, clean_text

SHANGHAI = ZoneInfo("Asia/Shanghai")

SIDECAR_SUFFIX = ".meta.json"
#: A page is a number or a letter and a number (`A3`); anything longer is not a page.
MAX_PAGE = 16

_NAME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2}|\d{8})"
    r"(?:[_\-. ]+(?:[pP]|第)?(?P<page>[A-Za-z]?\d{1,3})版?(?=[_\-. ]|$))?"
    r"(?:[_\-. ]+(?P<section>[\u4e00-\u9fff]{1,12}))?"
    r"(?:[_\-. ].*)?"
)
_KEYS = frozenset(("issue_date", "page", "section", "publication"))
#: Sidecar keys that are not plain strings, read on their own.
_EXTRA_KEYS = frozenset(("embargo_until",))


@dataclass(frozen=True)
class PageMeta:
    """What the file name and sidecar say about a page; None where they say nothing."""

    issue_date: dt.date | None = None
    page: str | None = None
    section: str | None = None
    publication: str | None = None
    #: Channel (or ``*`` for every channel) -> the time before which it may not show the page.
    embargo: dict[str, dt.datetime] = field(default_factory=dict)


def sidecar_name(filename: str) -> str:
    """The name of the sidecar that goes with a page file."""
    path = PurePath(filename)
    return str(path.with_name(path.stem + SIDECAR_SUFFIX))


def is_sidecar(filename: str) -> bool:
    """Whether `filename` is a sidecar rather than a page."""
    return filename.endswith(SIDECAR_SUFFIX)


def _date(text: str) -> dt.date | None:
    digits = text.replace("-", "")
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _in_range(day: dt.date, where: str, what: str = "issue date") -> dt.date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ParseError(f"{where}: {what} {day.isoformat()} is outside {MIN_YEAR}-{MAX_YEAR}")
    return day


def _number(digits: str) -> str:
    try:
        return str(int(digits))
    except ValueError:  # digits int() does not read (superscripts)
        return digits


def _page(text: str, where: str = "page") -> str:
    text = text.strip()
    if len(text) > MAX_PAGE:
        raise ParseError(f"{where}: page {text[:20]!r}... is longer than {MAX_PAGE} characters")
    if text.isdigit():
        return _number(text)
    if len(text) > 1 and text[0].isalpha() and text[1:].isdigit():
        return f"{text[0].upper()}{_number(text[1:])}"
    return text


def from_name(filename: str) -> PageMeta:
    """What the file name says (see the module docstring)."""
    found = _NAME.fullmatch(PurePath(filename).stem)
    if found is None:
        return PageMeta()
    issue_date = _date(found["date"])
    if issue_date is None:
        return PageMeta()
    _in_range(issue_date, filename)
    page = _page(found["page"]) if found["page"] else None
    return PageMeta(issue_date=issue_date, page=page, section=found["section"])


def from_sidecar(filename: str, sidecar: bytes) -> PageMeta:
    """What the sidecar says; ParseError naming it when it is not a valid sidecar."""
    name = sidecar_name(filename)
    try:
        doc = json.loads(sidecar.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:  # undecodable, not JSON, 5,000-digit numbers
        raise ParseError(f"{name}: not a JSON sidecar ({str(exc)[:200]})") from exc
    if not isinstance(doc, dict):
        raise ParseError(f"{name}: a sidecar holds a JSON object")
    unknown = sorted(set(doc) - _KEYS - _EXTRA_KEYS)
    if unknown:
        raise ParseError(f"{name}: unknown keys {', '.join(unknown)}")
    values: dict[str, str | None] = {}
    for key in _KEYS:
        value = doc.get(key)
        if value is not None and not isinstance(value, str | int):
            raise ParseError(f"{name}: {key} must be a string")
        # Cleaned as the models clean every text field (a lone surrogate from a JSON escape
        # would otherwise break the first encode, the article id's among them).
        text = clean_text(str(value)).strip() if value is not None else ""
        values[key] = text or None
    issue_date = None
    if values["issue_date"] is not None:
        try:
            issue_date = dt.date.fromisoformat(values["issue_date"])
        except ValueError as exc:
            raise ParseError(f"{name}: issue_date is not YYYY-MM-DD") from exc
        _in_range(issue_date, name)
    return PageMeta(
        issue_date=issue_date,
        page=_page(values["page"], name) if values["page"] else None,
        section=values["section"],
        publication=values["publication"],
        embargo=_embargo(doc.get("embargo_until"), name),
    )


def _moment(text: object, where: str) -> dt.datetime:
    if not isinstance(text, str):
        raise ParseError(f"{where}: embargo_until holds ISO 8601 times")
    try:
        # A newsroom's wall clock: the paper's own zone, as the docs of the sidecar say.
        return parse_time(text, SHANGHAI, "embargo_until")
    except ValueError as exc:
        raise ParseError(f"{where}: {exc}") from None


def _embargo(value: object, where: str) -> dict[str, dt.datetime]:
    """``"2026-07-05T06:00+08:00"`` for every channel, or ``{"web": …, "wechat": …, "*": …}``."""
    if value is None:
        return {}
    if isinstance(value, dict):
        if len(value) > 16:
            raise ParseError(f"{where}: embargo_until names at most 16 channels")
        found = {}
        for channel, text in value.items():
            if not isinstance(channel, str) or not 0 < len(channel) <= 32:
                raise ParseError(f"{where}: embargo_until keys are channel names or *")
            found[channel] = _moment(text, where)
        return found
    return {"*": _moment(value, where)}


def page_meta(filename: str, sidecar: bytes | None) -> PageMeta:
    """The page facts from the sidecar (when given) over those from the file name."""
    named = from_name(filename)
    if sidecar is None:
        return named
    side = from_sidecar(filename, sidecar)
    return PageMeta(
        issue_date=side.issue_date or named.issue_date,
        page=side.page or named.page,
        section=side.section or named.section,
        publication=side.publication or named.publication,
        embargo=side.embargo,
    )
