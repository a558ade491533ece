"""The ledger: one database (SQLite by default, or PostgreSQL) and the typed stores over it.

`Ledger` owns the engine, migrates the schema to head on open (Alembic, scripts in
``distro.store.migrations``) and hands out the stores, each with one job:

- ``article_store`` (`ArticleStore`): article versions; storing one queues its deliveries in
  the same transaction; revise and kill.
- ``delivery_store`` (`DeliveryStore`): the delivery state machine, pending → sending → sent.
- ``gate_store`` (`GateStore`): deliveries held at the review gate or scheduled for an embargo.
- ``quarantine_store`` (`QuarantineStore`): input that could not go on, with why.
- ``kv(namespace)`` (`KeyValue`): a channel's or source's key/values with expiry and counters.
- ``cursor_store`` (`Cursors`): where each source stopped.

The methods on `Ledger` itself (``put``, ``pending``, ``mark_sent``, ``get_value`` …) are the
original API, kept by delegation so every caller keeps working.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from distro.errors import StoreError
from distro.models import Article, Delivery, QuarantineEntry
from distro.store.articles import ArticleStore, MissingArticle, PutOutcome, read_article
from distro.store.deliveries import OPEN_STATES, DeliveryConflict, DeliveryStore, as_delivery
from distro.store.engine import MIGRATION_LOCK, Database, create, migrate, normalize_url, now
from distro.store.gate import GateStore
from distro.store.kv import Cursors, KeyValue
from distro.store.quarantine import QuarantineStore, as_entry, quarantine_id

if TYPE_CHECKING:
    from distro.config import Settings

__all__ = [
    "MIGRATION_LOCK",
    "OPEN_STATES",
    "DeliveryConflict",
    "Ledger",
    "MissingArticle",
    "PutOutcome",
    "as_delivery",
    "as_entry",
    "create",
    "migrate",
    "normalize_url",
    "now",
    "quarantine_id",
    "read_article",
]


class Ledger:
    """The engine and its stores; the original flat API delegates to them."""

    def __init__(
        self, url: str, *, migrate_schema: bool = True, keep_connections: bool = False
    ) -> None:
        self.url = normalize_url(url)
        try:
            self.engine = create(self.url, keep_connections=keep_connections)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the ledger: {exc}") from exc
        except ModuleNotFoundError as exc:
            raise StoreError(f"ledger driver missing: {exc.name}") from exc
        if migrate_schema:
            migrate(self.engine)
        self.db = Database(self.engine)
        self.quarantine_store = QuarantineStore(self.db)
        self.delivery_store = DeliveryStore(self.db, self.quarantine_store)
        self.gate_store = GateStore(self.db, self.delivery_store)
        self.article_store = ArticleStore(self.db, self.delivery_store)
        self.cursor_store = Cursors(self.db)
        self._root = KeyValue(self.db)

    @classmethod
    def open(cls, settings: Settings, *, keep_connections: bool = False) -> Ledger:
        """The ledger the settings name, migrated to head; ``keep_connections`` for a caller
        that always closes it (a SQLite file's connections stay open until `close`)."""
        return cls(settings.store_url, keep_connections=keep_connections)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({self.engine.url.render_as_string(hide_password=True)!r})"

    def kv(self, namespace: str) -> KeyValue:
        """The key/values and counters of ``namespace``: ``kv("partners").get("x")`` reads the
        key ``partners:x``."""
        return KeyValue(self.db, namespace)

    # Articles (ArticleStore)

    def put(
        self,
        article: Article,
        targets: Iterable[tuple[str, str]] = (),
        held: Mapping[tuple[str, str], str] | None = None,
        waits: Mapping[tuple[str, str], dt.datetime] | None = None,
    ) -> tuple[PutOutcome, Article]:
        """Store an article and queue its deliveries in one transaction (`ArticleStore.put`)."""
        return self.article_store.put(article, targets, held, waits)

    def get(self, article_id: str, version: int | None = None) -> Article | None:
        """A version of an article (the latest by default), or None."""
        return self.article_store.get(article_id, version)

    def get_all(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Article]:
        """Those of the (id, version)s stored, read in a few queries."""
        return self.article_store.get_all(keys)

    def get_latest(self, article_ids: Iterable[str]) -> dict[str, Article]:
        """The latest version of each of those articles stored, read in a few queries."""
        return self.article_store.get_latest(article_ids)

    def versions(self, article_id: str) -> list[Article]:
        """Every version of an article, oldest first."""
        return self.article_store.versions(article_id)

    def articles(
        self,
        *,
        since: dt.datetime | None = None,
        limit: int | None = None,
        include_killed: bool = False,
    ) -> list[Article]:
        """The latest version of each article, newest first (`ArticleStore.latest`)."""
        return self.article_store.latest(since=since, limit=limit, include_killed=include_killed)

    def article_count(self, *, versions: bool = False) -> int:
        """How many articles (or stored versions) the ledger holds."""
        return self.article_store.count(versions=versions)

    def revise(
        self,
        article_id: str,
        *,
        correction: str | None,
        reason: str,
        embargo_until: dt.datetime | None = None,
    ) -> Article:
        """A new version of the latest text with a correction note, for republishing."""
        return self.article_store.revise(
            article_id, correction=correction, reason=reason, embargo_until=embargo_until
        )

    def kill(self, article_id: str, reason: str) -> Article:
        """A new version marked canceled: channels withdraw it."""
        return self.article_store.kill(article_id, reason)

    def correct(self, article_id: str, changes: dict[str, Any], *, reason: str) -> Article:
        """A new version with an editor's corrected fields (``ArticleStore.correct``)."""
        return self.article_store.correct(article_id, changes, reason=reason)

    # Deliveries (DeliveryStore)

    def enqueue(self, article_id: str, version: int, channel: str, target: str = "default") -> bool:
        """Record a delivery to make; False when it is already recorded."""
        return self.delivery_store.enqueue(article_id, version, channel, target)

    def enqueue_many(
        self,
        article_id: str,
        version: int,
        targets: Iterable[tuple[str, str]],
        held: Mapping[tuple[str, str], str] | None = None,
        waits: Mapping[tuple[str, str], dt.datetime] | None = None,
    ) -> int:
        """Record deliveries to every (channel, target) in one transaction; how many were new."""
        return self.delivery_store.enqueue_many(article_id, version, targets, held, waits)

    def pending(
        self, channel: str, *, target: str | None = None, limit: int | None = None
    ) -> list[Delivery]:
        """Deliveries still to make: ``pending``, and ``sending`` ones whose outcome is unknown."""
        return self.delivery_store.pending(channel, target=target, limit=limit)

    def deliveries(
        self, *, article_id: str | None = None, channel: str | None = None
    ) -> list[Delivery]:
        """Every recorded delivery, optionally for one article or channel."""
        return self.delivery_store.recorded(article_id=article_id, channel=channel)

    def mark_sending(self, d: Delivery, **detail: object) -> Delivery:
        """Record the intent to send, before the remote call (`DeliveryStore.mark_sending`)."""
        return self.delivery_store.mark_sending(d, **detail)

    def mark_sending_all(self, deliveries: Iterable[Delivery]) -> list[Delivery]:
        """Claim many in one transaction, leaving out those no longer open (`mark_sending`)."""
        return self.delivery_store.mark_sending_all(deliveries)

    def update_detail(self, d: Delivery, **detail: object) -> Delivery:
        """Merge channel bookkeeping (draft ids, URLs) into the delivery."""
        return self.delivery_store.update_detail(d, **detail)

    def mark_sent(self, d: Delivery, remote_id: str | None = None, **detail: object) -> Delivery:
        """The remote side has it."""
        return self.delivery_store.mark_sent(d, remote_id, **detail)

    def mark_sent_all(
        self, sent: Iterable[tuple[Delivery, str | None, Mapping[str, object]]]
    ) -> list[Delivery]:
        """Many deliveries sent, in one transaction: (delivery, remote id, detail) each."""
        return self.delivery_store.mark_sent_all(sent)

    def update_details(
        self, changes: Iterable[tuple[Delivery, Mapping[str, object]]]
    ) -> list[Delivery]:
        """`update_detail` for each (delivery, detail), in one transaction."""
        return self.delivery_store.change_all((d, {"detail": detail}) for d, detail in changes)

    def mark_failed(self, d: Delivery, error: str, *, terminal: bool) -> Delivery:
        """Terminal failures stay failed; others go back to pending for the next run."""
        return self.delivery_store.mark_failed(d, error, terminal=terminal)

    def mark_quarantined(self, d: Delivery, reason: str) -> Delivery:
        """The channel refused the item; a quarantine entry (stage ``deliver``) records why."""
        return self.delivery_store.mark_quarantined(d, reason)

    def reopen(self, d: Delivery) -> Delivery:
        """Put a failed or quarantined delivery back to pending (quarantine retry)."""
        return self.delivery_store.reopen(d)

    # The review gate and embargoes (GateStore)

    def held(self, *, channel: str | None = None, article_id: str | None = None) -> list[Delivery]:
        """Deliveries waiting for an editor at a review gate, oldest first."""
        return self.gate_store.held(channel=channel, article_id=article_id)

    def withheld(self, channel: str, target: str | None = None) -> set[str]:
        """Articles whose latest version for ``channel`` (``target``) must not be shown there."""
        return self.gate_store.withheld(channel, target)

    def release(self, d: Delivery, *, by: str | None = None) -> Delivery:
        """An editor approved a held delivery: pending for its channel now, or at its embargo."""
        return self.gate_store.release(d, by=by)

    def release_due(self, *, channel: str | None = None, at: dt.datetime | None = None) -> int:
        """Move scheduled deliveries whose embargo has passed to pending; how many moved."""
        return self.gate_store.release_due(channel=channel, at=at)

    def reject(self, d: Delivery, reason: str, *, by: str | None = None) -> Delivery:
        """An editor rejected a held delivery: quarantined (stage ``review``) with the reason."""
        return self.gate_store.reject(d, reason, by=by)

    def hold(self, d: Delivery, reason: str) -> Delivery:
        """Put a delivery (back) at the review gate, e.g. when a rejection is retried."""
        return self.gate_store.hold(d, reason)

    # Quarantine (QuarantineStore)

    def quarantine(
        self, *, raw_ref: str, stage: str, reason: str, origin: str | None = None
    ) -> QuarantineEntry:
        """Record input that could not go on; the same failure again reuses (and reopens) it."""
        return self.quarantine_store.add(raw_ref=raw_ref, stage=stage, reason=reason, origin=origin)

    def quarantined(self, *, include_resolved: bool = False) -> list[QuarantineEntry]:
        """Open quarantine entries, newest first."""
        return self.quarantine_store.entries(include_resolved=include_resolved)

    def get_quarantine(self, entry_id: str) -> QuarantineEntry | None:
        return self.quarantine_store.get(entry_id)

    def is_resolved(self, entry_id: str) -> bool:
        return self.quarantine_store.is_resolved(entry_id)

    def resolve_quarantine(self, entry_id: str) -> QuarantineEntry | None:
        """Close an entry (after a successful retry); None when there is no such entry."""
        return self.quarantine_store.resolve(entry_id)

    # Key/values, counters and cursors under their full keys (KeyValue, Cursors)

    def get_value(self, key: str, *, at: dt.datetime | None = None) -> str | None:
        """The value under the full ``key``; None when absent or expired at ``at``."""
        return self._root.get(key, at=at)

    def set_value(self, key: str, value: str, *, expires_at: dt.datetime | None = None) -> None:
        self._root.set(key, value, expires_at=expires_at)

    def delete_value(self, key: str) -> None:
        self._root.delete(key)

    def count(self, key: str, *, day: dt.date, increment: int = 1) -> int:
        """Add to the counter of ``key`` for ``day`` atomically; the new total."""
        return self._root.count(key, day=day, increment=increment)

    def cursor(self, source: str) -> str | None:
        """Where a source stopped last time."""
        return self.cursor_store.get(source)

    def set_cursor(self, source: str, value: str) -> None:
        self.cursor_store.set(source, value)
