"""Alembic migrations carry a ledger over with nothing lost, on SQLite and on PostgreSQL.

Two ledgers are built: one at the first revision with rows written in that revision's own
column layout (raw SQL, so the test does not depend on today's table metadata), and one
written through today's API (every delivery state, quarantine, key/values with expiry,
counters, cursors). Each is upgraded to head and compared row by row with what was written.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, text

from distro.models import DeliveryState, PubStatus
from distro.store import tables
from distro.store.engine import create, migrate
from distro.store.ledger import Ledger
from tests.store.articles import article

TABLES = ("articles", "deliveries", "quarantine", "kv", "counters", "cursors")
STAMP = dt.datetime(2026, 3, 4, 5, 6, 7)  # naive: the ledger stores UTC without a zone


def revisions() -> list[str]:
    """Every revision id, first to head."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "distro.store:migrations")
    script = ScriptDirectory.from_config(cfg)
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every ledger table, in a stable order, values as the driver returns them."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in TABLES:
            columns = [c["name"] for c in inspect(conn).get_columns(name)]
            listed = ", ".join(columns)
            result = conn.execute(text(f"SELECT {listed} FROM {name}"))
            rows[name] = sorted(
                (tuple(str(v) if v is not None else None for v in row) for row in result),
                key=repr,
            )
    return rows


def first_revision_rows() -> dict[str, list[dict[str, Any]]]:
    """Rows in the first revision's columns, Chinese text and JSON detail included."""
    first = article("first")
    killed = first.model_copy(update={"version": 2, "pub_status": PubStatus.CANCELED})
    return {
        "articles": [
            {
                "id": "a-first", "version": 1, "content_hash": "c" * 64,
                "document": first.model_dump_json(), "pub_status": "usable",
                "published_at": None, "note": None, "created_at": STAMP,
            },
            {
                "id": "a-first", "version": 2, "content_hash": "c" * 64,
                "document": killed.model_dump_json(), "pub_status": "canceled",
                "published_at": STAMP, "note": "撤稿",
                "created_at": STAMP,
            },
        ],
        "deliveries": [
            {
                "article_id": "a-first", "version": v, "channel": channel, "target": target,
                "state": state, "remote_id": remote, "attempts": attempts, "last_error": error,
                "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
                "created_at": STAMP, "updated_at": STAMP,
            }
            for v, channel, target, state, remote, attempts, error, detail in [
                (1, "web", "default", "sent", "https://x/1", 1, None, {"outcome": "published"}),
                (1, "wechat", "paper", "sending", None, 2, "超时", {"idx": "2", "step": "draft"}),
                (2, "partners", "acme", "held", None, 0, None, {"review": "需要编辑"}),
                (2, "app", "default", "scheduled", None, 0, None,
                 {"not_before": "2026-03-05T00:00:00+00:00"}),
            ]
        ],
        "quarantine": [
            {
                "id": "q-1", "raw_ref": "ab" * 32, "stage": "parse", "reason": "没有标题",
                "origin": "file:///inbox/x.txt", "created_at": STAMP, "resolved_at": None,
            },
            {
                "id": "q-2", "raw_ref": "cd" * 32, "stage": "deliver", "reason": "拒绝",
                "origin": None, "created_at": STAMP, "resolved_at": STAMP,
            },
        ],
        "kv": [
            {"key": "partners:catalog:acme", "value": '{"a":"新闻"}', "expires_at": None,
             "updated_at": STAMP},
            {"key": "wechat:token:wx1", "value": "秘密", "expires_at": STAMP,
             "updated_at": STAMP},
        ],
        "counters": [
            {"key": "wechat:calls:wx1:draft_add", "day": dt.date(2026, 3, 4), "value": 7},
        ],
        "cursors": [{"source": "s3:wire", "value": "2026/03/04/a.txt", "updated_at": STAMP}],
    }  # fmt: skip


def test_a_ledger_built_at_the_first_revision_upgrades_to_head_with_every_row(
    store_url: str,
) -> None:
    ids = revisions()
    assert ids[0] == "0001"
    engine = create(store_url)
    try:
        migrate(engine, ids[0])
        written = first_revision_rows()
        with engine.begin() as conn:
            schema = MetaData()
            schema.reflect(conn)  # the first revision's tables, as the database has them
            for name, rows in written.items():
                conn.execute(schema.tables[name].insert(), rows)
        before = snapshot(engine)
        assert {name: len(rows) for name, rows in before.items()} == {
            name: len(rows) for name, rows in written.items()
        }
        for revision in ids[1:]:
            migrate(engine, revision)  # one step at a time, as a ledger lagging releases would
        migrate(engine, "head")
        assert snapshot(engine) == before
    finally:
        engine.dispose()
    # Today's stores read the carried-over rows.
    with Ledger(store_url) as ledger:
        [v1, v2] = ledger.versions("a-first")
        assert (v1.headline, v2.pub_status) == ("新闻标题", PubStatus.CANCELED)
        states = {(d.channel, d.state) for d in ledger.deliveries(article_id="a-first")}
        assert ("wechat", DeliveryState.SENDING) in states
        [wechat] = ledger.pending("wechat")
        assert wechat.detail_int("idx") == 2 and wechat.last_error == "超时"
        assert [d.channel for d in ledger.held()] == ["partners"]
        assert ledger.release_due(at=dt.datetime(2026, 3, 5, tzinfo=dt.UTC)) == 1
        assert [e.id for e in ledger.quarantined()] == ["q-1"]
        assert ledger.kv("partners").child("catalog").get("acme") == '{"a":"新闻"}'
        assert ledger.kv("wechat").get("token:wx1") is None  # expired in 2026-03
        assert ledger.kv("wechat").count("calls:wx1:draft_add", day=dt.date(2026, 3, 4)) == 8
        assert ledger.cursor("s3:wire") == "2026/03/04/a.txt"


def test_a_ledger_written_by_todays_api_survives_the_upgrade(store_url: str) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with Ledger(store_url) as ledger:
        pairs = [("web", "default"), ("partners", "acme"), ("app", "default"), ("wechat", "wx")]
        _, one = ledger.put(article("one"), pairs[:2])
        _, two = ledger.put(
            article("two", headline="第二条"),
            pairs,
            held={("partners", "acme"): "敏感"},
            waits={("app", "default"): later},
        )
        ledger.revise(one.id, correction="更正：日期", reason="日期有误")
        ledger.kill(two.id, "撤稿")
        web, partners = ledger.pending("web")[0], ledger.pending("partners")[0]
        ledger.mark_sent(ledger.mark_sending(web, url="https://x/1"), remote_id="https://x/1")
        ledger.mark_quarantined(ledger.mark_sending(partners), "内容被拒")
        [wechat] = ledger.pending("wechat")
        ledger.update_detail(ledger.mark_sending(wechat), idx=3, edition="早报")
        [held] = ledger.held()
        ledger.reject(held, "不发", by="张编辑")
        ledger.quarantine(raw_ref="ab" * 32, stage="parse", reason="没有标题")
        ledger.kv("partners").child("tokens").set("acme", "[]")
        ledger.kv("app").set("push:reached:x", "m-1", expires_at=later)
        ledger.set_value("republish:k:a", "2")
        ledger.kv("wechat").count("calls:wx:draft_add", day=dt.date(2026, 3, 4), increment=4)
        ledger.set_cursor("s3:wire", "b.txt")
        before = snapshot(ledger.engine)
        deliveries = ledger.deliveries()
        entries = ledger.quarantined(include_resolved=True)
    assert {name for name, rows in before.items() if not rows} == set()
    assert {d.state for d in deliveries} >= {
        DeliveryState.SENT, DeliveryState.QUARANTINED, DeliveryState.SENDING,
        DeliveryState.SCHEDULED, DeliveryState.PENDING,
    }  # fmt: skip
    engine = create(store_url)
    try:
        migrate(engine, "head")
        assert snapshot(engine) == before
    finally:
        engine.dispose()
    with Ledger(store_url) as reopened:
        assert reopened.deliveries() == deliveries
        assert reopened.quarantined(include_resolved=True) == entries
        assert reopened.get_value("partners:tokens:acme") == "[]"
        assert reopened.kv("app").child("push").get("reached:x") == "m-1"
        assert reopened.kv("republish").get("k:a") == "2"
        [wx] = reopened.pending("wechat")
        assert (wx.detail_int("idx"), wx.detail["edition"]) == (3, "早报")


def test_the_migrated_schema_is_the_schema_the_stores_use(store_url: str) -> None:
    """tables.py and the migrations agree: nothing to autogenerate on either engine."""
    with Ledger(store_url) as ledger, ledger.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert compare_metadata(context, tables.metadata) == []


def test_head_names_the_newest_migration_and_a_ledger_there_opens_without_alembic(
    store_url: str,
) -> None:
    from distro.store import engine as engines
    from distro.store.migrations import HEAD

    assert revisions()[-1] == HEAD  # bump HEAD with every new migration
    fresh = create(store_url)
    assert not engines.at_head(fresh)  # nothing there yet: Alembic builds it
    with Ledger(store_url):
        pass
    assert engines.at_head(fresh)
    with fresh.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    assert not engines.at_head(fresh)  # a ledger from another release goes through Alembic
    fresh.dispose()
