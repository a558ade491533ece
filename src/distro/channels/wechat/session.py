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
from typing import Any

from requests.adapters import BaseAdapter

from distro.channels.wechat.errcodes import (
    AUTH_ERRORS,
    BUSY,
    CONTENT_ERRORS,
    DAILY_LIMIT,
    NO_MASS_QUOTA,
    PER_MINUTE_LIMIT,
    RETRIED_TOO_FAST,
    TOKEN_ERRORS,
    errcode_of,
)
from distro.channels.wechat.quotas import (
    DAILY_QUOTAS,
    CallQuota,
    KeyValue,
)
from distro.channels.wechat.tokens import TokenCache
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

#: WeChat answers 4xx only for a wrong URL or method: terminal, but not the item's fault.
ERRORS = Errors(ChannelUnavailable, ChannelError)


class SystemBusy(ChannelUnavailable):
    """errcode -1: WeChat did nothing and asks to try again shortly."""


def redact(text: str) -> str:
    """``text`` with any access token or secret (by name or known value) replaced by ``***``."""
    return PROCESS(text)

class WeChatSession:
    """One Official Account's authenticated calls: the shared token, the daily quotas, busy
    retries, and each errcode turned into distro's error tree."""

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
        self.tokens = TokenCache(
            store,
            f"{namespace}:token:{appid}",
            now=lambda: self.now(),
            fetch=self._stable_token,
            seen=self.http.add_secret,
        )
        self.calls = CallQuota(store, namespace, appid, now=lambda: self.now(), limits=self.quotas)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(appid={self.appid!r}, base_url={self.base_url!r})"

    # -- tokens and quotas -----------------------------------------------------------------

    @property
    def token_key(self) -> str:
        """The ledger key of the account's cached access token."""
        return self.tokens.key

    def token(self) -> str:
        """The shared access token: from the store while valid, else from ``stable_token``."""
        return self.tokens.token()

    def remaining(self, api: str) -> int | None:
        """Calls of ``api`` left today by our count (None when unlimited)."""
        return self.calls.remaining(api)

    def _stable_token(self, force: bool) -> dict[str, Any]:
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

        return self.busy.run(once)

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
            err = QuotaExhausted(message, retry_after=self.calls.until_midnight())
        elif code == DAILY_LIMIT:
            self.calls.exhaust(api)
            err = QuotaExhausted(message, retry_after=self.calls.until_midnight())
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
        token = self.tokens.token()
        refreshed = False

        def once() -> dict[str, Any]:
            nonlocal token, refreshed
            while True:
                self.calls.spend(api)
                data = self._send(
                    method, api, json_body=body, params=params, files=files, token=token
                )
                code = errcode_of(data)
                if code == 0 or code in accept:
                    return data
                if code in TOKEN_ERRORS and not refreshed:
                    log.info("wechat %s: token refused (errcode %s), refreshing once", api, code)
                    token = self.tokens.refresh(token)
                    refreshed = True
                    continue
                if code == BUSY:
                    log.warning("wechat %s: system busy, backing off", api)
                raise self._error(code, data, api)

        return self.busy.run(once)
