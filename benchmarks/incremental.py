"""Cost of `distro publish <channel>` for one more article, as a whole command, vs archive size.

    uv run python benchmarks/incremental.py [--channel app|web|partners] [--sizes 100 10000]
        [--runs 7]

For each size, a state folder gets a config (the channel on, the others off) and a SQLite
ledger filled by bulk insert with that many articles (latest versions, two sections, published
a minute apart, each with a `sent` delivery to every target of the channel, as an archive
published by an earlier release looks). The command runs once: that first run lays the pages
and feeds out from the archive (the one full read, timed separately). Then, ``--runs`` rounds,
each size in turn (so a busy machine slows all sizes alike), one new article is stored and
enqueued the way ingest does it, and

    uv run distro publish <channel> --config <state>/distro.toml --state <state>

runs as a subprocess; its wall time (start-up, config, ledger, rendering, writes) is the figure.
The ratio of the median at the largest size to the median at the smallest is the target
(<= 1.5). A held and an embargoed article are in every archive, and each run checks that the
new article is out and the withheld ones are in no output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from distro import config
from distro.models import Article, Byline, Provenance
from distro.store import tables as t
from distro.store.ledger import Ledger

SECTIONS = ["要闻", "经济"]
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
BATCH = 5000
PARTNERS = ("sohu", "netease", "toutiao")
#: Each channel's config (the others off) and the targets an article is delivered to.
CONFIGS = {
    "app": """\
[channels.app]
base_url = "https://news.example.cn/app/"
page_size = 50

[channels.wechat]
enabled = false
""",
    "web": """\
[channels.web]
base_url = "https://news.example.cn/"
title = "西海岸新闻"

[channels.app]
enabled = false

[channels.wechat]
enabled = false
""",
    "partners": """\
[channels.app]
enabled = false

[channels.wechat]
enabled = false
"""
    + "".join(
        f'\n[[partners]]\nname = "{name}"\ntoken = "env:BENCH_TOKEN"\nformat = "{fmt}"\n'
        for name, fmt in zip(PARTNERS, ("rss", "atom", "ninjs"), strict=True)
    ),
    # No connection: a dry run, which builds and renders the edition and writes the requests
    # it would send to the outbox (everything but WeChat's own answers).
    "wechat": """\
[channels.app]
enabled = false
""",
}
TARGETS = {"partners": list(PARTNERS), **{c: ["default"] for c in ("app", "web", "wechat")}}


def when(size: int, n: int) -> dt.datetime:
    return NOW - dt.timedelta(minutes=size - n)


def make(n: int, at: dt.datetime) -> Article:
    return Article(
        id=f"a-{n:020x}",
        headline=f"第{n}条 新区重点项目建设观摩会举行",
        section=SECTIONS[n % len(SECTIONS)],
        byline=Byline(raw="□记者 宋迎迎 报道", role="记者", roles=["记者"], names=["宋迎迎"]),
        paragraphs=[
            f"本报讯 第{n}条稿件：7月4日至5日，全区“攻坚突破年”现场观摩会举行。",
            "观摩后召开了总结讲评会议，参加观摩人员根据观摩项目规模、质量等情况进行评议打分。",
        ],
        urgency=4,
        published_at=at,
        provenance=Provenance(origin="file:///inbox/x.txt", sha256="c" * 64, received_at=at),
    )


def fill(ledger: Ledger, channel: str, count: int) -> list[str]:
    """Bulk-insert ``count`` archived articles with sent deliveries to every target of
    ``channel``; two of them withheld (one held, one embargoed); their ids."""
    stamp = dt.datetime.now(dt.UTC)
    withheld = {count // 3: "held", count // 2: "scheduled"}
    for first in range(0, count, BATCH):
        rows, deliveries = [], []
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
            deliveries.extend(
                {
                    "article_id": article.id,
                    "version": 1,
                    "channel": channel,
                    "target": target,
                    "state": withheld.get(n, "sent"),
                    "remote_id": None,
                    "attempts": 1,
                    "last_error": None,
                    "detail": json.dumps({"not_before": (NOW + dt.timedelta(days=30)).isoformat()})
                    if withheld.get(n) == "scheduled"
                    else "{}",
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for target in TARGETS[channel]
            )
        with ledger.engine.begin() as conn:
            conn.execute(t.articles.insert(), rows)
            conn.execute(t.deliveries.insert(), deliveries)
    return [f"a-{n:020x}" for n in withheld]


@dataclass
class Archive:
    channel: str
    size: int
    folder: tempfile.TemporaryDirectory[str]
    state: Path
    withheld: list[str]
    fill_s: float = 0.0
    first_s: float = 0.0
    first_report: str = ""
    newest: str = ""
    headline: str = ""
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)


def command(channel: str, state: Path) -> tuple[float, str]:
    """Run the whole command; (wall seconds, its output). Its CPU time goes to ``CPU``."""
    argv = ["uv", "run", "distro", "publish", channel, "--config", str(state / "distro.toml"),
            "--state", str(state)]  # fmt: skip
    began, used = time.perf_counter(), _children_cpu()
    env = {**os.environ, "BENCH_TOKEN": "bench-partner-token-0123456789"}
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - began
    CPU.append(_children_cpu() - used)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return wall, done.stdout.strip()


CPU: list[float] = []


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def add_one(archive: Archive, n: int) -> None:
    settings = config.load(archive.state / "distro.toml", archive.state)
    with Ledger.open(settings) as ledger:
        _outcome, stored = ledger.put(make(n, when(archive.size, n)))
        for target in TARGETS[archive.channel]:
            ledger.enqueue(stored.id, stored.version, archive.channel, target)
    archive.newest = stored.id
    archive.headline = stored.headline


def outputs(archive: Archive) -> list[Path]:
    """The channel's lists that the new article must head: feeds, home page, partner feeds."""
    if archive.channel == "app":
        return [archive.state / "app" / "feed.json"]
    if archive.channel == "web":
        return [archive.state / "site" / "index.html", archive.state / "site" / "feed.xml"]
    if archive.channel == "wechat":  # the newest request of the dry run: this edition's draft
        sent = sorted((archive.state / "outbox" / "wechat").glob("*.json"), key=os.path.getmtime)
        return sent[-1:]
    return [p for p in (archive.state / "partners").rglob("*") if p.is_file()]


def check(archive: Archive) -> None:
    """The new article is in every list; the withheld ones are in none, and have no page."""
    lists = outputs(archive)
    assert lists, f"{archive.channel} wrote no list"
    for path in lists:
        text = path.read_text(encoding="utf-8")
        if archive.channel == "wechat":  # a draft names no ids: its title is the headline
            assert archive.headline in text, f"{archive.headline} missing from {path}"
            continue
        assert archive.newest in text, f"{archive.newest} missing from {path}"
        assert not any(w in text for w in archive.withheld), f"a withheld article in {path}"
    for article_id in archive.withheld:
        assert not (archive.state / "app" / "articles" / f"{article_id}.json").exists()
        assert not (archive.state / "site" / "articles" / f"{article_id}.html").exists()


def prepare(channel: str, size: int) -> Archive:
    folder = tempfile.TemporaryDirectory(prefix=f"distro-bench-{channel}-")
    state = Path(folder.name)
    (state / "distro.toml").write_text(CONFIGS[channel], encoding="utf-8")
    settings = config.load(state / "distro.toml", state)
    with Ledger.open(settings) as ledger:
        began = time.perf_counter()
        withheld = fill(ledger, channel, size)
        fill_s = time.perf_counter() - began
    archive = Archive(channel, size, folder, state, withheld, fill_s)
    add_one(archive, size)
    archive.first_s, archive.first_report = command(channel, state)
    check(archive)
    return archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channel", choices=sorted(CONFIGS), default="app")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, SQLite ledger, local"
          f" folders, `distro publish {args.channel}`")  # fmt: skip
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    archives = [prepare(args.channel, size) for size in args.sizes]
    for i in range(args.runs):
        for archive in archives:
            add_one(archive, archive.size + 1 + i)
            wall, report = command(archive.channel, archive.state)
            check(archive)
            archive.walls.append(wall)
            archive.cpus.append(CPU[-1])
            archive.reports.append(report)
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| archived | fill (s) | first run, layout built (s) | one more: median (s) | min (s) "
          "| max (s) | CPU median (s) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for a in archives:
        print(
            f"| {a.size:,} | {a.fill_s:.1f} | {a.first_s:.2f} | {statistics.median(a.walls):.2f} "
            f"| {min(a.walls):.2f} | {max(a.walls):.2f} | {statistics.median(a.cpus):.2f} |"
        )
    for a in archives:
        print(f"{a.size:,}: first run: {a.first_report.splitlines()[1:2]}")
        print(f"{a.size:,}: last run: {a.reports[-1].splitlines()}")
    ratio = statistics.median(archives[-1].walls) / statistics.median(archives[0].walls)
    cpu = statistics.median(archives[-1].cpus) / statistics.median(archives[0].cpus)
    print(f"ratio {archives[-1].size:,} / {archives[0].size:,}: wall {ratio:.2f}x, CPU {cpu:.2f}x"
          " (target <= 1.5x)")  # fmt: skip
    for a in archives:
        a.folder.cleanup()


if __name__ == "__main__":
    main()
