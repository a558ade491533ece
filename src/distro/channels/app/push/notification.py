"""What a push says and what a provider reports back, and the interface every provider has."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from distro.errors import ChannelRejected


@dataclass(frozen=True)
class Notification:
    """One notification about one article version; every version shares the collapse key."""

    article_id: str
    version: int
    title: str
    body: str
    collapse_key: str
    url: str | None = None
    urgency: int = 5
    section: str | None = None

    def data(self) -> dict[str, str]:
        """The app's data payload: string values only (FCM and APNs both demand it)."""
        data = {
            "article_id": self.article_id,
            "version": str(self.version),
            "collapse_key": self.collapse_key,
        }
        if self.url:
            data["url"] = self.url
        if self.section:
            data["section"] = self.section
        return data

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PushResult:
    """What one ``send`` did: message ids, how many targets took it, which ones were dropped."""

    provider: str
    audience: str
    remote_ids: list[str] = field(default_factory=list)
    delivered: int = 0
    dropped: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def remote_id(self) -> str | None:
        return ",".join(self.remote_ids)[:500] or None


class Reached(Protocol):
    """The targets one notification already reached, kept across runs: a retry skips them."""

    def get(self, notification: Notification, target: str) -> str | None:
        """The remote id of the earlier send to ``target``, or None."""
        ...

    def put(self, notification: Notification, target: str, remote_id: str) -> None: ...


class ReachedInMemory:
    """``Reached`` for one process (tests, and providers opened without a ledger)."""

    def __init__(self) -> None:
        self._sent: dict[tuple[str, int, str], str] = {}

    def get(self, notification: Notification, target: str) -> str | None:
        return self._sent.get((notification.article_id, notification.version, target))

    def put(self, notification: Notification, target: str, remote_id: str) -> None:
        self._sent[(notification.article_id, notification.version, target)] = remote_id


class PushProvider(Protocol):
    """A push service: sends one notification to its configured audience."""

    name: str
    audience: str

    def send(self, notification: Notification) -> PushResult: ...


def check_size(payload: dict[str, Any], limit: int, *, provider: str) -> int:
    """The payload's UTF-8 JSON size; ChannelRejected before sending when it is over ``limit``."""
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > limit:
        raise ChannelRejected(f"{provider}: payload is {size} bytes, the limit is {limit}")
    return size
