"""The one retry policy (bounded attempts, capped backoff) and the one Retry-After parser."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

from distro.errors import DistroError
from distro.net.deadline import Deadline

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
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How long one call may wait: ``attempts`` tries, exponential backoff capped at ``max_delay``.

    Only transient errors (``DistroError.TRANSIENT``) of the kinds in ``retry_on`` are retried
    (a client narrows it when only some answers are safe to repeat). A wait longer than
    ``max_delay``, or than what is left of the call's deadline, is not slept through: the error
    goes up at once with its ``retry_after`` so the scheduler (Airflow) retries later instead of
    blocking a worker.
    """

    attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    retry_on: tuple[type[DistroError], ...] = (DistroError,)

    def delay(self, attempt: int, hint: float | None) -> float:
        """The wait before try ``attempt + 1`` (attempt counts from 1)."""
        if hint is not None:
            return float(hint)
        return min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))

    def run(self, call: Callable[[], T], *, deadline: Deadline | None = None) -> T:
        """``call()``, retried while it raises a transient error; the last error is re-raised."""
        for attempt in range(1, max(self.attempts, 1) + 1):
            try:
                return call()
            except DistroError as exc:
                if not exc.TRANSIENT or not isinstance(exc, self.retry_on):
                    raise
                wait = self.delay(attempt, exc.retry_after)
                late = deadline is not None and wait >= deadline.remaining()
                if attempt >= self.attempts or wait > self.max_delay or late:
                    if exc.retry_after is None:
                        exc.retry_after = wait
                    raise
                self.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")


#: For calls that must not be repeated by the HTTP layer (the caller retries at its level).
ONCE = RetryPolicy(attempts=1)
