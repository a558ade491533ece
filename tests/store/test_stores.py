"""The typed stores behind the ledger: namespaced key/values, typed detail, atomic writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from distro.errors import RecordRejected
from distro.models import Delivery, DeliveryState
from distro.store.details import DeliveryDetail, WeChatDetail
from distro.store.kv import KeyValue
from distro.store.ledger import Ledger
from tests.store.articles import article


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    with Ledger(store_url) as opened:
        yield opened


def test_a_namespace_reads_and_writes_the_keys_spelled_by_hand(ledger: Ledger) -> None:
    ledger.set_value("partners:catalog:acme", "旧书架")
    partners = ledger.kv("partners")
    assert partners.get("catalog:acme") == "旧书架"
    assert partners.child("catalog").get("acme") == "旧书架"
    assert partners.child("catalog").key("acme") == "partners:catalog:acme"
    partners.set("legacy-cleared", "1")
    assert ledger.get_value("partners:legacy-cleared") == "1"
    assert ledger.kv("web").get("legacy-cleared") is None  # another namespace
    partners.delete("legacy-cleared")
    assert ledger.get_value("partners:legacy-cleared") is None
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    partners.set("token", "秘密", expires_at=past)
    assert partners.get("token") is None
    partners.set("token", "新", expires_at=past + dt.timedelta(hours=1))
    assert partners.get("token") == "新"


def test_expiry_is_judged_on_the_callers_clock_when_it_gives_one(ledger: Ledger) -> None:
    wechat = ledger.kv("wechat")
    march = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    wechat.set("exhausted:wx1", "2026-03-02", expires_at=march + dt.timedelta(hours=15))
    assert wechat.get("exhausted:wx1") is None  # long past by the wall clock
    assert wechat.get("exhausted:wx1", at=march) == "2026-03-02"
    assert wechat.get("exhausted:wx1", at=march + dt.timedelta(hours=15)) is None
    assert ledger.get_value("wechat:exhausted:wx1", at=march) == "2026-03-02"


def test_a_claim_takes_a_name_once_until_it_expires(ledger: Ledger) -> None:
    seen = ledger.kv("wechat").child("callback")
    noon = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    until = noon + dt.timedelta(minutes=6)
    assert seen.claim("default:n1", "1", expires_at=until, at=noon)
    assert not seen.claim("default:n1", "2", expires_at=until, at=noon)  # live: refused
    assert seen.get("default:n1", at=noon) == "1"  # and the first value kept
    assert seen.claim("default:n2", "1", expires_at=until, at=noon)  # another name
    later = until + dt.timedelta(seconds=1)
    assert seen.claim("default:n1", "3", expires_at=later + dt.timedelta(minutes=6), at=later)
    assert seen.get("default:n1", at=later) == "3"  # an expired claim is taken again
    seen.set("default:n3", "forever")
    assert not seen.claim("default:n3", "x", expires_at=until, at=later)  # no expiry: held


def test_a_value_is_replaced_only_by_one_who_read_it(ledger: Ledger) -> None:
    locks = ledger.kv("jumps")
    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    locks.set("lock:a", "dead-holder", expires_at=until)
    assert locks.replace("lock:a", "dead-holder", "first", expires_at=until)
    assert not locks.replace("lock:a", "dead-holder", "second", expires_at=until)  # it moved
    assert locks.get("lock:a") == "first"
    assert not locks.replace("lock:none", "x", "y")  # nothing there: nothing stored
    assert locks.get("lock:none") is None


def test_counters_are_namespaced_the_same_way(ledger: Ledger) -> None:
    day = dt.date(2026, 3, 4)
    wechat = ledger.kv("wechat")
    assert wechat.count("calls:wx1:draft_add", day=day, increment=3) == 3
    assert ledger.count("wechat:calls:wx1:draft_add", day=day) == 4
    assert wechat.child("calls").count("wx1:draft_add", day=day, increment=0) == 4
    assert ledger.kv("app").count("calls:wx1:draft_add", day=day, increment=0) == 0


@pytest.mark.parametrize("name", ["", "wechat:"])
def test_a_namespace_needs_a_name(ledger: Ledger, name: str) -> None:
    with pytest.raises(ValueError, match="namespace"):
        ledger.kv(name)
    assert KeyValue(ledger.db).key("plain") == "plain"


def test_storing_and_queueing_roll_back_together(ledger: Ledger) -> None:
    beyond = dt.datetime.max.replace(tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    with pytest.raises(RecordRejected):
        ledger.put(article("one"), [("web", "default")], waits={("web", "default"): beyond})
    assert ledger.article_count() == 0
    assert ledger.deliveries() == []


def test_a_refused_delivery_and_its_quarantine_entry_are_written_together(ledger: Ledger) -> None:
    _, stored = ledger.put(article("one"), [("partners", "acme")])
    [d] = ledger.delivery_store.pending("partners")
    quarantined = ledger.delivery_store.mark_quarantined(ledger.mark_sending(d), "内容被拒")
    assert quarantined.state == DeliveryState.QUARANTINED
    [entry] = ledger.quarantine_store.entries()
    assert (entry.stage, entry.origin) == ("deliver", "partners:acme")
    assert entry.raw_ref == f"delivery:{stored.id}/1/partners/acme"


def test_the_stores_share_the_ledgers_rows(ledger: Ledger) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    _, stored = ledger.article_store.put(
        article("one"),
        [("web", "default"), ("app", "default"), ("partners", "acme")],
        held={("partners", "acme"): "敏感"},
        waits={("app", "default"): later},
    )
    assert ledger.get(stored.id) == stored
    assert [d.channel for d in ledger.gate_store.held()] == ["partners"]
    assert ledger.gate_store.withheld("app") == {stored.id}
    assert ledger.gate_store.release_due(at=later - dt.timedelta(seconds=1)) == 0
    assert ledger.gate_store.release_due(at=later) == 1
    [app] = ledger.pending("app")
    assert app.detail_as(DeliveryDetail).not_before == later
    ledger.cursor_store.set("s3:wire", "a.txt")
    assert ledger.cursor("s3:wire") == "a.txt"


def test_detail_reads_typed() -> None:
    d = Delivery(
        article_id="a-1",
        version=1,
        channel="wechat",
        detail={
            "idx": "3",
            "edition": "早报",
            "sendall_at": "2026-03-04 05:06:07+00:00",
            "draft_media_id": "",
            "unknown": "kept",
        },
    )
    assert d.detail_int("idx") == 3
    assert d.detail_int("missing") == 0 and d.detail_int("draft_media_id", 7) == 7
    typed = d.detail_as(WeChatDetail)
    assert (typed.idx, typed.edition, typed.draft_media_id) == (3, "早报", "")
    assert typed.sendall_at == dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    assert typed.model_extra == {"unknown": "kept"}
    with pytest.raises(ValueError, match="idx"):
        d.model_copy(update={"detail": {"idx": "二"}}).detail_as(WeChatDetail)
