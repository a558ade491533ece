"""Completing dates printed without a year or month: the rollover rules, never a guess."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.dates import find_dateline
from distro.dates.calendar import DateProblem, complete, year_for


def test_december_dateline_in_a_january_issue_is_last_year() -> None:
    # Real: 新华社洛杉矶12月31日电 in the 2004-01-01 wire (dev set o0390).
    found = find_dateline(
        "(国际)美国流感蔓延达到高峰\n新华社洛杉矶12月31日电(记者颜亮)美国", dt.date(2004, 1, 1)
    )
    assert found is not None
    assert found.date == dt.date(2003, 12, 31)


def test_january_date_in_a_december_anchor_is_next_year() -> None:
    assert year_for(1, dt.date(2004, 12, 31)) == 2005
    assert year_for(7, dt.date(2004, 1, 2)) == 2004
    assert year_for(8, dt.date(2004, 1, 2)) == 2003


def test_day_only_takes_the_issue_month() -> None:
    assert complete(None, None, 2, dt.date(2004, 1, 3)) == dt.date(2004, 1, 2)
    assert complete(None, None, 30, dt.date(2003, 1, 30)) == dt.date(2003, 1, 30)


def test_day_a_little_after_the_issue_day_stays_in_the_month() -> None:
    assert complete(None, None, 4, dt.date(2004, 1, 3)) == dt.date(2004, 1, 4)


def test_day_well_after_the_issue_day_is_the_previous_month() -> None:
    assert complete(None, None, 31, dt.date(2003, 2, 3)) == dt.date(2003, 1, 31)
    assert complete(None, None, 30, dt.date(2004, 1, 2)) == dt.date(2003, 12, 30)


def test_lead_day_after_the_anchor_is_ambiguous_unless_announced() -> None:
    with pytest.raises(DateProblem, match="this or last month"):
        complete(None, None, 24, dt.date(2007, 7, 16), later="ambiguous")
    assert complete(None, None, 24, dt.date(2007, 7, 16), later="same-month") == dt.date(
        2007, 7, 24
    )


@pytest.mark.parametrize(
    ("year", "month", "day", "anchor", "reason"),
    [
        (None, 2, 30, dt.date(2021, 3, 1), "not a calendar date"),
        (None, 7, 5, None, "no issue date"),
        (None, None, 5, None, "no issue date"),
        (None, None, 40, dt.date(2021, 3, 1), "not a day"),
        (2021, None, 5, dt.date(2021, 3, 1), "without a month"),
    ],
)
def test_impossible_or_unanchored_dates_raise_with_a_reason(
    year: int | None, month: int | None, day: int, anchor: dt.date | None, reason: str
) -> None:
    with pytest.raises(DateProblem, match=reason):
        complete(year, month, day, anchor)


def test_dateline_without_issue_date_has_null_date_and_a_reason() -> None:
    found = find_dateline("新华社北京7月5日电 正文", None)
    assert found is not None
    assert found.date is None
    assert found.date_reason is not None and "issue date" in found.date_reason


def test_impossible_dateline_date_is_null_with_a_reason() -> None:
    found = find_dateline("新华社北京2月30日电 正文", dt.date(2021, 3, 1))
    assert found is not None
    assert found.date is None
    assert found.date_reason == "not a calendar date: 2021-02-30"


def test_undated_dateline_is_never_given_the_issue_date() -> None:
    found = find_dateline("本报讯 正文", dt.date(2021, 7, 5))
    assert found is not None
    assert (found.date, found.date_reason) == (None, "undated dateline")
