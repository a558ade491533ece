"""`dag.test()` of every DAG on SQLite: the tasks run for real against a fresh state folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from distro import channels, config
from distro.store.ledger import Ledger
from tests.airflow.conftest import article


def run(dag_id: str, settings: config.Settings, conf: dict[str, Any] | None = None) -> Any:
    """Build the DAGs for ``settings`` and test one; returns the finished DAG run."""
    from distro.airflow import factory

    dag = factory.build(settings)[dag_id]
    return dag.test(run_conf=conf)


def states(dag_run: Any) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


def test_republish_makes_a_new_version_for_the_chosen_channels_only(
    airflow_db: Path, state: config.Settings
) -> None:
    with Ledger.open(state) as ledger:
        made = article("市政府召开新闻发布会", "本报讯 昨天，市政府召开新闻发布会。")
        _, stored = ledger.put(made)
    conf = {"article_ids": [stored.id], "channels": ["web"], "reason": "更正人名", "note": "更正"}
    dag_run = run("republish", state, conf)
    assert str(dag_run.state) == "success", states(dag_run)
    with Ledger.open(state) as ledger:
        latest = ledger.get(stored.id)
        assert latest is not None
        assert (latest.version, latest.correction) == (2, "更正")
        queued = {(d.channel, d.version) for d in ledger.deliveries(article_id=stored.id)}
    assert queued == {("web", 2)}


def test_republish_of_an_unknown_article_fails_without_retrying(
    airflow_db: Path, state: config.Settings
) -> None:
    conf = {"article_ids": ["a-00000000000000000000"], "channels": None, "reason": "测试"}
    dag_run = run("republish", state, conf)
    assert str(dag_run.state) == "failed"
    (ti,) = dag_run.get_task_instances()
    assert ti.try_number == 1 and str(ti.state) == "failed"


def test_sweep_skips_when_nothing_is_pending(airflow_db: Path, state: config.Settings) -> None:
    dag_run = run("sweep", state)
    assert states(dag_run) == {"sweep": "skipped"}


def test_sweep_announces_channels_with_pending_deliveries(
    airflow_db: Path, state: config.Settings
) -> None:
    with Ledger.open(state) as ledger:
        _, stored = ledger.put(article("暴雨预警", "本报讯 气象台发布暴雨蓝色预警。"))
        ledger.enqueue(stored.id, stored.version, "app")
    dag_run = run("sweep", state)
    (ti,) = dag_run.get_task_instances()
    assert str(ti.state) == "success"
    assert ti.xcom_pull(task_ids="sweep") == ["app"]


@pytest.mark.parametrize("channel", ["web", "app"])
def test_publish_dag_drains_the_channel(
    airflow_db: Path, state: config.Settings, channel: str
) -> None:
    with Ledger.open(state) as ledger:
        _, stored = ledger.put(article(f"{channel}频道测试稿", "本报讯 记者报道一则消息。"))
        for name, target in channels.targets(state):
            if name == channel:
                ledger.enqueue(stored.id, stored.version, name, target)
    dag_run = run(f"publish_{channel}", state)
    assert str(dag_run.state) == "success", states(dag_run)
    with Ledger.open(state) as ledger:
        assert ledger.pending(channel) == []


def signals_since(run_id: str) -> list[str]:
    """URIs of the asset events the given run emitted, from Airflow's metadata DB."""
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        events = session.scalars(select(AssetEvent).where(AssetEvent.source_run_id == run_id))
        return sorted(event.asset.uri for event in events)


def test_ingest_takes_the_inbox_and_wakes_the_signalled_channels(
    airflow_db: Path, state: config.Settings, seed_bytes: bytes
) -> None:
    state.state.inbox.mkdir(parents=True)
    (state.state.inbox / "000_c6710cc7ae2753f8.txt").write_bytes(seed_bytes)
    dag_run = run("ingest_wire", state)
    assert str(dag_run.state) == "success", states(dag_run)
    (ti,) = dag_run.get_task_instances()
    counts = ti.xcom_pull(task_ids="ingest")
    assert counts["accepted"] > 0 and counts["errors"] == 0
    assert signals_since(dag_run.run_id) == ["x-distro://pending/app", "x-distro://pending/web"]
    with Ledger.open(state) as ledger:
        web = ledger.pending("web")
        wechat = ledger.pending("wechat")
    assert len(web) == counts["accepted"] == len(wechat)
    assert list(state.state.inbox.glob("*.txt")) == []


def test_ingest_with_nothing_new_announces_nothing(
    airflow_db: Path, state: config.Settings
) -> None:
    dag_run = run("ingest_wire", state)
    assert str(dag_run.state) == "success", states(dag_run)
    assert signals_since(dag_run.run_id) == []


def test_publish_wechat_without_an_account_is_a_dry_run_that_waits_for_nothing(
    airflow_db: Path, state: config.Settings
) -> None:
    with Ledger.open(state) as ledger:
        _, stored = ledger.put(article("早间新闻", "本报讯 早间新闻一则。"))
        ledger.enqueue(stored.id, stored.version, "wechat")
    dag_run = run("publish_wechat", state)
    assert states(dag_run) == {"publish": "success", "await_published": "success"}
    wait = next(ti for ti in dag_run.get_task_instances() if ti.task_id == "await_published")
    assert wait.xcom_pull(task_ids="await_published")["done"] is True


def test_a_kill_takes_the_article_back_from_wechat_at_once_without_an_edition(
    airflow_db: Path, state: config.Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from distro.models import DeliveryState
    from tests.channels.wechat.server import WeChatServer

    server = WeChatServer().start()
    login = {"login": server.state.appid, "password": server.state.secret}
    connection = {"conn_type": "http", "host": server.base_url, **login}
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_WECHAT", json.dumps(connection))
    wechat = [("wechat", "default")]
    try:
        with Ledger.open(state) as ledger:
            _, old = ledger.put(article("早间新闻", "本报讯 早间新闻一则。"), wechat)
        assert str(run("publish_wechat", state).state) == "success"  # the edition, published
        with Ledger.open(state) as ledger:
            _, fresh = ledger.put(article("午间新闻", "本报讯 午间新闻一则。"), wechat)
        drafts = len(server.state.ok_calls("draft/add"))
        dag_run = run("kill", state, {"article_ids": [old.id], "reason": "法务要求撤稿"})
        assert states(dag_run) == {"withdraw": "success", "take_back_wechat": "success"}
        assert len(server.state.ok_calls("freepublish/delete")) == 1  # at once, not at 07:00
        assert len(server.state.ok_calls("draft/add")) == drafts  # and no edition out of time
        with Ledger.open(state) as ledger:
            waiting = [d.state for d in ledger.deliveries(article_id=fresh.id, channel="wechat")]
        assert waiting == [DeliveryState.PENDING]  # the next edition's, at its time
    finally:
        server.stop()


def test_publish_wechat_waits_in_the_triggerer_until_the_edition_is_out(
    airflow_db: Path, state: config.Settings
) -> None:
    from distro.airflow import factory

    # The status probe stands in for freepublish/get: not done at first, done at the next poll.
    dag = factory.build(state)["publish_wechat"]
    wait_task = dag.get_task("await_published")
    assert wait_task.probe == channels.get("wechat").probe  # the spec's probe, not a constant
    wait_task.probe = "tests.airflow.test_runs.second_call_done"
    wait_task.interval = 0.05
    dag_run = dag.test()
    assert states(dag_run) == {"publish": "success", "await_published": "success"}
    wait = next(ti for ti in dag_run.get_task_instances() if ti.task_id == "await_published")
    # One call in the worker (not done), then the triggerer's, which found it done.
    assert wait.xcom_pull(task_ids="await_published") == {"done": True, "calls": 2}


def second_call_done(config: str | None, state: str, target: str | None = None) -> dict[str, Any]:
    """A status probe that says done on its second call (counted in the state folder)."""
    counter = Path(state) / "probe-calls"
    calls = int(counter.read_text(encoding="utf-8")) + 1 if counter.exists() else 1
    counter.parent.mkdir(parents=True, exist_ok=True)
    counter.write_text(str(calls), encoding="utf-8")
    return {"done": calls >= 2, "calls": calls}


def test_a_plugin_channel_dag_publishes_its_deliveries(
    airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "example-out"
    path = tmp_path / "distro.toml"
    path.write_text(f'[channels.example]\npath = "{out}"\ntargets = ["desk"]\n', encoding="utf-8")
    monkeypatch.setenv("DISTRO_CONFIG", str(path))
    monkeypatch.setenv("DISTRO_STATE", str(tmp_path / "state"))
    settings = config.load()
    with Ledger.open(settings) as ledger:
        _, stored = ledger.put(
            article("插件频道", "本报讯 插件频道的一篇稿件。"), channels.targets(settings)
        )
    dag_run = run("publish_example", settings)
    assert states(dag_run) == {"publish": "success"}
    [published] = [ti.xcom_pull(task_ids="publish") for ti in dag_run.get_task_instances()]
    assert published["sent"] == 1
    assert (out / "desk" / f"{stored.id}.v1.json").exists()


def test_partners_publish_as_one_mapped_task_per_partner_with_work(
    airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.channels.test_partners import TOKENS, config_text, seed_articles

    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "distro.toml"
    path.write_text(config_text(), encoding="utf-8")
    monkeypatch.setenv("DISTRO_CONFIG", str(path))
    monkeypatch.setenv("DISTRO_STATE", str(tmp_path / "state"))
    settings = config.load()
    with Ledger.open(settings) as ledger:
        seed_articles(ledger)
        # one partner's work is already done: it gets no shard
        for delivery in ledger.pending("partners", target="archive"):
            ledger.mark_sent(ledger.mark_sending(delivery))
    dag_run = run("publish_partners", settings)
    tis = dag_run.get_task_instances()
    plan = next(ti for ti in tis if ti.task_id == "plan").xcom_pull(task_ids="plan")
    assert sorted(shard["target"] for shard in plan) == ["apps", "portal", "xinhua"]
    # no partner is split into buckets: each shard writes its own feed, no finish step
    assert {shard["buckets"] for shard in plan} == {1}
    assert "finish" not in {ti.task_id for ti in tis}
    shards = [ti for ti in tis if ti.task_id == "publish"]
    assert sorted(ti.map_index for ti in shards) == [0, 1, 2]
    assert {str(ti.state) for ti in shards} == {"success"}
    with Ledger.open(settings) as ledger:
        assert ledger.pending("partners") == []
    # nothing left: the next run plans no shard and publishes nothing twice
    again = run("publish_partners", settings)
    assert (
        next(ti for ti in again.get_task_instances() if ti.task_id == "plan").xcom_pull(
            task_ids="plan"
        )
        == []
    )
