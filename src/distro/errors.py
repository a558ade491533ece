"""The one error tree of distro: every adapter translates its system's errors into these.

::

    DistroError
    ├── ConfigError                         terminal: the config file or a flag is wrong
    ├── InputError                          terminal for the input: unreadable or not copy
    │   ├── DecodeError                     bytes that no supported encoding decodes
    │   └── ParseError                      decoded text that is not a page   -> quarantine
    ├── ValidationFailed                    an article that breaks its schema -> quarantine
    ├── SourceError
    │   ├── SourceUnavailable               transient: timeouts, 5xx, throttling -> retry
    │   └── SourceRejected                  terminal: 4xx, oversized, hostile payload
    ├── StoreError
    │   ├── StoreUnavailable                transient: database or bucket unreachable
    │   └── RecordRejected                  terminal for the record (a value no column takes)
    ├── SecretsUnavailable                  transient: a secrets backend failed (never "missing")
    └── ChannelError
        ├── ChannelUnavailable              transient: -1, 5xx, 429, per-minute limits
        │   └── QuotaExhausted              transient, but not before `retry_after`
        ├── ChannelAuthError                terminal after one token refresh
        └── ChannelRejected                 terminal for the item (content refused) -> quarantine

The HTTP layer (``distro.net``) raises its caller's pair: SourceUnavailable/SourceRejected for
sources, ChannelUnavailable/ChannelRejected for channels, AirflowUnavailable/AirflowRefused for
the REST client.

Every class says whether it is transient (``TRANSIENT``): Airflow retries those and fails the
rest at once (see ``distro.airflow.failures``). Raise with ``from exc`` so the cause survives.
"""

from __future__ import annotations

import re

#: What a message or log line must not carry raw: line breaks, controls, bidi controls, a BOM
#: (a file named `a\nWARNING forged.txt` would otherwise write a log line of its own).
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def shown(text: str) -> str:
    """``text`` with line breaks, control and bidi characters written as escapes (``\\n``)."""
    if not _UNSHOWN.search(text):
        return text
    return _UNSHOWN.sub(lambda m: repr(m.group())[1:-1], text)


class DistroError(Exception):
    """Base of every error distro raises on purpose."""

    TRANSIENT = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class ConfigError(DistroError):
    """The config file or a command-line value is invalid."""


class InputError(DistroError):
    """An input that cannot become articles; its message is one line (see ``shown``)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(shown(message), retry_after=retry_after)


class DecodeError(InputError):
    """Bytes that no supported encoding decodes; names the file and the byte offset."""

    def __init__(self, message: str, *, origin: str, offset: int) -> None:
        super().__init__(message)
        self.origin = origin
        self.offset = offset


class ParseError(InputError):
    """Decoded text that the parser cannot turn into articles."""


class ValidationFailed(DistroError):
    """An article or document that breaks its schema."""


class SourceError(DistroError):
    """A source could not deliver its payloads."""


class SourceUnavailable(SourceError):
    """Timeouts, 5xx, throttling: try again later."""

    TRANSIENT = True


class SourceRejected(SourceError):
    """The source answered with something we refuse (4xx, oversized, entity bombs)."""


class StoreError(DistroError):
    """The object store or the ledger failed."""


class StoreUnavailable(StoreError):
    """The database or bucket cannot be reached right now."""

    TRANSIENT = True


class RecordRejected(StoreError):
    """The ledger cannot hold this record (a value out of a column's range): quarantine it."""


class SecretsUnavailable(DistroError):
    """A secrets backend (Vault, the metadata database, the Execution API) failed to answer.

    Not the same as a connection that does not exist: reading this as "no connection" would
    silently switch a channel to its dry run during an outage.
    """

    TRANSIENT = True


class ChannelError(DistroError):
    """A channel could not deliver."""


class ChannelUnavailable(ChannelError):
    """The channel's service is busy, down or throttling: retry with backoff."""

    TRANSIENT = True


class QuotaExhausted(ChannelUnavailable):
    """A daily or per-minute quota is used up: retry only after ``retry_after`` seconds."""


class ChannelAuthError(ChannelError):
    """Credentials refused, even after one token refresh."""


class ChannelRejected(ChannelError):
    """The channel refused this item's content: quarantine the item, go on with the rest."""


def is_transient(exc: BaseException) -> bool:
    """Whether retrying later may succeed."""
    return isinstance(exc, DistroError) and exc.TRANSIENT
