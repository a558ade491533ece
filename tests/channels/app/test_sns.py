"""SNS mobile push against moto's server over HTTP: platform application, endpoints, disabled."""

from __future__ import annotations

import itertools
import json
from typing import Any

import boto3
import pytest

from distro.channels.app.push import Notification, RetryPolicy
from distro.channels.app.push.sns import SnsProvider, arn_kind, client_factory

NOTE = Notification(
    article_id="a-00000000000000000044",
    version=1,
    title="新区观摩会举行",
    body="孙永红出席观摩会并讲话。",
    collapse_key="a-00000000000000000044",
    urgency=1,
)
_apps = itertools.count(1)


@pytest.fixture
def sns(sns_endpoint: str) -> Any:
    return boto3.client(
        "sns",
        endpoint_url=sns_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def application(sns: Any) -> str:
    answer = sns.create_platform_application(
        Name=f"distro-app-{next(_apps)}",
        Platform="GCM",
        Attributes={"PlatformCredential": "{}"},
    )
    return str(answer["PlatformApplicationArn"])


def endpoint(sns: Any, application: str, token: str, *, enabled: bool = True) -> str:
    arn = str(
        sns.create_platform_endpoint(PlatformApplicationArn=application, Token=token)["EndpointArn"]
    )
    if not enabled:
        sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})
    return arn


def sent(arn: str) -> list[dict[str, Any]]:
    """What moto recorded as published to an endpoint (the server runs in this process)."""
    from moto.sns.models import sns_backends

    backend = sns_backends["123456789012"]["us-east-1"]
    return [json.loads(m) for m in backend.platform_endpoints[arn].messages.values()]


def provider(sns_endpoint: str, audience: str) -> SnsProvider:
    make = client_factory(
        endpoint_url=sns_endpoint, region="us-east-1", access_key="testing", secret_key="testing"
    )
    policy = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.1, sleep=lambda _s: None)
    return SnsProvider(make, audience=audience, policy=policy)


def test_publishes_to_enabled_endpoints_and_drops_disabled_ones(
    sns: Any, sns_endpoint: str, application: str
) -> None:
    live = endpoint(sns, application, "token-live")
    dead = endpoint(sns, application, "token-dead", enabled=False)
    result = provider(sns_endpoint, application).send(NOTE)
    assert result.delivered == 1
    assert result.dropped == [dead]
    remaining = sns.list_endpoints_by_platform_application(PlatformApplicationArn=application)
    assert [e["EndpointArn"] for e in remaining["Endpoints"]] == [live]
    [message] = sent(live)
    gcm = json.loads(message["GCM"])["fcmV1Message"]["message"]
    assert gcm["notification"]["title"] == "新区观摩会举行"
    assert gcm["android"]["collapse_key"] == NOTE.collapse_key
    assert json.loads(message["APNS"])["aps"]["alert"]["body"] == NOTE.body


def test_endpoint_disabled_on_publish_is_dropped(
    sns: Any, sns_endpoint: str, application: str
) -> None:
    dead = endpoint(sns, application, "token-gone", enabled=False)
    result = provider(sns_endpoint, dead).send(NOTE)
    assert result.delivered == 0
    assert result.dropped == [dead]


def test_single_endpoint(sns: Any, sns_endpoint: str, application: str) -> None:
    live = endpoint(sns, application, "token-one")
    result = provider(sns_endpoint, live).send(NOTE)
    assert result.delivered == 1 and len(result.remote_ids) == 1
    assert len(sent(live)) == 1


def test_arn_kinds() -> None:
    assert arn_kind("arn:aws:sns:us-east-1:123456789012:app/GCM/news") == "app"
    assert arn_kind("arn:aws:sns:us-east-1:123456789012:endpoint/GCM/news/abc") == "endpoint"
    assert arn_kind("arn:aws:sns:us-east-1:123456789012:breaking") == "topic"
    with pytest.raises(ValueError, match="SNS audience"):
        arn_kind("news")
