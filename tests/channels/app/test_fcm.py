"""FCM HTTP v1 against the local contract server: OAuth2 grant, 401 refresh, errors, throttling."""

from __future__ import annotations

import json

import pytest

from distro.channels.app.push import Notification, ReachedInMemory, RetryPolicy
from distro.channels.app.push.fcm import FcmProvider, targets
from distro.errors import ChannelAuthError, ChannelRejected, ChannelUnavailable
from tests.channels.app.conftest import Sleeps
from tests.channels.app.servers import FCM_SCOPE, FcmServer

NOTE = Notification(
    article_id="a-00000000000000000042",
    version=1,
    title="新区观摩会举行",
    body="孙永红出席观摩会并讲话。",
    collapse_key="a-00000000000000000042",
    url="http://127.0.0.1:8000/app/articles/a-00000000000000000042.json",
    urgency=2,
    section="要闻",
)


def provider(
    server: FcmServer, policy: RetryPolicy, audience: str = "topic:news", **kwargs: object
) -> FcmProvider:
    return FcmProvider(
        server.service_account(),
        audience=audience,
        endpoint_url=server.url,
        policy=policy,
        **kwargs,  # type: ignore[arg-type]
    )


def test_first_send_gets_a_token_with_the_jwt_bearer_grant(
    fcm_server: FcmServer, policy: RetryPolicy
) -> None:
    result = provider(fcm_server, policy).send(NOTE)
    assert result.delivered == 1
    assert result.remote_ids == [f"projects/{fcm_server.project}/messages/2"]
    assert len(fcm_server.grants) == 1
    grant = fcm_server.grants[0]
    assert grant["scope"] == FCM_SCOPE and grant["iss"] == fcm_server.client_email
    message = fcm_server.messages[0]
    assert message["topic"] == "news"
    assert message["notification"] == {
        "title": "新区观摩会举行",
        "body": "孙永红出席观摩会并讲话。",
    }
    assert message["data"]["article_id"] == NOTE.article_id
    assert message["android"]["collapse_key"] == NOTE.collapse_key
    assert message["android"]["priority"] == "high"
    assert message["apns"]["headers"]["apns-collapse-id"] == NOTE.collapse_key
    _path, _headers, body = fcm_server.requests[-1]
    assert "新区".encode() in body  # UTF-8, not \\u escapes


def test_token_is_reused_then_refreshed_once_on_401(
    fcm_server: FcmServer, policy: RetryPolicy
) -> None:
    push = provider(fcm_server, policy)
    push.send(NOTE)
    push.send(NOTE)
    assert len(fcm_server.issued) == 1
    fcm_server.revoke()
    assert push.send(NOTE).delivered == 1
    assert len(fcm_server.issued) == 2
    assert len(fcm_server.messages) == 3


def test_401_after_a_fresh_token_is_an_auth_error(
    fcm_server: FcmServer, policy: RetryPolicy
) -> None:
    push = provider(fcm_server, policy)
    push.send(NOTE)
    fcm_server.fail(401)
    fcm_server.fail(401)
    with pytest.raises(ChannelAuthError):
        push.send(NOTE)
    assert len(fcm_server.issued) == 2


def test_unregistered_tokens_are_dropped_and_the_rest_delivered(
    fcm_server: FcmServer, policy: RetryPolicy
) -> None:
    fcm_server.unregistered.add("dead-token")
    push = provider(fcm_server, policy, audience="token:live-token,token:dead-token")
    result = push.send(NOTE)
    assert result.delivered == 1
    assert result.dropped == ["dead-token"]
    assert [m["token"] for m in fcm_server.messages] == ["live-token"]


def test_tokens_known_to_be_dropped_are_not_sent_to(
    fcm_server: FcmServer, policy: RetryPolicy
) -> None:
    push = provider(
        fcm_server,
        policy,
        audience="token:live-token,token:dead-token",
        is_dropped=lambda token: token == "dead-token",
    )
    push.send(NOTE)
    sends = [r for r in fcm_server.requests if r[0].endswith(":send")]
    assert len(sends) == 1


def test_429_honours_retry_after_then_succeeds(
    fcm_server: FcmServer, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    fcm_server.fail(429, retry_after="2")
    fcm_server.fail(503)
    result = provider(fcm_server, policy).send(NOTE)
    assert result.delivered == 1
    assert sleeps.waits == [2.0, 1.0]  # Retry-After, then backoff 0.5 * 2


def test_persistent_throttling_raises_channel_unavailable_with_retry_after(
    fcm_server: FcmServer, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    for _ in range(3):
        fcm_server.fail(429, retry_after="3")
    with pytest.raises(ChannelUnavailable) as caught:
        provider(fcm_server, policy).send(NOTE)
    assert caught.value.retry_after == 3.0
    assert sleeps.waits == [3.0, 3.0]
    assert fcm_server.messages == []


def test_long_retry_after_is_not_slept_through(
    fcm_server: FcmServer, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    fcm_server.fail(429, retry_after="120")
    with pytest.raises(ChannelUnavailable) as caught:
        provider(fcm_server, policy).send(NOTE)
    assert caught.value.retry_after == 120.0
    assert sleeps.waits == []


def test_invalid_argument_is_rejected_without_retry(
    fcm_server: FcmServer, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    fcm_server.fail(400)
    with pytest.raises(ChannelRejected, match="INVALID_ARGUMENT"):
        provider(fcm_server, policy).send(NOTE)
    assert sleeps.waits == []


def test_oversized_payload_is_refused_before_sending(
    fcm_server: FcmServer, policy: RetryPolicy
) -> None:
    big = Notification(
        article_id=NOTE.article_id,
        version=1,
        title="标题",
        body="很长" * 800,
        collapse_key=NOTE.collapse_key,
    )
    assert len(json.dumps({"body": big.body}, ensure_ascii=False).encode()) > 4096
    with pytest.raises(ChannelRejected, match="4096"):
        provider(fcm_server, policy).send(big)
    assert fcm_server.requests == []


def test_bad_grant_is_an_auth_error(fcm_server: FcmServer, policy: RetryPolicy) -> None:
    account = fcm_server.service_account()
    account["client_email"] = "someone-else@example.iam.gserviceaccount.com"
    push = FcmProvider(account, audience="news", endpoint_url=fcm_server.url, policy=policy)
    with pytest.raises(ChannelAuthError, match="token refused"):
        push.send(NOTE)
    assert fcm_server.messages == []


def test_audience_parsing() -> None:
    assert targets("news") == [("topic", "news")]
    assert targets("topic:a, token:t1,condition:'a' in topics") == [
        ("topic", "a"),
        ("token", "t1"),
        ("condition", "'a' in topics"),
    ]
    with pytest.raises(ValueError, match="audience"):
        targets("device:x")


def test_targets_already_reached_are_skipped(fcm_server: FcmServer, policy: RetryPolicy) -> None:
    reached = ReachedInMemory()
    push = provider(fcm_server, policy, audience="token:t1,token:t2", reached=reached)
    fcm_server.unavailable["t2"] = 3
    with pytest.raises(ChannelUnavailable):
        push.send(NOTE)
    assert reached.get(NOTE, "token:t1") is not None and reached.get(NOTE, "token:t2") is None
    result = push.send(NOTE)
    assert result.delivered == 2 and len(result.remote_ids) == 2
    assert [m["token"] for m in fcm_server.messages] == ["t1", "t2"]
