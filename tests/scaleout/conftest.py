"""The distributed profile, started once per session: every scaleout test shares one stack."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.scaleout.stack import Stack
from tests.servers.webhooks import SECRET, TOKENS, Receiver

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
#: Each site write is held this long, so a channel's batch lasts long enough to kill a worker
#: in the middle of it.
SITE_DELAY = 0.05
#: Partners and their hash buckets: xinhua's pushes run as that many mapped tasks.
PARTNERS = {"xinhua": 3, "portal": 1}


def partners_toml(hook_url: str) -> str:
    """Two partners with signed webhooks to ``hook_url``; tokens and secret by reference."""
    return "".join(
        f'[[partners]]\nname = "{name}"\ntoken = "env:DISTRO_TOKEN_{name.upper()}"\n'
        f'format = "rss"\nbuckets = {buckets}\n'
        f'webhook = {{ url = "{hook_url}", secret = "env:DISTRO_HOOK_SECRET" }}\n\n'
        for name, buckets in PARTNERS.items()
    )


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    """The partners' webhook endpoint for the whole stack, in the test process."""
    with Receiver() as running:
        yield running


@pytest.fixture(scope="session")
def stack(receiver: Receiver) -> Iterator[Stack]:
    """PostgreSQL, Redis, S3 (and SQS) and Airflow on Celery with two workers, an S3 source on
    an SQS queue and two partners (one in hash buckets), torn down at the end."""
    stack = Stack(
        dags=[REPO / "dags", HERE / "dags"],
        workers=2,
        concurrency=2,
        site_delay=SITE_DELAY,
        # WeChat editions run only when a test triggers them, never from the clock mid-test.
        config_extra="[channels.wechat]\nschedules = []\n\n" + partners_toml(receiver.url),
        env_extra={**TOKENS, "DISTRO_HOOK_SECRET": SECRET},
        events=True,
    )
    stack.start()
    try:
        yield stack
    finally:
        # Everything running now (workers restarted by the drill included) must be gone after.
        started = [proc for each in stack.procs.values() for proc in each.tree()]
        stack.stop()
        left = [proc for proc in started if alive(proc)]
        for proc in left:
            proc.kill()
        assert not left, f"still running after teardown: {left}"
        ports = (stack.pg_port, stack.redis_port, stack.s3_port, stack.api_port)
        assert not [port for port in ports if listening(port)], "a server still listens"


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
