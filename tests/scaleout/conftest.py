"""The distributed profile, started once per session: every scaleout test shares one stack."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.scaleout.stack import Stack

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
#: Each site write is held this long, so a channel's batch lasts long enough to kill a worker
#: in the middle of it.
SITE_DELAY = 0.05


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """PostgreSQL, Redis, S3 and Airflow on Celery with two workers, torn down at the end."""
    stack = Stack(
        dags=[REPO / "dags", HERE / "dags"],
        workers=2,
        concurrency=2,
        site_delay=SITE_DELAY,
        # WeChat editions run only when a test triggers them, never from the clock mid-test.
        config_extra="[channels.wechat]\nschedules = []\n",
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
