"""S3 drops as events on moto's server: the bucket notifies SQS, Airflow's message-queue trigger
(as the triggerer runs it) fires with the messages, the ingest task queues their keys and
`dag.test()` of the ingest DAG takes them without listing the prefix."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from distro import config
from distro.config import S3SourceConfig
from distro.sources.s3 import S3Source
from distro.store.ledger import Ledger
from tests.servers.s3 import S3Server
from tests.sources.s3_notifications import NotifiedBucket

SQS_TRIGGER = "airflow.providers.amazon.aws.triggers.sqs.SqsSensorTrigger"


@pytest.fixture
def notified(s3_env: S3Server, monkeypatch: pytest.MonkeyPatch) -> NotifiedBucket:
    """A bucket notifying a queue of every new object; the Airflow connection points at moto."""
    bucket = NotifiedBucket.make(s3_env, prefix="")
    monkeypatch.setenv("AIRFLOW_CONN_WIRE_S3", bucket.connection())
    return bucket


@pytest.fixture
def settings(
    notified: NotifiedBucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> config.Settings:
    """A config file with one S3 source on the queue, visible to tasks via DISTRO_CONFIG."""
    path = tmp_path / "distro.toml"
    path.write_text(
        f"""
[[sources]]
kind = "s3"
name = "wire-s3"
group = "wire"
bucket = "{notified.bucket}"
prefix = "wire/"
conn_id = "wire_s3"
region = "us-east-1"
queue_url = "{notified.queue_url}"
queue_wait_seconds = 1
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("DISTRO_CONFIG", str(path))
    monkeypatch.setenv("DISTRO_STATE", str(tmp_path / "state"))
    return config.load(path, tmp_path / "state")


def source(settings: config.Settings) -> S3SourceConfig:
    [cfg] = settings.config.sources
    assert isinstance(cfg, S3SourceConfig)
    return cfg


def triggerer_copy(trigger: Any) -> Any:
    """The trigger as the triggerer makes it: from its serialized class path and kwargs."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


async def first_event(trigger: Any, timeout: float) -> Any:
    async def take() -> Any:
        async for event in trigger.run():
            return event
        return None

    return await asyncio.wait_for(take(), timeout)


def fire(trigger: Any, want: int, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Run the trigger again after each event (as the triggerer does for a watcher) until
    ``want`` messages came; returns the payloads."""
    payloads: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while sum(len(p["message_batch"]) for p in payloads) < want:
        event = asyncio.run(first_event(triggerer_copy(trigger), deadline - time.monotonic()))
        payloads.append(event.payload)
    return payloads


def triggering(asset: Any, payloads: list[dict[str, Any]]) -> Any:
    """``triggering_asset_events`` as a task sees it after those trigger events."""
    from airflow.sdk.api.datamodels._generated import AssetReferenceAssetEventDagRun
    from airflow.sdk.execution_time.comms import AssetEventDagRunReferenceResult
    from airflow.sdk.execution_time.context import TriggeringAssetEventsAccessor

    return TriggeringAssetEventsAccessor.build(
        AssetEventDagRunReferenceResult(
            asset=AssetReferenceAssetEventDagRun(name=asset.name, uri=asset.uri, extra={}),
            extra={"from_trigger": True, "payload": payload},
            source_task_id=None,
            source_dag_id=None,
            source_run_id=None,
            source_map_index=None,
            source_aliases=[],
            timestamp=dt.datetime.now(dt.UTC),
        )
        for payload in payloads
    )


def test_the_ingest_dag_is_scheduled_on_one_watched_queue_asset(
    settings: config.Settings, notified: NotifiedBucket
) -> None:
    from airflow.serialization.serialized_objects import DagSerialization

    from distro.airflow import factory, queues

    cfg = source(settings)
    # A second source on the same queue (another prefix) shares the asset and its watcher.
    twin = cfg.model_copy(update={"name": "wire-s3-photos", "prefix": "photos/"})
    both = settings.config.model_copy(update={"sources": [cfg, twin]})
    [asset] = queues.event_assets(both.sources)
    [watcher] = asset.watchers
    classpath, kwargs = watcher.trigger.serialize()
    assert classpath == SQS_TRIGGER
    assert (kwargs["sqs_queue"], kwargs["aws_conn_id"]) == (notified.queue_url, "wire_s3")
    assert kwargs["delete_message_on_reception"] is True and kwargs["max_messages"] == 10
    dag = factory.build(config.Settings(both, settings.state, settings.config_path))["ingest_wire"]
    data = DagSerialization.to_dict(dag)
    assert asset.uri in str(data["dag"]["timetable"])
    assert DagSerialization.from_dict(data).dag_id == "ingest_wire"


def test_a_drop_fires_the_trigger_and_the_ingest_dag_takes_its_key_once(
    airflow_db: Path, settings: config.Settings, notified: NotifiedBucket, seed_bytes: bytes
) -> None:
    from distro.airflow import factory, queues

    cfg = source(settings)
    asset = queues.queue_asset(cfg)
    [watcher] = asset.watchers
    assert notified.waiting() == 1  # S3's test event, sent when the notification was set up
    started = time.monotonic()
    notified.drop("wire/2021/07/05/0800-p1.txt", seed_bytes)
    notified.drop("photos/2021/07/05/0800-p1.jpg", b"\xff\xd8")  # notified, under no prefix
    notified.send("this is not an S3 event")
    payloads = fire(watcher.trigger, want=4)
    fired = time.monotonic() - started
    # The trigger deleted what it received: nothing is redelivered, poison included.
    assert notified.waiting() == 0
    batch = queues.messages(triggering(asset, payloads), queues.queue_assets([cfg]))
    assert len(batch) == 4
    counts = queues.note(settings, "wire", batch)
    assert counts == {"messages": 4, "queued": 1, "tests": 1, "ignored": 1, "poison": 1}
    with Ledger.open(settings) as ledger:
        [poison] = ledger.quarantined()
        assert poison.stage == "claim" and poison.raw_ref.startswith(f"sqs:{notified.queue_url}#")
        assert "this is not an S3 event" in poison.reason
        # A recent sweep: the event run takes the queued key and lists nothing.
        reader = S3Source(cfg)
        ledger.set_value(reader.swept_key, dt.datetime.now(dt.UTC).isoformat())

    dag_run = factory.build(settings)["ingest_wire"].test()
    assert str(dag_run.state) == "success"
    (ti,) = dag_run.get_task_instances()
    result = ti.xcom_pull(task_ids="ingest")
    assert result["accepted"] > 0 and result["errors"] == 0
    with Ledger.open(settings) as ledger:
        assert reader.queued(ledger) == []
        assert ledger.get_value(reader.seen_key("wire/2021/07/05/0800-p1.txt")) == "1"
        assert ledger.cursor(reader.cursor_key) is None  # taken from the event, not listed
        articles = len(ledger.articles())
    # The same notification again (a redelivery) queues nothing and ingests nothing.
    assert queues.note(settings, "wire", batch)["queued"] == 0
    again = factory.build(settings)["ingest_wire"].test()
    (ti,) = again.get_task_instances()
    assert ti.xcom_pull(task_ids="ingest")["accepted"] == 0
    with Ledger.open(settings) as ledger:
        assert len(ledger.articles()) == articles
    print(f"drop -> trigger event(s) with all 4 messages: {fired:.2f} s")


def test_parsing_the_dags_does_not_import_the_queue_provider(settings: config.Settings) -> None:
    """Each task parses the DAG file: the watcher must not make every task load the amazon
    provider (seconds here); only serializing or running it does."""
    probe = (
        "import sys\n"
        "from distro import config\n"
        "from distro.airflow import factory\n"
        "dags = factory.build(config.load())\n"
        "assert 'ingest_wire' in dags, sorted(dags)\n"
        f"print({SQS_TRIGGER.rpartition('.')[0]!r} in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False"
