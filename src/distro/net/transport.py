"""Transports under the HTTP client: the real one (watched sockets) and a mock for unit tests.

Like httpx's transports, both are mounted on the client's session; ``MockTransport`` answers
from a function, so a test sees exactly what would have gone on the wire.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from distro.net.deadline import attach


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        attach(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        attach(self)  # a kept-alive connection skips connect()
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        attach(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        attach(self)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {
    "http": _WatchedHTTPPool,
    "https": _WatchedHTTPSPool,
}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter with connections the deadline watchdog can cut; never retries itself."""

    def __init__(self, pool_maxsize: int = 8) -> None:
        # max_retries=0: the client's one retry policy decides, urllib3 never retries on its own.
        super().__init__(pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(WATCHED_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # Through an HTTP(S) proxy too, the watchdog can cut the connection.
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = dict(WATCHED_POOLS)
        return manager


@dataclass
class MockReply:
    """What a ``MockTransport`` handler answers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(
        cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> MockReply:
        return cls(
            status,
            json.dumps(data, ensure_ascii=False).encode("utf-8"),
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )


Handler = Callable[[requests.PreparedRequest], MockReply]


class MockTransport(BaseAdapter):
    """Answers every request with ``handler(request)``; ``requests`` keeps what was sent."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler
        self.requests: list[requests.PreparedRequest] = []

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        self.requests.append(request)
        reply = self.handler(request)
        raw = HTTPResponse(
            body=io.BytesIO(reply.body),
            headers=reply.headers,
            status=reply.status,
            preload_content=False,
            decode_content=False,
        )
        response = requests.Response()
        response.status_code = reply.status
        response.headers = requests.structures.CaseInsensitiveDict(reply.headers)
        response.raw = raw
        response.url = request.url or ""
        response.request = request
        response.reason = ""
        return response

    def close(self) -> None:
        pass
