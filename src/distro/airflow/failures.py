"""How distro errors become Airflow outcomes: transient ones retry, terminal ones fail at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from airflow.sdk import RetryDecision, RetryPolicy
from airflow.sdk.exceptions import AirflowFailException

from distro.errors import DistroError, is_transient

P = ParamSpec("P")
R = TypeVar("R")

#: The longest wait a `retry_after` may impose; past it Airflow's own backoff takes over.
MAX_RETRY_AFTER = timedelta(hours=6)


class DistroRetryPolicy(RetryPolicy):
    """Evaluated in the worker with the real exception: honours ``retry_after`` of a transient
    error (a quota that resets at midnight), fails terminal ones without spending retries."""

    def evaluate(
        self,
        exception: BaseException,
        try_number: int,
        max_tries: int,
        context: Any = None,
    ) -> RetryDecision:
        from airflow.providers.standard.exceptions import HITLTriggerEventError

        if isinstance(exception, HITLTriggerEventError):
            # An editor's request that timed out: asking again would only wait again (what
            # stays held is asked about by the review DAG's next run).
            return RetryDecision.fail(f"review request over: {type(exception).__name__}")
        if isinstance(exception, DistroError):
            if not is_transient(exception):
                return RetryDecision.fail(f"terminal: {type(exception).__name__}")
            if exception.retry_after is not None:
                delay = min(timedelta(seconds=max(exception.retry_after, 1.0)), MAX_RETRY_AFTER)
                return RetryDecision.retry(delay, f"{type(exception).__name__}: retry after")
        return RetryDecision.default()

    def serialize(self) -> dict[str, Any]:
        return {"__type": "DistroRetryPolicy"}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> DistroRetryPolicy:
        return cls()


def outcome(exc: BaseException) -> BaseException:
    """The exception a task should raise for ``exc``: terminal distro errors become
    ``AirflowFailException`` (no retry); everything else is raised as is, so Airflow retries it
    with exponential backoff."""
    if isinstance(exc, DistroError) and not is_transient(exc):
        failure = AirflowFailException(f"{type(exc).__name__}: {exc.message}")
        failure.__cause__ = exc
        return failure
    return exc


@contextmanager
def translated() -> Iterator[None]:
    """Run a block and raise what :func:`outcome` says for any error it raises."""
    try:
        yield
    except DistroError as exc:
        mapped = outcome(exc)
        if mapped is exc:
            raise
        raise mapped from exc


def task_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a task body with :func:`translated`."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translated():
            return func(*args, **kwargs)

    return wrapper
