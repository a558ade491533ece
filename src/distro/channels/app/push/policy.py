"""Bounded in-call retries for throttled or busy push services, honouring Retry-After."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

from distro.errors import ChannelUnavailable

T = TypeVar("T")


def retry_after(headers: Mapping[str, str], *, now: dt.datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None when absent or bad."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How long one call may wait: ``attempts`` tries, exponential backoff capped at ``max_delay``.

    A Retry-After longer than ``max_delay`` is not slept through: the error goes up at once with
    its ``retry_after`` so the scheduler (Airflow) retries later instead of blocking a worker.
    """

    attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, hint: float | None) -> float:
        """The wait before try ``attempt + 1`` (attempt counts from 1)."""
        if hint is not None:
            return float(hint)
        return min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))

    def run(self, call: Callable[[], T]) -> T:
        """``call()``, retried while it raises ChannelUnavailable; the last error is re-raised."""
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except ChannelUnavailable as exc:
                wait = self.delay(attempt, exc.retry_after)
                if attempt == self.attempts or wait > self.max_delay:
                    if exc.retry_after is None:
                        exc.retry_after = wait
                    raise
                self.sleep(wait)
        raise AssertionError("unreachable: attempts must be at least 1")
