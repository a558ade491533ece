"""Quarantine: input that could not go on (unparseable, refused, rejected), each with why."""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, RowMapping, select

from distro.models import QuarantineEntry
from distro.store import tables as t
from distro.store.engine import Database, now


def quarantine_id(raw_ref: str, stage: str, reason: str) -> str:
    """Same input, same stage, same reason: same entry, so reruns add nothing."""
    digest = hashlib.sha256("\x1f".join((raw_ref, stage, reason)).encode()).hexdigest()
    return f"q-{digest[:20]}"


def storable(text: str) -> str:
    """``text`` as it can be stored: a lone surrogate shown as ``\\udcff``, never a failed write.

    The quarantine is where what went wrong is written down: it must take any reason, even one
    quoting the bad input that caused it.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def as_entry(row: RowMapping) -> QuarantineEntry:
    return QuarantineEntry(
        id=row["id"],
        raw_ref=row["raw_ref"],
        stage=row["stage"],
        reason=row["reason"],
        created_at=row["created_at"],
        origin=row["origin"],
    )


class QuarantineStore:
    """Records, lists and resolves quarantine entries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self, conn: Connection, *, raw_ref: str, stage: str, reason: str, origin: str | None
    ) -> QuarantineEntry:
        """`add` inside the caller's transaction (a delivery refused and its entry, together)."""
        raw_ref, stage, reason = storable(raw_ref), storable(stage), storable(reason)
        origin = None if origin is None else storable(origin)
        q = t.quarantine
        statement = (
            self.db.insert(q)
            .values(
                id=quarantine_id(raw_ref, stage, reason),
                raw_ref=raw_ref,
                stage=stage,
                reason=reason,
                origin=origin,
                created_at=now(),
                resolved_at=None,
            )
            .on_conflict_do_update(index_elements=[q.c.id], set_={"resolved_at": None})
            .returning(*q.c)
        )
        return as_entry(conn.execute(statement).mappings().one())

    def add(
        self, *, raw_ref: str, stage: str, reason: str, origin: str | None = None
    ) -> QuarantineEntry:
        """Record input that could not go on; the same failure again reuses (and reopens) it."""
        with self.db.tx() as conn:
            return self.record(conn, raw_ref=raw_ref, stage=stage, reason=reason, origin=origin)

    def entries(self, *, include_resolved: bool = False) -> list[QuarantineEntry]:
        """Open quarantine entries (all with ``include_resolved``), newest first."""
        q = t.quarantine
        query = select(q)
        if not include_resolved:
            query = query.where(q.c.resolved_at.is_(None))
        query = query.order_by(q.c.created_at.desc(), q.c.id)
        with self.db.tx() as conn:
            return [as_entry(row) for row in conn.execute(query).mappings()]

    def get(self, entry_id: str) -> QuarantineEntry | None:
        q = t.quarantine
        with self.db.tx() as conn:
            row = conn.execute(select(q).where(q.c.id == entry_id)).mappings().first()
        return None if row is None else as_entry(row)

    def is_resolved(self, entry_id: str) -> bool:
        q = t.quarantine
        with self.db.tx() as conn:
            value = conn.execute(select(q.c.resolved_at).where(q.c.id == entry_id)).scalar()
        return value is not None

    def resolve(self, entry_id: str) -> QuarantineEntry | None:
        """Close an entry (after a successful retry); None when there is no such entry."""
        q = t.quarantine
        with self.db.tx() as conn:
            conn.execute(
                q.update()
                .where(q.c.id == entry_id, q.c.resolved_at.is_(None))
                .values(resolved_at=now())
            )
            row = conn.execute(select(q).where(q.c.id == entry_id)).mappings().first()
        return None if row is None else as_entry(row)
