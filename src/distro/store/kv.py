"""Namespaced key/values with expiry, and daily counters, for channels and sources to keep state.

``ledger.kv("partners")`` is a `KeyValue` whose keys are stored as ``partners:<key>``, exactly
the keys modules spelled by hand before namespaces existed, so ledgers written then read the
same. Namespaces nest (``kv("app").child("push")`` stores ``app:push:<key>``); the root store
(no namespace) stores keys as given. Counters share the namespace: ``kv("wechat").count("calls",
day=d)`` adds to the counter ``wechat:calls`` for day ``d``.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from distro.store import tables as t
from distro.store.engine import Database, now

SEPARATOR = ":"
#: Expired rows are deleted this long after their expiry (a caller judging expiry on its own
#: clock, ``get(at=…)``, still finds them), by a writer of that namespace, at most once per
#: ``PURGE_EVERY`` seconds per process: one indexed range delete, not one per write.
PURGE_GRACE = dt.timedelta(days=1)
PURGE_EVERY = 600.0
_purged: dict[tuple[str, str | None], float] = {}


class KeyValue:
    """The key/values and counters of one namespace."""

    def __init__(self, db: Database, namespace: str | None = None) -> None:
        if namespace is not None and (not namespace or namespace.endswith(SEPARATOR)):
            raise ValueError(f"a namespace is a name without a trailing ':', not {namespace!r}")
        self.db = db
        self.namespace = namespace

    def __repr__(self) -> str:
        return f"KeyValue({self.namespace!r})"

    def child(self, name: str) -> KeyValue:
        """The namespace ``name`` inside this one."""
        return KeyValue(self.db, self.key(name))

    def key(self, name: str) -> str:
        """The key ``name`` is stored under."""
        return name if self.namespace is None else f"{self.namespace}{SEPARATOR}{name}"

    def get(self, name: str, *, at: dt.datetime | None = None) -> str | None:
        """The value under ``name``; None when absent or expired at ``at`` (default: now).

        A caller that computed ``expires_at`` from its own clock passes that clock here, so that
        expiry is judged on one clock, not on two that can sit on either side of a midnight.
        """
        with self.db.tx() as conn:
            row = conn.execute(
                select(t.kv.c.value, t.kv.c.expires_at).where(t.kv.c.key == self.key(name))
            ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= (at or now())):
            return None
        return str(row.value)

    def set(self, name: str, value: str, *, expires_at: dt.datetime | None = None) -> None:
        """Store ``value`` under ``name``, until ``expires_at`` when given."""
        stamp = now()
        key = self.key(name)
        statement = self.db.insert(t.kv).values(
            key=key, value=value, expires_at=expires_at, updated_at=stamp
        )
        statement = statement.on_conflict_do_update(
            index_elements=[t.kv.c.key],
            set_={"value": value, "expires_at": expires_at, "updated_at": stamp},
        )
        with self.db.tx() as conn:
            conn.execute(statement)
        self._purge(stamp, name)

    def purge(self, *, at: dt.datetime | None = None, keep: str | None = None) -> int:
        """Delete this namespace's rows that expired ``PURGE_GRACE`` before ``at`` (all but the
        key ``keep``, just written on its writer's clock): how many."""
        kv = t.kv
        cutoff = (at or now()) - PURGE_GRACE
        where = kv.c.expires_at.is_not(None) & (kv.c.expires_at <= cutoff)
        if keep is not None:
            where &= kv.c.key != self.key(keep)
        if self.namespace is not None:
            # A key range (`ns:` up to `ns;`) walks the primary key, not the whole table.
            prefix = self.namespace + SEPARATOR
            where &= (kv.c.key >= prefix) & (kv.c.key < self.namespace + chr(ord(SEPARATOR) + 1))
        with self.db.tx() as conn:
            return int(conn.execute(kv.delete().where(where)).rowcount or 0)

    def _purge(self, stamp: dt.datetime, keep: str) -> None:
        clock = time.monotonic()
        where = (self.db.engine.url.render_as_string(), self.namespace)
        last = _purged.get(where)
        if last is not None and clock - last < PURGE_EVERY:
            return
        _purged[where] = clock
        self.purge(at=stamp, keep=keep)

    def claim(
        self, name: str, value: str, *, expires_at: dt.datetime, at: dt.datetime | None = None
    ) -> bool:
        """Store ``value`` under ``name`` unless a value there is still live at ``at``: whether
        this call took it. One statement, so two processes never both take the same name."""
        stamp = now()
        key = self.key(name)
        kv = t.kv
        statement = (
            self.db.insert(kv)
            .values(key=key, value=value, expires_at=expires_at, updated_at=stamp)
            .on_conflict_do_update(
                index_elements=[kv.c.key],
                set_={"value": value, "expires_at": expires_at, "updated_at": stamp},
                where=kv.c.expires_at.is_not(None) & (kv.c.expires_at <= (at or stamp)),
            )
            .returning(kv.c.key)
        )
        with self.db.tx() as conn:
            taken = conn.execute(statement).first() is not None
        self._purge(min(stamp, at or stamp), name)  # on the caller's clock when it is earlier
        return taken

    def replace(
        self, name: str, expected: str, value: str, *, expires_at: dt.datetime | None = None
    ) -> bool:
        """Store ``value`` under ``name`` only while ``expected`` is there: whether it did.
        One statement, so of two callers that read the same value only one replaces it."""
        kv = t.kv
        statement = (
            kv.update()
            .where((kv.c.key == self.key(name)) & (kv.c.value == expected))
            .values(value=value, expires_at=expires_at, updated_at=now())
        )
        with self.db.tx() as conn:
            return bool(conn.execute(statement).rowcount)

    def delete(self, name: str) -> None:
        with self.db.tx() as conn:
            conn.execute(t.kv.delete().where(t.kv.c.key == self.key(name)))

    def count(self, name: str, *, day: dt.date, increment: int = 1) -> int:
        """Add to the counter of ``name`` for ``day`` atomically; the new total."""
        c = t.counters
        statement = (
            self.db.insert(c)
            .values(key=self.key(name), day=day, value=increment)
            .on_conflict_do_update(
                index_elements=[c.c.key, c.c.day], set_={"value": c.c.value + increment}
            )
            .returning(c.c.value)
        )
        with self.db.tx() as conn:
            return int(conn.execute(statement).scalar_one())


class Cursors:
    """Where each source stopped last time (an S3 key, a feed position)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, source: str) -> str | None:
        with self.db.tx() as conn:
            value = conn.execute(
                select(t.cursors.c.value).where(t.cursors.c.source == source)
            ).scalar()
        return None if value is None else str(value)

    def set(self, source: str, value: str) -> None:
        stamp = now()
        statement = (
            self.db.insert(t.cursors)
            .values(source=source, value=value, updated_at=stamp)
            .on_conflict_do_update(
                index_elements=[t.cursors.c.source], set_={"value": value, "updated_at": stamp}
            )
        )
        with self.db.tx() as conn:
            conn.execute(statement)
