"""Cron expressions: what Airflow's timetables accept passes, typos are errors that say why."""

from __future__ import annotations

import pytest
from croniter import croniter

from distro import cron

GOOD = [
    "*/10 * * * *", "0 7 * * *", "0 18 * * *", "30 6 * * 1-5", "0 7 * * MON-FRI",
    "0 0 1 JAN *", "15,45 8-20/2 * * *", "0 0 L * *", "0 0 29 2 *", "@daily", "@hourly",
    "0 12 * * 7", "5 4 * * sun", "0 7 * * MON-SUN", "0 7 ? * *", "0 7 * * 1#2", "0 7 * * 5-0",
]  # fmt: skip
BAD = {
    "0 25 * * *": "hour 25 is outside 0-23",
    "60 * * * *": "minute 60 is outside 0-59",
    "0 7 * *": "4 fields",
    "every morning": "2 fields",
    "0 7 * * * *": "6 fields",
    "*/0 * * * *": "step 0",
    "0 0 31 2 *": "never run",
    "0 0 0 * *": "day of month 0",
    "0 0 * 13 *": "month 13",
    "0 0 * * 8": "day of week 8",
    "0 20-8 * * *": "backwards",
    "0 7 * * 1#6": "not a value",
    "0 0 * FOO *": "not a number",
    "@sometimes": "unknown preset",
    "0 7 * * MON,": "not a value",
    "": "0 fields",
}


@pytest.mark.parametrize("expression", GOOD)
def test_good_crons_pass_and_croniter_agrees(expression: str) -> None:
    assert cron.problem(expression) is None
    assert croniter.is_valid(expression.replace("L", "l") if "L" in expression else expression)


@pytest.mark.parametrize(("expression", "says"), sorted(BAD.items()))
def test_bad_crons_say_what_is_wrong(expression: str, says: str) -> None:
    found = cron.problem(expression)
    assert found is not None and says in found, found


def test_not_a_string() -> None:
    assert cron.problem(7) == "a cron is a string, not int"
