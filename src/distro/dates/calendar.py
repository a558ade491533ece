"""Completing partial dates (day, month-day) from an anchor date, with the rollover rules."""

from __future__ import annotations

import datetime as dt
from typing import Literal

#: Dates are calendar dates of the newsroom's day in this zone; none is ever taken from a clock.
TIMEZONE = "Asia/Shanghai"

#: A dateline day this many days after the issue day still belongs to the issue's month
#: (wires dated ahead across time zones); any later day belongs to the previous month.
DAY_SLACK = 3

#: A month more than this many months away from the anchor month belongs to the adjacent year.
MONTH_SLACK = 6


Later = Literal["previous-month", "same-month", "ambiguous"]


class DateProblem(ValueError):
    """A date that cannot be completed without guessing; the message is the reason."""


def make_date(year: int, month: int, day: int) -> dt.date:
    """A calendar date, or DateProblem naming what is wrong with it."""
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateProblem(f"not a calendar date: {year:04d}-{month:02d}-{day:02d}") from exc


def year_for(month: int, anchor: dt.date) -> int:
    """The year of a month printed without one, near the anchor date.

    A month more than six months after the anchor's is last year's (`12月31日电` in a 1 January
    issue); more than six months before it is next year's (`1月2日` in a late-December story).
    """
    if month - anchor.month > MONTH_SLACK:
        return anchor.year - 1
    if anchor.month - month > MONTH_SLACK:
        return anchor.year + 1
    return anchor.year


def complete(
    year: int | None,
    month: int | None,
    day: int,
    anchor: dt.date | None,
    *,
    later: Later = "previous-month",
) -> dt.date:
    """The date a (year, month, day) with missing parts stands for, next to `anchor`.

    Day-only dates take the anchor's month. A day up to DAY_SLACK days after the anchor's day stays
    in that month; a later day is decided by `later`: ``"previous-month"`` (datelines: a dateline
    never runs ahead of its issue), ``"same-month"`` (the text announces a coming event) or
    ``"ambiguous"`` (raise). Raises DateProblem instead of guessing.
    """
    if year is not None and month is not None:
        return make_date(year, month, day)
    if anchor is None:
        raise DateProblem("no year printed and no issue date to take it from")
    if month is not None:
        return make_date(year_for(month, anchor), month, day)
    if year is not None:
        raise DateProblem("a year and a day without a month")
    if not 1 <= day <= 31:
        raise DateProblem(f"not a day of a month: {day}")
    if day <= anchor.day or later == "same-month":
        return make_date(anchor.year, anchor.month, day)
    if later == "ambiguous":
        raise DateProblem(f"day {day} is after the anchor {anchor.isoformat()}: this or last month")
    if day <= anchor.day + DAY_SLACK:
        try:
            return make_date(anchor.year, anchor.month, day)
        except DateProblem:
            pass
    previous = shift(anchor.replace(day=1), -1)
    return make_date(previous.year, previous.month, day)


def shift(anchor: dt.date, days: int) -> dt.date:
    """`anchor` moved by `days`, or DateProblem at the ends of the calendar."""
    try:
        return anchor + dt.timedelta(days=days)
    except OverflowError as exc:
        raise DateProblem(f"outside the calendar: {anchor.isoformat()} {days:+d} days") from exc
