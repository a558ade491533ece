"""The end-to-end scenario on the distributed stack: CeleryExecutor with two workers, metadata
and ledger on PostgreSQL, archive and site on S3 over HTTP; drops into a bucket that notifies an
SQS queue, published to partners in hash buckets; then a worker killed mid-batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from distro.channels.shards import bucket_of
from distro.config import S3SourceConfig, load
from distro.models import Delivery, DeliveryState
from distro.sources.s3 import S3Source
from distro.store.ledger import Ledger
from tests.scaleout.conftest import PARTNERS
from tests.scaleout.stack import (
    ADMIN,
    WIRE_BUCKET,
    WIRE_GROUP,
    WIRE_PREFIX,
    WIRE_SOURCE,
    Stack,
    StackError,
    wait_for,
)
from tests.scaleout.wire import Drop, drop, put, put_sidecar
from tests.servers.webhooks import Receiver

pytestmark = pytest.mark.scaleout

CHANNELS = ("web", "app")
WAIT = 300.0


def ledger(stack: Stack) -> Ledger:
    return Ledger(stack.store_url, migrate_schema=False)


def deliveries(stack: Stack, channel: str, ids: set[str]) -> list[Delivery]:
    with ledger(stack) as store:
        return [d for d in store.deliveries(channel=channel) if d.article_id in ids]


def wait_delivered(
    stack: Stack, drops: list[Drop], *, version: int = 1, channels: tuple[str, ...] = CHANNELS
) -> None:
    """Until every article of ``drops`` has a sent delivery of ``version`` on each channel."""
    ids = {article.id for item in drops for article in item.articles}

    def done() -> bool:
        for channel in channels:
            sent = {
                d.article_id
                for d in deliveries(stack, channel, ids)
                if d.version == version and d.state is DeliveryState.SENT
            }
            if sent != ids:
                return False
        return True

    wait_for(
        f"v{version} of {len(ids)} articles on {channels}",
        done,
        timeout=WAIT,
        log=stack.procs["scheduler"].log,
    )


def app_feed_ids(stack: Stack) -> list[str]:
    """Every item id in the app's global JSON Feed, following next_url through its pages."""
    s3 = stack.s3()
    key: str | None = "feed.json"
    ids: list[str] = []
    while key:
        feed = json.loads(s3.get_object(Bucket="distro-app", Key=key)["Body"].read())
        ids.extend(str(item["id"]) for item in feed["items"])
        following = feed.get("next_url")
        key = following.rsplit("/", 1)[-1] if following else None
    return ids


def assert_exactly_once(stack: Stack, drops: list[Drop]) -> None:
    """Ledger and outputs agree: one sent delivery per article and channel, each page written,
    each article once in the app feed."""
    ids = {article.id for item in drops for article in item.articles}
    pages = {article.id for item in drops for article in item.pages}
    for channel in CHANNELS:
        rows = deliveries(stack, channel, ids)
        keys = Counter((d.article_id, d.version, d.target) for d in rows)
        assert all(count == 1 for count in keys.values()), keys
        assert {d.article_id for d in rows if d.state is DeliveryState.SENT} == ids
    site = set(stack.s3_keys("distro-site", "articles/"))
    assert {f"articles/{article_id}.html" for article_id in pages} <= site
    documents = set(stack.s3_keys("distro-app", "articles/"))
    assert {f"articles/{article_id}.json" for article_id in pages} <= documents
    site_feed = json.loads(
        stack.s3().get_object(Bucket="distro-site", Key="feed.json")["Body"].read()
    )
    listed = Counter(str(item["id"]) for item in site_feed["items"])
    assert listed and all(count == 1 for count in listed.values()), listed
    feed = Counter(item for item in app_feed_ids(stack) if any(i in item for i in pages))
    assert set(feed) and all(count == 1 for count in feed.values()), feed
    assert {i for i in pages if any(i in item for item in feed)} == pages


def test_a_celery_worker_runs_tasks_against_postgres_and_s3(stack: Stack) -> None:
    stack.wait_dag("scaleout_probe")
    stack.trigger("scaleout_probe", "probe-1")
    assert stack.wait_run("scaleout_probe", "probe-1") == "success"
    seen = []
    for ti in stack.task_instances("scaleout_probe", "probe-1"):
        response = stack.api(
            "GET",
            "dags/scaleout_probe/dagRuns/probe-1/taskInstances/where/xcomEntries/return_value",
            params={"map_index": ti["map_index"]},
        )
        response.raise_for_status()
        seen.append(response.json()["value"])
    assert sorted(item["index"] for item in seen) == [0, 1, 2, 3]
    # Tasks ran in the Celery workers (only they carry DISTRO_SCALEOUT_WORKER), and from there
    # reached the ledger database and the archive bucket.
    assert {item["worker"] for item in seen} <= {"worker-1", "worker-2"}
    assert all(item["worker"] for item in seen)
    assert {item["database"] for item in seen} == {"distro"}
    assert {item["bucket"] for item in seen} == {"distro-archive"}


def test_wire_copy_reaches_every_channel_and_a_republish_delivers_version_2(
    stack: Stack,
) -> None:
    for dag_id in ("ingest_wire", "publish_web", "publish_app", "publish_wechat", "republish"):
        stack.wait_dag(dag_id)
    drops = [drop(stack.inbox, page, batch="e2e") for page in range(1, 4)]
    wait_delivered(stack, drops)
    assert_exactly_once(stack, drops)

    # The raw bytes are in the archive on S3, content-addressed.
    assert stack.s3_keys("distro-archive", "raw/")
    # A page's HTML carries its headline, in Chinese.
    story = drops[0].pages[0]
    html = stack.s3().get_object(Bucket="distro-site", Key=f"articles/{story.id}.html")
    assert story.headline in html["Body"].read().decode("utf-8")

    # WeChat publishes in editions on its clock; without an AppID it is a dry run whose
    # requests land in the outbox, every pending article in exactly one edition.
    outbox = stack.outbox / "wechat"
    shutil.rmtree(outbox, ignore_errors=True)
    stack.trigger("publish_wechat", "wechat-e2e")
    assert stack.wait_run("publish_wechat", "wechat-e2e", timeout=WAIT) == "success"
    listed = Counter(
        entry
        for path in outbox.glob("*.json")
        for entry in json.loads(path.read_text(encoding="utf-8"))["deliveries"]
    )
    wanted = {f"{article.id}/v1" for item in drops for article in item.pages}
    assert wanted <= set(listed)
    assert all(listed[entry] == 1 for entry in wanted)

    # An editor republishes one article with a correction, through Airflow's REST API.
    note = "更正：本文第二段数字有误，已改正。"
    env = {**os.environ, "DISTRO_AIRFLOW_PASSWORD": ADMIN[1]}
    command = [
        str(Path(sys.executable).with_name("distro")),
        "republish",
        story.id,
        "--channel",
        "web",
        "--channel",
        "app",
        "--reason",
        "数字有误",
        "--note",
        note,
        "--json",
        "--config",
        str(stack.config_path),
        "--state",
        str(stack.state),
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["dag_id"] == "republish"
    assert stack.wait_run("republish", run["dag_run_id"], timeout=WAIT) == "success"
    # Clicking twice is one run: the run id is the request's key.
    again = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["dag_run_id"] == run["dag_run_id"]

    revised = Drop(drops[0].path, [story])
    wait_delivered(stack, [revised], version=2)
    page = stack.s3().get_object(Bucket="distro-site", Key=f"articles/{story.id}.html")
    assert note in page["Body"].read().decode("utf-8")
    document = json.loads(
        stack.s3().get_object(Bucket="distro-app", Key=f"articles/{story.id}.json")["Body"].read()
    )
    assert str(document["version"]) == "2"
    # Only the chosen channels get version 2.
    with ledger(stack) as store:
        wechat = [d for d in store.deliveries(article_id=story.id) if d.channel == "wechat"]
    assert [d.version for d in wechat] == [1]


def ingest_result(stack: Stack, dag_id: str, run_id: str) -> dict[str, Any]:
    """What the run's ingest task returned (its XCom, through the REST API)."""
    response = stack.api(
        "GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/ingest/xcomEntries/return_value"
    )
    response.raise_for_status()
    return dict(response.json()["value"])


def announced(event: dict[str, Any]) -> set[str]:
    """The S3 keys the SQS messages of one asset event announce."""
    payload = (event.get("extra") or {}).get("payload") or {}
    keys = set()
    for message in payload.get("message_batch") or ():
        body = json.loads(message["Body"])
        keys.update(unquote_plus(r["s3"]["object"]["key"]) for r in body.get("Records", ()))
    return keys


def queue_events(stack: Stack) -> list[dict[str, Any]]:
    """Every asset event of the SQS queue's asset (the watcher's trigger made them)."""
    response = stack.api(
        "GET", "assets/events", params={"name_pattern": "distro_sqs", "limit": 100}
    )
    response.raise_for_status()
    return list(response.json()["asset_events"])


def settled(stack: Stack, dag_id: str, keys: set[str]) -> bool:
    """Whether the queue's events announced ``keys``, each event started a run, and every run
    of ``dag_id`` is over."""
    events = queue_events(stack)
    if not keys <= {key for event in events for key in announced(event)}:
        return False
    if not all(event["created_dagruns"] for event in events):
        return False
    return all(run["state"] in ("success", "failed") for run in stack.runs(dag_id))


def test_bucket_drops_are_ingested_on_the_queue_event_and_pushed_once_per_partner_bucket(
    stack: Stack, receiver: Receiver
) -> None:
    ingest = f"ingest_{WIRE_GROUP}"
    for dag_id in (ingest, "publish_web", "publish_app", "publish_partners"):
        stack.wait_dag(dag_id)
    [source] = [
        s for s in load(stack.config_path, stack.state).config.sources if s.name == WIRE_SOURCE
    ]
    assert isinstance(source, S3SourceConfig) and source.queue_url == stack.queue_url
    reader = S3Source(source)
    s3 = stack.s3()
    # The sidecars go first. Their events start runs that take nothing (a sidecar is no page);
    # the first lists the prefix, never listed before, as the sweep: none is due for a while.
    sidecars = {put_sidecar(s3, WIRE_BUCKET, WIRE_PREFIX, page, batch="sqs") for page in (1, 2, 3)}
    wait_for(
        "the sidecars' events and their runs",
        lambda: settled(stack, ingest, sidecars),
        timeout=WAIT,
        log=stack.procs["triggerer"].log,
    )
    with ledger(stack) as store:
        assert store.get_value(reader.swept_key) is not None
        assert store.cursor(reader.cursor_key) is None
    swept = {run["dag_run_id"] for run in stack.runs(ingest)}
    earlier = {run["dag_run_id"] for run in stack.runs("publish_partners")}
    started = time.monotonic()
    drops = [put(s3, WIRE_BUCKET, WIRE_PREFIX, page, batch="sqs") for page in (1, 2, 3)]
    ids = {article.id for item in drops for article in item.articles}

    def partners_done() -> bool:
        with ledger(stack) as store:
            rows = [d for d in store.deliveries(channel="partners") if d.article_id in ids]
        return all(
            {d.article_id for d in rows if d.target == name and d.state is DeliveryState.SENT}
            == ids
            for name in PARTNERS
        )

    wait_delivered(stack, drops)
    wait_for(
        f"{len(ids)} articles at partners {sorted(PARTNERS)}",
        partners_done,
        timeout=WAIT,
        log=stack.procs["scheduler"].log,
    )
    took = time.monotonic() - started
    assert_exactly_once(stack, drops)

    # Ingestion was started by the queue: every run that took pages was triggered by an asset
    # event of the SQS watcher (not the clock), its events announced the keys it took, and it
    # took them from the messages without listing the prefix (the cursor never moved).
    runs = [run for run in stack.runs(ingest) if run["dag_run_id"] not in swept]
    for run in runs:  # events for sidecars start runs too; every run is over before we look
        assert stack.wait_run(ingest, run["dag_run_id"], timeout=WAIT) == "success", run
    results = {run["dag_run_id"]: ingest_result(stack, ingest, run["dag_run_id"]) for run in runs}
    taking = [run for run in runs if results[run["dag_run_id"]]["accepted"]]
    assert taking, results
    assert {run["run_type"] for run in taking} == {"asset_triggered"}, taking
    keys: set[str] = set()
    queued = 0
    for run in taking:
        run_id = run["dag_run_id"]
        response = stack.api("GET", f"dags/{ingest}/dagRuns/{run_id}/upstreamAssetEvents")
        response.raise_for_status()
        events = response.json()["asset_events"]
        assert events, run
        assert all(e["uri"].startswith("x-distro://sqs/") for e in events), events
        assert all((e["extra"] or {}).get("from_trigger") for e in events), events
        keys.update(key for e in events for key in announced(e))
        queued += results[run_id].get("events", {}).get("queued", 0)
    assert {str(item.path) for item in drops} <= keys
    assert queued == len(drops)
    with ledger(stack) as store:
        assert store.cursor(reader.cursor_key) is None
        assert all(store.get_value(reader.seen_key(str(item.path))) == "1" for item in drops)

    # Each partner got each article exactly once: one sent delivery per (article, version,
    # partner) in the ledger, one signed push per page at the webhook (a teaser is listed in
    # the feed, never pushed).
    with ledger(stack) as store:
        rows = [d for d in store.deliveries(channel="partners") if d.article_id in ids]
    per_key = Counter((d.article_id, d.version, d.target) for d in rows)
    assert set(per_key) == {(i, 1, name) for i in ids for name in PARTNERS}
    assert all(count == 1 for count in per_key.values()), per_key
    pages = {article.id for item in drops for article in item.pages}
    assert pages < ids
    pushed = Counter(
        r["headers"]["x-distro-delivery"]
        for r in list(receiver.requests)
        if r["body"].get("article_id") in ids
    )
    assert set(pushed) == {f"{i}/v1/{name}" for i in pages for name in PARTNERS}, pushed
    assert {r["status"] for r in receiver.requests} == {200}
    assert all(count == 1 for count in pushed.values()), pushed

    # xinhua's pushes ran as mapped publish tasks, one per hash bucket its articles fall in.
    buckets = PARTNERS["xinhua"]
    wanted = {f"xinhua#{bucket_of(i, buckets)}/{buckets}" for i in ids}
    assert len(wanted) >= 2, wanted
    fresh = [r for r in stack.runs("publish_partners") if r["dag_run_id"] not in earlier]
    shards: list[dict[str, Any]] = []
    for run in fresh:
        assert stack.wait_run("publish_partners", run["dag_run_id"], timeout=WAIT) == "success"
        shards.extend(
            ti
            for ti in stack.task_instances("publish_partners", run["dag_run_id"])
            if ti["task_id"] == "publish" and ti["map_index"] >= 0
        )
    done = {ti["rendered_map_index"] for ti in shards if ti["state"] == "success"}
    assert wanted <= done, done
    tasks = {
        (ti["dag_run_id"], ti["map_index"]) for ti in shards if ti["rendered_map_index"] in wanted
    }
    assert len(tasks) >= len(wanted) >= 2
    print(f"{len(drops)} pages put -> web, app and {len(PARTNERS)} partners: {took:.1f} s")


def worker_running(stack: Stack, pid: int) -> str:
    """The worker whose process tree holds ``pid``."""
    for name, proc in stack.procs.items():
        if name.startswith("worker-") and pid in {p.pid for p in proc.tree()}:
            return name
    raise StackError(f"pid {pid} is in no worker's process tree")


def test_a_worker_killed_mid_batch_and_every_article_is_delivered_exactly_once(
    stack: Stack,
) -> None:
    stack.wait_dag("publish_web")
    drops = [drop(stack.inbox, page, batch="kill") for page in range(1, 11)]
    ids = {article.id for item in drops for article in item.articles}

    # Wait until the web channel has claimed the batch (intent committed, site not yet written).
    claimed: list[Delivery] = []

    def sending() -> bool:
        claimed[:] = [d for d in deliveries(stack, "web", ids) if d.state is DeliveryState.SENDING]
        return bool(claimed)

    wait_for("a web batch in flight", sending, timeout=WAIT, log=stack.procs["scheduler"].log)
    running = [run for run in stack.runs("publish_web") if run["state"] == "running"]
    assert len(running) == 1, running
    run_id = running[0]["dag_run_id"]
    (task,) = [
        ti for ti in stack.task_instances("publish_web", run_id) if ti["task_id"] == "publish"
    ]
    assert task["state"] == "running" and task["pid"], task
    victim = worker_running(stack, int(task["pid"]))
    index = int(victim.split("-")[1])
    stack.procs[victim].kill(9)  # the machine is gone: no warm shutdown, no cleanup
    assert not stack.procs[victim].alive()
    # The batch really was cut: what the channel had claimed is still unconfirmed.
    after = {d.article_id: d for d in deliveries(stack, "web", ids)}
    assert any(after[d.article_id].state is DeliveryState.SENDING for d in claimed)

    try:
        # The scheduler notices the lost heartbeat, fails the try, and Airflow retries it on the
        # surviving worker; the retry reconciles the `sending` deliveries and finishes the batch.
        assert stack.wait_run("publish_web", run_id, timeout=WAIT) == "success"
        (retried,) = [
            ti for ti in stack.task_instances("publish_web", run_id) if ti["task_id"] == "publish"
        ]
        assert retried["try_number"] >= 2
        wait_delivered(stack, drops)
        assert_exactly_once(stack, drops)
        redone = [d for d in deliveries(stack, "web", ids) if d.attempts >= 2]
        assert {d.article_id for d in redone} >= {d.article_id for d in claimed}
    finally:
        stack.procs.pop(victim)
        stack.start_worker(index)
        stack.wait_worker(index)
    assert all(proc.alive() for name, proc in stack.procs.items() if name.startswith("worker-"))
