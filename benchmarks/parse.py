"""Throughput of the page parser: parse + normalize + validate over >= 5 MB of pages, one process.

    uv run python benchmarks/parse.py [--megabytes 6] [--seed 7]

The corpus is built here from the seed page (../shared/seed) and variations of it: other names
and numbers, reordered and duplicated items, column breaks at random places, half-width
punctuation, page furniture and CMS stamps, and five encodings (UTF-8, UTF-8 with BOM, GB18030,
UTF-16 LE with BOM, BOM-less UTF-16 BE). Every page is parsed with `distro.parse.parse_page`,
which decodes, segments, normalizes and builds pydantic-validated Articles. Reports wall-clock
and CPU (process) time: on a shared machine the CPU figure is the one core's own throughput.
"""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import gc
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

from distro.parse import parse_page

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "000_c6710cc7ae2753f8.txt"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍"
FURNITURE = ("本版责编：{}", "版式设计：{}", "校对：{}")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _break_columns(paragraph: str, rng: random.Random) -> list[str]:
    """A paragraph cut where a column ended, as PDF extraction leaves it."""
    if len(paragraph) < 80 or rng.random() < 0.5:
        return [paragraph]
    cut = rng.randint(len(paragraph) // 2, len(paragraph) - 5)
    while paragraph[cut - 1] in "。！？；：”’」』）)，,、":
        cut -= 1
    return [paragraph[:cut], paragraph[cut:]]


def _variant(seed: str, rng: random.Random) -> str:
    """One page made from the seed: same shape, different words, breaks and furniture."""
    text = seed
    for old in ("孙永红", "周安", "宋迎迎"):
        text = text.replace(old, _name(rng))
    text = text.replace("1787", str(rng.randint(100, 9999))).replace(
        "106", str(rng.randint(10, 500))
    )
    if rng.random() < 0.5:
        text = text.replace(",", "，")  # some producers already send full-width punctuation
    lines = [line for line in text.splitlines() if line.strip()]
    out: list[str] = []
    for line in lines:
        out.extend(_break_columns(line, rng) if len(line) > 60 else [line])
    if rng.random() < 0.5:  # a longer page: the lead story printed twice over
        out = out[:-6] + out[:-6] + out[-6:]
    out += [template.format(_name(rng)) for template in FURNITURE if rng.random() < 0.7]
    if rng.random() < 0.5:
        out.append(f"2021-07-0{rng.randint(1, 9)} 0{rng.randint(0, 9)}:12:33")
    return "\n\n".join(out) + "\n"


def _encode(text: str, rng: random.Random) -> bytes:
    form = rng.choice(("utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16-bom", "utf-16-be"))
    if form == "utf-16-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(form)


def corpus(megabytes: float, seed: int) -> list[bytes]:
    """Pages totalling at least `megabytes` MB (10**6 bytes)."""
    rng = random.Random(seed)
    base = SEED.read_text(encoding="utf-8")
    pages: list[bytes] = []
    size = 0
    while size < megabytes * 1_000_000:
        page = _encode(_variant(base, rng), rng)
        pages.append(page)
        size += len(page)
    return pages


def _cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def reference_ms() -> tuple[float, float]:
    """Best of five `sum(range(10**6))`, wall and CPU ms: how much of a core the process gets.

    On a shared machine the parser's figures move with the load; this reference moves with them,
    so figures taken under different loads can be compared (scale by the reference's ratio).
    """
    wall = cpu = float("inf")
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        sum(range(10**6))
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall * 1000, cpu * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    pages = corpus(args.megabytes, args.seed)
    total = sum(len(page) for page in pages)
    issue = dt.date(2021, 7, 5)
    received = dt.datetime(2021, 7, 5, tzinfo=dt.UTC)
    articles = sum(  # warm-up round, also the article count
        len(parse_page(page, origin=f"bench:{i}", issue_date=issue, received_at=received))
        for i, page in enumerate(pages)
    )
    best_wall = best_cpu = float("inf")
    for _ in range(args.rounds):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        for i, page in enumerate(pages):
            parse_page(page, origin=f"bench:{i}", issue_date=issue, received_at=received)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    mb = total / 1_000_000
    print(f"machine: {_cpu_model()}, python {platform.python_version()}, one process")
    ref_wall, ref_cpu = reference_ms()
    print(f"reference: sum(range(10**6)) takes {ref_wall:.1f} ms wall, {ref_cpu:.1f} ms cpu now")
    print(f"corpus: {len(pages)} pages, {mb:.2f} MB, {articles} articles")
    print(
        f"wall: {best_wall:.2f} s, {mb / best_wall:.1f} MB/s, {len(pages) / best_wall:.0f} pages/s"
    )
    print(f"cpu:  {best_cpu:.2f} s, {mb / best_cpu:.1f} MB/s, {len(pages) / best_cpu:.0f} pages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
