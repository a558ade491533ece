"""The article store and delivery ledger: SQLAlchemy over SQLite (default) or PostgreSQL.

Several Airflow worker processes share one database, so every write is one short transaction:
SQLite runs in WAL mode with a busy timeout and takes its write lock at ``BEGIN`` (``BEGIN
IMMEDIATE``), so a read-then-write never fails half way; PostgreSQL locks the rows it rewrites
(``SELECT ... FOR UPDATE``) and counters are single ``INSERT ... ON CONFLICT DO UPDATE`` upserts.
The schema is migrated to head (Alembic, scripts in ``distro.store.migrations``) on open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import (
    Connection,
    Engine,
    RowMapping,
    and_,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)

from distro.errors import RecordRejected, StoreError, StoreUnavailable
from distro.models import (
    STORED,
    Article,
    Delivery,
    DeliveryState,
    PubStatus,
    QuarantineEntry,
)
from distro.store import tables as t

if TYPE_CHECKING:
    from distro.config import Settings

PutOutcome = Literal["accepted", "duplicate", "new_version"]
OPEN_STATES = (DeliveryState.PENDING.value, DeliveryState.SENDING.value)
#: Serialises concurrent first-time migrations on PostgreSQL.
MIGRATION_LOCK = 0x64697374


class DeliveryConflict(StoreError):
    """The delivery is no longer open (sent, failed or quarantined by another worker)."""


class MissingArticle(StoreError):
    """No article with that id."""


def now() -> dt.datetime:
    """The current time, UTC."""
    return dt.datetime.now(dt.UTC)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (psycopg2 is not a dependency)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def private(database: Path) -> None:
    """Create the SQLite file owner-only (0600) before SQLite does; its -wal and -shm files take
    the same mode. It holds channel tokens (the WeChat access token), so an existing file is
    narrowed too."""
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(database, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot create the ledger {database}: {exc.strerror}") from exc
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    except OSError:
        pass  # not ours to change (a shared file system): SQLite still opens it
    finally:
        os.close(fd)


def create(url: str) -> Engine:
    """An engine tuned for several processes sharing the database."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and "mode=memory" not in url:
            private(Path(parsed.database))
        engine = create_engine(parsed, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, open transactions, so BEGIN IMMEDIATE applies.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(parsed, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to head, one process at a time."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "distro.store:migrations")
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot migrate the ledger: {exc.orig}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the ledger: {exc}") from exc


def quarantine_id(raw_ref: str, stage: str, reason: str) -> str:
    """Same input, same stage, same reason: same entry, so reruns add nothing."""
    digest = hashlib.sha256("\x1f".join((raw_ref, stage, reason)).encode()).hexdigest()
    return f"q-{digest[:20]}"


def read_article(document: str) -> Article:
    """A stored document: rules added since it was stored (date range, section) do not apply."""
    return Article.model_validate_json(document, context={STORED: True})


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


def as_entry(row: RowMapping) -> QuarantineEntry:
    return QuarantineEntry(
        id=row["id"],
        raw_ref=row["raw_ref"],
        stage=row["stage"],
        reason=row["reason"],
        created_at=row["created_at"],
        origin=row["origin"],
    )


class Ledger:
    """Articles (every version), deliveries, quarantine, cursors and key/values."""

    def __init__(self, url: str, *, migrate_schema: bool = True) -> None:
        self.url = normalize_url(url)
        try:
            self.engine = create(self.url)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the ledger: {exc}") from exc
        except ModuleNotFoundError as exc:
            raise StoreError(f"ledger driver missing: {exc.name}") from exc
        if migrate_schema:
            migrate(self.engine)

    @classmethod
    def open(cls, settings: Settings) -> Ledger:
        """The ledger the settings name, migrated to head."""
        return cls(settings.store_url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({self.engine.url.render_as_string(hide_password=True)!r})"

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except IntegrityError:
            raise
        except OperationalError as exc:
            raise StoreUnavailable(f"ledger unavailable: {exc.orig}") from exc
        except DataError as exc:
            raise RecordRejected(f"the ledger refused a value: {exc.orig}") from exc
        except DBAPIError as exc:
            raise StoreError(f"ledger error: {exc.orig}") from exc
        except StatementError as exc:
            # A value no column can take (a time beyond UTC's range): this record, not the ledger.
            raise RecordRejected(f"the ledger refused a value: {exc.orig!r}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"ledger error: {exc}") from exc
        except (OverflowError, ValueError) as exc:
            raise RecordRejected(f"the ledger refused a value: {exc}") from exc

    def _insert(self, table: Any) -> Any:
        """The dialect's INSERT, which has ON CONFLICT upserts."""
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    # Articles

    def put(
        self,
        article: Article,
        targets: Iterable[tuple[str, str]] = (),
        held: Mapping[tuple[str, str], str] | None = None,
        waits: Mapping[tuple[str, str], dt.datetime] | None = None,
    ) -> tuple[PutOutcome, Article]:
        """Store an article and queue its deliveries to ``targets`` in one transaction.

        Targets named in ``held`` (with why) are queued ``held``: they wait for an editor at the
        review gate instead of going out; targets in ``waits`` are queued ``scheduled`` until
        their embargo time.

        A new id is accepted, changed content is a new version. A duplicate re-queues any of
        its latest version's deliveries that are missing, so a ledger written before storing and
        queueing were one transaction (a crash in between) heals on the next run; deliveries
        already recorded, in whatever state, are left alone, so nothing is sent twice.
        """
        content_hash = article.content_hash()
        pairs = list(dict.fromkeys(targets))
        for _attempt in range(5):
            try:
                with self._tx() as conn:
                    latest = self._latest(conn, article.id)
                    outcome: PutOutcome
                    if latest is None:
                        outcome = "accepted"
                        stored = article.model_copy(update={"version": 1})
                        self._insert_version(conn, stored, content_hash)
                    elif latest[0] == content_hash:
                        outcome, stored = "duplicate", latest[1]
                    else:
                        current = latest[1]
                        outcome = "new_version"
                        stored = article.model_copy(
                            update={
                                "version": current.version + 1,
                                "pub_status": current.pub_status,
                            }
                        )
                        self._insert_version(conn, stored, content_hash)
                    self._enqueue_rows(conn, stored.id, stored.version, pairs, held, waits)
                    return outcome, stored
            except IntegrityError:
                continue  # another process stored this version first: look again
        raise StoreError(f"could not store {article.id}: too many concurrent writers")

    def _latest(self, conn: Connection, article_id: str) -> tuple[str, Article] | None:
        row = conn.execute(
            select(t.articles.c.content_hash, t.articles.c.document)
            .where(t.articles.c.id == article_id)
            .order_by(t.articles.c.version.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return row.content_hash, read_article(row.document)

    def _insert_version(
        self, conn: Connection, article: Article, content_hash: str, note: str | None = None
    ) -> None:
        conn.execute(
            t.articles.insert().values(
                id=article.id,
                version=article.version,
                content_hash=content_hash,
                document=article.model_dump_json(),
                pub_status=article.pub_status.value,
                published_at=article.published_at,
                note=note,
                created_at=now(),
            )
        )

    def get(self, article_id: str, version: int | None = None) -> Article | None:
        """A version of an article (the latest by default), or None."""
        query = select(t.articles.c.document).where(t.articles.c.id == article_id)
        if version is None:
            query = query.order_by(t.articles.c.version.desc()).limit(1)
        else:
            query = query.where(t.articles.c.version == version)
        with self._tx() as conn:
            document = conn.execute(query).scalar()
        return None if document is None else read_article(document)

    def versions(self, article_id: str) -> list[Article]:
        """Every version of an article, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                select(t.articles.c.document)
                .where(t.articles.c.id == article_id)
                .order_by(t.articles.c.version)
            ).scalars()
            return [read_article(doc) for doc in rows]

    def articles(
        self,
        *,
        since: dt.datetime | None = None,
        limit: int | None = None,
        include_killed: bool = False,
    ) -> list[Article]:
        """The latest version of each article, newest first (by publication, else storage).

        ``since`` keeps articles whose latest version was stored at or after it.
        """
        a = t.articles
        latest = select(a.c.id, func.max(a.c.version).label("version")).group_by(a.c.id).subquery()
        query = select(a.c.document).join(
            latest, and_(a.c.id == latest.c.id, a.c.version == latest.c.version)
        )
        if since is not None:
            query = query.where(a.c.created_at >= since)
        if not include_killed:
            query = query.where(a.c.pub_status != PubStatus.CANCELED.value)
        query = query.order_by(
            func.coalesce(a.c.published_at, a.c.created_at).desc(), a.c.id.desc()
        )
        if limit is not None:
            query = query.limit(limit)
        with self._tx() as conn:
            return [read_article(doc) for doc in conn.execute(query).scalars()]

    def article_count(self, *, versions: bool = False) -> int:
        """How many articles (or stored versions) the ledger holds."""
        a = t.articles
        column = func.count() if versions else func.count(func.distinct(a.c.id))
        with self._tx() as conn:
            return int(conn.execute(select(column).select_from(a)).scalar_one())

    def _new_version(self, article_id: str, note: str, **changes: Any) -> Article:
        for _attempt in range(5):
            try:
                with self._tx() as conn:
                    latest = self._latest(conn, article_id)
                    if latest is None:
                        raise MissingArticle(f"no article {article_id}")
                    content_hash, current = latest
                    stored = current.model_copy(update={"version": current.version + 1, **changes})
                    self._insert_version(conn, stored, content_hash, note)
                    return stored
            except IntegrityError:
                continue
        raise StoreError(f"could not change {article_id}: too many concurrent writers")

    def revise(self, article_id: str, *, correction: str | None, reason: str) -> Article:
        """A new version of the latest text with a correction note, for republishing."""
        return self._new_version(article_id, reason, correction=correction)

    def kill(self, article_id: str, reason: str) -> Article:
        """A new version marked canceled: channels withdraw it."""
        return self._new_version(article_id, reason, pub_status=PubStatus.CANCELED)

    # Deliveries

    def enqueue(self, article_id: str, version: int, channel: str, target: str = "default") -> bool:
        """Record a delivery to make; False when it is already recorded."""
        stamp = now()
        statement = (
            self._insert(t.deliveries)
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
        with self._tx() as conn:
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
        with self._tx() as conn:
            return self._enqueue_rows(conn, article_id, version, list(targets), held, waits)

    def _enqueue_rows(
        self,
        conn: Connection,
        article_id: str,
        version: int,
        targets: list[tuple[str, str]],
        held: Mapping[tuple[str, str], str] | None = None,
        waits: Mapping[tuple[str, str], dt.datetime] | None = None,
    ) -> int:
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
                    "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        if not rows:
            return 0
        statement = (
            self._insert(t.deliveries)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(t.deliveries.c.channel)
        )
        made = len(conn.execute(statement).all())
        self._supersede_held(conn, article_id, version, targets)
        return made

    def _supersede_held(
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
                d.c.state.in_((DeliveryState.HELD.value, DeliveryState.SCHEDULED.value)),
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
                .where(
                    d.c.article_id == article_id,
                    d.c.version == row["version"],
                    d.c.channel == row["channel"],
                    d.c.target == row["target"],
                )
                .values(
                    state=DeliveryState.SENT.value,
                    detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
                    updated_at=now(),
                )
            )

    def held(
        self, *, channel: str | None = None, article_id: str | None = None
    ) -> list[Delivery]:
        """Deliveries waiting for an editor at a review gate, oldest first."""
        d = t.deliveries
        query = select(d).where(d.c.state == DeliveryState.HELD.value)
        if channel is not None:
            query = query.where(d.c.channel == channel)
        if article_id is not None:
            query = query.where(d.c.article_id == article_id)
        query = query.order_by(d.c.created_at, d.c.article_id, d.c.version, d.c.target)
        with self._tx() as conn:
            return [as_delivery(row) for row in conn.execute(query).mappings()]

    def withheld(self, channel: str, target: str | None = None) -> set[str]:
        """Articles whose latest version for ``channel`` (``target``) must not be shown there.

        Held at a review gate, waiting for an embargo, or quarantined (rejected by an editor,
        refused by the channel).
        Channels that rebuild their lists from the whole archive leave these out, so nothing
        reaches a gated channel by that back door.
        """
        d = t.deliveries
        closed = (
            DeliveryState.HELD.value,
            DeliveryState.SCHEDULED.value,
            DeliveryState.QUARANTINED.value,
        )
        query = select(d.c.article_id, d.c.version, d.c.target, d.c.state).where(
            d.c.channel == channel,
            d.c.article_id.in_(
                select(d.c.article_id).where(d.c.channel == channel, d.c.state.in_(closed))
            ),
        )
        if target is not None:
            query = query.where(d.c.target == target)
        latest: dict[tuple[str, str], tuple[int, str]] = {}
        with self._tx() as conn:
            for row in conn.execute(query).mappings():
                key = (row["article_id"], row["target"])
                if key not in latest or row["version"] > latest[key][0]:
                    latest[key] = (row["version"], row["state"])
        return {article_id for (article_id, _t), (_v, state) in latest.items() if state in closed}

    def _change_held(self, d: Delivery, **values: Any) -> Delivery:
        """Move a held delivery on, unless someone decided it first (DeliveryConflict)."""
        table = t.deliveries
        key = and_(
            table.c.article_id == d.article_id,
            table.c.version == d.version,
            table.c.channel == d.channel,
            table.c.target == d.target,
        )
        with self._tx() as conn:
            row = conn.execute(select(table).where(key).with_for_update()).mappings().first()
            if row is None or row["state"] != DeliveryState.HELD.value:
                state = "missing" if row is None else row["state"]
                raise DeliveryConflict(
                    f"delivery {d.article_id} v{d.version} {d.channel}/{d.target} is {state},"
                    " not held"
                )
            detail = json.loads(row["detail"] or "{}")
            detail.update({k: str(v) for k, v in values.pop("detail", {}).items()})
            conn.execute(
                table.update()
                .where(key)
                .values(
                    detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
                    updated_at=now(),
                    **values,
                )
            )
            return as_delivery(conn.execute(select(table).where(key)).mappings().one())

    def release(self, d: Delivery, *, by: str | None = None) -> Delivery:
        """An editor approved a held delivery: pending for its channel now, or at its embargo."""
        detail = {"approved_by": by or "editor", "approved_at": now().isoformat()}
        waiting = d.detail.get("not_before")
        state = DeliveryState.PENDING
        if waiting and dt.datetime.fromisoformat(waiting) > now():
            state = DeliveryState.SCHEDULED
        return self._change_held(d, state=state.value, detail=detail)

    def release_due(self, *, channel: str | None = None, at: dt.datetime | None = None) -> int:
        """Move scheduled deliveries whose embargo has passed to pending; how many moved."""
        moment = at or now()
        d = t.deliveries
        query = select(d).where(d.c.state == DeliveryState.SCHEDULED.value)
        if channel is not None:
            query = query.where(d.c.channel == channel)
        moved = 0
        with self._tx() as conn:
            for row in list(conn.execute(query).mappings()):
                detail = json.loads(row["detail"] or "{}")
                waiting = detail.get("not_before")
                if waiting and dt.datetime.fromisoformat(waiting) > moment:
                    continue
                conn.execute(
                    d.update()
                    .where(
                        d.c.article_id == row["article_id"],
                        d.c.version == row["version"],
                        d.c.channel == row["channel"],
                        d.c.target == row["target"],
                        d.c.state == DeliveryState.SCHEDULED.value,
                    )
                    .values(state=DeliveryState.PENDING.value, updated_at=moment)
                )
                moved += 1
        return moved

    def reject(self, d: Delivery, reason: str, *, by: str | None = None) -> Delivery:
        """An editor rejected a held delivery: quarantined (stage ``review``) with the reason."""
        why = f"rejected by editor: {reason}"
        detail = {"rejected_by": by or "editor", "rejected_at": now().isoformat()}
        changed = self._change_held(
            d, state=DeliveryState.QUARANTINED.value, last_error=why, detail=detail
        )
        self.quarantine(
            raw_ref=f"review:{d.article_id}/{d.version}/{d.channel}/{d.target}",
            stage="review",
            reason=why,
            origin=f"{d.channel}:{d.target}",
        )
        return changed

    def hold(self, d: Delivery, reason: str) -> Delivery:
        """Put a delivery (back) at the review gate, e.g. when a rejection is retried."""
        return self._change(d, state=DeliveryState.HELD.value, detail={"review": reason})

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
        with self._tx() as conn:
            return [as_delivery(row) for row in conn.execute(query).mappings()]

    def deliveries(
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
        with self._tx() as conn:
            return [as_delivery(row) for row in conn.execute(query).mappings()]

    def _change(
        self,
        d: Delivery,
        *,
        require_open: bool = False,
        detail: Mapping[str, object] | None = None,
        attempt: bool = False,
        **values: Any,
    ) -> Delivery:
        table = t.deliveries
        key = and_(
            table.c.article_id == d.article_id,
            table.c.version == d.version,
            table.c.channel == d.channel,
            table.c.target == d.target,
        )
        with self._tx() as conn:
            row = conn.execute(select(table).where(key).with_for_update()).mappings().first()
            if row is None:
                raise StoreError(f"no delivery {d.article_id} v{d.version} {d.channel}/{d.target}")
            # Taking a pending delivery is compare-and-swap on (state, attempts): of two
            # workers holding the same pending snapshot, only the first gets to send.
            taken = (
                require_open
                and d.state == DeliveryState.PENDING
                and (row["state"] != DeliveryState.PENDING.value or row["attempts"] != d.attempts)
            )
            if taken or (require_open and row["state"] not in OPEN_STATES):
                raise DeliveryConflict(
                    f"delivery {d.article_id} v{d.version} {d.channel}/{d.target} "
                    f"is already {row['state']}"
                )
            merged = json.loads(row["detail"] or "{}")
            merged.update({k: str(v) for k, v in (detail or {}).items() if v is not None})
            values["detail"] = json.dumps(merged, ensure_ascii=False, sort_keys=True)
            values["updated_at"] = now()
            if attempt:
                values["attempts"] = table.c.attempts + 1
            conn.execute(table.update().where(key).values(**values))
            updated = conn.execute(select(table).where(key)).mappings().one()
            return as_delivery(updated)

    def mark_sending(self, d: Delivery, **detail: object) -> Delivery:
        """Record the intent to send, before the remote call.

        Raises DeliveryConflict when the delivery is closed, or when ``d`` is a pending snapshot
        that another worker has taken since (its state or attempts moved on).
        """
        return self._change(
            d,
            require_open=True,
            detail=detail,
            attempt=True,
            state=DeliveryState.SENDING.value,
        )

    def update_detail(self, d: Delivery, **detail: object) -> Delivery:
        """Merge channel bookkeeping (draft ids, URLs) into the delivery."""
        return self._change(d, detail=detail)

    def mark_sent(self, d: Delivery, remote_id: str | None = None, **detail: object) -> Delivery:
        """The remote side has it."""
        values: dict[str, Any] = {"state": DeliveryState.SENT.value}
        if remote_id is not None:
            values["remote_id"] = remote_id
        return self._change(d, detail=detail, **values)

    def mark_failed(self, d: Delivery, error: str, *, terminal: bool) -> Delivery:
        """Terminal failures stay failed; others go back to pending for the next run."""
        state = DeliveryState.FAILED if terminal else DeliveryState.PENDING
        return self._change(d, state=state.value, last_error=error)

    def mark_quarantined(self, d: Delivery, reason: str) -> Delivery:
        """The channel refused the item; a quarantine entry (stage ``deliver``) records why."""
        changed = self._change(d, state=DeliveryState.QUARANTINED.value, last_error=reason)
        self.quarantine(
            raw_ref=f"delivery:{d.article_id}/{d.version}/{d.channel}/{d.target}",
            stage="deliver",
            reason=reason,
            origin=f"{d.channel}:{d.target}",
        )
        return changed

    def reopen(self, d: Delivery) -> Delivery:
        """Put a failed or quarantined delivery back to pending (quarantine retry)."""
        return self._change(d, state=DeliveryState.PENDING.value)

    # Quarantine

    def quarantine(
        self, *, raw_ref: str, stage: str, reason: str, origin: str | None = None
    ) -> QuarantineEntry:
        """Record input that could not go on; the same failure again reuses (and reopens) it."""
        entry_id = quarantine_id(raw_ref, stage, reason)
        q = t.quarantine
        statement = (
            self._insert(q)
            .values(
                id=entry_id,
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
        with self._tx() as conn:
            return as_entry(conn.execute(statement).mappings().one())

    def quarantined(self, *, include_resolved: bool = False) -> list[QuarantineEntry]:
        """Open quarantine entries, newest first."""
        q = t.quarantine
        query = select(q)
        if not include_resolved:
            query = query.where(q.c.resolved_at.is_(None))
        query = query.order_by(q.c.created_at.desc(), q.c.id)
        with self._tx() as conn:
            return [as_entry(row) for row in conn.execute(query).mappings()]

    def get_quarantine(self, entry_id: str) -> QuarantineEntry | None:
        q = t.quarantine
        with self._tx() as conn:
            row = conn.execute(select(q).where(q.c.id == entry_id)).mappings().first()
        return None if row is None else as_entry(row)

    def is_resolved(self, entry_id: str) -> bool:
        q = t.quarantine
        with self._tx() as conn:
            value = conn.execute(select(q.c.resolved_at).where(q.c.id == entry_id)).scalar()
        return value is not None

    def resolve_quarantine(self, entry_id: str) -> QuarantineEntry | None:
        """Close an entry (after a successful retry); None when there is no such entry."""
        q = t.quarantine
        with self._tx() as conn:
            conn.execute(
                q.update()
                .where(q.c.id == entry_id, q.c.resolved_at.is_(None))
                .values(resolved_at=now())
            )
            row = conn.execute(select(q).where(q.c.id == entry_id)).mappings().first()
        return None if row is None else as_entry(row)

    # Key/value, counters, cursors

    def get_value(self, key: str) -> str | None:
        """The value under ``key``; None when absent or expired."""
        with self._tx() as conn:
            row = conn.execute(
                select(t.kv.c.value, t.kv.c.expires_at).where(t.kv.c.key == key)
            ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= now()):
            return None
        return str(row.value)

    def set_value(self, key: str, value: str, *, expires_at: dt.datetime | None = None) -> None:
        stamp = now()
        statement = self._insert(t.kv).values(
            key=key, value=value, expires_at=expires_at, updated_at=stamp
        )
        statement = statement.on_conflict_do_update(
            index_elements=[t.kv.c.key],
            set_={"value": value, "expires_at": expires_at, "updated_at": stamp},
        )
        with self._tx() as conn:
            conn.execute(statement)

    def delete_value(self, key: str) -> None:
        with self._tx() as conn:
            conn.execute(t.kv.delete().where(t.kv.c.key == key))

    def count(self, key: str, *, day: dt.date, increment: int = 1) -> int:
        """Add to the counter of ``key`` for ``day`` atomically; the new total."""
        c = t.counters
        statement = (
            self._insert(c)
            .values(key=key, day=day, value=increment)
            .on_conflict_do_update(
                index_elements=[c.c.key, c.c.day], set_={"value": c.c.value + increment}
            )
            .returning(c.c.value)
        )
        with self._tx() as conn:
            return int(conn.execute(statement).scalar_one())

    def cursor(self, source: str) -> str | None:
        """Where a source stopped last time."""
        with self._tx() as conn:
            value = conn.execute(
                select(t.cursors.c.value).where(t.cursors.c.source == source)
            ).scalar()
        return None if value is None else str(value)

    def set_cursor(self, source: str, value: str) -> None:
        stamp = now()
        statement = (
            self._insert(t.cursors)
            .values(source=source, value=value, updated_at=stamp)
            .on_conflict_do_update(
                index_elements=[t.cursors.c.source], set_={"value": value, "updated_at": stamp}
            )
        )
        with self._tx() as conn:
            conn.execute(statement)
