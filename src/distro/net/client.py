"""The HTTP client of every outbound call: deadline, cap, redirects, retries, redaction."""

from __future__ import annotations

import http.client
import json as jsonlib
import logging
import os
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import BaseAdapter

from distro.errors import (
    ChannelRejected,
    ChannelUnavailable,
    DistroError,
    SourceRejected,
    SourceUnavailable,
)
from distro.net.deadline import Deadline, Watchdog
from distro.net.redaction import PROCESS, Redactor, install_log_filter, one_line
from distro.net.retry import RetryPolicy, retry_after
from distro.net.transport import WatchedAdapter

if TYPE_CHECKING:
    from distro.config import LimitsConfig

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Small reads: the size cap is checked often and nothing waits long for a chunk to fill.
CHUNK = 16 * 1024
SCHEMES = ("http", "https")
#: Seconds the socket timeout waits past the deadline, so the watchdog is the one that fires.
GRACE = 1.0


@dataclass(frozen=True)
class Limits:
    """What one call may cost.

    ``deadline`` bounds one attempt: connecting, its redirects, the headers and every body byte.
    ``budget`` (None: attempts times the deadline, plus backoff) bounds the whole call with
    its retries; a wait that does not fit in it is raised, not slept.
    """

    deadline: float = 20.0
    budget: float | None = None
    connect_timeout: float = 10.0
    #: Longest silence on the socket; never more than what is left of the deadline.
    read_timeout: float | None = None
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5

    @classmethod
    def of(cls, config: LimitsConfig, **changes: Any) -> Limits:
        """The limits of a config's ``[limits]``: its timeout is the deadline of one attempt."""
        seconds = config.http_timeout_seconds
        values: dict[str, Any] = {
            "deadline": seconds,
            "connect_timeout": min(10.0, seconds),
            "max_bytes": config.max_payload_bytes,
        }
        values.update(changes)
        return cls(**values)


@dataclass(frozen=True)
class Errors:
    """Which classes of distro's error tree a client raises: those of its caller's layer."""

    unavailable: type[DistroError]
    rejected: type[DistroError]


SOURCE = Errors(SourceUnavailable, SourceRejected)
CHANNEL = Errors(ChannelUnavailable, ChannelRejected)


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class Reply:
    """A whole response: status, headers (lower-case names) and the body, read within limits."""

    url: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    redact: Callable[[str], str] = field(default=_identity, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def status_code(self) -> int:
        """``status`` under requests' name, for code written against ``requests.Response``."""
        return self.status

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

    @property
    def retry_after(self) -> float | None:
        return retry_after(self.headers)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return jsonlib.loads(self.body)

    def excerpt(self, limit: int = 200) -> str:
        """The body for an error message: one line, short, secrets masked."""
        return one_line(self.redact(self.text), limit)


class HttpClient:
    """One pooled session with the limits, retry policy and redaction of one caller.

    ``request`` returns a ``Reply`` for 2xx, 3xx and any status in ``handled``; it raises
    ``errors.unavailable`` (timeouts, connection errors, the deadline, 429 and 5xx once the
    policy gives up) or ``errors.rejected`` (other 4xx, an oversized body, a redirect loop or a
    redirect off http/https). Every message is one line with secrets masked.
    """

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        retry: RetryPolicy | None = None,
        errors: Errors = CHANNEL,
        name: str | None = None,
        user_agent: str | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        transport: BaseAdapter | None = None,
        hint: Callable[[Reply], float | None] | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.retry = retry or RetryPolicy()
        self.errors = errors
        self.name = name
        self.hint = hint or (lambda reply: reply.retry_after)
        self.redact = Redactor(secrets, parent=PROCESS)
        self.session = requests.Session()
        # No ~/.netrc credentials picked up silently; proxies and CA bundles from the
        # environment are still honoured, per request (see _attempt).
        self.session.trust_env = False
        self.transport = transport or WatchedAdapter()
        self.session.mount("http://", self.transport)
        self.session.mount("https://", self.transport)
        if user_agent:
            self.session.headers["User-Agent"] = user_agent
        self.session.headers.update(headers or {})
        install_log_filter()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_secret(self, secret: str | None) -> None:
        """Mask ``secret`` in every message from now on (tokens learnt at run time)."""
        self.redact.add(secret)

    # -- the call --------------------------------------------------------------------------

    def get(self, url: str, **kwargs: Any) -> Reply:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Reply:
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        json: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        auth: tuple[str, str] | None = None,
        handled: Container[int] = (),
        deadline: float | None = None,
        max_bytes: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> Reply:
        """Send one request (retried within the budget, each attempt within its deadline)."""
        if auth is not None:
            self.add_secret(auth[1])
        send_headers = dict(headers or {})
        if json is not None:
            # Real characters, not \uXXXX escapes: some APIs (WeChat) store escapes literally.
            data = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
            send_headers.setdefault("Content-Type", "application/json; charset=utf-8")
        full = requests.Request(method, url, params=dict(params or {})).prepare().url or url
        budget = Deadline(self.limits.budget) if self.limits.budget is not None else None
        call = partial(
            self._follow,
            _Call(method.upper(), full, send_headers, data, files, auth),
            self.limits.deadline if deadline is None else deadline,
            budget,
            handled,
            self.limits.max_bytes if max_bytes is None else max_bytes,
        )
        return (retry or self.retry).run(call, deadline=budget)

    def _follow(
        self,
        call: _Call,
        seconds: float,
        budget: Deadline | None,
        handled: Container[int],
        cap: int,
    ) -> Reply:
        # (A budget equal to the deadline is not "the call's": a few microseconds are gone.)
        if budget is not None and budget.remaining() < seconds - 0.05:
            attempt = Deadline(budget.remaining())
            late = f"DeadlineExceeded: not done within the call's {budget.seconds:g} s"
        else:
            attempt = Deadline(min(seconds, budget.remaining()) if budget else seconds)
            late = f"DeadlineExceeded: not done within {seconds:g} s"
        seen = {call.url}
        for _hop in range(self.limits.max_redirects + 1):
            reply = self._attempt(call, attempt, late, cap)
            location = reply.headers.get("location")
            if reply.status not in REDIRECTS or not location or reply.status in handled:
                return self._judge(call, reply, handled)
            try:
                target = urljoin(call.url, location)
                scheme = urlsplit(target).scheme.lower()
            except ValueError:  # `http://[::1`: the server's fault, and it will not change
                raise self._rejected(call, "redirect to a malformed URL refused") from None
            if scheme not in SCHEMES:
                raise self._rejected(call, f"redirect to a {scheme or 'schemeless'} URL refused")
            if target in seen:
                raise self._rejected(call, f"redirect loop back to {self.redact(target)}")
            seen.add(target)
            call = call.redirected(target, reply.status)
        raise self._rejected(call, f"more than {self.limits.max_redirects} redirects")

    def _judge(self, call: _Call, reply: Reply, handled: Container[int]) -> Reply:
        status = reply.status
        if status in handled or status < 400:
            return reply
        if status in RETRY_STATUSES:
            raise self._unavailable(call, f"HTTP {status}", retry_after=self.hint(reply))
        excerpt = reply.excerpt()
        raise self._rejected(call, f"HTTP {status}" + (f": {excerpt}" if excerpt else ""))

    def _attempt(self, call: _Call, deadline: Deadline, late: str, cap: int) -> Reply:
        left = deadline.remaining()
        if left <= 0:
            raise self._unavailable(call, late)
        # The watchdog ends the call at the deadline; the socket timeout is only its backstop
        # (or a shorter limit on silence, when one is set).
        read = min(self.limits.read_timeout, left) if self.limits.read_timeout else left + GRACE
        timeout = (min(self.limits.connect_timeout, left), read)
        with Watchdog(left) as watch:
            try:
                response = self.session.request(
                    call.method,
                    call.url,
                    proxies=requests.utils.get_environ_proxies(call.url),
                    verify=_ca_bundle(),
                    headers=call.headers,
                    data=call.data,
                    files=call.files,
                    auth=call.auth,
                    timeout=timeout,
                    stream=True,
                    allow_redirects=False,
                )
                with response:
                    status = response.status_code
                    bodiless = call.method == "HEAD" or status in REDIRECTS or status in (204, 304)
                    body = b"" if bodiless else self._read(call, response, cap)
            except requests.RequestException as exc:
                if watch.expired:
                    raise self._unavailable(call, late) from None
                raise self._transport_error(call, exc, timeout) from None
            except ValueError as exc:  # requests parses a bad Location even when not following
                kind = type(exc).__name__
                raise self._rejected(call, f"malformed response ({kind}: {exc})") from None
            if watch.expired:
                raise self._unavailable(call, late)
        headers = {k.lower(): v for k, v in response.headers.items()}
        log.debug("%s %s: HTTP %s, %d bytes", call.method, self.redact(call.url), status, len(body))
        return Reply(call.url, status, body, headers, call.method, self.redact)

    def _read(self, call: _Call, response: requests.Response, cap: int) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise self._rejected(call, f"payload of {declared} bytes exceeds the {cap}-byte limit")
        parts: list[bytes] = []
        size = 0
        # Counted after decompression, so a gzip bomb is cut at the cap too.
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > cap:
                raise self._rejected(call, f"payload exceeds the {cap}-byte limit")
            parts.append(chunk)
        return b"".join(parts)

    # -- errors ----------------------------------------------------------------------------

    def _message(self, call: _Call, what: str) -> str:
        prefix = f"{self.name}: " if self.name else ""
        return one_line(self.redact(f"{prefix}{call.method} {call.url}: {what}"), 500)

    def _unavailable(
        self, call: _Call, what: str, *, retry_after: float | None = None
    ) -> DistroError:
        return self.errors.unavailable(self._message(call, what), retry_after=retry_after)

    def _rejected(self, call: _Call, what: str) -> DistroError:
        return self.errors.rejected(self._message(call, what))

    def _transport_error(
        self, call: _Call, exc: requests.RequestException, timeout: tuple[float, float]
    ) -> DistroError:
        kind = type(exc).__name__
        if isinstance(exc, requests.ConnectTimeout):
            return self._unavailable(call, f"{kind}: no connection within {timeout[0]:g} s")
        if isinstance(exc, requests.Timeout):
            return self._unavailable(call, f"{kind}: nothing received for {timeout[1]:g} s")
        if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
            return self._rejected(call, f"{kind}: invalid URL")
        if isinstance(exc, requests.exceptions.InvalidSchema):
            return self._rejected(call, f"{kind}: not an http(s) URL")
        if isinstance(exc, requests.exceptions.ContentDecodingError):
            return self._rejected(call, f"{kind}: the body does not decode")
        if isinstance(exc, requests.exceptions.InvalidHeader):  # two Content-Lengths, CR in one
            return self._rejected(call, f"{kind}: a malformed header")
        broken = _broken_head(exc)
        if broken is not None:  # 2 MB header lines, 20,000 headers: a retry sees the same
            return self._rejected(call, f"{kind}: malformed response ({broken})")
        return self._unavailable(call, f"{kind}: {_reason(exc)}")


def _ca_bundle() -> str | bool:
    """The CA bundle requests would take from the environment, else the default store."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (arguments, causes, contexts, urllib3 reasons)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        for linked in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(linked, BaseException):
                todo.append(linked)


def _broken_head(exc: BaseException) -> str | None:
    """What is wrong with a response head http.client refused for its size, or None.

    A status line that is not HTTP, a reset or an early close stay transient (a proxy, a
    restart); an oversized head is how that server answers, every time.
    """
    for current in _chain(exc):
        if isinstance(current, http.client.LineTooLong):
            return "a header line over 64 KiB"
        if type(current) is http.client.HTTPException and "headers" in str(current):
            return str(current)[:80]
    return None


def _reason(exc: BaseException) -> str:
    """The innermost OS-level reason (``Connection refused``), not urllib3's pool repr."""
    for current in _chain(exc):
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
    return "connection failed"


@dataclass(frozen=True)
class _Call:
    """One logical request, as it is sent (again) on each hop and attempt."""

    method: str
    url: str
    headers: dict[str, str]
    data: bytes | None
    files: Mapping[str, tuple[str, bytes, str]] | None
    auth: tuple[str, str] | None

    def redirected(self, target: str, status: int) -> _Call:
        method, data, files = self.method, self.data, self.files
        if status == 303 or (status in (301, 302) and method == "POST"):
            method, data, files = "GET", None, None
        headers, auth = dict(self.headers), self.auth
        if urlsplit(target).netloc != urlsplit(self.url).netloc:
            # Credentials were meant for the first host only.
            headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            auth = None
        if data is None:
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        return _Call(method, target, headers, data, files, auth)
