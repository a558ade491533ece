"""Fixtures for the WeChat channel: the local API server, a ledger, articles, connections."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

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


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def image_host(tmp_path: Path) -> Iterator[str]:
    """A local web server with one photo (and nothing else)."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "photo.png").write_bytes(tiny_png())
    (root / "note.txt").write_text("不是图片", encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass
