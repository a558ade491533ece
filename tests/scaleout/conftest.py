"""The distributed profile, started once per session: every scaleout test shares one stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
        stack.stop()
