"""FCM HTTP v1 over ``distro.net``: service-account OAuth2 (google-auth), one message per target.

Each target (topic, condition or device token) is a separate send, and each one reached is
recorded (``Reached``) as soon as FCM accepts it: when a later target fails and the delivery is
retried, only the targets not yet reached are sent again, so no phone gets the push twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import google.auth.exceptions
import google.auth.transport
from google.oauth2 import service_account
from requests.adapters import BaseAdapter

from distro.channels.app.push.notification import (
    Notification,
    PushResult,
    Reached,
    check_size,
)
from distro.errors import ChannelAuthError, ChannelRejected, ChannelUnavailable
from distro.net import CHANNEL, ONCE, HttpClient, Limits, Reply, RetryPolicy

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEFAULT_ENDPOINT = "https://fcm.googleapis.com/"
#: FCM's documented limit for a message's notification and data payload.
MAX_PAYLOAD = 4096
TTL_SECONDS = 86_400
#: Statuses this adapter reads itself: 401 refreshes the token, 404 drops a device token.
HANDLED = frozenset({400, 401, 403, 404})


def targets(audience: str) -> list[tuple[str, str]]:
    """Parse ``topic:news``, ``token:T``, ``condition:C``, comma separated; bare = topic."""
    parsed = []
    for entry in (part.strip() for part in audience.split(",")):
        if not entry:
            continue
        kind, sep, value = entry.partition(":")
        if not sep:
            kind, value = "topic", entry
        if kind not in {"topic", "token", "condition"} or not value:
            raise ValueError(f"FCM audience entry {entry!r}: use topic:, token: or condition:")
        parsed.append((kind, value))
    return parsed


def message(notification: Notification) -> dict[str, Any]:
    """The HTTP v1 message without its target."""
    high = notification.urgency <= 3
    return {
        "notification": {"title": notification.title, "body": notification.body},
        "data": notification.data(),
        "android": {
            "priority": "high" if high else "normal",
            "ttl": f"{TTL_SECONDS}s",
            "collapse_key": notification.collapse_key,
        },
        "apns": {
            "headers": {
                "apns-collapse-id": notification.collapse_key,
                "apns-priority": "10" if high else "5",
            },
            "payload": {"aps": {"thread-id": notification.section or "news"}},
        },
    }


def error_code(reply: Reply) -> str:
    """``details[].errorCode`` (FcmError) if present, else ``error.status``, else the HTTP code."""
    try:
        error = reply.json().get("error", {})
    except (ValueError, AttributeError):
        return str(reply.status)
    for detail in error.get("details", []) or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    return str(error.get("status") or reply.status)


class _AuthResponse(google.auth.transport.Response):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply

    @property
    def status(self) -> int:
        return self.reply.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self.reply.headers

    @property
    def data(self) -> bytes:
        return self.reply.body


class _AuthRequest(google.auth.transport.Request):
    """google-auth's token requests over the same HTTP layer: the deadline and redaction apply."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _AuthResponse:
        # google-auth reads the status itself (and retries 5xx its own way): hand every one back.
        reply = self.http.request(
            method, url, data=body, headers=headers, handled=range(400, 600), retry=ONCE
        )
        return _AuthResponse(reply)


class FcmProvider:
    """Sends to topics, conditions or device tokens; drops tokens FCM calls UNREGISTERED."""

    def __init__(
        self,
        service_account_info: Mapping[str, Any],
        *,
        audience: str,
        name: str = "fcm",
        project_id: str | None = None,
        endpoint_url: str | None = None,
        transport: BaseAdapter | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 20.0,
        is_dropped: Callable[[str], bool] | None = None,
        reached: Reached | None = None,
    ) -> None:
        self.name = name
        self.audience = audience
        self.targets = targets(audience)
        try:
            self.credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                dict(service_account_info), scopes=[SCOPE]
            )
        except (ValueError, KeyError) as exc:
            raise ChannelAuthError(f"{name}: unusable service-account JSON: {exc}") from exc
        project = project_id or service_account_info.get("project_id")
        if not project:
            raise ChannelAuthError(f"{name}: no project_id in the service account or config")
        base = (endpoint_url or DEFAULT_ENDPOINT).rstrip("/")
        self.url = f"{base}/v1/projects/{project}/messages:send"
        self.http = HttpClient(
            limits=Limits(deadline=timeout, connect_timeout=min(10.0, timeout)),
            retry=policy or RetryPolicy(),
            errors=CHANNEL,
            name=name,
            secrets=[str(service_account_info.get("private_key") or "")],
            transport=transport,
        )
        self.is_dropped = is_dropped or (lambda _token: False)
        # None: nothing kept (each send goes to every target); the app publisher keeps them.
        self.reached = reached

    def refresh(self) -> None:
        """Fetch a new access token from the service account's token URI."""
        try:
            self.credentials.refresh(_AuthRequest(self.http))
        except google.auth.exceptions.RefreshError as exc:
            text = self.http.redact(str(exc))
            if getattr(exc, "retryable", False):
                raise ChannelUnavailable(f"{self.name}: token endpoint busy: {text}") from None
            raise ChannelAuthError(f"{self.name}: token refused: {text}") from None
        except google.auth.exceptions.TransportError as exc:
            text = self.http.redact(str(exc))
            raise ChannelUnavailable(f"{self.name}: token endpoint unreachable: {text}") from None
        self.http.add_secret(self.credentials.token)

    def send(self, notification: Notification) -> PushResult:
        body = message(notification)
        check_size(body, MAX_PAYLOAD, provider=self.name)
        result = PushResult(provider=self.name, audience=self.audience)
        for kind, value in self.targets:
            if kind == "token" and self.is_dropped(value):
                continue
            target = f"{kind}:{value}"
            name = self.reached.get(notification, target) if self.reached else None
            if name is None:
                name = self._post({**body, kind: value})
                if name is None:
                    result.dropped.append(value)
                    continue
                if self.reached is not None:
                    # Kept before the next target: a failure there must not resend this one.
                    self.reached.put(notification, target, name)
            result.remote_ids.append(name)
            result.delivered += 1
        return result

    def _post(self, msg: dict[str, Any]) -> str | None:
        """One send (retried by the policy); the message name, or None when the token is gone."""
        if not self.credentials.valid:
            self.refresh()
        reply = self._request(msg)
        if reply.status == 401:
            self.refresh()  # the token expired or was revoked early: one fresh try only
            reply = self._request(msg)
            if reply.status == 401:
                raise ChannelAuthError(f"{self.name}: 401 even with a fresh access token")
        status = reply.status
        if status == 200:
            try:
                return str(reply.json().get("name", ""))
            except (ValueError, AttributeError):
                raise ChannelUnavailable(f"{self.name}: answer is not JSON") from None
        code = error_code(reply)
        if status == 404 or code in ("UNREGISTERED", "SENDER_ID_MISMATCH"):
            if "token" in msg:
                return None
            raise ChannelRejected(f"{self.name}: {code} for {self.audience}")
        if status == 403:
            raise ChannelAuthError(f"{self.name}: HTTP 403 {code}")
        raise ChannelRejected(f"{self.name}: HTTP {status} {code}: {reply.excerpt(300)}")

    def _request(self, msg: dict[str, Any]) -> Reply:
        headers: dict[str, str] = {}
        self.credentials.apply(headers)
        return self.http.post(self.url, json={"message": msg}, headers=headers, handled=HANDLED)
