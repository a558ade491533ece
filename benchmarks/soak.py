"""Soak: many files, every class of bad input, flaky push servers and random kill -9s.

    uv run python benchmarks/soak.py [--files 2000] [--kills 5] [--error-rate 0.1] [--seed 14]

Drops ``--files`` files into a fresh inbox: real pages (the seed page, made unique per file,
dated by file name or sidecar) mixed with every class of bad input issue 14 names (a year-1
date in a name or a sidecar, `..` and 100-character sections, control characters, 5,000-digit
pages, 250-byte names, links to /etc/passwd, a pipe, an RSS file, random bytes). The app channel
pushes to the JPush contract server, which answers 503 to ``--error-rate`` of the calls. Then
ingest and publish (web, app, partners) run as real `distro` subprocesses; ``--kills`` of them,
chosen at random, get SIGKILL after a random delay. Runs repeat normally until nothing is left.

Reported: files in, articles stored, quarantined (by stage and reason), lost (a good page with
no article, an article short of a delivery, a pending delivery, a page missing from the site,
a file still in the inbox: must be 0), pushes sent twice (must be 0), and the time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.channels.app.servers import JPushServer  # noqa: E402
from tests.conftest import SEED  # noqa: E402

from distro import channels, config  # noqa: E402
from distro.models import DeliveryState, Kind  # noqa: E402
from distro.store.ledger import Ledger  # noqa: E402

DISTRO = str(Path(sys.executable).parent / "distro")
CONFIG = """
[channels.wechat]
enabled = false

[[channels.app.providers]]
kind = "jpush"
name = "jpush"
conn_id = "distro_jpush"
audience = "all"

[[channels.app.rules]]
max_urgency = 9

[[partners]]
name = "tv"
token = "env:DISTRO_SOAK_PARTNER_TOKEN"
"""


class FlakyJPush(JPushServer):
    """The JPush contract server, answering 503 to a share of the calls."""

    def __init__(self, rate: float, rng: random.Random) -> None:
        super().__init__()
        self.rate = rate
        self.rng = rng
        self.injected = 0

    def handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if self.rng.random() < self.rate:
            self.injected += 1
            return 503, {}, {"error": {"code": 1050, "message": "injected"}}
        return super().handle(path, headers, body)


def page(seed: str, n: int) -> bytes:
    return seed.replace("坚定", f"坚定{n}", 1).encode("utf-8")


def drop(inbox: Path, count: int, rng: random.Random) -> tuple[int, set[str]]:
    """Write ``count`` inputs; returns how many and the names of the good pages."""
    seed = SEED.read_text(encoding="utf-8")
    good: set[str] = set()
    for n in range(count):
        day = 1 + n % 28
        kind = rng.random()
        if kind < 0.7:
            name = f"2021-07-{day:02}_{n:05}.txt"
            (inbox / name).write_bytes(page(seed, n))
            good.add(name)
            continue
        bad = n % 11
        if bad == 0:
            (inbox / f"00010101_{n}.txt").write_bytes(page(seed, n))
        elif bad == 1:
            (inbox / f"y{n}.meta.json").write_text('{"issue_date": "0001-01-01"}')
            (inbox / f"y{n}.txt").write_bytes(page(seed, n))
        elif bad == 2:
            (inbox / f"d{n}.meta.json").write_text('{"section": ".."}')
            (inbox / f"d{n}.txt").write_bytes(page(seed, n))
        elif bad == 3:
            (inbox / f"l{n}.meta.json").write_text(json.dumps({"section": "长" * 100}))
            (inbox / f"l{n}.txt").write_bytes(page(seed, n))
        elif bad == 4:  # control characters: cleaned, the page is stored
            name = f"2021-08-{day:02}_c{n}.txt"
            (inbox / name).write_bytes(page(seed, n).replace("。".encode(), "\x01。".encode()))
            good.add(name)
        elif bad == 5:
            (inbox / f"p{n}.meta.json").write_text('{"page": "' + "1" * 5000 + '"}')
            (inbox / f"p{n}.txt").write_bytes(page(seed, n))
        elif bad == 6:
            (inbox / (f"{n}" + "新" * 80 + ".txt")).write_bytes(page(seed, n))
        elif bad == 7:
            (inbox / f"link{n}.txt").symlink_to("/etc/passwd")
        elif bad == 8:
            os.mkfifo(inbox / f"pipe{n}.txt")
        elif bad == 9:
            (inbox / f"feed{n}.rss").write_bytes(b"<rss version='2.0'><channel/></rss>")
        else:
            (inbox / f"r{n}.txt").write_bytes(rng.randbytes(rng.randint(0, 4096)))
    return count, good


def run(env: dict[str, str], *args: str, kill_after: float | None = None) -> int:
    process = subprocess.Popen(
        [DISTRO, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if kill_after is None:
        return process.wait(timeout=3600)
    try:
        return process.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def reason_class(reason: str) -> str:
    """A reason without its specifics (names, numbers), for counting."""
    text = re.sub(r"^\S+?: ", "", reason)
    text = re.sub(r"\d+", "N", text)
    return re.sub(r"'[^']*'|\"[^\"]*\"|\([^)]*\)", "…", text)[:90]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--error-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="distro-soak-") as folder:
        root = Path(folder)
        (root / "distro.toml").write_text(CONFIG, encoding="utf-8")
        state = root / "state"
        inbox = state / "inbox"
        inbox.mkdir(parents=True)
        files, good = drop(inbox, args.files, rng)
        server = FlakyJPush(args.error_rate, rng).start()
        conn = {"conn_type": "http", "host": server.url, "login": server.app_key,
                "password": server.secret}  # fmt: skip
        env = {
            **os.environ,
            "DISTRO_STATE": str(state),
            "DISTRO_CONFIG": str(root / "distro.toml"),
            "AIRFLOW_CONN_DISTRO_JPUSH": json.dumps(conn),
            "DISTRO_SOAK_PARTNER_TOKEN": "soak-partner-token-0123456789",
        }
        env.pop("DISTRO_FAULT", None)
        commands = [("ingest",), ("publish", "web"), ("publish", "app"), ("publish", "partners")]
        kills = 0
        try:
            while kills < args.kills:
                command = commands[0] if kills % 2 == 0 else rng.choice(commands[1:])
                run(env, *command, kill_after=rng.uniform(1.0, 6.0))
                kills += 1
                run(env, *rng.choice(commands))  # some work between the kills
            for _ in range(6):  # normal runs until nothing is left
                run(env, "ingest")
                for command in commands[1:]:
                    run(env, *command)
            settings = config.load(root / "distro.toml", state)
            with Ledger.open(settings) as ledger:
                articles = ledger.articles(include_killed=True)
                quarantine = ledger.quarantined()
                deliveries = ledger.deliveries()
                pending = sum(len(ledger.pending(c)) for c in channels.enabled(settings))
            targets = len(channels.targets(settings))
        finally:
            server.stop()
        origins = {
            unquote(PurePosixPath(urlsplit(a.provenance.origin).path).name) for a in articles
        }
        lost_pages = sorted(good - origins)
        queued = Counter((d.article_id, d.version) for d in deliveries if d.target != "push:jpush")
        short = [a for a in articles if queued[(a.id, a.version)] < targets]
        site = {p.stem for p in (state / "site" / "articles").glob("*.html")}
        missing = [a for a in articles if a.kind is Kind.ARTICLE and a.id not in site]
        left = [p.name for p in inbox.iterdir() if not p.name.startswith(".")]
        left += [p.name for p in (inbox / ".claimed").rglob("*") if p.is_file()]
        twice = sum(
            n - 1
            for n in Counter(str(p["options"]["sendno"]) for p in server.pushes).values()
            if n > 1
        )
        unknown = sum(1 for d in deliveries if d.state is DeliveryState.FAILED)
        by_reason = Counter(f"{e.stage}: {reason_class(e.reason)}" for e in quarantine)
        lost = len(lost_pages) + len(short) + pending + len(missing) + len(left)
        print(f"files in: {files} ({len(good)} good pages)")
        print(f"articles stored: {len(articles)}")
        print(f"quarantined: {len(quarantine)}")
        for reason, count in by_reason.most_common():
            print(f"  {count:5}  {reason}")
        print(f"lost: {lost} (pages without articles {len(lost_pages)}, articles short of a "
              f"delivery {len(short)}, pending {pending}, pages missing from the site "
              f"{len(missing)}, files left in the inbox {len(left)})")  # fmt: skip
        print(f"pushes: {len(server.pushes)} sent, {twice} sent twice, {unknown} deliveries "
              f"failed (outcome unknown after a kill, or refused), "
              f"{server.injected} 503s injected")  # fmt: skip
        print(f"kills: {kills}; time: {time.monotonic() - started:.1f} s")
        return 1 if lost or twice else 0


if __name__ == "__main__":
    sys.exit(main())
