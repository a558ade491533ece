"""The one retry policy and Retry-After parser: both forms, bounded attempts, long hints raised."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.errors import ChannelRejected, ChannelUnavailable
from distro.net import Deadline, RetryPolicy, retry_after
from tests.net.conftest import Sleeps

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


def test_a_wait_past_the_deadline_is_raised_not_slept() -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    policy = RetryPolicy(attempts=5, base_delay=1.0, max_delay=30.0, sleep=sleep)
    deadline = Deadline(2.5, clock=lambda: clock[0])

    def down() -> None:
        clock[0] += 0.5  # each attempt takes half a second
        raise ChannelUnavailable("down")

    with pytest.raises(ChannelUnavailable) as caught:
        policy.run(down, deadline=deadline)
    assert waits == [1.0]  # at 2.0 s, the next wait (2 s) would pass the 2.5 s deadline
    assert caught.value.retry_after == 2.0


def test_retry_after_that_is_garbage_or_a_bad_date() -> None:
    assert retry_after({"Retry-After": "Mon, 99 Foo 2021 04:00:30 GMT"}) is None
    assert retry_after({"Retry-After": " 12 "}) == 12.0
    assert retry_after({"Retry-After": "-3"}) is None
