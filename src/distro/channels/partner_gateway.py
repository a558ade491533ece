"""The authenticated HTTP endpoint partners fetch their feeds from (bearer token or HTTP basic).

``GET /partners/<name>/<feed file>`` with ``Authorization: Bearer <token>`` or HTTP basic
(user = the partner's name, password = its token). Tokens are checked in constant time against
every token the partner may use now (see ``partner_tokens``, rotation with an overlap). A wrong
token and an unknown partner get the same 401, so names cannot be probed; there is no listing of
any folder. Responses carry an ETag (``If-None-Match`` answers 304) and are ``private``.

JSON feeds page: ``?since=<ISO 8601>`` keeps items changed at or after that time, ``?limit=N``
(1–1000) and ``?offset=N`` cut a page, and the response names the next page (``next`` in the
ninjs envelope, ``next_url`` in JSON Feed). RSS and Atom are served whole.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from distro.channels import partner_tokens
from distro.channels.partners import FEED_NAMES, feed_key, feed_url, objects_of_partners
from distro.errors import ConfigError, DistroError
from distro.store.objects import MissingObject

if TYPE_CHECKING:
    from distro.config import PartnerConfig, Settings
    from distro.store.ledger import Ledger
    from distro.store.objects import ObjectStore

log = logging.getLogger(__name__)

PATH = re.compile(r"^/partners/(?P<name>[a-z0-9][a-z0-9_-]{0,63})/(?P<file>[a-z]+\.(?:xml|json))$")
MEDIA_TYPES = {
    "feed.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    "ninjs.json": "application/json; charset=utf-8",
}
MAX_LIMIT = 1000
REALM = 'Bearer realm="distro partners", Basic realm="distro partners", charset="UTF-8"'


@dataclass(frozen=True)
class Answer:
    """What the endpoint sends back for one request."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def credentials(header: str | None, name: str) -> str | None:
    """The token in an Authorization header (bearer, or basic for user ``name``)."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "bearer" and value:
        return value
    if scheme == "basic" and value:
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        # The user part must name the partner asked for; compare the token only then.
        return password if sep and user == name and password else None
    return None


def _since(values: list[str]) -> dt.datetime | None:
    if not values:
        return None
    try:
        when = dt.datetime.fromisoformat(values[0].replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"since={values[0]!r} is not an ISO 8601 time") from exc
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _count(values: list[str], *, default: int, low: int, high: int, what: str) -> int:
    if not values:
        return default
    if not values[0].isdigit() or not low <= int(values[0]) <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}")
    return int(values[0])


def _changed(item: dict[str, Any], keys: tuple[str, ...]) -> dt.datetime | None:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str):
            try:
                when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return None


def page(data: bytes, file: str, query: str, self_url: str) -> bytes:
    """One page of a JSON feed after ``since``/``limit``/``offset``; other feeds as they are."""
    params = parse_qs(query, keep_blank_values=True)
    if file not in {"feed.json", "ninjs.json"} or not params:
        return data
    since = _since(params.get("since", []))
    limit = _count(params.get("limit", []), default=MAX_LIMIT, low=1, high=MAX_LIMIT, what="limit")
    offset = _count(params.get("offset", []), default=0, low=0, high=10**9, what="offset")
    doc = json.loads(data)
    keys = (
        ("versionCreated", "firstCreated")
        if file == "ninjs.json"
        else ("date_modified", "date_published")
    )
    items = doc.get("items", [])
    if since is not None:
        items = [i for i in items if (_changed(i, keys) or since) >= since]
    chosen = items[offset : offset + limit]
    more = offset + limit < len(items)
    next_url = None
    if more:
        rest = {k: v[0] for k, v in params.items() if k != "offset"}
        rest["offset"] = str(offset + limit)
        next_url = f"{self_url}?{urlencode(rest)}"
    doc["items"] = chosen
    if file == "ninjs.json":
        doc["next"] = next_url
    else:
        doc.pop("next_url", None)
        if next_url:
            doc["next_url"] = next_url
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Gateway:
    """Answers partner requests from the partner store, tokens checked in the ledger."""

    def __init__(self, settings: Settings, ledger: Ledger, objects: ObjectStore | None = None):
        self.settings = settings
        self.ledger = ledger
        self.objects = objects or objects_of_partners(settings)
        self.partners: dict[str, PartnerConfig] = {p.name: p for p in settings.config.partners}

    def _denied(self) -> Answer:
        body = b'{"error":"unauthorized"}'
        return Answer(
            HTTPStatus.UNAUTHORIZED,
            body,
            (("WWW-Authenticate", REALM), ("Content-Type", "application/json")),
        )

    def answer(self, method: str, target: str, headers: dict[str, str]) -> Answer:
        """The response to one request (pure of sockets, so tests can call it directly)."""
        if method not in {"GET", "HEAD"}:
            return Answer(HTTPStatus.METHOD_NOT_ALLOWED, b"", (("Allow", "GET, HEAD"),))
        parts = urlsplit(target)
        match = PATH.match(parts.path)
        if match is None:
            return Answer(HTTPStatus.NOT_FOUND, b'{"error":"not found"}')
        name, file = match["name"], match["file"]
        partner = self.partners.get(name)
        token = credentials(headers.get("authorization"), name)
        if partner is None or token is None:
            return self._denied()
        try:
            allowed = partner_tokens.check(self.ledger, partner, token)
        except ConfigError:
            log.error("partner %s: its configured token cannot be resolved", name)
            return Answer(HTTPStatus.SERVICE_UNAVAILABLE, b'{"error":"not configured"}')
        if not allowed:
            return self._denied()
        if file != FEED_NAMES[partner.format]:
            return Answer(HTTPStatus.NOT_FOUND, b'{"error":"no such feed for this partner"}')
        try:
            data = self.objects.get(feed_key(name, partner.format))
        except MissingObject:
            return Answer(HTTPStatus.NOT_FOUND, b'{"error":"feed not published yet"}')
        try:
            body = page(data, file, parts.query, feed_url(self.settings, name, partner.format))
        except ValueError as exc:
            error = json.dumps({"error": str(exc)}, ensure_ascii=False).encode("utf-8")
            return Answer(HTTPStatus.BAD_REQUEST, error)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        common = (
            ("ETag", etag),
            ("Cache-Control", "private, max-age=60"),
            ("X-Content-Type-Options", "nosniff"),
        )
        wanted = headers.get("if-none-match", "")
        if etag in {tag.strip() for tag in wanted.split(",")}:
            return Answer(HTTPStatus.NOT_MODIFIED, b"", common)
        return Answer(HTTPStatus.OK, body, (("Content-Type", MEDIA_TYPES[file]), *common))


def handler_for(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "distro-partners"
        sys_version = ""

        def _serve(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                result = gateway.answer(self.command, self.path, headers)
            except DistroError as exc:
                log.error("partner request %s failed: %s", urlsplit(self.path).path, exc.message)
                result = Answer(HTTPStatus.SERVICE_UNAVAILABLE, b'{"error":"unavailable"}')
            self.send_response(result.status)
            for key, value in result.headers:
                self.send_header(key, value)
            if result.status != HTTPStatus.NOT_MODIFIED:
                self.send_header("Content-Length", str(len(result.body)))
            self.end_headers()
            if self.command != "HEAD" and result.status != HTTPStatus.NOT_MODIFIED:
                self.wfile.write(result.body)

        do_GET = _serve  # noqa: N815 (the names http.server dispatches on)
        do_HEAD = _serve  # noqa: N815
        do_POST = _serve  # noqa: N815
        do_PUT = _serve  # noqa: N815
        do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            # The request line only: the Authorization header never reaches a log.
            log.info("%s %s", self.address_string(), format % args)

    return Handler


def serve(gateway: Gateway, host: str, port: int) -> ThreadingHTTPServer:
    """A started server on ``host:port`` (0 picks a free port), serving in a daemon thread."""
    server = ThreadingHTTPServer((host, port), handler_for(gateway))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="partner-gateway", daemon=True).start()
    return server
