"""HTTP fetching for sources: timeouts, retries with backoff, a User-Agent, conditional GET, a cap.

Transient trouble (connection errors, timeouts, 429 and 5xx after the retries) raises
``SourceUnavailable``; anything we refuse (other 4xx, a body over the size cap) raises
``SourceRejected``. Bodies are streamed and counted after decompression, so neither a huge
response nor a gzip bomb is held in memory beyond the cap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from distro.config import LimitsConfig
from distro.errors import SourceRejected, SourceUnavailable

RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK = 16 * 1024


@dataclass(frozen=True)
class Response:
    """A fetched resource, or a 304 (``body`` empty, ``not_modified`` true)."""

    url: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def media_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";", 1)[0].strip() if value else None


class Transport:
    """One pooled HTTP session with the limits of the config."""

    def __init__(
        self,
        limits: LimitsConfig | None = None,
        *,
        backoff_factor: float = 0.5,
        backoff_max: float = 30.0,
    ) -> None:
        self.limits = limits or LimitsConfig()
        retry = Retry(
            total=self.limits.http_retries,
            connect=self.limits.http_retries,
            read=self.limits.http_retries,
            status=self.limits.http_retries,
            backoff_factor=backoff_factor,
            backoff_max=backoff_max,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = self.limits.user_agent
        self.session.headers["Accept"] = (
            "application/atom+xml, application/rss+xml, application/rdf+xml, "
            "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
        )

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Response:
        """GET ``url`` conditionally; a body over ``max_payload_bytes`` is refused."""
        if url.startswith("file:"):
            return self._read_file(url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        timeout = self.limits.http_timeout_seconds
        try:
            with self.session.get(
                url, headers=headers, timeout=(timeout, timeout), stream=True
            ) as reply:
                received = {k.lower(): v for k, v in reply.headers.items()}
                if reply.status_code == 304:
                    return Response(reply.url, 304, b"", received)
                if reply.status_code in RETRY_STATUSES:
                    raise SourceUnavailable(
                        f"{url}: HTTP {reply.status_code} after retries",
                        retry_after=_retry_after(received.get("retry-after")),
                    )
                if reply.status_code >= 400:
                    raise SourceRejected(f"{url}: HTTP {reply.status_code}")
                body = self._read_capped(url, reply)
                return Response(reply.url, reply.status_code, body, received)
        except requests.exceptions.RetryError as exc:
            raise SourceUnavailable(f"{url}: retries exhausted: {exc}") from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
        except requests.exceptions.InvalidURL as exc:
            raise SourceRejected(f"{url}: invalid URL: {exc}") from exc
        except requests.exceptions.RequestException as exc:
            raise SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc

    def _read_capped(self, url: str, reply: requests.Response) -> bytes:
        cap = self.limits.max_payload_bytes
        declared = reply.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise SourceRejected(f"{url}: payload of {declared} bytes exceeds the {cap}-byte limit")
        # A server that drips bytes must not hold the worker forever.
        deadline = time.monotonic() + 4 * self.limits.http_timeout_seconds
        parts: list[bytes] = []
        size = 0
        for chunk in reply.iter_content(CHUNK):
            size += len(chunk)
            if size > cap:
                raise SourceRejected(f"{url}: payload exceeds the {cap}-byte limit")
            if time.monotonic() > deadline:
                raise SourceUnavailable(f"{url}: body took too long to arrive")
            parts.append(chunk)
        return b"".join(parts)

    def _read_file(self, url: str) -> Response:
        path = Path(unquote(urlsplit(url).path))
        cap = self.limits.max_payload_bytes
        try:
            with path.open("rb") as handle:
                body = handle.read(cap + 1)
        except OSError as exc:
            raise SourceRejected(f"{url}: cannot read: {exc.strerror}") from exc
        if len(body) > cap:
            raise SourceRejected(f"{url}: payload exceeds the {cap}-byte limit")
        return Response(url, 200, body, {})


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None
