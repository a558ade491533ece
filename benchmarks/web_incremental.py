"""Cost of publishing one new article to the static site with 100 vs 100,000 articles archived.

    uv run python benchmarks/web_incremental.py [--sizes 100 100000] [--runs 15]

For each size, a fresh SQLite ledger is filled with that many articles (latest versions, in two
sections, published a minute apart up to now, each with a `sent` web delivery) by bulk insert;
the site is published once (this first publish builds the catalog from the ledger: the one full
read, timed separately). Then, ``--runs`` rounds, each size in turn (so a busy machine slows
all sizes alike), one new article is stored and enqueued the way ingest does it, and
`distro.channels.web.publish` runs; the publish call is timed (wall and CPU) and the files it
wrote are counted. The figure of merit is the ratio of the median publish time
at the largest size to the median at the smallest (target <= 1.5).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from distro import config
from distro.channels import web
from distro.models import Article, Byline, Provenance
from distro.store import tables as t
from distro.store.ledger import Ledger

#: Two sections, so that with 100 archived every list the new article touches is already a full
#: page (50): the comparison then isolates the archive's size from the lists' lengths.
SECTIONS = ["要闻", "经济"]
#: Run-wide "now": the archive ends a minute before it, so the news sitemap is live too.
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
BATCH = 5000


def when(size: int, n: int) -> dt.datetime:
    """Article ``n`` of an archive of ``size``: one a minute, the archive ending now."""
    return NOW - dt.timedelta(minutes=size - n)


def make(n: int, when: dt.datetime) -> Article:
    return Article(
        id=f"a-{n:020x}",
        headline=f"第{n}条 新区重点项目建设观摩会举行",
        section=SECTIONS[n % len(SECTIONS)],
        byline=Byline(raw="□记者 宋迎迎 报道", role="记者", roles=["记者"], names=["宋迎迎"]),
        paragraphs=[
            f"本报讯 第{n}条稿件：7月4日至5日，全区“攻坚突破年”现场观摩会举行。",
            "观摩后召开了总结讲评会议，参加观摩人员根据观摩项目规模、质量等情况进行评议打分。",
        ],
        published_at=when,
        provenance=Provenance(origin="file:///inbox/x.txt", sha256="c" * 64, received_at=when),
    )


def fill(ledger: Ledger, count: int) -> None:
    """Bulk-insert ``count`` archived articles and their sent web deliveries."""
    stamp = dt.datetime.now(dt.UTC)
    for first in range(0, count, BATCH):
        rows, sent = [], []
        for n in range(first, min(first + BATCH, count)):
            article = make(n, when(count, n))
            rows.append(
                {
                    "id": article.id,
                    "version": 1,
                    "content_hash": article.content_hash(),
                    "document": article.model_dump_json(),
                    "pub_status": article.pub_status.value,
                    "published_at": article.published_at,
                    "note": None,
                    "created_at": stamp,
                }
            )
            sent.append(
                {
                    "article_id": article.id,
                    "version": 1,
                    "channel": "web",
                    "target": "default",
                    "state": "sent",
                    "remote_id": None,
                    "attempts": 1,
                    "last_error": None,
                    "detail": "{}",
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        with ledger.engine.begin() as conn:
            conn.execute(t.articles.insert(), rows)
            conn.execute(t.deliveries.insert(), sent)


def publish_one(
    settings: config.Settings, ledger: Ledger, size: int, n: int
) -> tuple[float, float, int]:
    """Store and enqueue article ``n``, publish; (wall seconds, CPU seconds, files written)."""
    _outcome, stored = ledger.put(make(n, when(size, n)))
    ledger.enqueue(stored.id, stored.version, "web")
    wall, cpu = time.perf_counter(), time.process_time()
    report = web.publish(settings, ledger)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert report.sent == 1, report.summary()
    return wall, cpu, len(report.outputs)


@dataclass
class Archive:
    """One prepared state folder and ledger of a given size, and its timings."""

    size: int
    folder: tempfile.TemporaryDirectory[str]
    settings: config.Settings
    ledger: Ledger
    fill_s: float = 0.0
    first_s: float = 0.0
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    files: list[int] = field(default_factory=list)


def prepare(size: int) -> Archive:
    folder = tempfile.TemporaryDirectory(prefix="distro-bench-")
    settings = config.load(None, Path(folder.name))
    archive = Archive(size, folder, settings, Ledger.open(settings))
    began = time.perf_counter()
    fill(archive.ledger, size)
    archive.fill_s = time.perf_counter() - began
    began = time.perf_counter()
    publish_one(settings, archive.ledger, size, size)  # builds the catalog: one full read
    archive.first_s = time.perf_counter() - began
    return archive


def run(archives: list[Archive], runs: int) -> None:
    """Publish one new article per archive per round, alternating, so load hits all alike."""
    for i in range(runs):
        for archive in archives:
            gc.collect()
            wall, cpu, written = publish_one(
                archive.settings, archive.ledger, archive.size, archive.size + 1 + i
            )
            archive.walls.append(wall)
            archive.cpus.append(cpu)
            archive.files.append(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 100_000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, SQLite ledger, local site")
    archives = [prepare(size) for size in args.sizes]
    run(archives, args.runs)
    results = []
    for a in archives:
        results.append(
            {
                "size": a.size,
                "fill_s": a.fill_s,
                "first_publish_s": a.first_s,
                "median_ms": statistics.median(a.walls) * 1000,
                "p90_ms": sorted(a.walls)[int(0.9 * (len(a.walls) - 1))] * 1000,
                "cpu_median_ms": statistics.median(a.cpus) * 1000,
                "files": statistics.median(a.files),
            }
        )
        a.ledger.close()
        a.folder.cleanup()
    print(f"load average after the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "| archived | fill (s) | first publish (s) | publish median (ms) | p90 (ms) "
        "| CPU median (ms) | files written |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['size']:,} | {r['fill_s']:.1f} | {r['first_publish_s']:.2f} | "
            f"{r['median_ms']:.1f} | {r['p90_ms']:.1f} | {r['cpu_median_ms']:.1f} | "
            f"{r['files']:.0f} |"
        )
    ratio = results[-1]["median_ms"] / results[0]["median_ms"]
    cpu_ratio = results[-1]["cpu_median_ms"] / results[0]["cpu_median_ms"]
    print(
        f"ratio {results[-1]['size']:,} / {results[0]['size']:,}: wall {ratio:.2f}x, "
        f"CPU {cpu_ratio:.2f}x (target <= 1.5x)"
    )


if __name__ == "__main__":
    main()
