"""Partner access tokens: the configured one, rotations with an overlap, constant-time checks.

A partner starts with the token its config references (``token = "env:…"``). ``rotate`` issues a
new random token and gives every token still valid an expiry ``overlap`` from now, so the partner
can switch without a gap. Only SHA-256 digests are kept (in the ledger's key/value table): a copy
of ``distro.db`` does not leak a working token. A check compares the presented token with every
valid digest in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets as random
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from distro import secrets
from distro.errors import ConfigError

if TYPE_CHECKING:
    from distro.config import PartnerConfig
    from distro.store.ledger import Ledger

NAMESPACE = "partners:tokens"
KEY_PREFIX = NAMESPACE + ":"  # the full ledger key is KEY_PREFIX + partner name
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    """One token a partner may present, by digest."""

    sha256: str
    origin: str  # "config" or "rotated"
    created_at: str
    expires_at: str | None = None

    def valid_at(self, when: dt.datetime) -> bool:
        return self.expires_at is None or dt.datetime.fromisoformat(self.expires_at) > when


def configured(partner: PartnerConfig) -> str:
    """The partner's configured token, resolved from its reference; it must be unguessable."""
    token = secrets.resolve(partner.token)
    if not TOKEN.match(token):
        raise ConfigError(
            f"partner {partner.name}: the token must be 16-128 characters of [A-Za-z0-9_-]"
        )
    return token


def _load(ledger: Ledger, name: str) -> list[TokenRecord]:
    text = ledger.kv(NAMESPACE).get(name)
    if not text:
        return []
    return [TokenRecord(**item) for item in json.loads(text)]


def _save(ledger: Ledger, name: str, records: list[TokenRecord]) -> None:
    ledger.kv(NAMESPACE).set(name, json.dumps([asdict(r) for r in records]))


def records(
    ledger: Ledger, partner: PartnerConfig, *, now: dt.datetime | None = None
) -> list[TokenRecord]:
    """Every token record of the partner, the configured token included, valid or not."""
    when = now or dt.datetime.now(dt.UTC)
    known = _load(ledger, partner.name)
    own = digest(configured(partner))
    if not any(r.sha256 == own for r in known):
        # A configured token nobody rotated away (or a new one the operator set) is valid.
        known.insert(0, TokenRecord(own, "config", when.isoformat()))
    return known


def valid(
    ledger: Ledger, partner: PartnerConfig, *, now: dt.datetime | None = None
) -> list[TokenRecord]:
    when = now or dt.datetime.now(dt.UTC)
    return [r for r in records(ledger, partner, now=when) if r.valid_at(when)]


def check(
    ledger: Ledger, partner: PartnerConfig, presented: str, *, now: dt.datetime | None = None
) -> bool:
    """Whether ``presented`` is a valid token of the partner (constant time per digest)."""
    candidate = digest(presented)
    ok = False
    for record in valid(ledger, partner, now=now):
        # No early exit: every digest is compared, whatever matched first.
        ok |= hmac.compare_digest(candidate, record.sha256)
    return ok


def rotate(
    ledger: Ledger,
    partner: PartnerConfig,
    *,
    overlap: dt.timedelta,
    now: dt.datetime | None = None,
) -> tuple[str, dt.datetime]:
    """A new token for the partner; the ones valid now stop working at the returned time."""
    when = now or dt.datetime.now(dt.UTC)
    until = when + overlap
    kept: list[TokenRecord] = []
    for record in records(ledger, partner, now=when):
        if not record.valid_at(when):
            kept.append(record)  # keep expired digests, so a config token stays retired
            continue
        ends = until
        if record.expires_at is not None:
            ends = min(ends, dt.datetime.fromisoformat(record.expires_at))
        kept.append(TokenRecord(record.sha256, record.origin, record.created_at, ends.isoformat()))
    token = random.token_urlsafe(32)
    kept.append(TokenRecord(digest(token), "rotated", when.isoformat()))
    _save(ledger, partner.name, kept)
    return token, until
