"""JPush REST v3 against the local contract server: Basic auth, 401, 1011, throttling, 400."""

from __future__ import annotations

import pytest
import requests

from distro.channels.app.push import Notification, RetryPolicy
from distro.channels.app.push.jpush import JPushProvider, audience_object, push_body, sendno
from distro.errors import ChannelAuthError, ChannelRejected, ChannelUnavailable
from tests.channels.app.conftest import Sleeps
from tests.channels.app.servers import JPushServer

NOTE = Notification(
    article_id="a-00000000000000000043",
    version=2,
    title="新区观摩会举行",
    body="更正：人名有误",
    collapse_key="a-00000000000000000043",
    urgency=2,
)


def provider(
    server: JPushServer,
    policy: RetryPolicy,
    audience: str = "all",
    secrets: list[str] | None = None,
) -> JPushProvider:
    queue = list(secrets or [server.secret])

    def credentials() -> tuple[str, str]:
        return server.app_key, queue.pop(0) if len(queue) > 1 else queue[0]

    return JPushProvider(credentials, audience=audience, endpoint_url=server.url, policy=policy)


def test_push_body_and_basic_auth(jpush_server: JPushServer, policy: RetryPolicy) -> None:
    result = provider(jpush_server, policy, audience="tag:要闻").send(NOTE)
    assert result.delivered == 1 and result.remote_ids == ["1828256757"]
    push = jpush_server.pushes[0]
    assert push["platform"] == "all"
    assert push["audience"] == {"tag": ["要闻"]}
    assert push["notification"]["android"]["title"] == "新区观摩会举行"
    assert push["notification"]["android"]["extras"]["version"] == "2"
    assert push["notification"]["ios"]["alert"] == {
        "title": "新区观摩会举行",
        "body": "更正：人名有误",
    }
    assert push["options"]["apns_collapse_id"] == NOTE.collapse_key
    assert push["options"]["sendno"] == sendno(NOTE)


def test_rotated_secret_is_reread_once_on_401(
    jpush_server: JPushServer, policy: RetryPolicy
) -> None:
    push = provider(jpush_server, policy, secrets=["old-secret", jpush_server.secret])
    assert push.send(NOTE).delivered == 1
    statuses = [r[0] for r in jpush_server.requests]
    assert len(statuses) == 2 and len(jpush_server.pushes) == 1


def test_wrong_secret_is_an_auth_error(jpush_server: JPushServer, policy: RetryPolicy) -> None:
    with pytest.raises(ChannelAuthError, match="401"):
        provider(jpush_server, policy, secrets=["wrong"]).send(NOTE)
    assert jpush_server.pushes == []


def test_unknown_registration_ids_are_dropped(
    jpush_server: JPushServer, policy: RetryPolicy
) -> None:
    result = provider(jpush_server, policy, audience="registration_id:gone-1").send(NOTE)
    assert result.delivered == 0
    assert result.dropped == ["gone-1"]
    assert result.note == "no device matches the audience"


def test_429_waits_for_the_rate_limit_reset(
    jpush_server: JPushServer, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    jpush_server.fail(429, 2002, "Rate limit exceeded", headers={"X-Rate-Limit-Reset": "4"})
    jpush_server.fail(503, 1000, "busy", headers={"Retry-After": "1"})
    assert provider(jpush_server, policy).send(NOTE).delivered == 1
    assert sleeps.waits == [4.0, 1.0]


def test_persistent_5xx_raises_after_bounded_retries(
    jpush_server: JPushServer, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    for _ in range(3):
        jpush_server.fail(500, 1000, "internal")
    with pytest.raises(ChannelUnavailable):
        provider(jpush_server, policy).send(NOTE)
    assert sleeps.waits == [0.5, 1.0]
    assert jpush_server.pushes == []


def test_bad_request_is_rejected(jpush_server: JPushServer, policy: RetryPolicy) -> None:
    jpush_server.fail(400, 1003, "Parameter value is invalid")
    with pytest.raises(ChannelRejected, match="1003"):
        provider(jpush_server, policy).send(NOTE)


def test_pushes_are_sized_per_platform_as_jpush_documents(
    jpush_server: JPushServer, policy: RetryPolicy
) -> None:
    def note(chars: int) -> Notification:
        return Notification(
            article_id=NOTE.article_id, version=1, title="t", body="长" * chars, collapse_key="c"
        )

    # 1800 bytes of body, three times in the push (over 4000 in all): each platform's part is
    # within its limit (Android 4000, the "ios" object 2000), so JPush takes it.
    assert provider(jpush_server, policy).send(note(600)).delivered == 1
    # 1950 bytes: the "ios" object passes 2000 with its extras; refused before sending.
    with pytest.raises(ChannelRejected, match=r"\(iOS\): payload is \d+ bytes, the limit is 2000"):
        provider(jpush_server, policy).send(note(650))
    assert len(jpush_server.requests) == 1


def test_the_contract_server_refuses_what_jpush_refuses(jpush_server: JPushServer) -> None:
    body = push_body(NOTE, "all", apns_production=False)
    body["notification"]["ios"]["extras"]["long"] = "长" * 700
    auth = (jpush_server.app_key, jpush_server.secret)
    answer = requests.post(jpush_server.url + "/v3/push", json=body, auth=auth, timeout=5)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, 1005)
    assert answer.headers["X-Rate-Limit-Limit"] == "600"


def test_the_rate_limit_is_enforced_per_minute(
    jpush_server: JPushServer, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    jpush_server.rate_limit = 1
    push = provider(jpush_server, policy)
    assert push.send(NOTE).delivered == 1
    with pytest.raises(ChannelUnavailable, match="HTTP 429") as caught:
        push.send(NOTE)
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 60
    assert sleeps.waits == []  # a wait longer than the policy's 10 s cap goes back to Airflow


def test_account_codes_are_auth_errors(jpush_server: JPushServer, policy: RetryPolicy) -> None:
    jpush_server.fail(403, 2004, "source ip is not in the white list")
    with pytest.raises(ChannelAuthError, match="2004"):
        provider(jpush_server, policy).send(NOTE)
    jpush_server.fail(400, 1008, "app_key is invalid")
    with pytest.raises(ChannelAuthError, match="1008"):
        provider(jpush_server, policy).send(NOTE)


def test_audience_object() -> None:
    assert audience_object("all") == "all"
    assert audience_object("tag:a,tag:b,registration_id:r") == {
        "tag": ["a", "b"],
        "registration_id": ["r"],
    }
    with pytest.raises(ValueError, match="JPush audience"):
        audience_object("topic:x")
