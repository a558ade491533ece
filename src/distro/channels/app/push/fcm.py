"""FCM HTTP v1: service-account OAuth2 through google-auth, one message per target."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import google.auth.exceptions
import requests
from google.auth.transport.requests import Request
from google.oauth2 import service_account

from distro.channels.app.push.notification import Notification, PushResult, check_size
from distro.channels.app.push.policy import RetryPolicy, retry_after
from distro.errors import ChannelAuthError, ChannelRejected, ChannelUnavailable

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEFAULT_ENDPOINT = "https://fcm.googleapis.com/"
#: FCM's documented limit for a message's notification and data payload.
MAX_PAYLOAD = 4096
TTL_SECONDS = 86_400


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


def error_code(response: requests.Response) -> str:
    """``details[].errorCode`` (FcmError) if present, else ``error.status``, else the HTTP code."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return str(response.status_code)
    for detail in error.get("details", []) or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    return str(error.get("status") or response.status_code)


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
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 20.0,
        is_dropped: Callable[[str], bool] | None = None,
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
        self.session = session or requests.Session()
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.is_dropped = is_dropped or (lambda _token: False)

    def refresh(self) -> None:
        """Fetch a new access token from the service account's token URI."""
        try:
            self.credentials.refresh(Request(self.session))
        except google.auth.exceptions.RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise ChannelUnavailable(f"{self.name}: token endpoint busy: {exc}") from exc
            raise ChannelAuthError(f"{self.name}: token refused: {exc}") from exc
        except google.auth.exceptions.TransportError as exc:
            raise ChannelUnavailable(f"{self.name}: token endpoint unreachable: {exc}") from exc

    def send(self, notification: Notification) -> PushResult:
        body = message(notification)
        check_size(body, MAX_PAYLOAD, provider=self.name)
        result = PushResult(provider=self.name, audience=self.audience)
        for kind, value in self.targets:
            if kind == "token" and self.is_dropped(value):
                continue
            name = self.policy.run(partial(self._post, {**body, kind: value}))
            if name is None:
                result.dropped.append(value)
            else:
                result.remote_ids.append(name)
                result.delivered += 1
        return result

    def _post(self, msg: dict[str, Any]) -> str | None:
        """One send; the message name, or None when the token is no longer registered."""
        if not self.credentials.valid:
            self.refresh()
        response = self._request(msg)
        if response.status_code == 401:
            self.refresh()  # the token expired or was revoked early: one fresh try only
            response = self._request(msg)
            if response.status_code == 401:
                raise ChannelAuthError(f"{self.name}: 401 even with a fresh access token")
        status = response.status_code
        if status == 200:
            return str(response.json().get("name", ""))
        code = error_code(response)
        if status == 404 or code in ("UNREGISTERED", "SENDER_ID_MISMATCH"):
            if "token" in msg:
                return None
            raise ChannelRejected(f"{self.name}: {code} for {self.audience}")
        if status in (429, 500, 502, 503, 504):
            raise ChannelUnavailable(
                f"{self.name}: HTTP {status} {code}", retry_after=retry_after(response.headers)
            )
        if status == 403:
            raise ChannelAuthError(f"{self.name}: HTTP 403 {code}")
        raise ChannelRejected(f"{self.name}: HTTP {status} {code}: {response.text[:300]}")

    def _request(self, msg: dict[str, Any]) -> requests.Response:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        self.credentials.apply(headers)
        data = json.dumps({"message": msg}, ensure_ascii=False).encode("utf-8")
        try:
            return self.session.post(self.url, data=data, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ChannelUnavailable(f"{self.name}: {exc}") from exc
