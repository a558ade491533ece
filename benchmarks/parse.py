"""Page parser speed on the real corpus, linearity in page size, and the ratio to feedparser.

    uv run python benchmarks/parse.py [--rounds 3]

Three measurements in one run, each the best of `--rounds` after a warm-up:

1. throughput: every page of tests/parse/corpus/pages parsed with `parse_page` (decode, line
   model, stacks, bylines, datelines, confidence, validated Articles);
2. linearity: one page made of the whole corpus (1×) and of the corpus four times (4×), and the
   worst case of the issue, a page whose lines never end a sentence (every line continues the
   paragraph before: 40,000 lines at 1×, 160,000 at 4×); the 4×/1× time ratio is ~4 when linear;
3. feedparser: an RSS 2.0 feed carrying the same stories (title, and the paragraphs as the
   description) parsed with `feedparser.parse`; the ratio is parser MB/s over feedparser MB/s.

CPU (process) time is reported: on a shared machine it is the one core's own throughput.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

from distro.parse import parse_page

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "parse" / "corpus" / "pages"
ISSUE = dt.date(2012, 6, 15)
RECEIVED = dt.datetime(2012, 6, 15, tzinfo=dt.UTC)


def _pages() -> list[tuple[bytes, dict[str, object]]]:
    return [
        (txt.read_bytes(), json.loads(txt.with_suffix(".json").read_text("utf-8")))
        for txt in sorted(PAGES.glob("*.txt"))
    ]


def _feed(pages: list[tuple[bytes, dict[str, object]]]) -> bytes:
    """An RSS 2.0 feed of the corpus stories: the same text the pages carry."""
    items = []
    for _, truth in pages:
        for story in truth["stories"]:  # type: ignore[attr-defined]
            body = "".join(f"<p>{escape(p)}</p>" for p in story["paragraphs"])
            items.append(
                f"<item><title>{escape(story['headline'])}</title>"
                f"<description>{escape(body)}</description>"
                f"<pubDate>Fri, 15 Jun 2012 00:00:00 +0800</pubDate></item>"
            )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>corpus</title><link>http://example.org/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>"
    )
    return xml.encode("utf-8")


def _best(rounds: int, work: Callable[[], object]) -> float:
    """Best CPU seconds of `rounds` runs of `work`, after a warm-up run."""
    work()
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def _parse(data: bytes) -> Callable[[], object]:
    return lambda: parse_page(data, origin="bench", issue_date=ISSUE, received_at=RECEIVED)


def _open_lines(count: int) -> bytes:
    """A page whose lines never end a sentence: each continues the paragraph before."""
    line = (
        "孙永红强调要按下项目建设快进键跑出高质量发展加速度"
        "要发挥项目关键支撑作用推动新区经济发展始终走在前列"
    )
    return (
        "坚定不移抓牢抓实项目建设\n\n□记者 宋迎迎 报道\n\n" + "\n".join([line] * count)
    ).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    pages = _pages()
    print(
        f"machine: {platform.processor() or platform.machine()}, python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}, one process"
    )

    total = sum(len(data) for data, _ in pages)
    articles = sum(len(_parse(data)()) for data, _ in pages)  # type: ignore[arg-type]
    cpu = _best(args.rounds, lambda: [_parse(data)() for data, _ in pages])
    mb = total / 1_000_000
    print(
        f"corpus: {len(pages)} pages, {mb:.2f} MB, {articles} articles: "
        f"{cpu:.2f} s cpu, {mb / cpu:.2f} MB/s, {len(pages) / cpu:.0f} pages/s"
    )

    feed = _feed(pages)
    feed_cpu = _best(args.rounds, lambda: feedparser.parse(feed))
    feed_mb = len(feed) / 1_000_000
    print(
        f"feedparser: RSS of the same stories, {feed_mb:.2f} MB: {feed_cpu:.2f} s cpu, "
        f"{feed_mb / feed_cpu:.2f} MB/s; parser/feedparser throughput ratio "
        f"{(mb / cpu) / (feed_mb / feed_cpu):.2f}"
    )

    whole = b"\n\n".join(data for data, _ in pages)
    one = _best(args.rounds, _parse(whole))
    four = _best(args.rounds, _parse(b"\n\n".join([whole] * 4)))
    print(
        f"linearity, corpus as one page: 1× {len(whole) / 1e6:.2f} MB {one:.2f} s, "
        f"4× {four:.2f} s, ratio {four / one:.2f}"
    )
    small, large = _open_lines(40_000), _open_lines(160_000)
    one = _best(1, _parse(small))
    four = _best(1, _parse(large))
    print(
        f"linearity, lines without sentence ends: 40,000 lines {one:.2f} s, "
        f"160,000 lines ({len(large) / 1e6:.1f} MB) {four:.2f} s, ratio {four / one:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
