"""The ledger's tables, as SQLAlchemy Core metadata (migrations in distro/store/migrations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware in Python, UTC in every database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC)


metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("document", Text, nullable=False),
    Column("pub_status", String(16), nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("note", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("id", "version", name="pk_articles"),
)
Index("ix_articles_created_at", articles.c.created_at)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("raw_ref", Text, nullable=False),
    Column("stage", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("origin", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("article_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("target", String(128), nullable=False),
    Column("state", String(16), nullable=False),
    Column("remote_id", Text, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("detail", Text, nullable=False, default="{}"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("article_id", "version", "channel", "target", name="pk_deliveries"),
)
Index("ix_deliveries_channel_state", deliveries.c.channel, deliveries.c.state)

cursors = Table(
    "cursors",
    metadata,
    Column("source", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

kv = Table(
    "kv",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("key", String(255), nullable=False),
    Column("day", Date, nullable=False),
    Column("value", Integer, nullable=False),
    PrimaryKeyConstraint("key", "day", name="pk_counters"),
)
