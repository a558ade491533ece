"""Local contract servers on 127.0.0.1 for FCM HTTP v1 (with its OAuth token endpoint) and JPush v3.

They answer the way the documented APIs do: FCM's ``{"error": {code, message, status, details:
[{"@type": ...FcmError, "errorCode"}]}}`` bodies (400 INVALID_ARGUMENT, 401 UNAUTHENTICATED,
404 UNREGISTERED, 429 QUOTA_EXCEEDED with Retry-After, 503 UNAVAILABLE), Google's token
endpoint for the JWT-bearer grant (the assertion's signature is verified with the service
account's public key), and JPush's ``{"error": {code, message}}`` with HTTP Basic auth, sized
and coded as JPush's Push API v3 documents them ("调用返回", jpush/jpush-docs): 1005 when
``notification.android`` plus ``message`` pass 4000 bytes or the ``"ios"`` object 2000, 1011
when no device matches, and the per-minute rate limit (429, code 2002) with ``X-Rate-Limit-*``
headers on every answer.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: The audience Google expects in the assertion (google-auth puts it there whatever token_uri is).
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
FCM_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
FCM_ERROR_CODE = {
    400: "INVALID_ARGUMENT",
    404: "UNREGISTERED",
    429: "QUOTA_EXCEEDED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


@dataclass
class Scripted:
    """An answer given instead of the normal one, once."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


@functools.cache
def _service_key() -> rsa.RSAPrivateKey:
    """One RSA key per test session: generating one per server is the slow part."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64url(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


class _Server(ABC):
    """A threaded HTTP server on 127.0.0.1 and an ephemeral port, JSON in and out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.script: list[Scripted] = []
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with outer.lock:
                    outer.requests.append((self.path, headers, body))
                status, extra, answer = outer.handle(self.path, headers, body)
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> _Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def scripted(self) -> Scripted | None:
        with self.lock:
            return self.script.pop(0) if self.script else None

    @abstractmethod
    def handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Answer one request: status, headers and a JSON body."""


class FcmServer(_Server):
    """FCM HTTP v1 ``messages:send`` and the OAuth2 token endpoint at ``/token``."""

    def __init__(self, project: str = "distro-test") -> None:
        super().__init__()
        self.project = project
        self.key = _service_key()
        self.client_email = f"push@{project}.iam.gserviceaccount.com"
        self.valid_tokens: set[str] = set()
        self.issued: list[str] = []
        self.grants: list[dict[str, Any]] = []
        self.unregistered: set[str] = set()
        self.unavailable: dict[str, int] = {}  # device token -> sends answered 503 first
        self.messages: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def service_account(self) -> dict[str, str]:
        """Service-account JSON whose token URI is this server."""
        from cryptography.hazmat.primitives import serialization

        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": self.project,
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": self.client_email,
            "client_id": "1",
            "token_uri": f"{self.url}/token",
        }

    def revoke(self) -> None:
        """Invalidate every access token issued so far (the next send gets 401)."""
        with self.lock:
            self.valid_tokens.clear()

    def fail(self, status: int, *, retry_after: str | None = None) -> None:
        """Answer the next send with a documented error."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.script.append(Scripted(status, headers, self.error(status)))

    def error(self, status: int, message: str = "error") -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": status,
            "message": message,
            "status": FCM_STATUS.get(status, "UNKNOWN"),
        }
        if status in FCM_ERROR_CODE:
            error["details"] = [{"@type": FCM_ERROR_TYPE, "errorCode": FCM_ERROR_CODE[status]}]
        return {"error": error}

    def handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if path == "/token":
            return self.token(body)
        if path != f"/v1/projects/{self.project}/messages:send":
            return 404, {}, self.error(404, "no such method")
        auth = headers.get("authorization", "")
        with self.lock:
            authorised = auth.startswith("Bearer ") and auth[7:] in self.valid_tokens
        if not authorised:
            return 401, {}, self.error(401, "Request had invalid authentication credentials.")
        scripted = self.scripted()
        if scripted is not None:
            return scripted.status, scripted.headers, scripted.body or {}
        try:
            message = json.loads(body)["message"]
        except (ValueError, KeyError, TypeError):
            return 400, {}, self.error(400, "Invalid JSON payload received.")
        targets = [k for k in ("token", "topic", "condition") if k in message]
        if len(targets) != 1:
            return 400, {}, self.error(400, "exactly one of token, topic, condition")
        data = message.get("data", {})
        if not all(isinstance(v, str) for v in data.values()):
            return 400, {}, self.error(400, "data values must be strings")
        payload = {k: message[k] for k in ("notification", "data") if k in message}
        if len(json.dumps(payload, ensure_ascii=False).encode()) > 4096:
            return 400, {}, self.error(400, "Message is too big")
        if message.get("token") in self.unregistered:
            return 404, {}, self.error(404, "Requested entity was not found.")
        with self.lock:
            token = str(message.get("token"))
            if self.unavailable.get(token, 0) > 0:
                self.unavailable[token] -= 1
                return 503, {}, self.error(503, "The service is currently unavailable.")
            self.messages.append(message)
        name = f"projects/{self.project}/messages/{next(self._ids)}"
        return 200, {}, {"name": name}

    def token(self, body: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != JWT_BEARER or "assertion" not in form:
            return 400, {}, {"error": "unsupported_grant_type"}
        try:
            head, claims_part, signature = form["assertion"].split(".")
            header = json.loads(_b64url(head))
            claims = json.loads(_b64url(claims_part))
            self.key.public_key().verify(
                _b64url(signature),
                f"{head}.{claims_part}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:
            return 400, {}, {"error": "invalid_grant", "error_description": "bad assertion"}
        now = time.time()
        if (
            header.get("alg") != "RS256"
            or claims.get("iss") != self.client_email
            or claims.get("aud") not in {GOOGLE_TOKEN_AUDIENCE, f"{self.url}/token"}
            or FCM_SCOPE not in str(claims.get("scope", "")).split()
            or not claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0)
        ):
            return 400, {}, {"error": "invalid_grant", "error_description": "bad claims"}
        access = f"ya29.test-{next(self._ids)}"
        with self.lock:
            self.valid_tokens.add(access)
            self.issued.append(access)
            self.grants.append(claims)
        return 200, {}, {"access_token": access, "expires_in": 3599, "token_type": "Bearer"}


#: JPush's documented limits (bytes of UTF-8 JSON) and codes.
JPUSH_MAX_ANDROID = 4000
JPUSH_MAX_IOS = 2000


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


class JPushServer(_Server):
    """JPush ``POST /v3/push`` with HTTP Basic ``appKey:masterSecret``."""

    #: Pushes allowed per one-minute window (the free tier's 600), then 429 / 2002.
    rate_limit = 600

    def __init__(self, app_key: str = "7d431e42dfa6a6d693ac2d04", secret: str = "s3cr3t") -> None:
        super().__init__()
        self.app_key = app_key
        self.secret = secret
        self.registered: set[str] = {"rid-1", "rid-2"}
        self.tags: set[str] = {"news", "要闻"}
        self.pushes: list[dict[str, Any]] = []
        self._ids = itertools.count(1_828_256_757)
        self._window: tuple[float, int] = (time.monotonic(), 0)

    def fail(
        self, status: int, code: int, message: str = "error", headers: dict[str, str] | None = None
    ) -> None:
        self.script.append(
            Scripted(status, headers or {}, {"error": {"code": code, "message": message}})
        )

    def _rate(self) -> tuple[bool, dict[str, str]]:
        """Count one call in the current window: whether it is allowed, and the headers."""
        with self.lock:
            start, used = self._window
            now = time.monotonic()
            if now - start >= 60:
                start, used = now, 0
            used += 1
            self._window = (start, used)
        reset = max(1, int(60 - (now - start)))
        headers = {
            "X-Rate-Limit-Limit": str(self.rate_limit),
            "X-Rate-Limit-Remaining": str(max(self.rate_limit - used, 0)),
            "X-Rate-Limit-Reset": str(reset),
        }
        return used <= self.rate_limit, headers

    def handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        status, extra, answer = self._answer(path, headers, body)
        allowed, limits = (True, {}) if status == 401 else self._rate()
        if not allowed:
            return 429, limits, {"error": {"code": 2002, "message": "Rate limit exceeded"}}
        if status == 200:
            with self.lock:
                self.pushes.append(answer.pop("_push"))
        return status, {**limits, **extra}, answer

    def _answer(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if path != "/v3/push":
            return 404, {}, {"error": {"code": 1000, "message": "not found"}}
        expected = base64.b64encode(f"{self.app_key}:{self.secret}".encode()).decode()
        if headers.get("authorization") != f"Basic {expected}":
            return 401, {}, {"error": {"code": 1004, "message": "Authen failed"}}
        scripted = self.scripted()
        if scripted is not None:
            return scripted.status, scripted.headers, scripted.body or {}
        try:
            push = json.loads(body)
        except ValueError:
            return 400, {}, {"error": {"code": 1003, "message": "Invalid json"}}
        if "platform" not in push or "audience" not in push:
            return 400, {}, {"error": {"code": 1002, "message": "Missing parameter"}}
        if "notification" not in push and "message" not in push:
            return 400, {}, {"error": {"code": 1003, "message": "notification or message"}}
        notification = push.get("notification", {})
        android = {"android": notification.get("android", {}), "message": push.get("message", {})}
        if (
            _size(android) > JPUSH_MAX_ANDROID
            or _size({"ios": notification.get("ios", {})}) > JPUSH_MAX_IOS
        ):
            return 400, {}, {"error": {"code": 1005, "message": "Msg content too long"}}
        audience = push["audience"]
        if audience != "all":
            ids = [r for r in audience.get("registration_id", []) if r in self.registered]
            tags = [t for t in audience.get("tag", []) if t in self.tags]
            if not ids and not tags:
                return (
                    400,
                    {},
                    {"error": {"code": 1011, "message": "cannot find user by this audience"}},
                )
        sendno = str(push.get("options", {}).get("sendno", 0))
        return 200, {}, {"sendno": sendno, "msg_id": str(next(self._ids)), "_push": push}
