"""The end-to-end scenario on the distributed stack: CeleryExecutor with two workers, metadata
and ledger on PostgreSQL, archive and site on S3 over HTTP; then a worker killed mid-batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from distro.models import Delivery, DeliveryState
from distro.store.ledger import Ledger
from tests.scaleout.stack import ADMIN, Stack, StackError, wait_for
from tests.scaleout.wire import Drop, drop

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
