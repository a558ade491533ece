"""The ledger on SQLite and on PostgreSQL: versions, deliveries, quarantine, cursors, counters."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import inspect

from distro import config
from distro.errors import StoreError, StoreUnavailable
from distro.models import DeliveryState, Provenance, PubStatus
from distro.store.ledger import DeliveryConflict, Ledger, MissingArticle
from tests.servers.postgres import free_port
from tests.store.articles import article


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    with Ledger(store_url) as opened:
        yield opened


def test_open_migrates_and_reopens(store_url: str) -> None:
    with Ledger(store_url) as first:
        names = set(inspect(first.engine).get_table_names())
    assert {"articles", "quarantine", "deliveries", "cursors", "kv", "alembic_version"} <= names
    with Ledger(store_url) as second:
        assert second.article_count() == 0


def test_open_from_settings(tmp_path: Path) -> None:
    settings = config.load(None, tmp_path / "state")
    with Ledger.open(settings) as opened:
        opened.set_cursor("s", "1")
    assert settings.state.database.is_file()


def test_put_assigns_versions(ledger: Ledger) -> None:
    first = article(headline="标题")
    outcome, stored = ledger.put(first.model_copy(update={"version": 7}))
    assert (outcome, stored.version) == ("accepted", 1)
    # Provenance is not content: the same text received again is a duplicate.
    again = first.model_copy(
        update={"provenance": first.provenance.model_copy(update={"sha256": "1" * 64})}
    )
    outcome, stored = ledger.put(again)
    assert (outcome, stored.version, stored.provenance.sha256) == ("duplicate", 1, "0" * 64)
    outcome, stored = ledger.put(first.model_copy(update={"headline": "新标题"}))
    assert (outcome, stored.version) == ("new_version", 2)
    assert [a.headline for a in ledger.versions(first.id)] == ["标题", "新标题"]
    assert ledger.get(first.id) == stored
    got = ledger.get(first.id, version=1)
    assert got is not None and got.headline == "标题"
    assert ledger.get(first.id, version=3) is None
    assert ledger.get("a-missing") is None
    assert ledger.article_count() == 1
    assert ledger.article_count(versions=True) == 2


def test_put_queues_deliveries_with_the_article(ledger: Ledger) -> None:
    pairs = [("web", "default"), ("partners", "p1")]
    outcome, stored = ledger.put(article(headline="同一事务"), pairs)
    assert outcome == "accepted"
    queued = {(d.channel, d.target, d.version) for d in ledger.deliveries(article_id=stored.id)}
    assert queued == {("web", "default", 1), ("partners", "p1", 1)}
    outcome, changed = ledger.put(article(headline="同一事务", summary="改"), pairs)
    assert (outcome, changed.version) == ("new_version", 2)
    assert len(ledger.deliveries(article_id=stored.id)) == 4


def test_a_duplicate_requeues_only_missing_deliveries(ledger: Ledger) -> None:
    """A ledger where a crash left an article without deliveries heals on the rerun."""
    _, stored = ledger.put(article(headline="丢失的投递"))  # stored, never queued
    assert ledger.deliveries(article_id=stored.id) == []
    ledger.enqueue("a-other1", 1, "web")
    sent = ledger.mark_sent(ledger.mark_sending(ledger.pending("web")[0]), remote_id="x")
    pairs = [("web", "default"), ("wechat", "default")]
    assert ledger.put(article(headline="丢失的投递"), pairs)[0] == "duplicate"
    states = {d.channel: d.state for d in ledger.deliveries(article_id=stored.id)}
    assert states == {"web": DeliveryState.PENDING, "wechat": DeliveryState.PENDING}
    ledger.mark_sent(ledger.mark_sending(ledger.pending("wechat")[0]), remote_id="w")
    assert ledger.put(article(headline="丢失的投递"), pairs)[0] == "duplicate"
    # Deliveries already made stay made: a rerun never sends twice.
    assert [d.channel for d in ledger.pending("wechat")] == []
    assert ledger.deliveries(article_id="a-other1") == [sent]


def test_revise_and_kill(ledger: Ledger) -> None:
    _, stored = ledger.put(article())
    revised = ledger.revise(stored.id, correction="更正：人名有误。", reason="reader mail")
    assert (revised.version, revised.correction) == (2, "更正：人名有误。")
    assert revised.content_hash() == stored.content_hash()
    assert ledger.put(article())[0] == "duplicate"
    killed = ledger.kill(stored.id, "legal")
    assert (killed.version, killed.pub_status) == (3, PubStatus.CANCELED)
    assert ledger.articles() == []
    assert [a.version for a in ledger.articles(include_killed=True)] == [3]
    # A killed article stays killed when its text comes back changed.
    outcome, changed = ledger.put(article(headline="改过的标题"))
    assert (outcome, changed.version, changed.pub_status) == ("new_version", 4, PubStatus.CANCELED)
    with pytest.raises(MissingArticle):
        ledger.kill("a-nothing-here", "x")


def test_articles_latest_newest_first(ledger: Ledger) -> None:
    times = [dt.datetime(2026, 1, day, tzinfo=dt.UTC) for day in (3, 1, 2)]
    for i, when in enumerate(times):
        ledger.put(article(str(i), published_at=when))
    ledger.put(article("1", published_at=times[1], headline="第二版"))
    listed = ledger.articles()
    assert [a.published_at for a in listed] == sorted(times, reverse=True)
    assert [a.version for a in listed] == [1, 1, 2]
    assert len(ledger.articles(limit=2)) == 2
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert ledger.articles(since=future) == []
    assert len(ledger.articles(since=future - dt.timedelta(days=1))) == 3


def test_delivery_lifecycle(ledger: Ledger) -> None:
    assert ledger.enqueue("a-000001", 1, "web")
    assert not ledger.enqueue("a-000001", 1, "web")
    assert ledger.enqueue("a-000001", 1, "partners", "acme")
    assert ledger.enqueue("a-000002", 1, "partners", "acme")
    [web] = ledger.pending("web")
    assert (web.state, web.attempts, web.target) == (DeliveryState.PENDING, 0, "default")
    assert len(ledger.pending("partners", target="acme")) == 2
    assert len(ledger.pending("partners", limit=1)) == 1
    sending = ledger.mark_sending(web, draft="草稿-1")
    assert (sending.state, sending.attempts, sending.detail) == (
        DeliveryState.SENDING, 1, {"draft": "草稿-1"},
    )  # fmt: skip
    assert ledger.pending("web") == [sending]  # unknown outcome: the channel reconciles it
    updated = ledger.update_detail(sending, url="https://x/1")
    assert updated.detail == {"draft": "草稿-1", "url": "https://x/1"}
    failed = ledger.mark_failed(updated, "503", terminal=False)
    assert (failed.state, failed.last_error) == (DeliveryState.PENDING, "503")
    again = ledger.mark_sending(failed)
    assert again.attempts == 2
    sent = ledger.mark_sent(again, remote_id="m-9", published="yes")
    assert (sent.state, sent.remote_id, sent.detail["published"]) == (
        DeliveryState.SENT, "m-9", "yes",
    )  # fmt: skip
    assert ledger.pending("web") == []
    with pytest.raises(DeliveryConflict):
        ledger.mark_sending(sent)
    # Two workers holding the same pending snapshot: only the first takes it.
    assert ledger.enqueue("a-000003", 1, "web")
    [snapshot] = ledger.pending("web")
    taken = ledger.mark_sending(snapshot)
    with pytest.raises(DeliveryConflict):
        ledger.mark_sending(snapshot)
    assert ledger.mark_sending(taken).attempts == 2  # reconciling an intent is allowed
    ledger.mark_sent(taken)
    first, second = ledger.pending("partners")
    assert ledger.mark_failed(first, "400 bad", terminal=True).state == DeliveryState.FAILED
    quarantined = ledger.mark_quarantined(second, "内容被拒")
    assert quarantined.state == DeliveryState.QUARANTINED
    [entry] = ledger.quarantined()
    assert (entry.stage, entry.reason, entry.origin) == ("deliver", "内容被拒", "partners:acme")
    assert ledger.reopen(quarantined).state == DeliveryState.PENDING
    assert [d.channel for d in ledger.deliveries(article_id="a-000001")] == ["web", "partners"]
    pairs = [("web", "default"), ("partners", "acme"), ("partners", "beta")]
    assert ledger.enqueue_many("a-000001", 1, pairs) == 1
    assert ledger.enqueue_many("a-000001", 1, pairs) == 0
    assert ledger.enqueue_many("a-000001", 1, []) == 0
    assert len(ledger.deliveries(channel="partners")) == 3
    with pytest.raises(StoreError):
        ledger.mark_sent(web.model_copy(update={"target": "nobody"}))


def test_batched_claims_and_closes_change_each_row_once(ledger: Ledger) -> None:
    for n in (1, 2, 3):
        assert ledger.enqueue(f"a-00000{n}", 1, "partners", "acme")
    one, two, three = ledger.pending("partners")
    ledger.mark_sent(ledger.mark_sending(two))  # another worker closed it meanwhile
    taken = ledger.mark_sending_all([one, two, three])
    assert [(d.article_id, d.state, d.attempts) for d in taken] == [
        ("a-000001", DeliveryState.SENDING, 1), ("a-000003", DeliveryState.SENDING, 1),
    ]  # fmt: skip
    assert ledger.mark_sending_all([one]) == []  # a stale pending snapshot takes nothing
    staged = ledger.update_details([(taken[0], {"step": "一", "gone": None}), (taken[1], {})])
    assert [d.detail for d in staged] == [{"step": "一"}, {}]
    sent = ledger.mark_sent_all([(staged[0], "r-1", {"outcome": "published"}),
                                 (staged[1], None, {"outcome": "filtered"})])  # fmt: skip
    assert [(d.state, d.remote_id, d.detail) for d in sent] == [
        (DeliveryState.SENT, "r-1", {"step": "一", "outcome": "published"}),
        (DeliveryState.SENT, None, {"outcome": "filtered"}),
    ]
    assert ledger.pending("partners") == []
    # All or nothing: a row that is not there undoes the whole batch.
    assert ledger.enqueue("a-000004", 1, "partners", "acme")
    [four] = ledger.pending("partners")
    with pytest.raises(StoreError):
        nowhere = four.model_copy(update={"target": "x"})
        ledger.mark_sent_all([(four, None, {}), (nowhere, None, {})])
    assert ledger.pending("partners") == [four]


def test_articles_read_together_are_the_ones_asked_for(ledger: Ledger) -> None:
    first, second = article("one", headline="一"), article("two", headline="二")
    ledger.put(first)
    ledger.put(first.model_copy(update={"headline": "一改"}))
    ledger.put(second)
    latest = ledger.get_latest([first.id, second.id, "a-missing", first.id])
    assert {k: (a.version, a.headline) for k, a in latest.items()} == {
        first.id: (2, "一改"), second.id: (1, "二"),
    }  # fmt: skip
    named = ledger.get_all([(first.id, 1), (second.id, 2), (first.id, 2)])
    assert {k: a.headline for k, a in named.items()} == {(first.id, 1): "一", (first.id, 2): "一改"}
    assert ledger.get_all([]) == {} and ledger.get_latest([]) == {}


def test_quarantine_is_idempotent_and_resolvable(ledger: Ledger) -> None:
    entry = ledger.quarantine(
        raw_ref="ab" * 32, stage="parse", reason="没有标题", origin="file:///x"
    )
    assert entry.id.startswith("q-")
    assert ledger.quarantine(raw_ref="ab" * 32, stage="parse", reason="没有标题") == entry
    assert ledger.quarantined() == [entry]
    assert ledger.get_quarantine(entry.id) == entry
    assert ledger.get_quarantine("q-none") is None
    assert ledger.resolve_quarantine(entry.id) == entry
    assert ledger.is_resolved(entry.id)
    assert ledger.quarantined() == []
    assert ledger.quarantined(include_resolved=True) == [entry]
    # The same failure again reopens the entry.
    ledger.quarantine(raw_ref="ab" * 32, stage="parse", reason="没有标题")
    assert ledger.quarantined() == [entry]
    assert ledger.resolve_quarantine("q-none") is None


def test_values_cursors_counters(ledger: Ledger) -> None:
    assert ledger.get_value("token") is None
    ledger.set_value("token", "秘密")
    assert ledger.get_value("token") == "秘密"
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    ledger.set_value("token", "old", expires_at=past)
    assert ledger.get_value("token") is None
    ledger.set_value("token", "new", expires_at=past + dt.timedelta(hours=1))
    assert ledger.get_value("token") == "new"
    ledger.delete_value("token")
    assert ledger.get_value("token") is None
    assert ledger.cursor("s3:wire") is None
    ledger.set_cursor("s3:wire", "2026/01/a.txt")
    ledger.set_cursor("s3:wire", "2026/01/b.txt")
    assert ledger.cursor("s3:wire") == "2026/01/b.txt"
    day = dt.date(2026, 1, 2)
    assert ledger.count("wechat:publish", day=day) == 1
    assert ledger.count("wechat:publish", day=day, increment=5) == 6
    assert ledger.count("wechat:publish", day=day + dt.timedelta(days=1)) == 1


def hammer(url: str, worker: int) -> tuple[int, list[str]]:
    """One process: count, enqueue and put the same things as its siblings."""
    outcomes = []
    with Ledger(url) as ledger:
        top = 0
        for i in range(20):
            top = max(top, ledger.count("quota", day=dt.date(2026, 1, 1)))
            ledger.enqueue(f"a-00000{i % 5}", 1, "web")
            outcomes.append(ledger.put(article(str(i % 5)))[0])
            outcomes.append(ledger.put(article("own", headline=f"{worker}-{i}"))[0])
    return top, outcomes


def test_concurrent_processes(store_url: str) -> None:
    Ledger(store_url).close()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(3, mp_context=context) as pool:
        results = list(pool.map(hammer, [store_url] * 3, range(3)))
    with Ledger(store_url) as ledger:
        assert ledger.count("quota", day=dt.date(2026, 1, 1), increment=0) == 60
        assert max(top for top, _ in results) == 60
        assert len(ledger.pending("web")) == 5
        outcomes = [o for _, found in results for o in found]
        assert outcomes.count("accepted") == 6
        versions = ledger.versions(article("own").id)
        assert [a.version for a in versions] == list(range(1, len(versions) + 1))
        assert ledger.article_count() == 6


def test_unreachable_database_is_transient() -> None:
    with pytest.raises(StoreUnavailable):
        Ledger(f"postgresql://nobody@127.0.0.1:{free_port()}/none")


def test_articles_round_trip_exactly(ledger: Ledger) -> None:
    received = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    original = article(
        published_at=received,
        provenance=Provenance(origin="https://x/", sha256="f" * 64, received_at=received),
    )
    ledger.put(original)
    assert ledger.get(original.id) == original


def test_the_sqlite_ledger_is_owner_only(tmp_path: Path) -> None:
    """It holds channel tokens: 0600 from its first byte, -wal and -shm alike; an existing
    world-readable file is narrowed."""
    path = tmp_path / "state" / "distro.db"
    with Ledger(f"sqlite:///{path}") as opened:
        opened.set_value("wechat:token", "secret")
        modes = {p.name: p.stat().st_mode & 0o777 for p in path.parent.iterdir()}
    assert modes and set(modes.values()) == {0o600}, modes
    path.chmod(0o644)
    Ledger(f"sqlite:///{path}").close()
    assert path.stat().st_mode & 0o777 == 0o600
