"""Retry policy: Retry-After in both forms, bounded attempts, long hints raised not slept."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.channels.app.push.policy import RetryPolicy, retry_after
from distro.errors import ChannelRejected, ChannelUnavailable
from tests.channels.app.conftest import Sleeps

NOW = dt.datetime(2021, 7, 5, 4, 0, tzinfo=dt.UTC)


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"retry-after": "Mon, 05 Jul 2021 04:00:30 GMT"}, now=NOW) == 30.0
    assert retry_after({"Retry-After": "Mon, 05 Jul 2021 03:00:00 GMT"}, now=NOW) == 0.0
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({}) is None


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(attempts=5, base_delay=1.0, max_delay=3.0)
    assert [policy.delay(n, None) for n in range(1, 5)] == [1.0, 2.0, 3.0, 3.0]
    assert policy.delay(1, 2.5) == 2.5


def test_run_retries_transient_errors_only(sleeps: Sleeps) -> None:
    policy = RetryPolicy(attempts=3, base_delay=0.25, max_delay=5.0, sleep=sleeps)
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ChannelUnavailable("busy")
        return "ok"

    assert policy.run(flaky) == "ok"
    assert sleeps.waits == [0.25, 0.5]

    def refused() -> str:
        calls.append(1)
        raise ChannelRejected("no")

    before = len(calls)
    with pytest.raises(ChannelRejected):
        policy.run(refused)
    assert len(calls) == before + 1


def test_exhausted_retries_carry_a_retry_after(sleeps: Sleeps) -> None:
    policy = RetryPolicy(attempts=2, base_delay=0.25, max_delay=5.0, sleep=sleeps)

    def down() -> None:
        raise ChannelUnavailable("down")

    with pytest.raises(ChannelUnavailable) as caught:
        policy.run(down)
    assert sleeps.waits == [0.25]
    assert caught.value.retry_after == 0.5
