"""Hash buckets inside one partner, on real Airflow (`dag.test()`) against a webhook receiver:
each bucket a mapped task, the feed written once after them, a failed bucket retried alone."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import feedparser
import pytest

from distro import config
from distro.channels.shards import bucket_of
from distro.errors import StoreUnavailable
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.channels.web.stories import article
from tests.servers.webhooks import SECRET, TOKENS, Receiver

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
ARTICLES = 12


def config_text(hook_url: str) -> str:
    return f"""
[channels.web]
base_url = "https://news.example.cn/"
title = "西海岸新闻"

[[partners]]
name = "xinhua"
token = "env:DISTRO_TOKEN_XINHUA"
format = "rss"
buckets = 2
webhook = {{ url = "{hook_url}", secret = "env:DISTRO_HOOK_SECRET" }}

[[partners]]
name = "portal"
token = "env:DISTRO_TOKEN_PORTAL"
format = "atom"
"""


@pytest.fixture
def settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> config.Settings:
    from distro.channels import partners

    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DISTRO_HOOK_SECRET", SECRET)
    monkeypatch.setattr(partners, "BACKOFF", 0.01)
    path = tmp_path / "distro.toml"
    path.write_text(config_text(receiver.url), encoding="utf-8")
    monkeypatch.setenv("DISTRO_CONFIG", str(path))
    monkeypatch.setenv("DISTRO_STATE", str(tmp_path / "state"))
    return config.load()


def seed(settings: config.Settings) -> list[str]:
    ids = []
    with Ledger.open(settings) as ledger:
        for n in range(1, ARTICLES + 1):
            _, stored = ledger.put(article(n, NOW - dt.timedelta(minutes=n)))
            for partner in ("xinhua", "portal"):
                ledger.enqueue(stored.id, stored.version, "partners", partner)
            ids.append(stored.id)
    return ids


def fail_once_after_pushes(monkeypatch: pytest.MonkeyPatch, bucket: int, after: int) -> list[str]:
    """The ledger fails (a dropped connection) in bucket ``bucket`` of xinhua, right after the
    ``after``-th push there was recorded: the shard dies mid-way, once. Returns what it recorded
    before dying."""
    real = Ledger.update_details
    recorded: list[str] = []
    failed: list[bool] = []

    def update_details(self: Ledger, changes: Any) -> Any:
        changes = list(changes)
        changed = real(self, changes)
        for d, detail in changes:
            if (
                not failed
                and d.target == "xinhua"
                and detail.get("webhook") == "delivered"
                and bucket_of(d.article_id, 2) == bucket
            ):
                recorded.append(d.article_id)
                if len(recorded) == after:
                    failed.append(True)
                    raise StoreUnavailable("ledger connection lost")
        return changed

    monkeypatch.setattr(Ledger, "update_details", update_details)
    return recorded


def build(settings: config.Settings) -> Any:
    from distro.airflow import factory

    dag = factory.build(settings)["publish_partners"]
    shard = dag.get_task("publish")
    shard.partial_kwargs["retry_delay"] = dt.timedelta(seconds=0.1)
    shard.partial_kwargs["retry_exponential_backoff"] = 0
    return dag


def by_task(dag_run: Any, task_id: str) -> list[Any]:
    found = [ti for ti in dag_run.get_task_instances() if ti.task_id == task_id]
    return sorted(found, key=lambda ti: ti.map_index)


def test_a_partner_in_two_buckets_is_pushed_once_per_item_and_its_feed_written_once(
    airflow_db: Path,
    settings: config.Settings,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = seed(settings)
    buckets = Counter(bucket_of(article_id, 2) for article_id in ids)
    assert set(buckets) == {0, 1}, buckets  # both buckets have work
    recorded = fail_once_after_pushes(monkeypatch, bucket=1, after=2)

    dag_run = build(settings).test()
    assert str(dag_run.state) == "success"
    plan = by_task(dag_run, "plan")[0].xcom_pull(task_ids="plan")
    shards = [(s["target"], s["bucket"], s["buckets"]) for s in plan]
    assert shards == [("xinhua", 0, 2), ("xinhua", 1, 2), ("portal", 0, 1)]
    published = by_task(dag_run, "publish")
    assert [str(ti.state) for ti in published] == ["success"] * 3
    # the bucket that failed ran twice; the others once: nobody redid its work
    assert [ti.try_number for ti in published] == [1, 2, 1]
    assert len(recorded) == 2
    (finished,) = by_task(dag_run, "finish")
    assert str(finished.state) == "success" and finished.try_number == 1
    (report,) = finished.xcom_pull(task_ids="finish")
    assert (report["target"], report["sent"]) == ("xinhua", ARTICLES)
    assert [str(ti.state) for ti in by_task(dag_run, "shards_failed")] == ["skipped"]

    # every item pushed exactly once, each from the bucket its id hashes to, none twice
    pushed = [r["headers"]["x-distro-delivery"] for r in receiver.requests]
    assert sorted(pushed) == sorted(f"{article_id}/v1/xinhua" for article_id in ids)
    assert {r["status"] for r in receiver.requests} == {200}
    # the aggregate feed lists every item, and was written by the one finish step
    state = settings.state.root
    feed = feedparser.parse((state / "partners" / "xinhua" / "feed.xml").read_bytes())
    assert sorted(e.title for e in feed.entries) == sorted(
        f"第{n}条 新区观摩会举行" for n in range(1, ARTICLES + 1)
    )
    portal = feedparser.parse((state / "partners" / "portal" / "atom.xml").read_bytes())
    assert len(portal.entries) == ARTICLES
    with Ledger.open(settings) as ledger:
        assert ledger.pending("partners") == []
        states = Counter(d.state for d in ledger.deliveries(channel="partners"))
    assert states == {DeliveryState.SENT: 2 * ARTICLES}

    # a new version of one article lands in its bucket again and is pushed once, as an update
    with Ledger.open(settings) as ledger:
        changed = article(1, NOW - dt.timedelta(minutes=1), headline="第1条 新区观摩会举行（更正）")
        _, revised = ledger.put(changed, [("partners", "xinhua"), ("partners", "portal")])
        assert (revised.id, revised.version) == (ids[0], 2)
    again = build(settings).test()
    assert str(again.state) == "success"
    replan = by_task(again, "plan")[0].xcom_pull(task_ids="plan")
    assert [(s["target"], s["bucket"]) for s in replan] == [
        ("xinhua", bucket_of(ids[0], 2)),
        ("portal", 0),
    ]
    assert len(receiver.requests) == ARTICLES + 1
    last = receiver.requests[-1]
    assert last["headers"]["x-distro-delivery"] == f"{ids[0]}/v2/xinhua"
    assert last["headers"]["x-distro-event"] == "updated"
    feed = feedparser.parse((state / "partners" / "xinhua" / "feed.xml").read_bytes())
    titles = [e.title for e in feed.entries]
    assert "第1条 新区观摩会举行（更正）" in titles and len(titles) == ARTICLES


def test_a_bucket_that_keeps_failing_fails_the_run_but_not_the_feed_of_the_rest(
    airflow_db: Path,
    settings: config.Settings,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a first run lists what the archive holds (one article): the partner's list exists after it
    with Ledger.open(settings) as ledger:
        _, first = ledger.put(article(100, NOW), [("partners", "xinhua"), ("partners", "portal")])
    assert str(build(settings).test().state) == "success"
    receiver.requests.clear()
    ids = seed(settings)
    real = Ledger.mark_sending_all

    def mark_sending_all(self: Ledger, deliveries: Any) -> Any:
        deliveries = list(deliveries)
        if any(d.target == "xinhua" and bucket_of(d.article_id, 2) == 0 for d in deliveries):
            raise StoreUnavailable("ledger connection lost")
        return real(self, deliveries)

    monkeypatch.setattr(Ledger, "mark_sending_all", mark_sending_all)
    dag = build(settings)
    dag.get_task("publish").partial_kwargs["retries"] = 1
    dag_run = dag.test()
    assert str(dag_run.state) == "failed"
    assert [str(ti.state) for ti in by_task(dag_run, "publish")] == [
        "failed",
        "success",
        "success",
    ]
    assert [str(ti.state) for ti in by_task(dag_run, "finish")] == ["success"]
    assert [str(ti.state) for ti in by_task(dag_run, "shards_failed")] == ["failed"]
    # bucket 1's items went out and are in the feed; bucket 0's wait, untouched, for the next run
    ones = {a for a in ids if bucket_of(a, 2) == 1}
    assert {r["body"]["article_id"] for r in receiver.requests} == ones
    feed = feedparser.parse(
        (settings.state.root / "partners" / "xinhua" / "feed.xml").read_bytes()
    )
    listed = {e.id.rsplit(":", 1)[-1] for e in feed.entries}
    assert listed == ones | {first.id}
    with Ledger.open(settings) as ledger:
        waiting = {d.article_id for d in ledger.pending("partners", target="xinhua")}
        assert waiting == set(ids) - ones
        assert all(d.state is DeliveryState.PENDING for d in ledger.pending("partners"))


def test_small_partners_past_the_shard_limit_share_one_mapped_task(
    airflow_db: Path,
    settings: config.Settings,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = config_text(receiver.url).replace("buckets = 2\n", "")
    path = settings.config_path
    assert path is not None
    path.write_text(text.replace("[[partners]]", "[limits]\npublish_shards = 1\n\n[[partners]]", 1))
    shared = config.load()
    ids = seed(shared)
    dag_run = build(shared).test()
    assert str(dag_run.state) == "success"
    plan = by_task(dag_run, "plan")[0].xcom_pull(task_ids="plan")
    assert plan == [{"target": "xinhua", "bucket": 0, "buckets": 1, "also": ["portal"]}]
    (published,) = by_task(dag_run, "publish")
    assert str(published.state) == "success"
    result = published.xcom_pull(task_ids="publish", map_indexes=0)
    assert (result["shard"], result["sent"]) == ("xinhua+1", 2 * ARTICLES)
    pushed = sorted(r["headers"]["x-distro-delivery"] for r in receiver.requests)
    assert pushed == sorted(f"{article_id}/v1/xinhua" for article_id in ids)
    with Ledger.open(shared) as ledger:
        assert ledger.pending("partners") == []
