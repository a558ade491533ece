"""The ledger's database: one engine, its schema migrations, and the one way to run a transaction.

Several Airflow worker processes share one database, so every write is one short transaction:
SQLite runs in WAL mode with a busy timeout and takes its write lock at ``BEGIN`` (``BEGIN
IMMEDIATE``), so a read-then-write never fails half way; PostgreSQL locks the rows it rewrites
(``SELECT ... FOR UPDATE``) and counters are single ``INSERT ... ON CONFLICT DO UPDATE`` upserts.
Every store in ``distro.store`` runs its statements through `Database.tx`, which also turns
SQLAlchemy's errors into distro's (transient, record refused, ledger error).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
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
from sqlalchemy.pool import NullPool

from distro.errors import RecordRejected, StoreError, StoreUnavailable

#: Serialises concurrent first-time migrations on PostgreSQL.
MIGRATION_LOCK = 0x64697374


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


def create(url: str, *, keep_connections: bool = False) -> Engine:
    """An engine tuned for several processes sharing the database.

    ``keep_connections`` keeps a SQLite file's connections open until the engine is disposed
    (`Ledger.close`), for a caller that always closes its ledger (an Airflow task).
    """
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        pooling: dict[str, Any] = {}
        if parsed.database and parsed.database != ":memory:" and "mode=memory" not in url:
            private(Path(parsed.database))
            # No pool for a file by default: a connection closes when its block ends, so a
            # ledger nobody closed holds no open file at exit (Python 3.13 warns of every
            # unclosed sqlite3 connection). The price is per transaction: the last connection
            # to close checkpoints the WAL (an fsync) and the next one reopens it, about 5 ms,
            # half of a web publish's 100 transactions; a caller that closes keeps them.
            if not keep_connections:
                pooling["poolclass"] = NullPool
        engine = create_engine(parsed, connect_args={"timeout": 60}, **pooling)

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


def at_head(engine: Engine) -> bool:
    """Whether the ledger's schema is already at ``HEAD``: one query, no Alembic import."""
    from distro.store.migrations import HEAD

    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False  # a new ledger, or one the migration must look at
    return found == [HEAD]


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (head by default), one process at a time."""
    # Every task opens the ledger: importing Alembic costs more than the task's own work.
    if revision == "head" and at_head(engine):
        return
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "distro.store:migrations")
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot migrate the ledger: {exc.orig}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the ledger: {exc}") from exc


class Database:
    """One engine shared by every store, and the transaction that maps its errors."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        """One transaction; IntegrityError passes through so callers can retry a lost race."""
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

    def insert(self, table: Any) -> Any:
        """The dialect's INSERT, which has ON CONFLICT upserts."""
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
