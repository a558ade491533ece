"""Secrets out of logs and error messages: by query parameter, by header, and by value."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

MASK = "***"
#: Query or form parameters whose value is a secret wherever they appear.
SECRET_PARAMS = (
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "key",
    "api_key",
    "apikey",
    "secret",
    "appsecret",
    "client_secret",
    "password",
    "signature",
    "sig",
)
#: Headers whose value is a secret.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
     "x-distro-signature"}
)  # fmt: skip
#: Shorter values would mask ordinary words; no real credential is this short.
MIN_SECRET = 4

_PARAMS = re.compile(
    r"(?P<name>\b(?:" + "|".join(SECRET_PARAMS) + r"))(?P<sep>=|\"\s*:\s*\"|':\s*')"
    r"(?P<value>[^&\s\"'<>,;]+)",
    re.IGNORECASE,
)
#: A credential after Bearer/Basic; it must hold a digit or a symbol, so prose stays readable.
_BEARER = re.compile(
    r"\b(Bearer|Basic)\s+(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=])[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE
)


def _forms(value: str) -> set[str]:
    """The spellings a secret may take on the wire: raw, URL-encoded, JSON-escaped."""
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    return {form for form in forms if len(form) >= MIN_SECRET}


class Redactor:
    """Masks known secret values, secret parameters and credentials in headers."""

    def __init__(self, secrets: Iterable[str] = (), *, parent: Redactor | None = None) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.parent = parent
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Mask ``secret`` from now on (and in the process-wide log filter)."""
        if not secret or len(secret) < MIN_SECRET:
            return
        with self._lock:
            fresh = _forms(secret) - self._values
            if not fresh:
                return
            self._values |= fresh
            # Longest first, so a secret that contains another is masked whole.
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        if self.parent is not None:
            self.parent.add(secret)

    def __call__(self, text: str) -> str:
        """``text`` with every secret masked."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        text = _PARAMS.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", text)
        return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """``headers`` for a log line: credentials masked."""
        return {
            name: MASK if name.lower() in SECRET_HEADERS else self(value)
            for name, value in headers.items()
        }


#: Every secret any client knows: what the log filter masks.
PROCESS = Redactor()


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters (for error messages)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class RedactingFilter(logging.Filter):
    """Masks secrets in log records (urllib3 logs every request URL at debug level)."""

    def __init__(self, redactor: Redactor = PROCESS) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        # Format first: a secret may sit in an argument as well as in the message.
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = f"{record.msg} {record.args!r}"  # a broken format still must not leak
        record.msg = self.redactor(text)
        record.args = None
        return True


#: A logger's filters see only its own records, not its children's: name each one.
LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.poolmanager",
    "urllib3.util.retry",
    "requests",
    "distro.net",
)


def install_log_filter(names: Iterable[str] = LOGGERS) -> None:
    """Attach the process-wide filter to these loggers (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
