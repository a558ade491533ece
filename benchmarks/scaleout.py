"""Scale-out benchmark: a burst of wire files through one Celery worker, then through two; or
(``--mode network``) partner webhooks answering after 100 ms, through 1, 2 and 4 workers.

Run from the repository: ``uv run python benchmarks/scaleout.py [--files 500]``. It starts the
distributed profile of tests/scaleout (PostgreSQL, Redis, an S3 server and Airflow with
CeleryExecutor, all on 127.0.0.1) once, with two inbox source groups so two ingest DAGs can run
at once. Phase 1 stops worker 2 and drops ``--files`` pages (half into each inbox) in one burst;
phase 2 starts worker 2 again and drops as many new pages. Each phase is timed from the burst to
the moment every article is in the ledger (ingested) and delivered to the web and app channels
(site and app feeds on S3), read from the ledger. Figures go to stdout and, as JSON, to
benchmarks/results/scaleout.json.

``--mode network --articles 100 --partners 20``: channels are network-bound in real life. A
webhook receiver on 127.0.0.1 answers every POST after ``--latency`` (0.1 s) and counts each
delivery id; ``--partners`` partners push to it, each split into ``--buckets`` hash buckets,
each task with ``--push-concurrency`` pushes in flight (the webhook's ``concurrency``). Each
phase stores ``--articles`` new articles straight into the ledger (ingest is not timed: it is
CPU-bound and measured by the file mode) with a delivery per partner, triggers
``publish_partners`` and times until every delivery is sent and the run is over, with 1, then 2,
then 4 workers of ``--concurrency`` slots (fixed). Alongside, ``--wechat-accounts`` (2) WeChat
contract servers answer every call after the same latency, and each phase stores
``--wechat-articles`` (16: two editions of 8, the load model's daily editions) for each account and
triggers its edition run: an account is one target, so its editions are one shard whatever the
workers; the phase checks every article published once. Results in
benchmarks/results/scaleout-network.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from tests.channels.wechat.server import WeChatServer  # noqa: E402
from tests.scaleout.stack import Stack, wait_for  # noqa: E402
from tests.scaleout.wire import Drop, drop  # noqa: E402

from distro.models import DeliveryState  # noqa: E402
from distro.store.ledger import Ledger  # noqa: E402

GROUPS = ("wire_a", "wire_b")
CHANNELS = ("web", "app")


def burst(stack: Stack, files: int, batch: str) -> list[Drop]:
    """Write every page into a staging folder, then rename them all into the inboxes at once."""
    staging = Path(tempfile.mkdtemp(prefix="burst-", dir=stack.root))
    drops = [drop(staging, page, batch=batch) for page in range(files)]
    for index, item in enumerate(drops):
        inbox = stack.inbox_of(GROUPS[index % len(GROUPS)])
        sidecar = item.path.with_name(item.path.stem + ".meta.json")
        sidecar.replace(inbox / sidecar.name)
        item.path.replace(inbox / item.path.name)
    return drops


def measure(stack: Stack, files: int, batch: str, timeout: float) -> dict[str, Any]:
    drops = burst(stack, files, batch)
    started = time.monotonic()
    ids = {article.id for item in drops for article in item.articles}
    ingested_at: float | None = None
    delivered_at: float | None = None
    with Ledger(stack.store_url, migrate_schema=False) as ledger:
        while time.monotonic() - started < timeout:
            if ingested_at is None:
                stored = {article.id for article in ledger.articles() if article.id in ids}
                if stored == ids:
                    ingested_at = time.monotonic()
            if ingested_at is not None:
                done = all(
                    {
                        d.article_id
                        for d in ledger.deliveries(channel=channel)
                        if d.article_id in ids and d.state is DeliveryState.SENT
                    }
                    == ids
                    for channel in CHANNELS
                )
                if done:
                    delivered_at = time.monotonic()
                    break
            time.sleep(1.0)
    if delivered_at is None:
        raise SystemExit(f"phase {batch}: not every article delivered within {timeout:.0f} s")
    assert ingested_at is not None
    total = delivered_at - started
    return {
        "files": files,
        "articles": len(ids),
        "ingest_seconds": round(ingested_at - started, 1),
        "delivered_seconds": round(total, 1),
        "files_per_second": round(files / total, 2),
        "articles_per_second": round(len(ids) / total, 2),
    }


HOOK_SECRET = "whsec-scaleout-0123456789"
NO_WECHAT = "[channels.wechat]\nenabled = false\n\n"
WORKER_STEPS = (1, 2, 4)


class SlowReceiver:
    """Partner webhooks on 127.0.0.1: every POST is answered 200 after ``latency`` seconds; the
    delivery ids it received are counted (a count above one is a duplicate)."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(receiver.latency)
                with receiver.lock:
                    receiver.received[self.headers.get("X-Distro-Delivery", "")] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def partner_names(count: int) -> list[str]:
    return [f"p{n:02d}" for n in range(count)]


def partners_config(names: list[str], url: str, buckets: int, pushes: int) -> str:
    return "".join(
        f'[[partners]]\nname = "{name}"\ntoken = "env:DISTRO_TOKEN_{name.upper()}"\n'
        f"buckets = {buckets}\n"
        f'webhook = {{ url = "{url}", secret = "env:DISTRO_HOOK_SECRET",'
        f" concurrency = {pushes} }}\n\n"
        for name in names
    )


def wechat_accounts(count: int) -> list[str]:
    """The default account, then ``w1``, ``w2`` … (each its own connection and DAG)."""
    return ["default", *(f"w{n}" for n in range(1, count))]


def wechat_config(accounts: list[str]) -> str:
    # A schedule that never comes during a run: each phase triggers its editions itself.
    text = '[channels.wechat]\nmode = "publish"\nschedules = ["0 3 1 1 *"]\n\n'
    return text + "".join(
        f'[[channels.wechat.accounts]]\nname = "{name}"\nconn_id = "distro_wechat_{name}"\n\n'
        for name in accounts[1:]
    )


def wechat_connections(servers: dict[str, WeChatServer]) -> dict[str, str]:
    env = {}
    for name, server in servers.items():
        conn = "DISTRO_WECHAT" if name == "default" else f"DISTRO_WECHAT_{name.upper()}"
        env[f"AIRFLOW_CONN_{conn}"] = json.dumps(
            {
                "conn_type": "http",
                "login": server.state.appid,
                "password": server.state.secret,
                "host": server.base_url,
            }
        )
    return env


def published_titles(server: WeChatServer) -> Counter[str]:
    """Each title the account published (a job that ended 0), counted."""
    with server.state.lock:
        jobs = [job for job in server.state.jobs.values() if job.outcome == 0]
        return Counter(str(a.get("title", "")) for job in jobs for a in job.articles)


def seed(stack: Stack, targets: list[tuple[str, str]], first: int, count: int) -> dict[str, str]:
    """``count`` new articles, each with a delivery per target, as ingest stores them: their
    ids and headlines."""
    from tests.channels.web.stories import article

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ids = {}
    with Ledger(stack.store_url) as ledger:  # no task may have migrated it yet
        for n in range(first, first + count):
            _, stored = ledger.put(article(n, now - dt.timedelta(seconds=n)), targets)
            ids[stored.id] = stored.headline
    return ids


def wechat_dag(account: str) -> str:
    return "publish_wechat" if account == "default" else f"publish_wechat__{account}"


def run_phase(
    stack: Stack,
    receiver: SlowReceiver,
    wechat: dict[str, WeChatServer],
    names: list[str],
    phase: str,
    first: int,
    args: Any,
) -> dict[str, Any]:
    ids = seed(stack, [("partners", name) for name in names], first, args.articles)
    expected = {f"{i}/v1/{name}" for i in ids for name in names}
    editions = {
        account: seed(
            stack, [("wechat", account)], first + 50_000 + n * 1_000, args.wechat_articles
        )
        for n, account in enumerate(wechat)
    }
    before = {account: published_titles(server) for account, server in wechat.items()}
    load_before = os.getloadavg()
    started = time.monotonic()
    run_id = f"bench-{phase}"
    body = {"logical_date": None, "dag_run_id": run_id, "conf": {}}
    dags = ["publish_partners", *(wechat_dag(account) for account in wechat)]
    for dag in dags:
        # A loaded API server may time out on a trigger it still made: 409 is that run.
        wait_for(
            f"trigger {dag} {run_id}",
            lambda dag=dag: (
                stack.api("POST", f"dags/{dag}/dagRuns", json=body).status_code in (200, 409)
            ),
            timeout=300,
        )
    states: dict[str, str] = {}
    ended: dict[str, float] = {}
    with Ledger(stack.store_url, migrate_schema=False) as ledger:
        while time.monotonic() - started < args.timeout and len(ended) < len(dags):
            for dag in dags:
                if dag in ended:
                    continue
                try:
                    states[dag] = stack.run_state(dag, run_id)
                except requests.RequestException:  # the API server is busy: ask again
                    states[dag] = ""
                if states[dag] in ("success", "failed"):
                    ended[dag] = time.monotonic() - started
            time.sleep(1.0)
        elapsed = ended.get("publish_partners", time.monotonic() - started)
        sent = [
            d
            for d in ledger.deliveries(channel="partners")
            if d.article_id in ids and d.state is DeliveryState.SENT
        ]
    tis: list[dict[str, Any]] = []
    wait_for(
        f"tasks of {run_id}",
        lambda: bool(tis.extend(stack.task_instances("publish_partners", run_id)) or tis),
        timeout=300,
    )
    with receiver.lock:
        got = {key: n for key, n in receiver.received.items() if key in expected}
    accounts = {}
    for account, server in wechat.items():
        titles = published_titles(server) - before[account]
        wanted = set(editions[account].values())
        accounts[account] = {
            "run_state": states.get(wechat_dag(account), ""),
            "articles": len(wanted),
            "published": sum(1 for t in wanted if titles[t] >= 1),
            "lost": sum(1 for t in wanted if titles[t] == 0),
            "duplicated": sum(1 for t in wanted if titles[t] > 1),
            "seconds": round(ended.get(wechat_dag(account), time.monotonic() - started), 1),
        }
    return {
        "workers": phase,
        "run_state": states.get("publish_partners", ""),
        "articles": len(ids),
        "deliveries": len(expected),
        "sent": len(sent),
        "received": len(got),
        "lost": len(expected - set(got)),
        "duplicated": sum(1 for n in got.values() if n > 1),
        "publish_tasks": sum(1 for ti in tis if ti["task_id"] == "publish"),
        "seconds": round(elapsed, 1),
        "deliveries_per_second": round(len(sent) / elapsed, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "wechat": accounts,
    }


def network(args: Any) -> int:
    names = partner_names(args.partners)
    receiver = SlowReceiver(args.latency)
    wechat = {
        account: WeChatServer(appid=f"wx-bench-{account}", secret=f"bench-secret-{account}")
        for account in wechat_accounts(args.wechat_accounts)
    }
    for server in wechat.values():
        server.state.latency = args.latency
        server.start()
    tokens = {f"DISTRO_TOKEN_{name.upper()}": f"tok-{name}-scaleout-4f1c9a7e" for name in names}
    workers = max(WORKER_STEPS)
    stack = Stack(
        dags=[REPO / "dags"],
        workers=workers,
        concurrency=args.concurrency,
        config_extra=(wechat_config(list(wechat)) if wechat else NO_WECHAT)
        + f"[limits]\npublish_parallelism = {workers * args.concurrency}\n\n"
        + partners_config(names, receiver.url, args.buckets, args.push_concurrency),
        env_extra={**tokens, "DISTRO_HOOK_SECRET": HOOK_SECRET, **wechat_connections(wechat)},
    )
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    t0 = time.monotonic()
    stack.start()
    startup = time.monotonic() - t0
    phases: list[dict[str, Any]] = []
    try:
        stack.wait_dag("publish_partners")
        for account in wechat:
            stack.wait_dag(wechat_dag(account))
        stack.wait_dag("sweep")
        # The sweep would start publish runs of its own mid-phase: each phase is one run here.
        wait_for(
            "sweep paused",
            lambda: stack.api("PATCH", "dags/sweep", json={"is_paused": True}).ok,
            timeout=300,
        )
        for index in range(2, workers + 1):  # phase 1 runs on worker 1 alone
            stack.procs.pop(f"worker-{index}").stop()
        running = 1
        for step, count in enumerate(WORKER_STEPS):
            while running < count:
                running += 1
                stack.start_worker(running)
                stack.wait_worker(running)
            phases.append(
                run_phase(stack, receiver, wechat, names, str(count), 1 + step * 100_000, args)
            )
            print(json.dumps(phases[-1], ensure_ascii=False), flush=True)
    finally:
        stack.stop()
        receiver.stop()
        for server in wechat.values():
            server.stop()
    base = phases[0]["deliveries_per_second"]
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "uptime_before": uptime.strip(),
        "stack_startup_seconds": round(startup, 1),
        "latency_seconds": args.latency,
        "partners": args.partners,
        "buckets_per_partner": args.buckets,
        "concurrency_per_worker": args.concurrency,
        "pushes_in_flight_per_task": args.push_concurrency,
        "wechat_accounts": len(wechat),
        "wechat_articles_per_account": args.wechat_articles,
        "phases": phases,
        "throughput_ratios": {
            p["workers"]: round(p["deliveries_per_second"] / base, 2) for p in phases
        },
    }
    out = HERE / "results" / "scaleout-network.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{'workers':>7} {'tasks':>6} {'seconds':>8} {'deliveries/s':>13} {'ratio':>6} "
          f"{'lost':>5} {'dup':>4}")  # fmt: skip
    for p in phases:
        ratio = report["throughput_ratios"][p["workers"]]
        print(
            f"{p['workers']:>7} {p['publish_tasks']:>6} {p['seconds']:>8} "
            f"{p['deliveries_per_second']:>13} {ratio:>6} {p['lost']:>5} {p['duplicated']:>4}"
        )
    for p in phases:
        for account, row in p["wechat"].items():
            print(
                f"wechat {account} ({p['workers']} workers): {row['published']}/{row['articles']}"
                f" published in {row['seconds']} s, lost {row['lost']}, dup {row['duplicated']}"
            )
    print(f"stack start-up: {report['stack_startup_seconds']} s; results in {out}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("files", "network"), default="files")
    parser.add_argument("--files", type=int, default=500, help="wire files per phase")
    parser.add_argument("--concurrency", type=int, default=1, help="task slots per worker")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per phase")
    parser.add_argument("--articles", type=int, default=100, help="network: articles per phase")
    parser.add_argument("--partners", type=int, default=20, help="network: partners")
    parser.add_argument("--buckets", type=int, default=2, help="network: buckets per partner")
    parser.add_argument("--latency", type=float, default=0.1, help="network: seconds per call")
    parser.add_argument(
        "--push-concurrency",
        type=int,
        default=4,
        help="network: webhook.concurrency (pushes in flight per task)",
    )
    parser.add_argument(
        "--wechat-accounts", type=int, default=2, help="network: WeChat accounts (0: none)"
    )
    parser.add_argument(
        "--wechat-articles", type=int, default=16, help="network: articles per account per phase"
    )
    args = parser.parse_args()
    if args.mode == "network":
        return network(args)

    stack = Stack(
        dags=[REPO / "dags"],
        workers=2,
        concurrency=args.concurrency,
        sources=GROUPS,
        # Editions are a clock channel: left out so both phases measure the same work.
        config_extra="[channels.wechat]\nenabled = false\n",
    )
    t0 = time.monotonic()
    stack.start()
    startup = time.monotonic() - t0
    results: dict[str, Any] = {}
    try:
        for group in GROUPS:
            stack.wait_dag(f"ingest_{group}")
        for channel in CHANNELS:
            stack.wait_dag(f"publish_{channel}")
        worker_2 = stack.procs.pop("worker-2")
        worker_2.stop()
        results["one_worker"] = measure(stack, args.files, "one", args.timeout)
        stack.start_worker(2)
        stack.wait_worker(2)
        results["two_workers"] = measure(stack, args.files, "two", args.timeout)
    finally:
        stack.stop()
    one, two = results["one_worker"], results["two_workers"]
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "load_average_after": os.getloadavg(),
        "stack_startup_seconds": round(startup, 1),
        "concurrency_per_worker": args.concurrency,
        **results,
        "throughput_ratio": round(two["files_per_second"] / one["files_per_second"], 2),
    }
    out = HERE / "results" / "scaleout.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{'':12} {'ingested s':>11} {'delivered s':>12} {'files/s':>8} {'articles/s':>11}")
    for name in ("one_worker", "two_workers"):
        row = report[name]
        print(
            f"{name:12} {row['ingest_seconds']:>11} {row['delivered_seconds']:>12} "
            f"{row['files_per_second']:>8} {row['articles_per_second']:>11}"
        )
    print(f"throughput ratio (two / one): {report['throughput_ratio']}")
    print(f"stack start-up: {report['stack_startup_seconds']} s; results in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
