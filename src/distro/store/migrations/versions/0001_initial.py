"""Initial ledger: articles, quarantine, deliveries, cursors, kv and daily counters."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from distro.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("pub_status", sa.String(16), nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", "version", name="pk_articles"),
    )
    op.create_index("ix_articles_created_at", "articles", ["created_at"])
    op.create_table(
        "quarantine",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("raw_ref", sa.Text, nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("resolved_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "deliveries",
        sa.Column("article_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("remote_id", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("article_id", "version", "channel", "target", name="pk_deliveries"),
    )
    op.create_index("ix_deliveries_channel_state", "deliveries", ["channel", "state"])
    op.create_table(
        "cursors",
        sa.Column("source", sa.String(255), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "kv",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "counters",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", "day", name="pk_counters"),
    )


def downgrade() -> None:
    for name in ("counters", "kv", "cursors", "deliveries", "quarantine", "articles"):
        op.drop_table(name)
