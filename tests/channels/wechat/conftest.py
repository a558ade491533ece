"""Fixtures for the WeChat channel: the local API server, a ledger, articles, connections."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from distro import config
from distro.channels.wechat.client import WeChatClient
from distro.config import Settings
from distro.models import Article, Byline, Provenance
from distro.store.ledger import Ledger
from tests.channels.wechat.server import WeChatServer, WeChatState

RECEIVED = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def server() -> Iterator[WeChatServer]:
    running = WeChatServer().start()
    yield running
    running.stop()


@pytest.fixture
def api(server: WeChatServer) -> WeChatState:
    return server.state


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return config.load(None, tmp_path / "state")


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    settings.state.root.mkdir(parents=True, exist_ok=True)
    opened = Ledger.open(settings)
    yield opened
    opened.close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(
    server: WeChatServer, ledger: Ledger, sleeps: list[float]
) -> Callable[..., WeChatClient]:
    def make(**options: object) -> WeChatClient:
        kwargs: dict[str, object] = {
            "base_url": server.base_url,
            "timeout": 5.0,
            "backoff": 0.01,
            "sleep": sleeps.append,
        }
        kwargs.update(options)
        return WeChatClient(server.state.appid, server.state.secret, ledger, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def client(make_client: Callable[..., WeChatClient]) -> WeChatClient:
    return make_client()


@pytest.fixture
def connection(monkeypatch: pytest.MonkeyPatch, server: WeChatServer) -> None:
    """AIRFLOW_CONN_DISTRO_WECHAT pointing at the local server, as the CLI and tasks read it."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_DISTRO_WECHAT",
        json.dumps(
            {
                "conn_type": "http",
                "login": server.state.appid,
                "password": server.state.secret,
                "host": server.base_url,
            }
        ),
    )


def article(n: int, **changes: object) -> Article:
    """A plausible article, numbered so headlines differ."""
    base = Article(
        id=f"a-{hashlib.sha256(str(n).encode()).hexdigest()[:20]}",
        headline=f"第{n}条：全市推进老旧小区改造 今年惠及居民三万余户",
        byline=Byline(raw="□记者 宋迎迎", role="记者", roles=["记者"], names=["宋迎迎"]),
        paragraphs=[
            f"本报讯 第{n}条新闻的导语。今年以来，全市共启动老旧小区改造项目一百二十个。",
            "据介绍，改造内容包括加装电梯、更新管网、增设停车位等。",
        ],
        section="要闻",
        provenance=Provenance(
            origin=f"file:///inbox/{n}.txt",
            sha256=hashlib.sha256(f"raw {n}".encode()).hexdigest(),
            received_at=RECEIVED,
        ),
    )
    return base.model_copy(update=changes)


@pytest.fixture
def enqueue(ledger: Ledger) -> Callable[..., list[Article]]:
    """Store articles 1..n (or the given ones) and enqueue their WeChat deliveries."""

    def put(*items: Article | int) -> list[Article]:
        stored = []
        for item in items:
            one = article(item) if isinstance(item, int) else item
            _, kept = ledger.put(one)
            ledger.enqueue(kept.id, kept.version, "wechat")
            stored.append(kept)
        return stored

    return put
