"""百度普通收录 push after a web publish, against a contract server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from distro.channels import PublishReport, web
from distro.channels.web import baidu
from distro.cli import main
from distro.config import Settings
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.channels.web.stories import article, settings, store
from tests.servers.baidu import BaiduServer

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
SITE = "https://www.example.cn"
BASE = SITE + "/"
TOKEN = "bd-Tok3n-7f2c9a41e8"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as opened:
        yield opened


@pytest.fixture
def server() -> Iterator[BaiduServer]:
    running = BaiduServer({SITE: TOKEN}, quota=10).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token lives in an Airflow Connection (here from the environment), never in config."""
    conn = {"conn_type": "http", "host": "data.zz.baidu.com", "password": TOKEN}
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_BAIDU", json.dumps(conn))


def configured(
    tmp_path: Path, server: BaiduServer, *, site: str = SITE, base: str = BASE
) -> Settings:
    text = f"""
[channels.web]
base_url = "{base}"
title = "西海岸新闻"

[channels.web.baidu]
site = "{site}"
endpoint_url = "{server.url}"
"""
    return settings(tmp_path / "state", text)


def page(n: int, base: str = BASE) -> str:
    return f"{base}articles/a-{n:020x}.html"


def publish_new(cfg: Settings, ledger: Ledger, numbers: range) -> PublishReport:
    for n in numbers:
        store(ledger, article(n, NOW + dt.timedelta(minutes=n)))
    report = web.publish(cfg, ledger)
    assert report.failed == 0
    return report


def test_new_pages_are_pushed_once_and_changed_ones_again(
    tmp_path: Path, ledger: Ledger, server: BaiduServer
) -> None:
    cfg = configured(tmp_path, server)
    for n in (1, 2, 3):
        store(ledger, article(n, NOW + dt.timedelta(minutes=n)))
    report = web.publish(cfg, ledger)
    assert report.sent == 3
    assert sorted(server.accepted) == [page(1), page(2), page(3)]
    # The day's first push learns the quota with one URL; the rest fit in what is left.
    assert [len(p.urls) for p in server.pushes] == [1, 2]
    for push in server.pushes:
        assert push.content_type == "text/plain"
        assert push.query == {"site": [SITE], "token": [TOKEN]}
    assert "Baidu: 3 URL(s) pushed, 7 left today" in report.messages
    assert baidu.queued(ledger) == {}

    # Nothing new: nothing pushed. A site rebuild rewrites pages without pushing them.
    web.publish(cfg, ledger)
    assert len(server.pushes) == 2
    # The same version delivered again is not a changed URL; a correction is.
    ledger.enqueue(f"a-{2:020x}", 1, "web", "again")
    revised = ledger.revise(f"a-{1:020x}", correction="更正：标题有误", reason="editor")
    ledger.enqueue(revised.id, revised.version, "web")
    report = web.publish(cfg, ledger)
    assert server.pushes[-1].urls == [page(1)]
    assert server.accepted.count(page(1)) == 2 and server.accepted.count(page(2)) == 1
    assert "Baidu: 1 URL(s) pushed, 6 left today" in report.messages


def test_a_killed_page_is_pushed_again_and_baidu_finds_it_withdrawn(
    tmp_path: Path, ledger: Ledger, server: BaiduServer
) -> None:
    from distro import service

    cfg = configured(tmp_path, server)
    publish_new(cfg, ledger, range(1, 3))
    assert sorted(server.accepted) == [page(1), page(2)]
    service.kill(cfg, ledger, [f"a-{1:020x}"], "法律原因撤稿")
    report = web.publish(cfg, ledger)
    assert server.pushes[-1].urls == [page(1)]  # only the withdrawn one, once
    assert "Baidu: 1 URL(s) pushed" in " ".join(report.messages)
    tombstone = (cfg.state.site / "articles" / f"a-{1:020x}.html").read_text(encoding="utf-8")
    assert 'name="robots" content="noindex"' in tombstone  # what Baidu finds there
    web.publish(cfg, ledger)
    assert server.accepted.count(page(1)) == 2


def test_at_most_the_quota_a_day_and_the_rest_the_next_day(
    tmp_path: Path, ledger: Ledger, server: BaiduServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.quota = 3
    server.new_day()
    day = {"today": "2026-07-05"}
    monkeypatch.setattr(baidu, "today", lambda now=None: day["today"])
    cfg = configured(tmp_path, server)
    for n in range(1, 6):
        store(ledger, article(n, NOW + dt.timedelta(minutes=n)))
    report = web.publish(cfg, ledger)
    assert report.sent == 5  # the site is out whatever Baidu takes
    assert len(server.accepted) == 3 and [p.status for p in server.pushes] == [200, 200]
    assert "Baidu: 3 URL(s) pushed, 0 left today" in report.messages
    assert len(baidu.queued(ledger)) == 2 and baidu.remaining(ledger, "2026-07-05") == 0

    # The same day: no request at all, the two wait.
    again = web.publish(cfg, ledger)
    assert len(server.pushes) == 2
    assert "Baidu: today's quota is used; 2 URL(s) wait" in again.messages

    # Beijing's midnight: the quota is back and the two go out, oldest first.
    server.new_day()
    day["today"] = "2026-07-06"
    web.publish(cfg, ledger)
    assert server.accepted == [page(n) for n in (1, 2, 3, 4, 5)]
    assert [len(p.urls) for p in server.pushes] == [1, 2, 1, 1]
    assert baidu.queued(ledger) == {} and baidu.remaining(ledger, "2026-07-06") == 1

    # Baidu's count can run out before ours (another tool pushed): "over quota" stops the day.
    server.remain[SITE] = 0
    report = publish_new(cfg, ledger, range(6, 7))
    assert server.pushes[-1].answer == {"error": 400, "message": "over quota"}
    assert "Baidu: today's quota is used; 1 URL(s) wait" in report.messages
    assert list(baidu.queued(ledger)) == [page(6)]
    assert baidu.remaining(ledger, "2026-07-06") == 0


@pytest.mark.parametrize(
    ("site", "token", "says"),
    [
        (SITE, "bd-wrong-token-0000", "HTTP 401: token is not valid"),
        ("https://other.example.cn", TOKEN, "HTTP 400: site error"),
    ],
)
def test_a_refused_push_is_a_warning_with_the_token_masked(
    tmp_path: Path,
    ledger: Ledger,
    server: BaiduServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    site: str,
    token: str,
    says: str,
) -> None:
    conn = {"conn_type": "http", "password": token}
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_BAIDU", json.dumps(conn))
    cfg = configured(tmp_path, server, site=site)
    store(ledger, article(1, NOW))
    with caplog.at_level(logging.DEBUG):
        report = web.publish(cfg, ledger)
    assert (report.sent, report.failed) == (1, 0)
    assert all(d.state is DeliveryState.SENT for d in ledger.deliveries(channel="web"))
    [warning] = [m for m in report.messages if m.startswith("warning:")]
    assert says in warning and "1 URL(s) wait" in warning
    shown = "\n".join([*report.messages, caplog.text, *(r.getMessage() for r in caplog.records)])
    assert token not in shown
    assert list(baidu.queued(ledger)) == [page(1)]

    # Fixed: the next run pushes what waited, with no new article.
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_BAIDU", json.dumps({"password": TOKEN}))
    report = web.publish(configured(tmp_path, server), ledger)
    assert server.accepted == [page(1)]
    assert baidu.queued(ledger) == {}


def test_baidu_down_is_retried_then_left_for_the_next_run(
    tmp_path: Path, ledger: Ledger, server: BaiduServer
) -> None:
    cfg = configured(tmp_path, server)
    server.statuses = [500]  # once: the HTTP layer's retry gets through
    publish_new(cfg, ledger, range(1, 2))
    assert [p.status for p in server.pushes] == [500, 200]
    assert server.accepted == [page(1)]
    server.statuses = [500, 500]  # a whole run
    store(ledger, article(2, NOW))
    report = web.publish(cfg, ledger)
    [warning] = [m for m in report.messages if m.startswith("warning:")]
    assert "HTTP 500" in warning and TOKEN not in warning
    assert list(baidu.queued(ledger)) == [page(2)]
    web.publish(cfg, ledger)
    assert server.accepted == [page(1), page(2)]


def test_urls_of_another_site_are_dropped_with_a_warning(
    tmp_path: Path, ledger: Ledger, server: BaiduServer
) -> None:
    base = "https://news.example.cn/"
    cfg = configured(tmp_path, server, base=base)
    report = publish_new(cfg, ledger, range(1, 3))
    assert server.accepted == []
    assert [p.answer["not_same_site"] for p in server.pushes] == [[page(1, base)], [page(2, base)]]
    warnings = [m for m in report.messages if m.startswith("warning:")]
    assert len(warnings) == 2 and f"not of site {SITE} or not valid" in warnings[0]
    assert baidu.queued(ledger) == {}  # never counted, never retried
    web.publish(cfg, ledger)
    assert len(server.pushes) == 2


def test_no_baidu_section_queues_nothing(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state")
    store(ledger, article(1, NOW))
    report = web.publish(cfg, ledger)
    assert report.sent == 1
    assert baidu.queued(ledger) == {}
    assert not any("Baidu" in m for m in report.messages)


def test_config_check_names_an_unset_token_and_warns_of_a_missing_connection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISTRO_TEST_UNSET_BAIDU", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_BAIDU", raising=False)
    path = tmp_path / "distro.toml"
    table = f'[channels.web.baidu]\nsite = "{SITE}"\n'
    path.write_text(table + 'token = "env:DISTRO_TEST_UNSET_BAIDU"\n', encoding="utf-8")
    assert main(["config", "check", "--config", str(path), "--state", str(tmp_path)]) == 2
    said = capsys.readouterr().err
    assert "channels.web.baidu.token: env:DISTRO_TEST_UNSET_BAIDU is not set" in said
    path.write_text(table, encoding="utf-8")  # the default, conn:distro_baidu
    assert main(["config", "check", "--config", str(path), "--state", str(tmp_path)]) == 0
    assert "channels.web.baidu.token: connection 'distro_baidu'" in capsys.readouterr().err
