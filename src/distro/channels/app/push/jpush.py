"""JPush (极光推送) REST API v3 over ``distro.net``: HTTP Basic with appKey:masterSecret.

Limits and codes are those of JPush's Push API v3 documentation ("调用返回", jpush/jpush-docs
``zh/jpush/server/push/rest_api_v3_push.md``, and "API 频率控制"):

- size: Android's notification plus message at most 4000 bytes; the ``"ios": {...}`` object at
  most 2000 bytes (APNs allows 2048, JPush keeps a margin), custom extras included, UTF-8;
- 1011 (HTTP 400): no device matches the audience; 1005 (400): message too big;
- 1004 (401), 1008 (400, bad app_key), 2003 (403, appkey restricted), 2004 (403, caller IP not
  whitelisted), 2006/2007 (403, no permission): credentials or account, nothing a retry fixes;
- 1000 (500), 1030 (503): JPush-side trouble, retried; 2002 (429): the per-minute rate limit,
  retried after ``X-Rate-Limit-Reset`` seconds; 1012 (400): a paced push over its limit, later;
- 2005 (403): the volume sent to these users is "beyond a reasonable range": terminal, not the
  item's fault (JPush wants the sender's logic checked).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from requests.adapters import BaseAdapter

from distro.channels.app.push.notification import Notification, PushResult, check_size
from distro.errors import (
    ChannelAuthError,
    ChannelError,
    ChannelRejected,
    ChannelUnavailable,
)
from distro.net import CHANNEL, HttpClient, Limits, Reply, RetryPolicy

DEFAULT_ENDPOINT = "https://api.jpush.cn/"
#: Android: ``notification.android`` plus ``message``, in UTF-8 bytes.
MAX_ANDROID = 4000
#: iOS: the whole ``notification.ios`` object, custom extras included.
MAX_IOS = 2000
TTL_SECONDS = 86_400
NO_TARGET = 1011
TOO_BIG = 1005
AUTH_CODES = frozenset({1004, 1008, 2003, 2004, 2006, 2007})
LATER_CODES = frozenset({1000, 1012, 1030, 2002})
OVER_VOLUME = 2005
#: JPush says a 4xx's reason in its code: read them here, not in the HTTP layer.
HANDLED = frozenset({400, 401, 403, 404, 405})
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


def check_push_size(body: dict[str, Any], *, provider: str) -> None:
    """ChannelRejected before sending when a platform's part is over JPush's documented limit."""
    notification = body.get("notification", {})
    android = {"android": notification.get("android", {}), "message": body.get("message", {})}
    check_size(android, MAX_ANDROID, provider=f"{provider} (Android)")
    check_size({"ios": notification.get("ios", {})}, MAX_IOS, provider=f"{provider} (iOS)")


def error_of(reply: Reply) -> tuple[int | None, str]:
    """JPush's ``{"error": {"code", "message"}}``: the code and message (redacted, one line)."""
    try:
        error = reply.json().get("error", {})
    except (ValueError, AttributeError):
        return None, reply.excerpt()
    code = error.get("code") if isinstance(error, dict) else None
    text = reply.redact(str(error.get("message", ""))) if isinstance(error, dict) else ""
    number = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
    return number, text


def rate_limit_reset(reply: Reply) -> float | None:
    """Retry-After, else JPush's ``X-Rate-Limit-Reset`` (seconds until the window resets)."""
    hint = reply.retry_after
    if hint is None and reply.status == 429:
        reset = reply.headers.get("x-rate-limit-reset", "").strip()
        hint = float(reset) if reset.isdigit() else None
    return hint


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
        transport: BaseAdapter | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.name = name
        self.audience = audience
        self.target = audience_object(audience)
        self.credentials = credentials
        self.url = (endpoint_url or DEFAULT_ENDPOINT).rstrip("/") + "/v3/push"
        self.apns_production = apns_production
        self.http = HttpClient(
            limits=Limits(deadline=timeout, connect_timeout=min(10.0, timeout)),
            retry=policy or RetryPolicy(),
            errors=CHANNEL,
            name=name,
            transport=transport,
            hint=rate_limit_reset,
        )
        self.auth = credentials()

    def send(self, notification: Notification) -> PushResult:
        body = push_body(notification, self.target, apns_production=self.apns_production)
        check_push_size(body, provider=self.name)
        result = PushResult(provider=self.name, audience=self.audience)
        answer = self._post(body)
        if answer is None:
            result.note = "no device matches the audience"
            if isinstance(self.target, dict):
                result.dropped.extend(self.target.get("registration_id", []))
            return result
        result.remote_ids.append(str(answer.get("msg_id", "")))
        result.delivered = 1
        return result

    def _post(self, body: dict[str, Any]) -> dict[str, Any] | None:
        reply = self._request(body)
        if reply.status == 401:
            self.auth = self.credentials()  # the secret may have been rotated: re-read it once
            reply = self._request(body)
            if reply.status == 401:
                raise ChannelAuthError(f"{self.name}: appKey/masterSecret refused (401)")
        if reply.status == 200:
            try:
                answer: dict[str, Any] = reply.json()
            except ValueError:
                raise ChannelUnavailable(f"{self.name}: answer is not JSON") from None
            return answer
        code, text = error_of(reply)
        what = f"{self.name}: HTTP {reply.status} {code}: {text}"
        if code == NO_TARGET:
            return None
        if code in AUTH_CODES or (reply.status == 403 and code != OVER_VOLUME):
            raise ChannelAuthError(what)
        if code in LATER_CODES:
            raise ChannelUnavailable(what, retry_after=rate_limit_reset(reply))
        if code == OVER_VOLUME:
            raise ChannelError(what)
        raise ChannelRejected(what)  # 1002, 1003, 1005, 1009 …: this push is wrong as it is

    def _request(self, body: dict[str, Any]) -> Reply:
        return self.http.post(self.url, json=body, auth=self.auth, handled=HANDLED)
