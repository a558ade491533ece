"""Cron expressions checked without Airflow: five fields, their ranges, names and steps.

The schedules of the config file are checked here before Airflow sees them, so a typo is an
error naming the field (`0 25 * * *`: hour 25 is outside 0-23) rather than a DAG file that fails
to import or a DAG whose next run is silently never. The grammar is the one Airflow's
timetables accept, minus rarities: ``minute hour day-of-month month day-of-week``, each ``*``, a
value, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a comma list of those; months and week
days by number or by English abbreviation (``JAN``, ``MON-FRI``, ``MON-SUN``); ``L`` for the
last day of the month, ``?`` for no specific day, ``d#n`` for the n-th week day of the month;
and the presets ``@hourly``, ``@daily``, ``@midnight``, ``@weekly``, ``@monthly``,
``@yearly``, ``@annually``.
"""

from __future__ import annotations

import calendar
import re

PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
)
MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
DAYS = {name.lower(): (n + 1) % 7 for n, name in enumerate(calendar.day_abbr)}
_TERM = re.compile(r"^(?P<range>\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/(?P<step>[0-9]+))?$")


class CronError(ValueError):
    """A cron expression that no timetable can run."""


def _value(text: str, field: int) -> int:
    name, low, high = FIELDS[field]
    names = MONTHS if field == 3 else DAYS if field == 4 else {}
    if text in names:
        return names[text]
    if not text.isdigit() or len(text) > 4:
        raise CronError(f"{name} {text!r} is not a number")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{name} {value} is outside {low}-{high}")
    return value


def _values(spec: str, field: int) -> set[int]:
    """The values one field allows."""
    name, low, high = FIELDS[field]
    if field == 2 and spec == "l":
        return {31}  # the last day: every month has one
    if field in (2, 4) and spec == "?":
        spec = "*"  # "no specific value", as Quartz-style crons write it
    found: set[int] = set()
    for term in spec.split(","):
        if field == 4 and re.fullmatch(r"[0-7a-z]+#[1-5]", term):
            term = term.split("#")[0]  # the n-th such week day of the month
        match = _TERM.match(term)
        if match is None:
            raise CronError(f"{name} {term!r} is not a value, a range or a step")
        step = int(match["step"]) if match["step"] else 1
        if step == 0 or step > high:
            raise CronError(f"{name} step {match['step']} is outside 1-{high}")
        if match["range"] == "*":
            start, end = low, high
        else:
            first, _, last = match["range"].partition("-")
            start = _value(first, field)
            end = _value(last, field) if last else (high if match["step"] else start)
            if field == 4 and last and end == 0:
                end = 7  # MON-SUN: Sunday closes the week
            if end < start:
                raise CronError(f"{name} range {match['range']!r} runs backwards")
        found.update(range(start, end + 1, step))
    return found


def parse(expression: str) -> tuple[set[int], ...]:
    """The values each of the five fields allows; CronError saying what is wrong."""
    text = PRESETS.get(expression.strip().lower(), expression.strip().lower())
    if text.startswith("@"):
        raise CronError(f"unknown preset {expression.strip()!r} (known: {', '.join(PRESETS)})")
    fields = text.split()
    if len(fields) != len(FIELDS):
        raise CronError(
            f"{len(fields)} fields; a cron has 5: minute hour day-of-month month day-of-week"
        )
    values = tuple(_values(spec, n) for n, spec in enumerate(fields))
    days, months = values[2], values[3]
    if fields[4] == "*" and not any(
        day <= calendar.monthrange(2024, month)[1] for day in days for month in months
    ):
        raise CronError("no month has that day: the schedule would never run")
    return values


def problem(expression: object) -> str | None:
    """What is wrong with ``expression`` as a cron, or None when it is fine."""
    if not isinstance(expression, str):
        return f"a cron is a string, not {type(expression).__name__}"
    try:
        parse(expression)
    except CronError as exc:
        return f"invalid cron {expression!r}: {exc}"
    return None
