"""Error mapping: transient distro errors retry (honouring retry_after), terminal ones fail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from distro import errors


def test_terminal_errors_fail_at_once() -> None:
    from airflow.sdk import RetryAction

    from distro.airflow.failures import DistroRetryPolicy

    decision = DistroRetryPolicy().evaluate(errors.ChannelRejected("内容违规"), 1, 4)
    assert decision.action is RetryAction.FAIL


def test_a_review_request_that_timed_out_is_not_asked_again() -> None:
    from airflow.providers.standard.exceptions import HITLTimeoutError
    from airflow.sdk import RetryAction

    from distro.airflow.failures import DistroRetryPolicy

    decision = DistroRetryPolicy().evaluate(HITLTimeoutError("no answer in 24 h"), 1, 2)
    assert decision.action is RetryAction.FAIL


def test_quota_errors_wait_for_retry_after() -> None:
    from airflow.sdk import RetryAction

    from distro.airflow.failures import DistroRetryPolicy

    exc = errors.QuotaExhausted("daily quota used", retry_after=3600)
    decision = DistroRetryPolicy().evaluate(exc, 1, 4)
    assert (decision.action, decision.retry_delay) == (RetryAction.RETRY, timedelta(hours=1))


@pytest.mark.parametrize(
    "exc", [errors.ChannelUnavailable("busy"), errors.SourceUnavailable("503"), OSError("disk")]
)
def test_other_errors_keep_the_exponential_backoff(exc: Exception) -> None:
    from airflow.sdk import RetryAction

    from distro.airflow.failures import DistroRetryPolicy

    decision = DistroRetryPolicy().evaluate(exc, 2, 4)
    assert decision.action is RetryAction.DEFAULT and decision.retry_delay is None


def test_translated_turns_terminal_errors_into_fail_exceptions() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from distro.airflow.failures import translated

    with pytest.raises(AirflowFailException, match="ChannelAuthError") as caught, translated():
        raise errors.ChannelAuthError("AppSecret refused")
    assert isinstance(caught.value.__cause__, errors.ChannelAuthError)
    with pytest.raises(errors.StoreUnavailable), translated():
        raise errors.StoreUnavailable("database locked")
