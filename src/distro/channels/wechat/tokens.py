"""The account's access token: shared in the ledger, fetched from ``stable_token`` when stale."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from distro.channels.wechat.quotas import KeyValue
from distro.errors import ChannelUnavailable

#: Seconds a token is treated as expired before WeChat says so (it renews in the last 5 min).
TOKEN_MARGIN = 60.0


class TokenCache:
    """One account's token: read from the store while valid, else fetched and stored until
    shortly before WeChat's own expiry (every worker on the ledger shares it)."""

    def __init__(
        self,
        store: KeyValue,
        key: str,
        *,
        now: Callable[[], dt.datetime],
        fetch: Callable[[bool], Mapping[str, Any]],
        seen: Callable[[str], None],
    ) -> None:
        self.store = store
        #: The ledger key of the cached token.
        self.key = key
        self._now = now
        self._fetch = fetch  # stable_token's answer (force_refresh or not), errcodes raised
        self._seen = seen  # every token we hold is masked in logs and errors

    def token(self) -> str:
        """The shared access token: from the store while valid, else from ``stable_token``."""
        cached = self.store.get_value(self.key, at=self._now())
        if cached:
            self._seen(cached)
            return cached
        return self.fetch(force=False)

    def fetch(self, *, force: bool) -> str:
        """A token from ``stable_token`` (``force``: a new one), stored for the others."""
        data = self._fetch(force)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise ChannelUnavailable("stable_token: answer without an access_token")
        self._seen(token)
        expires_in = float(data.get("expires_in") or 0)
        # Short-lived answers are still usable once; never cache past WeChat's own expiry.
        margin = min(TOKEN_MARGIN, expires_in / 2)
        expires_at = self._now() + dt.timedelta(seconds=max(expires_in - margin, 1.0))
        self.store.set_value(self.key, token, expires_at=expires_at)
        return token

    def refresh(self, rejected: str) -> str:
        """A token other than ``rejected``: normal mode first, forced only if WeChat insists."""
        fresh = self.fetch(force=False)
        if fresh != rejected:
            return fresh
        return self.fetch(force=True)
