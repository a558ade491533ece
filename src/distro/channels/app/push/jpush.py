"""JPush (极光推送) REST API v3: HTTP Basic with appKey:masterSecret, one push per audience."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import partial
from typing import Any

import requests

from distro.channels.app.push.notification import Notification, PushResult, check_size
from distro.channels.app.push.policy import RetryPolicy, retry_after
from distro.errors import ChannelAuthError, ChannelRejected, ChannelUnavailable

DEFAULT_ENDPOINT = "https://api.jpush.cn/"
#: JPush caps a push's notification plus message at 4000 bytes (Android; iOS is stricter in
#: APNs itself). Checked on the whole body we send, which is a little conservative.
MAX_PAYLOAD = 4000
TTL_SECONDS = 86_400
#: "No target": nobody matches the audience (or every registration id is unknown).
NO_TARGET = 1011
AUDIENCE_KINDS = ("tag", "tag_and", "tag_not", "alias", "registration_id")

Credentials = Callable[[], tuple[str, str]]


def audience_object(audience: str) -> str | dict[str, list[str]]:
    """``all``, or ``tag:a,tag:b,alias:x,registration_id:r`` grouped by kind."""
    if audience.strip() in ("", "all"):
        return "all"
    grouped: dict[str, list[str]] = {}
    for entry in (part.strip() for part in audience.split(",")):
        kind, sep, value = entry.partition(":")
        if not sep or kind not in AUDIENCE_KINDS or not value:
            raise ValueError(
                f"JPush audience entry {entry!r}: use all or {', '.join(AUDIENCE_KINDS)}"
            )
        grouped.setdefault(kind, []).append(value)
    return grouped


def sendno(notification: Notification) -> int:
    """A stable positive int per article version, echoed back by JPush for tracing."""
    key = f"{notification.article_id}/{notification.version}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") & 0x7FFFFFFF


def push_body(
    notification: Notification, audience: str | dict[str, list[str]], *, apns_production: bool
) -> dict[str, Any]:
    extras = notification.data()
    return {
        "platform": "all",
        "audience": audience,
        "notification": {
            "alert": notification.body,
            "android": {
                "alert": notification.body,
                "title": notification.title,
                "priority": 1 if notification.urgency <= 3 else 0,
                "extras": extras,
            },
            "ios": {
                "alert": {"title": notification.title, "body": notification.body},
                "sound": "default",
                "thread-id": notification.section or "news",
                "extras": extras,
            },
        },
        "options": {
            "sendno": sendno(notification),
            "time_to_live": TTL_SECONDS,
            "apns_production": apns_production,
            "apns_collapse_id": notification.collapse_key,
        },
    }


def error_of(response: requests.Response) -> tuple[int | None, str]:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return None, response.text[:200]
    code = error.get("code")
    return (int(code) if isinstance(code, int | str) and str(code).isdigit() else None), str(
        error.get("message", "")
    )


class JPushProvider:
    """Pushes to ``all``, tags, aliases or registration ids of one JPush app."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        audience: str = "all",
        name: str = "jpush",
        endpoint_url: str | None = None,
        apns_production: bool = True,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.name = name
        self.audience = audience
        self.target = audience_object(audience)
        self.credentials = credentials
        self.auth = credentials()
        self.url = (endpoint_url or DEFAULT_ENDPOINT).rstrip("/") + "/v3/push"
        self.apns_production = apns_production
        self.session = session or requests.Session()
        self.policy = policy or RetryPolicy()
        self.timeout = timeout

    def send(self, notification: Notification) -> PushResult:
        body = push_body(notification, self.target, apns_production=self.apns_production)
        check_size(body, MAX_PAYLOAD, provider=self.name)
        result = PushResult(provider=self.name, audience=self.audience)
        answer = self.policy.run(partial(self._post, body))
        if answer is None:
            result.note = "no device matches the audience"
            if isinstance(self.target, dict):
                result.dropped.extend(self.target.get("registration_id", []))
            return result
        result.remote_ids.append(str(answer.get("msg_id", "")))
        result.delivered = 1
        return result

    def _post(self, body: dict[str, Any]) -> dict[str, Any] | None:
        response = self._request(body)
        if response.status_code == 401:
            self.auth = self.credentials()  # the secret may have been rotated: re-read it once
            response = self._request(body)
            if response.status_code == 401:
                raise ChannelAuthError(f"{self.name}: appKey/masterSecret refused (401)")
        status = response.status_code
        if status == 200:
            answer: dict[str, Any] = response.json()
            return answer
        code, text = error_of(response)
        if code == NO_TARGET:
            return None
        if status == 429 or status >= 500:
            hint = retry_after(response.headers)
            if hint is None and status == 429:
                reset = response.headers.get("X-Rate-Limit-Reset", "")
                hint = float(reset) if reset.isdigit() else None
            raise ChannelUnavailable(f"{self.name}: HTTP {status} {code}: {text}", retry_after=hint)
        if status == 403:
            raise ChannelAuthError(f"{self.name}: HTTP 403 {code}: {text}")
        raise ChannelRejected(f"{self.name}: HTTP {status} {code}: {text}")

    def _request(self, body: dict[str, Any]) -> requests.Response:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            return self.session.post(
                self.url,
                data=data,
                auth=self.auth,
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ChannelUnavailable(f"{self.name}: {exc}") from exc
