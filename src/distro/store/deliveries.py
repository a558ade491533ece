"""The delivery state machine: queue article versions to channel targets and record each send.

States: ``pending`` → ``sending`` (intent recorded before the remote call) → ``sent``, or back to
``pending`` on a transient failure, ``failed`` on a terminal one, ``quarantined`` when the
channel refuses the item. ``held`` and ``scheduled`` (the review gate and embargo) are moved on
by `distro.store.gate.GateStore`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, and_, bindparam, select

from distro.errors import StoreError
from distro.models import Delivery, DeliveryState
from distro.store import tables as t
from distro.store.engine import Database, now
from distro.store.quarantine import QuarantineStore

#: One line per delivery that reaches an end (sent, failed, quarantined): the task logs.
log = logging.getLogger(__name__)


def ended(d: Delivery) -> dict[str, str]:
    """What a delivery's log record carries for handlers (the CLI's progress bar counts them)."""
    return {"delivery_channel": d.channel, "delivery_article": d.article_id}

OPEN_STATES = (DeliveryState.PENDING.value, DeliveryState.SENDING.value)
WAITING_STATES = (DeliveryState.HELD.value, DeliveryState.SCHEDULED.value)


class DeliveryConflict(StoreError):
    """The delivery is no longer open (sent, failed or quarantined by another worker)."""


def as_delivery(row: RowMapping) -> Delivery:
    return Delivery(
        article_id=row["article_id"],
        version=row["version"],
        channel=row["channel"],
        target=row["target"],
        state=DeliveryState(row["state"]),
        remote_id=row["remote_id"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        detail=json.loads(row["detail"] or "{}"),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def dump_detail(detail: Mapping[str, str]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True)


def key_of(d: Delivery) -> ColumnElement[bool]:
    """The WHERE clause naming one delivery row."""
    table = t.deliveries
    return and_(
        table.c.article_id == d.article_id,
        table.c.version == d.version,
        table.c.channel == d.channel,
        table.c.target == d.target,
    )


#: One delivery row by bound parameters (`key_params`): built once, since building a clause
#: costs more than running it on a local database, and every send changes a row three times.
_KEY = and_(
    t.deliveries.c.article_id == bindparam("k_article_id"),
    t.deliveries.c.version == bindparam("k_version"),
    t.deliveries.c.channel == bindparam("k_channel"),
    t.deliveries.c.target == bindparam("k_target"),
)
_LOCK = select(t.deliveries.c.state, t.deliveries.c.attempts, t.deliveries.c.detail).where(
    _KEY
).with_for_update()
_REWRITE = t.deliveries.update().where(_KEY).returning(*t.deliveries.c)


#: `change_in`'s options that take a delivery to send (`mark_sending`): compare-and-swap on an
#: open row, one attempt more.
TAKE: dict[str, Any] = {"require_open": True, "attempt": True, "state": DeliveryState.SENDING.value}


def key_params(d: Delivery) -> dict[str, object]:
    return {
        "k_article_id": d.article_id,
        "k_version": d.version,
        "k_channel": d.channel,
        "k_target": d.target,
    }


def name_of(d: Delivery) -> str:
    return f"{d.article_id} v{d.version} {d.channel}/{d.target}"


class DeliveryStore:
    """Queues deliveries and moves them through sending to sent, failed or quarantined."""

    def __init__(self, db: Database, quarantine: QuarantineStore) -> None:
        self.db = db
        self.quarantine = quarantine

    # Queueing

    def enqueue(self, article_id: str, version: int, channel: str, target: str = "default") -> bool:
        """Record a delivery to make; False when it is already recorded."""
        stamp = now()
        statement = (
            self.db.insert(t.deliveries)
            .values(
                article_id=article_id,
                version=version,
                channel=channel,
                target=target,
                state=DeliveryState.PENDING.value,
                attempts=0,
                detail="{}",
                created_at=stamp,
                updated_at=stamp,
            )
            .on_conflict_do_nothing()
            .returning(t.deliveries.c.article_id)
        )
        with self.db.tx() as conn:
            return conn.execute(statement).first() is not None

    def enqueue_many(
        self,
        article_id: str,
        version: int,
        targets: Iterable[tuple[str, str]],
        held: Mapping[tuple[str, str], str] | None = None,
        waits: Mapping[tuple[str, str], dt.datetime] | None = None,
    ) -> int:
        """Record deliveries to every (channel, target) in one transaction; how many were new.

        Targets in ``held`` are queued ``held`` with the gate's reason in their detail, those in
        ``waits`` ``scheduled`` until their embargo time.
        """
        with self.db.tx() as conn:
            return self.enqueue_rows(conn, article_id, version, list(targets), held, waits)

    def enqueue_rows(
        self,
        conn: Connection,
        article_id: str,
        version: int,
        targets: list[tuple[str, str]],
        held: Mapping[tuple[str, str], str] | None = None,
        waits: Mapping[tuple[str, str], dt.datetime] | None = None,
    ) -> int:
        """`enqueue_many` inside the caller's transaction (storing an article queues it)."""
        stamp = now()
        gate, later = held or {}, waits or {}
        rows = []
        for channel, target in targets:
            pair = (channel, target)
            detail: dict[str, str] = {}
            state = DeliveryState.PENDING
            if pair in later:
                detail["not_before"] = later[pair].astimezone(dt.UTC).isoformat()
                state = DeliveryState.SCHEDULED
            if pair in gate:
                detail["review"] = gate[pair]
                state = DeliveryState.HELD  # the editor first; the embargo still applies after
            rows.append(
                {
                    "article_id": article_id,
                    "version": version,
                    "channel": channel,
                    "target": target,
                    "state": state.value,
                    "attempts": 0,
                    "detail": dump_detail(detail),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        if not rows:
            return 0
        statement = (
            self.db.insert(t.deliveries)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(t.deliveries.c.channel)
        )
        made = len(conn.execute(statement).all())
        self._supersede(conn, article_id, version, targets)
        return made

    def _supersede(
        self, conn: Connection, article_id: str, version: int, targets: list[tuple[str, str]]
    ) -> None:
        """Close held or scheduled deliveries of older versions: only the newest version waits.

        Publishers always send an article's latest version, so releasing an older held one later
        would send that latest version a second time.
        """
        d = t.deliveries
        older = conn.execute(
            select(d).where(
                d.c.article_id == article_id,
                d.c.version < version,
                d.c.state.in_(WAITING_STATES),
            )
        ).mappings()
        wanted = set(targets)
        for row in list(older):
            if (row["channel"], row["target"]) not in wanted:
                continue
            detail = json.loads(row["detail"] or "{}")
            detail["outcome"] = f"superseded by v{version}"
            conn.execute(
                d.update()
                .where(key_of(as_delivery(row)))
                .values(
                    state=DeliveryState.SENT.value,
                    detail=dump_detail(detail),
                    updated_at=now(),
                )
            )

    # Reading

    def pending(
        self, channel: str, *, target: str | None = None, limit: int | None = None
    ) -> list[Delivery]:
        """Deliveries still to make: ``pending``, and ``sending`` ones whose outcome is unknown."""
        d = t.deliveries
        query = select(d).where(d.c.channel == channel, d.c.state.in_(OPEN_STATES))
        if target is not None:
            query = query.where(d.c.target == target)
        query = query.order_by(d.c.created_at, d.c.article_id, d.c.version, d.c.target)
        if limit is not None:
            query = query.limit(limit)
        with self.db.tx() as conn:
            return [as_delivery(row) for row in conn.execute(query).mappings()]

    def recorded(
        self, *, article_id: str | None = None, channel: str | None = None
    ) -> list[Delivery]:
        """Every recorded delivery, optionally for one article or channel."""
        d = t.deliveries
        query = select(d)
        if article_id is not None:
            query = query.where(d.c.article_id == article_id)
        if channel is not None:
            query = query.where(d.c.channel == channel)
        query = query.order_by(d.c.created_at, d.c.article_id, d.c.version, d.c.channel)
        with self.db.tx() as conn:
            return [as_delivery(row) for row in conn.execute(query).mappings()]

    # Moving on

    def change_in(
        self,
        conn: Connection,
        d: Delivery,
        *,
        require_open: bool = False,
        detail: Mapping[str, object] | None = None,
        attempt: bool = False,
        **values: Any,
    ) -> Delivery:
        """Rewrite one delivery row (locked), merging ``detail``, in the caller's transaction."""
        keys = key_params(d)
        row = conn.execute(_LOCK, keys).mappings().first()
        if row is None:
            raise StoreError(f"no delivery {name_of(d)}")
        # Taking a pending delivery is compare-and-swap on (state, attempts): of two
        # workers holding the same pending snapshot, only the first gets to send.
        taken = (
            require_open
            and d.state == DeliveryState.PENDING
            and (row["state"] != DeliveryState.PENDING.value or row["attempts"] != d.attempts)
        )
        if taken or (require_open and row["state"] not in OPEN_STATES):
            raise DeliveryConflict(f"delivery {name_of(d)} is already {row['state']}")
        merged = json.loads(row["detail"] or "{}")
        merged.update({k: str(v) for k, v in (detail or {}).items() if v is not None})
        values["detail"] = dump_detail(merged)
        values["updated_at"] = now()
        if attempt:
            values["attempts"] = t.deliveries.c.attempts + 1
        return as_delivery(conn.execute(_REWRITE.values(**values), keys).mappings().one())

    def change(self, d: Delivery, **options: Any) -> Delivery:
        """`change_in` in a transaction of its own."""
        with self.db.tx() as conn:
            return self.change_in(conn, d, **options)

    def change_all(self, changes: Iterable[tuple[Delivery, Mapping[str, Any]]]) -> list[Delivery]:
        """`change_in` for each (delivery, options), all in one transaction: one commit, not one
        per row, for a step that closes many deliveries at once."""
        with self.db.tx() as conn:
            return [self.change_in(conn, d, **options) for d, options in changes]

    def mark_sending(self, d: Delivery, **detail: object) -> Delivery:
        """Record the intent to send, before the remote call.

        Raises DeliveryConflict when the delivery is closed, or when ``d`` is a pending snapshot
        that another worker has taken since (its state or attempts moved on).
        """
        return self.change(d, detail=detail, **TAKE)

    def mark_sending_all(self, deliveries: Iterable[Delivery]) -> list[Delivery]:
        """`mark_sending` for each, in one transaction; those closed or taken by another worker
        meanwhile are left out."""
        taken = []
        with self.db.tx() as conn:
            for d in deliveries:
                try:  # refused before its row is written: the others' writes stand
                    taken.append(self.change_in(conn, d, **TAKE))
                except DeliveryConflict:
                    continue
        return taken

    def update_detail(self, d: Delivery, **detail: object) -> Delivery:
        """Merge channel bookkeeping (draft ids, URLs) into the delivery."""
        return self.change(d, detail=detail)

    def mark_sent(self, d: Delivery, remote_id: str | None = None, **detail: object) -> Delivery:
        """The remote side has it."""
        return self.mark_sent_all([(d, remote_id, detail)])[0]

    def mark_sent_all(
        self, sent: Iterable[tuple[Delivery, str | None, Mapping[str, object]]]
    ) -> list[Delivery]:
        """`mark_sent` for each (delivery, remote id, detail), in one transaction: all of them
        are recorded sent, or none is."""
        changes = []
        for d, remote_id, detail in sent:
            values: dict[str, Any] = {"state": DeliveryState.SENT.value, "detail": detail}
            if remote_id is not None:
                values["remote_id"] = remote_id
            changes.append((d, values))
        changed = self.change_all(changes)
        for d, (_, values) in zip(changed, changes, strict=True):
            outcome = values["detail"].get("outcome")
            remote_id = values.get("remote_id")
            log.info(
                "%s/%s: %s v%d sent%s%s", d.channel, d.target, d.article_id, d.version,
                f" ({outcome})" if outcome else "", f" as {remote_id}" if remote_id else "",
                extra=ended(d),
            )  # fmt: skip
        return changed

    def mark_failed(self, d: Delivery, error: str, *, terminal: bool) -> Delivery:
        """Terminal failures stay failed; others go back to pending for the next run."""
        state = DeliveryState.FAILED if terminal else DeliveryState.PENDING
        changed = self.change(d, state=state.value, last_error=error)
        then = "failed for good" if terminal else "failed, pending again"
        log.warning("%s/%s: %s v%d %s: %s", d.channel, d.target, d.article_id, d.version, then,
                    error, extra=ended(d))  # fmt: skip
        return changed

    def mark_quarantined(self, d: Delivery, reason: str) -> Delivery:
        """The channel refused the item; a quarantine entry (stage ``deliver``) records why, in
        the same transaction."""
        log.warning("%s/%s: %s v%d quarantined: %s", d.channel, d.target, d.article_id, d.version,
                    reason, extra=ended(d))  # fmt: skip
        with self.db.tx() as conn:
            changed = self.change_in(
                conn, d, state=DeliveryState.QUARANTINED.value, last_error=reason
            )
            self.quarantine.record(
                conn,
                raw_ref=f"delivery:{d.article_id}/{d.version}/{d.channel}/{d.target}",
                stage="deliver",
                reason=reason,
                origin=f"{d.channel}:{d.target}",
            )
            return changed

    def reopen(self, d: Delivery) -> Delivery:
        """Put a failed or quarantined delivery back to pending (quarantine retry)."""
        return self.change(d, state=DeliveryState.PENDING.value)
