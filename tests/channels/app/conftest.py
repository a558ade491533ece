"""Fixtures for the app channel: contract servers, moto's SNS, a ledger, articles, a fake clock."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from distro.channels.app.push import RetryPolicy
from distro.models import Article, Byline, Provenance
from distro.store.ledger import Ledger
from tests.channels.app.servers import FcmServer, JPushServer

UTC = dt.UTC
_numbers = itertools.count(1)


class Sleeps:
    """Records the waits a RetryPolicy asks for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def policy(sleeps: Sleeps) -> RetryPolicy:
    return RetryPolicy(attempts=3, base_delay=0.5, max_delay=10.0, sleep=sleeps)


@pytest.fixture
def fcm_server() -> Iterator[FcmServer]:
    server = FcmServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def jpush_server() -> Iterator[JPushServer]:
    server = JPushServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sns_endpoint() -> Iterator[str]:
    """moto's server mode over HTTP on 127.0.0.1 (SNS, among others)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    store = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        yield store
    finally:
        store.close()


def make_article(**update: object) -> Article:
    """A distinct article each call; ``update`` overrides fields."""
    n = next(_numbers)
    article = Article(
        id=f"a-{n:020x}",
        headline=f"新区观摩会举行 第{n}场",
        section="要闻",
        genre="news",
        urgency=2,
        byline=Byline(raw="□记者 宋迎迎 报道", role="记者", roles=["记者"], names=["宋迎迎"]),
        paragraphs=["孙永红出席观摩会并讲话。", "各有关部门单位参加观摩会。"],
        published_at=dt.datetime(2021, 7, 5, 0, n % 60, tzinfo=UTC),
        provenance=Provenance(
            origin=f"file:///inbox/{n}.txt",
            sha256=f"{n:064x}",
            received_at=dt.datetime(2021, 7, 5, 0, 30, tzinfo=UTC),
        ),
    )
    return article.model_copy(update=update)
