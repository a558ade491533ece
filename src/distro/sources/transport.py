"""Feed fetching for sources over the one HTTP layer: conditional GET, a User-Agent, ``file:`` URLs.

The deadline, size cap, retries and redirects are ``distro.net``'s; errors are the sources' own:
transient trouble (timeouts, the deadline, connection errors, 429 and 5xx after the retries)
raises ``SourceUnavailable``, anything we refuse (other 4xx, a body over the cap, a redirect
loop or a redirect to ``file:``) raises ``SourceRejected``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from distro.config import LimitsConfig
from distro.errors import SourceRejected
from distro.net import SOURCE, HttpClient, Limits, MockTransport, Reply, RetryPolicy

#: A fetched resource, or a 304 (``body`` empty, ``not_modified`` true).
Response = Reply

ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


class Transport:
    """One pooled HTTP client with the limits of the config; ``file:`` URLs read from disk."""

    def __init__(
        self,
        limits: LimitsConfig | None = None,
        *,
        backoff_factor: float = 0.5,
        backoff_max: float = 30.0,
        mock: MockTransport | None = None,
    ) -> None:
        self.limits = limits or LimitsConfig()
        self.http = HttpClient(
            # A feed costs its group at most the timeout, retries included: the next run retries.
            limits=Limits.of(self.limits, budget=self.limits.http_timeout_seconds),
            retry=RetryPolicy(
                attempts=self.limits.http_retries + 1,
                base_delay=backoff_factor,
                max_delay=backoff_max,
            ),
            errors=SOURCE,
            user_agent=self.limits.user_agent,
            headers={"Accept": ACCEPT},
            transport=mock,
        )

    def close(self) -> None:
        self.http.close()

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
        return self.http.get(url, headers=headers)

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
