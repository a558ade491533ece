"""Scale-out benchmark: a burst of wire files through one Celery worker, then through two.

Run from the repository: ``uv run python benchmarks/scaleout.py [--files 500]``. It starts the
distributed profile of tests/scaleout (PostgreSQL, Redis, an S3 server and Airflow with
CeleryExecutor, all on 127.0.0.1) once, with two inbox source groups so two ingest DAGs can run
at once. Phase 1 stops worker 2 and drops ``--files`` pages (half into each inbox) in one burst;
phase 2 starts worker 2 again and drops as many new pages. Each phase is timed from the burst to
the moment every article is in the ledger (ingested) and delivered to the web and app channels
(site and app feeds on S3), read from the ledger. Figures go to stdout and, as JSON, to
benchmarks/results/scaleout.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from tests.scaleout.stack import Stack  # noqa: E402
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500, help="wire files per phase")
    parser.add_argument("--concurrency", type=int, default=1, help="task slots per worker")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per phase")
    args = parser.parse_args()

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
