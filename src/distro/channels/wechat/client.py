"""The WeChat Official Account API over ``distro.net``: shared stable token, quotas, error mapping.

Errors arrive as HTTP 200 with ``{"errcode": N, "errmsg": "... rid: ..."}``; this client branches on
``errcode`` only and turns it into distro's error tree. Tokens and the AppSecret never reach a log
line or an error message: the HTTP layer masks them by name and by value (an errmsg that echoes
the token back is masked too).

Only "system busy" (-1) is retried here, through the one retry policy: WeChat answered that it did
nothing. Transport errors are not retried in the call (a ``draft/add`` that timed out may have
been done); they go up as transient and the publisher reconciles before trying again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from requests.adapters import BaseAdapter

from distro.errors import (
    ChannelAuthError,
    ChannelError,
    ChannelRejected,
    ChannelUnavailable,
    QuotaExhausted,
)
from distro.net import ONCE, Errors, HttpClient, Limits, RetryPolicy
from distro.net.redaction import PROCESS

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"
#: WeChat's day (and its daily quotas) turns over at midnight Beijing time.
WECHAT_TZ = ZoneInfo("Asia/Shanghai")

BUSY = -1
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
PER_MINUTE_LIMIT = 45011
DAILY_LIMIT = 45009
#: message/mass/sendall: the account's 群发 quota (a day or a month) is used up.
NO_MASS_QUOTA = 45028
#: message/mass/sendall: a send with this clientmsgid exists (24 h): already sent, its msg_id.
ALREADY_SENT = 45065
#: message/mass/sendall: the same clientmsgid again within a minute.
RETRIED_TOO_FAST = 45066
#: Bad input or content: terminal for the item, which goes to quarantine.
CONTENT_ERRORS = frozenset(
    {
        40005,
        40006,
        40007,
        40009,
        44003,
        44004,
        45002,
        45003,
        45004,
        45005,
        45006,
        45110,
        45166,
        47001,
        53503,
    }
)
#: Credentials, IP whitelist or permissions: nothing a retry fixes.
AUTH_ERRORS = frozenset({40013, 40125, 40164, 40243, 41002, 41004, 48001, 48003, 48004, 89503})

#: Daily call quotas of a new account (API_Call_Limits); the ledger counts calls against them.
DAILY_QUOTAS: dict[str, int] = {
    "draft/add": 1000,
    "draft/batchget": 1000,
    "draft/get": 1000,
    "freepublish/submit": 100,
    "freepublish/get": 100,
    "freepublish/batchget": 1000,
    "freepublish/delete": 10,
    "media/uploadimg": 1000,
    "material/add_material": 1000,
    # 高级群发接口: preview, sendall, get and delete share it (API_Call_Limits).
    "message/mass/preview": 100,
    "message/mass/sendall": 100,
}
#: Seconds a token is treated as expired before WeChat says so (it renews in the last 5 min).
TOKEN_MARGIN = 60.0

#: WeChat answers 4xx only for a wrong URL or method: terminal, but not the item's fault.
ERRORS = Errors(ChannelUnavailable, ChannelError)


class SystemBusy(ChannelUnavailable):
    """errcode -1: WeChat did nothing and asks to try again shortly."""


def redact(text: str) -> str:
    """``text`` with any access token or secret (by name or known value) replaced by ``***``."""
    return PROCESS(text)


class KeyValue(Protocol):
    """What the client needs of the ledger: an expiring key/value and daily counters."""

    def get_value(self, key: str, *, at: dt.datetime | None = None) -> str | None: ...

    def set_value(
        self, key: str, value: str, *, expires_at: dt.datetime | None = None
    ) -> object: ...

    def count(self, key: str, *, day: dt.date, increment: int = 1) -> int: ...


def next_midnight(now: dt.datetime) -> dt.datetime:
    """The next midnight in Beijing time, when WeChat resets daily quotas."""
    local = now.astimezone(WECHAT_TZ)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(0), tzinfo=WECHAT_TZ)


def errcode_of(data: Mapping[str, Any]) -> int:
    try:
        return int(data.get("errcode", 0) or 0)
    except (TypeError, ValueError):
        return 0


class WeChatClient:
    """One Official Account: every call carries a cached token and is checked against quotas."""

    def __init__(
        self,
        appid: str,
        secret: str,
        store: KeyValue,
        *,
        base_url: str | None = None,
        timeout: float = 20.0,
        busy_retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        quotas: Mapping[str, int] | None = None,
        transport: BaseAdapter | None = None,
        user_agent: str = "distro",
        namespace: str = "wechat",
    ) -> None:
        self.appid = appid
        #: Prefix of this account's ledger keys (``wechat`` for the default account).
        self.namespace = namespace
        self._secret = secret
        self.store = store
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/") + "/"
        self.timeout = timeout
        self.backoff = backoff
        self.now = now
        self.quotas = dict(DAILY_QUOTAS if quotas is None else quotas)
        # Busy answers: backoff doubling from `backoff`; a wait over 30 s goes back to Airflow.
        self.busy = RetryPolicy(
            attempts=busy_retries + 1, base_delay=backoff, sleep=sleep, retry_on=(SystemBusy,)
        )
        self.http = HttpClient(
            limits=Limits(deadline=timeout, connect_timeout=min(10.0, timeout)),
            retry=ONCE,
            errors=ERRORS,
            user_agent=user_agent,
            secrets=[secret],
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"WeChatClient(appid={self.appid!r}, base_url={self.base_url!r})"

    # -- tokens ----------------------------------------------------------------------------

    @property
    def token_key(self) -> str:
        """The ledger key of the account's cached access token."""
        return f"{self.namespace}:token:{self.appid}"

    def token(self) -> str:
        """The shared access token: from the store while valid, else from ``stable_token``."""
        cached = self.store.get_value(self.token_key, at=self.now())
        if cached:
            self.http.add_secret(cached)
            return cached
        return self._fetch_token(force=False)

    def _fetch_token(self, *, force: bool) -> str:
        body: dict[str, Any] = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self._secret,
        }
        if force:
            body["force_refresh"] = True

        def once() -> dict[str, Any]:
            data = self._send("POST", "stable_token", json_body=body, token=None)
            code = errcode_of(data)
            if code:
                raise self._error(code, data, "stable_token")
            return data

        data = self.busy.run(once)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise ChannelUnavailable("stable_token: answer without an access_token")
        self.http.add_secret(token)
        expires_in = float(data.get("expires_in") or 0)
        # Short-lived answers are still usable once; never cache past WeChat's own expiry.
        margin = min(TOKEN_MARGIN, expires_in / 2)
        expires_at = self.now() + dt.timedelta(seconds=max(expires_in - margin, 1.0))
        self.store.set_value(self.token_key, token, expires_at=expires_at)
        return token

    def _refresh(self, rejected: str) -> str:
        """A token other than ``rejected``: normal mode first, forced only if WeChat insists."""
        fresh = self._fetch_token(force=False)
        if fresh != rejected:
            return fresh
        return self._fetch_token(force=True)

    # -- quotas ----------------------------------------------------------------------------

    def _exhausted_key(self, api: str) -> str:
        return f"{self.namespace}:exhausted:{self.appid}:{api}"

    def _until_midnight(self) -> float:
        now = self.now()
        return max((next_midnight(now) - now).total_seconds(), 1.0)

    def _spend(self, api: str) -> None:
        """Count one call against today's quota; refuse it when the day's quota is used up."""
        refusal: QuotaExhausted | None = None
        if self.store.get_value(self._exhausted_key(api), at=self.now()):
            refusal = QuotaExhausted(
                f"{api}: daily quota reached (WeChat said 45009)",
                retry_after=self._until_midnight(),
            )
        elif (limit := self.quotas.get(api)) is not None:
            day = self.now().astimezone(WECHAT_TZ).date()
            used = self.store.count(f"{self.namespace}:calls:{self.appid}:{api}", day=day)
            if used > limit:
                refusal = QuotaExhausted(
                    f"{api}: {limit} calls a day, all used", retry_after=self._until_midnight()
                )
        if refusal is not None:
            # Refused before sending: as certain as an answer from WeChat that nothing happened.
            refusal.errcode = DAILY_LIMIT  # type: ignore[attr-defined]
            raise refusal

    def remaining(self, api: str) -> int | None:
        """Calls of ``api`` left today by our count (None when unlimited)."""
        limit = self.quotas.get(api)
        if limit is None:
            return None
        if self.store.get_value(self._exhausted_key(api), at=self.now()):
            return 0
        day = self.now().astimezone(WECHAT_TZ).date()
        used = self.store.count(f"{self.namespace}:calls:{self.appid}:{api}", day=day, increment=0)
        return max(limit - used, 0)

    # -- transport -------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        api: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        token: str | None,
    ) -> dict[str, Any]:
        query = dict(params or {})
        if token is not None:
            query["access_token"] = token
        reply = self.http.request(
            method, self.base_url + api, params=query, json=json_body, files=files
        )
        try:
            answer = reply.json()
        except ValueError:
            raise ChannelUnavailable(f"{api}: answer is not JSON") from None
        if not isinstance(answer, dict):
            raise ChannelUnavailable(f"{api}: answer is not a JSON object")
        return answer

    def _error(self, code: int, data: Mapping[str, Any], api: str) -> ChannelError:
        message = f"{api}: errcode {code}: {self.http.redact(str(data.get('errmsg', '')))}"
        err: ChannelError
        if code == BUSY:
            err = SystemBusy(message)  # the busy policy's backoff decides the wait
        elif code in (PER_MINUTE_LIMIT, RETRIED_TOO_FAST):
            err = ChannelUnavailable(message, retry_after=60.0)
        elif code == NO_MASS_QUOTA:
            err = QuotaExhausted(message, retry_after=self._until_midnight())
        elif code == DAILY_LIMIT:
            self.store.set_value(
                self._exhausted_key(api), "45009", expires_at=next_midnight(self.now())
            )
            err = QuotaExhausted(message, retry_after=self._until_midnight())
        elif code in CONTENT_ERRORS:
            err = ChannelRejected(message)
        elif code in AUTH_ERRORS or code in TOKEN_ERRORS:
            err = ChannelAuthError(message)
        else:
            err = ChannelError(message)
        # An errcode means WeChat answered: callers know the call certainly did nothing.
        err.errcode = code  # type: ignore[attr-defined]
        return err

    def call(
        self,
        api: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        method: str = "POST",
        accept: frozenset[int] = frozenset(),
    ) -> dict[str, Any]:
        """Call ``api`` (e.g. ``draft/add``) with the token; retry busy and stale-token answers.

        Errcodes in ``accept`` are answers, not errors: the caller reads them from the result.
        """
        token = self.token()
        refreshed = False

        def once() -> dict[str, Any]:
            nonlocal token, refreshed
            while True:
                self._spend(api)
                data = self._send(
                    method, api, json_body=body, params=params, files=files, token=token
                )
                code = errcode_of(data)
                if code == 0 or code in accept:
                    return data
                if code in TOKEN_ERRORS and not refreshed:
                    log.info("wechat %s: token refused (errcode %s), refreshing once", api, code)
                    token = self._refresh(token)
                    refreshed = True
                    continue
                if code == BUSY:
                    log.warning("wechat %s: system busy, backing off", api)
                raise self._error(code, data, api)

        return self.busy.run(once)

    # -- the calls distro makes ------------------------------------------------------------

    def upload_image(self, data: bytes, filename: str, content_type: str) -> str:
        """``media/uploadimg``: an image for article bodies; returns its mmbiz URL."""
        answer = self.call("media/uploadimg", files={"media": (filename, data, content_type)})
        url = answer.get("url")
        if not isinstance(url, str) or not url:
            raise ChannelUnavailable("media/uploadimg: answer without a url")
        return url

    def add_thumb(self, data: bytes, filename: str = "cover.jpg") -> str:
        """``material/add_material?type=thumb``: a permanent cover; returns its media_id."""
        answer = self.call(
            "material/add_material",
            params={"type": "thumb"},
            files={"media": (filename, data, "image/jpeg")},
        )
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise ChannelUnavailable("material/add_material: answer without a media_id")
        return media_id

    def add_draft(self, articles: list[dict[str, Any]]) -> str:
        """``draft/add``: one edition of up to 8 articles; returns the draft's media_id."""
        answer = self.call("draft/add", body={"articles": articles})
        return str(answer["media_id"])

    def drafts(self, offset: int = 0, count: int = 20) -> list[dict[str, Any]]:
        """``draft/batchget`` without content: the newest drafts (for crash reconciliation)."""
        answer = self.call(
            "draft/batchget", body={"offset": offset, "count": count, "no_content": 1}
        )
        items = answer.get("item") or []
        return [item for item in items if isinstance(item, dict)]

    def draft_exists(self, media_id: str) -> bool:
        """``draft/get``: whether the draft is still in the draft box."""
        try:
            self.call("draft/get", body={"media_id": media_id})
        except ChannelRejected as exc:
            if getattr(exc, "errcode", None) == 40007:
                return False
            raise
        return True

    def submit(self, media_id: str) -> str:
        """``freepublish/submit``: accepted for publishing (not yet published); the publish_id."""
        answer = self.call("freepublish/submit", body={"media_id": media_id})
        return str(answer["publish_id"])  # WeChat sends it as a number or a string

    def publish_status(self, publish_id: str) -> dict[str, Any]:
        """``freepublish/get``: the publish job's status and, on success, the article URLs."""
        return self.call("freepublish/get", body={"publish_id": publish_id})

    def published(self, offset: int = 0, count: int = 20) -> list[dict[str, Any]]:
        """``freepublish/batchget`` without content: the newest successful publications."""
        answer = self.call(
            "freepublish/batchget", body={"offset": offset, "count": count, "no_content": 1}
        )
        items = answer.get("item") or []
        return [item for item in items if isinstance(item, dict)]

    def delete(self, article_id: str, index: int = 0) -> None:
        """``freepublish/delete``: irreversibly remove article ``index`` (1-based; 0 = all)."""
        self.call("freepublish/delete", body={"article_id": article_id, "index": index})

    # -- 群发 (mass send) ------------------------------------------------------------------

    def preview(self, media_id: str, recipient: str) -> None:
        """``message/mass/preview``: the draft to one editor's chat (OpenID, else 微信号)."""
        body: dict[str, Any] = {"msgtype": "mpnews", "mpnews": {"media_id": media_id}}
        body["touser" if is_openid(recipient) else "towxname"] = recipient
        self.call("message/mass/preview", body=body)

    def sendall(
        self, media_id: str, clientmsgid: str, *, ignore_reprint: bool = False
    ) -> tuple[str, str, bool]:
        """``message/mass/sendall`` to every follower: (msg_id, msg_data_id, already_sent).

        A 45065 answer means a send with this clientmsgid exists: its msg_id, never a new send.
        """
        answer = self.call(
            "message/mass/sendall",
            body={
                "filter": {"is_to_all": True},
                "mpnews": {"media_id": media_id},
                "msgtype": "mpnews",
                "send_ignore_reprint": 1 if ignore_reprint else 0,
                "clientmsgid": clientmsgid,
            },
            accept=frozenset({ALREADY_SENT}),
        )
        msg_id = str(answer.get("msg_id") or "")
        already = errcode_of(answer) == ALREADY_SENT
        if not msg_id and not already:  # 45065 without a msg_id is still "sent": never resend
            raise ChannelUnavailable("message/mass/sendall: answer without a msg_id")
        return msg_id, str(answer.get("msg_data_id") or ""), already

    def mass_status(self, msg_id: str) -> str:
        """``message/mass/get``: SEND_SUCCESS, SENDING, SEND_FAIL or DELETE."""
        answer = self.call("message/mass/get", body={"msg_id": msg_id})
        return str(answer.get("msg_status", ""))

    def mass_delete(self, msg_id: str, article_idx: int = 0) -> None:
        """``message/mass/delete``: invalidate a sent article page (1-based; 0 = all)."""
        self.call("message/mass/delete", body={"msg_id": msg_id, "article_idx": article_idx})


def is_openid(recipient: str) -> bool:
    """OpenIDs are 28 characters; a 微信号 is at most 20, so the length tells them apart."""
    return len(recipient) == 28
