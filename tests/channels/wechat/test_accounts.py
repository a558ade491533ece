"""Several WeChat accounts: each its own target, connection, token, quotas and editions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from distro import config
from distro.channels.wechat import outstanding, poll, probe, publish, targets
from distro.channels.wechat.accounts import account
from distro.channels.wechat.client import WECHAT_TZ
from distro.config import Settings
from distro.errors import ConfigError
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.channels.wechat.conftest import article
from tests.channels.wechat.server import WeChatServer

TWO = """
[channels.wechat]
edition_size = 2
preview_to = ["editor-wang"]

[[channels.wechat.accounts]]
name = "district"
conn_id = "distro_wechat_district"
account_type = "service"
"""


def settings_of(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "distro.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path, tmp_path / "state")


def conn(server: WeChatServer) -> str:
    return json.dumps(
        {
            "conn_type": "http",
            "login": server.state.appid,
            "password": server.state.secret,
            "host": server.base_url,
        }
    )


@pytest.fixture
def district() -> Iterator[WeChatServer]:
    running = WeChatServer(appid="wx-district-app", secret="district-secret-2").start()
    yield running
    running.stop()


@pytest.fixture
def two(
    tmp_path: Path,
    server: WeChatServer,
    district: WeChatServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Settings, Ledger]]:
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_WECHAT", conn(server))
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_WECHAT_DISTRICT", conn(district))
    settings = settings_of(tmp_path, TWO)
    settings.state.root.mkdir(parents=True)
    with Ledger.open(settings) as ledger:
        for n in (1, 2, 3):
            ledger.put(article(n), [("wechat", t) for t in targets(settings)])
        yield settings, ledger


def titles(server: WeChatServer) -> Counter[str]:
    return Counter(
        a["title"] for c in server.state.ok_calls("draft/add") for a in c.body["articles"]
    )


def by_target(ledger: Ledger) -> Counter[tuple[str, str]]:
    return Counter((d.target, d.state.value) for d in ledger.deliveries(channel="wechat"))


def test_an_account_inherits_what_it_does_not_set(tmp_path: Path) -> None:
    settings = settings_of(tmp_path, TWO)
    assert targets(settings) == ["default", "district"]
    mine = account(settings, "district")
    assert (mine.conn_id, mine.account_type, mine.edition_size) == (
        "distro_wechat_district",
        "service",
        2,  # inherited
    )
    assert mine.preview_to == ()  # editors follow one account: not inherited
    assert mine.schedules == ("0 7 * * *", "0 18 * * *")
    assert mine.namespace == "wechat@district"
    assert account(settings, "default").namespace == "wechat"  # today's key strings
    with pytest.raises(ConfigError, match="no WeChat account 'town'"):
        account(settings, "town")


def test_config_check_can_find_each_accounts_crons_and_connection(tmp_path: Path) -> None:
    text = TWO.replace('account_type = "service"', 'schedules = ["0 25 * * *"]')
    cfg = settings_of(tmp_path, text).config.channels.wechat
    assert cfg.account_schedules() == [("channels.wechat.accounts.0.schedules.0", "0 25 * * *")]
    assert cfg.account_conn_ids() == [
        ("channels.wechat.accounts.0.conn_id", cfg.accounts[0].conn_id)
    ]


def test_a_switched_off_account_or_channel_has_no_targets(tmp_path: Path) -> None:
    off = TWO.replace('account_type = "service"', "enabled = false")
    assert targets(settings_of(tmp_path, off)) == ["default"]
    channel_off = TWO.replace("edition_size = 2", "enabled = false")
    assert targets(settings_of(tmp_path, channel_off)) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('name = "district"\nconn_id = "other"', "unique: district given twice"),
        ('name = "town"\nconn_id = "distro_wechat_district"', "distro_wechat_district is shared"),
        ('name = "town"\nconn_id = "distro_wechat"', "distro_wechat is shared"),
        ('name = "default"\nconn_id = "other"', "top-level"),
        ('name = "Town Hall"\nconn_id = "other"', "pattern"),
        ('name = "../x"\nconn_id = "other"', "pattern"),
    ],
)
def test_account_names_are_unique_url_safe_and_connections_not_shared(
    tmp_path: Path, extra: str, message: str
) -> None:
    text = TWO + f"\n[[channels.wechat.accounts]]\n{extra}\n"
    with pytest.raises(ConfigError, match=message):
        settings_of(tmp_path, text)


def test_each_account_publishes_its_own_deliveries_with_its_own_token_and_quota(
    two: tuple[Settings, Ledger], server: WeChatServer, district: WeChatServer
) -> None:
    settings, ledger = two
    report = publish(settings, ledger)
    assert not report.dry_run
    # Each account drafts every article once, in editions of two (inherited).
    assert sorted(titles(server).values()) == sorted(titles(district).values()) == [1, 1, 1]
    assert len(server.state.ok_calls("freepublish/submit")) == 2
    assert len(district.state.ok_calls("freepublish/submit")) == 2
    assert any(m.startswith("account district: ") for m in report.messages)
    # Tokens and quota counters live in each account's namespace; the default's keys are
    # those of a single-account ledger.
    assert ledger.get_value(f"wechat:token:{server.state.appid}") is not None
    assert ledger.get_value(f"wechat@district:token:{district.state.appid}") is not None
    assert ledger.get_value(f"wechat:token:{district.state.appid}") is None
    for found in (server, district):
        assert found.state.ok_calls("stable_token")  # each fetched its own token
    # Each account's editions are its own: distinct ids for the same articles.
    first = ledger.deliveries(article_id=article(1).id, channel="wechat")
    editions = {d.target: d.detail["edition"] for d in first}
    assert editions["default"] != editions["district"]
    waiting = outstanding(ledger)
    assert set(outstanding(ledger, "default")) | set(outstanding(ledger, "district")) == set(
        waiting
    )
    for _ in range(3):
        poll(settings, ledger)
    assert by_target(ledger) == {("default", "sent"): 3, ("district", "sent"): 3}
    assert publish(settings, ledger).sent == 0  # exactly once, per account


def test_one_account_can_be_published_on_its_own(
    two: tuple[Settings, Ledger], server: WeChatServer, district: WeChatServer
) -> None:
    settings, ledger = two
    publish(settings, ledger, "district")
    assert server.state.calls == []
    assert sum(titles(district).values()) == 3
    where = {"config": str(settings.config_path), "state": str(settings.state.root)}
    first = probe(**where, target="district")
    assert first["done"] is False and first["waiting"] == outstanding(ledger, "district")
    assert probe(**where, target="district")["done"] is True
    assert server.state.calls == []  # the default account's wait asked nothing
    assert by_target(ledger) == {("default", "pending"): 3, ("district", "sent"): 3}


def test_a_mass_account_beside_a_publishing_one_keeps_its_own_quota(
    tmp_path: Path,
    server: WeChatServer,
    district: WeChatServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_WECHAT", conn(server))
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_WECHAT_DISTRICT", conn(district))
    settings = settings_of(tmp_path, TWO.replace('account_type = "service"', 'mode = "mass"'))
    settings.state.root.mkdir(parents=True)
    with Ledger.open(settings) as ledger:
        for n in (1, 2, 3):
            ledger.put(article(n), [("wechat", t) for t in targets(settings)])
        before = dt.datetime.now(WECHAT_TZ).date()
        report = publish(settings, ledger)
        # The district sends one edition (1 群发 a day); the paper's account free-publishes both.
        assert len(district.state.ok_calls("message/mass/sendall")) == 1
        assert server.state.calls_of("message/mass/sendall") == []
        assert len(server.state.ok_calls("freepublish/submit")) == 2
        assert any(
            "account district: edition" in m and "1 群发 a day" in m for m in report.messages
        )
        # The run may cross Beijing's midnight: its send is counted on the day it was made.
        days = {before, dt.datetime.now(WECHAT_TZ).date()}

        def used(key: str) -> int:
            return sum(ledger.count(key, day=day, increment=0) for day in days)

        assert used("wechat@district:mass:day:wx-district-app") == 1
        assert used("wechat:mass:day:wx-test-app") == 0


def test_an_account_without_a_connection_runs_dry_beside_one_that_publishes(
    tmp_path: Path, server: WeChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_WECHAT", conn(server))
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT_DISTRICT", raising=False)
    settings = settings_of(tmp_path, TWO)
    settings.state.root.mkdir(parents=True)
    with Ledger.open(settings) as ledger:
        ledger.put(article(1), [("wechat", t) for t in targets(settings)])
        report = publish(settings, ledger)
        assert not report.dry_run  # one account did publish
        assert any(
            m.startswith("account district: no connection 'distro_wechat_district': dry run")
            for m in report.messages
        )
        [path] = report.outputs
        assert Path(path).parent == settings.state.outbox / "wechat-district"
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        assert document["account"] == "district"
        states = {d.target: d.state for d in ledger.deliveries(channel="wechat")}
        assert states == {"default": DeliveryState.SENDING, "district": DeliveryState.PENDING}


def test_a_single_account_ledger_keeps_its_token_and_editions(
    tmp_path: Path, server: WeChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ledger written before accounts existed: same edition names, same token key, resumed."""
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_WECHAT", conn(server))
    settings = settings_of(tmp_path, TWO)
    settings.state.root.mkdir(parents=True)
    with Ledger.open(settings) as ledger:
        _, one = ledger.put(article(1), [("wechat", "default")])
        token = server.state.stable_token(
            {"grant_type": "client_credential", "appid": server.state.appid,
             "secret": server.state.secret}
        )["access_token"]  # fmt: skip
        ledger.set_value(f"wechat:token:{server.state.appid}", token)
        # Interrupted by an earlier release between draft/add and its answer being recorded.
        [pending] = ledger.pending("wechat")
        old_name = "ed-" + hashlib.sha256(f"{one.id}/1".encode()).hexdigest()[:16]
        ledger.mark_sending(pending, step="draft", edition=old_name, idx=1, title="x")
        report = publish(settings, ledger)
        assert any(f"edition {old_name}: no draft was made" in m for m in report.messages)
        assert server.state.calls_of("stable_token") == []  # the stored token was used
        [d] = ledger.deliveries(channel="wechat")
        assert d.detail["edition"] == old_name  # same name for the same deliveries
