"""Drop -> published latency on a real local Airflow (`distro up`), beside Airflow's own floor.

Each drop is the seed page under a page number of its own (so its articles are new); it counts
as published when every article of it has its page in the web output. In the same run, between
distro's drops, the floor: an empty DAG scheduled on an asset whose watcher is the inbox's own
trigger on a folder of its own, with one task that leaves a mark; a floor drop counts when its
mark appears. Before the stack stops, where the single drops' time went is read from Airflow's
own database (`dag_run`, `task_instance`): the medians of each step of each DAG's runs. Run:

    uv run python benchmarks/latency.py [--drops 20] [--burst 200] [--out benchmarks/latency.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from distro import config
from distro.airflow import stack
from distro.models import Kind
from distro.parse import page_meta, parse_page

REPO = Path(__file__).resolve().parents[1]
#: The floor: what any asset-triggered DAG costs here (trigger poll, scheduler, one task start-up).
FLOOR_DAG = '''"""The latency benchmark's floor: one empty task on an inbox-like asset."""

import datetime as dt
import pathlib
import time

from airflow.sdk import DAG, Asset, AssetWatcher, task

from distro.airflow.triggers import InboxTrigger

FOLDER, MARKS = {folder!r}, {marks!r}
watched = Asset(
    name="floor_inbox",
    uri="file://" + FOLDER,
    watchers=[AssetWatcher(name="floor_watcher", trigger=InboxTrigger(directory=FOLDER))],
)

with DAG("floor", schedule=[watched], start_date=dt.datetime(2024, 1, 1), catchup=False):

    @task
    def mark() -> None:
        (pathlib.Path(MARKS) / str(time.time_ns())).touch()

    mark()
'''
SEED = REPO.parent / "shared" / "seed" / "000_c6710cc7ae2753f8.txt"
ISSUE = "2021-07-05"


@dataclass
class Drop:
    name: str
    ids: list[str]
    dropped: float = 0.0
    published: float | None = None

    @property
    def latency(self) -> float | None:
        return None if self.published is None else self.published - self.dropped


def prepare(n: int, data: bytes) -> tuple[Drop, bytes]:
    """The drop number ``n``: its file name, sidecar and the article ids it must publish."""
    name = f"bench_{n:05d}.txt"
    sidecar = json.dumps({"issue_date": ISSUE, "page": str(1000 + n), "section": "要闻"}).encode()
    meta = page_meta(name, sidecar)
    articles = parse_page(
        data,
        origin=f"file:///{name}",
        issue_date=meta.issue_date,
        page=meta.page,
        section=meta.section,
        publication=meta.publication or "本报",
    )
    ids = [article.id for article in articles if article.kind is Kind.ARTICLE]
    return Drop(name, ids), sidecar


def drop(inbox: Path, item: Drop, data: bytes, sidecar: bytes) -> None:
    """Sidecar first, then the page written beside and renamed in, as producers must."""
    (inbox / item.name.replace(".txt", ".meta.json")).write_bytes(sidecar)
    partial = inbox / f".{item.name}.part"
    partial.write_bytes(data)
    item.dropped = time.monotonic()
    partial.replace(inbox / item.name)


def watch(site: Path, items: list[Drop], limit: float) -> None:
    """Poll the web output until every item is published or ``limit`` seconds pass."""
    deadline = time.monotonic() + limit
    waiting = [item for item in items if item.published is None]
    while waiting and time.monotonic() < deadline:
        now = time.monotonic()
        for item in waiting:
            if all((site / f"{article_id}.html").exists() for article_id in item.ids):
                item.published = now
        waiting = [item for item in waiting if item.published is None]
        time.sleep(0.1)


def floor_drop(folder: Path, marks: Path, n: int, limit: float) -> Drop:
    """One file into the floor's folder; published when a new mark appears."""
    item = Drop(f"floor_{n:05d}.txt", [])
    before = len(list(marks.iterdir()))
    partial = folder / f".{item.name}.part"
    partial.write_bytes(b"floor")
    item.dropped = time.monotonic()
    partial.replace(folder / item.name)
    deadline = item.dropped + limit
    while time.monotonic() < deadline:
        if len(list(marks.iterdir())) > before:
            item.published = time.monotonic()
            break
        time.sleep(0.05)
    return item


def stamp(text: str | None) -> dt.datetime | None:
    """A time as Airflow's SQLite database keeps it (UTC)."""
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass
class Run:
    dag_id: str
    queued: dt.datetime
    started: dt.datetime | None
    ended: dt.datetime | None
    task_started: dt.datetime | None
    task_ended: dt.datetime | None


def runs(database: Path, since: float, until: float) -> list[Run]:
    """Every DAG run queued between ``since`` and ``until`` (epoch seconds), with its first task."""
    found = []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT r.dag_id, r.queued_at, r.start_date, r.end_date, MIN(t.start_date),"
            " MAX(t.end_date) FROM dag_run r LEFT JOIN task_instance t"
            " ON t.dag_id = r.dag_id AND t.run_id = r.run_id GROUP BY r.id"
        ).fetchall()
    for dag_id, queued, started, ended, task_started, task_ended in rows:
        at = stamp(queued)
        if at is not None and since <= at.timestamp() <= until:
            found.append(
                Run(dag_id, at, stamp(started), stamp(ended), stamp(task_started),
                    stamp(task_ended))
            )  # fmt: skip
    return sorted(found, key=lambda r: r.queued)


def seconds(pairs: Sequence[tuple[dt.datetime | None, dt.datetime | None]]) -> str:
    gaps = [(b - a).total_seconds() for a, b in pairs if a is not None and b is not None]
    return f"{statistics.median(gaps):.2f} s" if gaps else "—"


def steps(found: list[Run], drops: list[float], floor_drops: list[float]) -> list[str]:
    """Medians of each step, per DAG: where a single drop's time goes."""
    by = {name: [r for r in found if r.dag_id == name] for name in ("ingest_wire", "publish_web")}
    by["floor"] = [r for r in found if r.dag_id == "floor"]
    ingest_ends = [r.task_ended for r in by["ingest_wire"] if r.task_ended is not None]
    woken = []
    for run in by["publish_web"]:
        before = [end for end in ingest_ends if end <= run.queued]
        woken.append((max(before) if before else None, run.queued))

    def first_runs(name: str, times: list[float]) -> str:
        """Each drop → the first run of ``name`` queued after it (trigger poll, asset event)."""
        pairs: list[tuple[dt.datetime | None, dt.datetime | None]] = []
        for when in times:
            moment = dt.datetime.fromtimestamp(when, dt.UTC)
            after = [r.queued for r in by[name] if r.queued >= moment]
            pairs.append((moment, min(after) if after else None))
        return seconds(pairs)

    lines = [
        "| step (medians, single drops) | ingest_wire | publish_web | floor |",
        "| --- | ---: | ---: | ---: |",
        f"| runs | {len(by['ingest_wire'])} | {len(by['publish_web'])} | {len(by['floor'])} |",
        f"| drop → run queued (trigger poll, asset event) | {first_runs('ingest_wire', drops)}"
        f" | — | {first_runs('floor', floor_drops)} |",
        f"| ingest task end → publish run queued (asset event) | — | {seconds(woken)} | — |",
    ]
    rows: list[tuple[str, Callable[[Run], tuple[dt.datetime | None, dt.datetime | None]]]] = [
        ("run queued → task started", lambda r: (r.queued, r.task_started)),
        ("task started → ended (parse, work, XCom)", lambda r: (r.task_started, r.task_ended)),
        ("task ended → run closed", lambda r: (r.task_ended, r.ended)),
    ]
    for label, pick in rows:
        cells = [seconds([pick(r) for r in by[name]]) for name in ("ingest_wire", "publish_web")]
        cells.append(seconds([pick(r) for r in by["floor"]]))
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return [*lines, ""]


def ratio(items: list[Drop], floor: list[Drop]) -> list[str]:
    mine = [i.latency for i in items if i.latency is not None]
    base = [i.latency for i in floor if i.latency is not None]
    if not mine or not base:
        return []
    p50 = statistics.median(mine) / statistics.median(base)
    p99 = percentile(mine, 0.99) / percentile(base, 0.99)
    return [f"**distro / floor: p50 {p50:.2f}×, p99 {p99:.2f}×** (targets ≤ 1.5×, ≤ 3×)", ""]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(label: str, items: list[Drop], total: float | None = None) -> list[str]:
    done = [item.latency for item in items if item.latency is not None]
    lines = [f"### {label}", ""]
    lines.append(f"- drops: {len(items)}, published: {len(done)}, stuck: {len(items) - len(done)}")
    if done:
        lines.append(
            f"- latency p50 {statistics.median(done):.1f} s, p99 {percentile(done, 0.99):.1f} s, "
            f"min {min(done):.1f} s, max {max(done):.1f} s"
        )
    if total is not None:
        lines.append(f"- total time until the last one was published: {total:.1f} s")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between single drops")
    parser.add_argument(
        "--jitter",
        type=float,
        default=1.0,
        help="up to this many seconds more per gap (seeded), so drops land at every phase of the "
        "inbox trigger's 1 s poll for both distro and the floor",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    data = SEED.read_bytes()
    state = Path(tempfile.mkdtemp(prefix="distro-bench-"))
    settings = config.load(None, state)
    floor_folder, marks, dags = state / "floor-inbox", state / "floor-marks", state / "dags"
    for folder in (floor_folder, marks, dags):
        folder.mkdir(parents=True)
    (dags / "distro_dags.py").symlink_to(REPO / "dags" / "distro_dags.py")
    (dags / "floor_dag.py").write_text(
        FLOOR_DAG.format(folder=str(floor_folder), marks=str(marks)), encoding="utf-8"
    )
    os.environ["DISTRO_DAGS_FOLDER"] = str(dags)
    started = time.monotonic()
    stack.up(settings, timeout=300)
    up_seconds = time.monotonic() - started
    inbox, site = settings.state.inbox, settings.state.site / "articles"
    lines = ["# Drop → published latency", ""]
    try:
        singles, floor, dropped, floor_dropped = [], [], [], []
        floor_drop(floor_folder, marks, -1, 120)  # the floor DAG's first run: parsed and warm
        since = time.time()
        # The trigger polls once a second: a drop's wait for it depends on where in the second it
        # lands. Seeded jitter spreads both distro's drops and the floor's over that second.
        jitter = random.Random(20261202)
        for n in range(args.drops):
            item, sidecar = prepare(n, data)
            dropped.append(time.time())
            drop(inbox, item, data, sidecar)
            watch(site, [item], 120)
            singles.append(item)
            time.sleep(args.gap + jitter.uniform(0, args.jitter))
            floor_dropped.append(time.time())
            floor.append(floor_drop(floor_folder, marks, n, 120))
            print(f"drop {n}: {item.latency} (floor {floor[-1].latency})", flush=True)
            time.sleep(args.gap + jitter.uniform(0, args.jitter))
        until = time.time()
        found = runs(stack.Stack(settings).home / "airflow.db", since, until)
        table = steps(found, dropped, floor_dropped)
        burst = [prepare(10_000 + n, data) for n in range(args.burst)]
        began = time.monotonic()
        for item, sidecar in burst:
            drop(inbox, item, data, sidecar)
        watch(site, [item for item, _ in burst], 900)
        finished = [item.published for item, _ in burst if item.published is not None]
        total = (max(finished) - began) if finished else None
        load = os.getloadavg()
        lines += [
            f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on the shared 2-core "
            f"machine (load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}); "
            f"`distro up` took {up_seconds:.0f} s. Default config (web, app, wechat); published "
            "= every article of the page has its web page.",
            "",
            *summary(
                f"{args.drops} single drops, {args.gap:g}–{args.gap + args.jitter:g} s apart",
                singles,
            ),
            *summary(f"the floor: {args.drops} drops, taken between distro's", floor),
            *ratio(singles, floor),
            "### where the single drops' time went (Airflow's `dag_run` and `task_instance`)",
            "",
            *table,
            *summary(f"burst of {args.burst} files at once", [i for i, _ in burst], total),
        ]
    finally:
        stack.down(settings)
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
