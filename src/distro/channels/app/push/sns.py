"""AWS SNS mobile push (boto3): a platform application's endpoints, one endpoint, or a topic."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
from botocore.config import Config as BotoConfig

from distro.channels.app.push.fcm import MAX_PAYLOAD as FCM_MAX_PAYLOAD
from distro.channels.app.push.fcm import message as fcm_message
from distro.channels.app.push.notification import Notification, PushResult, check_size
from distro.errors import ChannelAuthError, ChannelRejected, ChannelUnavailable
from distro.net import RetryPolicy

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

#: SNS's own limit for a published message.
MAX_MESSAGE = 256 * 1024
THROTTLED = {"Throttling", "ThrottledException", "Throttled", "KMSThrottling", "InternalError",
             "InternalFailure", "ServiceUnavailable"}  # fmt: skip
AUTH = {"AuthorizationError", "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch",
        "UnrecognizedClientException", "AccessDenied"}  # fmt: skip
DISABLED = {"EndpointDisabled", "EndpointDisabledException"}

ClientFactory = Callable[[], "SNSClient"]


def client_factory(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    timeout: float = 20.0,
) -> ClientFactory:
    """A function that makes a fresh SNS client (called again after an auth failure).

    boto3 stays boto3 (it signs and parses SNS), but with the same timeouts as every other call
    and no retries of its own: the one retry policy decides.
    """

    def make() -> SNSClient:
        return boto3.client(
            "sns",
            endpoint_url=endpoint_url,
            region_name=region or "us-east-1",
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            # our policy does the retrying, honouring the service's hints
            config=BotoConfig(
                connect_timeout=min(10.0, timeout),
                read_timeout=timeout,
                retries={"mode": "standard", "total_max_attempts": 1},
            ),
        )

    return make


def sns_message(notification: Notification) -> dict[str, str]:
    """A MessageStructure=json message: FCM v1 for Android, APNs for iOS, text by default."""
    fcm = {"fcmV1Message": {"message": fcm_message(notification)}}
    check_size(fcm["fcmV1Message"], FCM_MAX_PAYLOAD, provider="sns/GCM")
    aps = {
        "aps": {
            "alert": {"title": notification.title, "body": notification.body},
            "thread-id": notification.section or "news",
        },
        **notification.data(),
    }
    apns = json.dumps(aps, ensure_ascii=False)
    return {
        "default": notification.body,
        "GCM": json.dumps(fcm, ensure_ascii=False),
        "APNS": apns,
        "APNS_SANDBOX": apns,
    }


def arn_kind(arn: str) -> str:
    """``app`` (platform application), ``endpoint`` or ``topic``."""
    resource = arn.split(":", 5)[-1] if arn.startswith("arn:") else ""
    if resource.startswith("app/"):
        return "app"
    if resource.startswith("endpoint/"):
        return "endpoint"
    if resource and "/" not in resource:
        return "topic"
    raise ValueError(f"SNS audience {arn!r} is not a platform application, endpoint or topic ARN")


class SnsProvider:
    """Publishes to every enabled endpoint of a platform application (or one endpoint, or a topic).

    Disabled endpoints (the platform said the token is gone) are deleted and reported dropped.
    """

    def __init__(
        self,
        make_client: ClientFactory,
        *,
        audience: str,
        name: str = "sns",
        policy: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.audience = audience
        self.kind = arn_kind(audience)
        self.make_client = make_client
        self.client = make_client()
        self.policy = policy or RetryPolicy()

    def send(self, notification: Notification) -> PushResult:
        payload = sns_message(notification)
        text = json.dumps(payload, ensure_ascii=False)
        if len(text.encode("utf-8")) > MAX_MESSAGE:
            raise ChannelRejected(f"{self.name}: message over {MAX_MESSAGE} bytes")
        result = PushResult(provider=self.name, audience=self.audience)
        if self.kind == "topic":
            to_topic = partial(
                self._call, "publish", TopicArn=self.audience, MessageStructure="json", Message=text
            )
            answer = self.policy.run(to_topic)
            result.remote_ids.append(str(answer["MessageId"]))
            result.delivered = 1
            return result
        for arn, enabled in self._endpoints():
            if not enabled:
                self._drop(arn, result)
                continue
            try:
                publish = partial(
                    self._call, "publish", TargetArn=arn, MessageStructure="json", Message=text
                )
                answer = self.policy.run(publish)
            except _Disabled:
                self._drop(arn, result)
                continue
            result.remote_ids.append(str(answer["MessageId"]))
            result.delivered += 1
        return result

    def _endpoints(self) -> Iterator[tuple[str, bool]]:
        if self.kind == "endpoint":
            yield self.audience, True  # publishing tells us whether it is disabled
            return
        token: str | None = None
        while True:
            args: dict[str, Any] = {"PlatformApplicationArn": self.audience}
            if token:
                args["NextToken"] = token
            page = self.policy.run(
                partial(self._call, "list_endpoints_by_platform_application", **args)
            )
            for endpoint in page.get("Endpoints", []):
                enabled = endpoint.get("Attributes", {}).get("Enabled", "true").lower() == "true"
                yield endpoint["EndpointArn"], enabled
            token = page.get("NextToken")
            if not token:
                return

    def _drop(self, arn: str, result: PushResult) -> None:
        result.dropped.append(arn)
        # deleting is housekeeping: if SNS is busy now, the endpoint is dropped again next time
        with contextlib.suppress(ChannelUnavailable):
            self._call("delete_endpoint", EndpointArn=arn)

    def _call(self, operation: str, *, _reauth: bool = True, **args: Any) -> Any:
        try:
            return getattr(self.client, operation)(**args)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            text = f"{self.name}: {operation}: {code}: {error.get('Message', '')}"
            if code in DISABLED:
                raise _Disabled(text) from exc
            if code in AUTH or status in (401, 403):
                if _reauth:
                    self.client = self.make_client()  # credentials may have been rotated
                    return self._call(operation, _reauth=False, **args)
                raise ChannelAuthError(text) from exc
            if code in THROTTLED or status == 429 or status >= 500:
                raise ChannelUnavailable(text) from exc
            raise ChannelRejected(text) from exc
        except (botocore.exceptions.BotoCoreError, OSError) as exc:
            raise ChannelUnavailable(f"{self.name}: {operation}: {exc}") from exc


class _Disabled(ChannelRejected):
    """The endpoint is disabled: its device token is no longer valid."""
