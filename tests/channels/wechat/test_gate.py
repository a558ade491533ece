"""The 群发 edition gate as Airflow asks it: the request an editor reads, the answer applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from distro.channels.wechat import gate, held_editions
from distro.channels.wechat.accounts import DEFAULT, account
from distro.channels.wechat.client import WECHAT_TZ, WeChatClient
from distro.channels.wechat.mass import publisher
from distro.config import Settings
from distro.models import Article, DeliveryState
from distro.store.ledger import Ledger
from tests.channels.wechat.server import WeChatState

EDITORS = ["editor-wang"]
MORNING = dt.datetime(2026, 3, 2, 9, 0, tzinfo=WECHAT_TZ)  # a fixed clock, as in test_mass


@pytest.fixture(autouse=True)
def editor_holds(settings: Settings) -> None:
    wechat = settings.config.channels.wechat
    wechat.mode, wechat.approve, wechat.preview_to = "mass", "editor", list(EDITORS)


@pytest.fixture
def client(make_client: Callable[..., WeChatClient]) -> WeChatClient:
    return make_client(now=lambda: MORNING)


def run(settings: Settings, ledger: Ledger, client: WeChatClient) -> None:
    publisher(settings, ledger, client, account(settings, DEFAULT)).run()


def answer(option: str, *, only: list[str] | None = None, reason: str = "") -> dict[str, object]:
    """What Airflow hands the decide task: the HITL response of the ask_editor task."""
    return {
        "chosen_options": [option],
        "params_input": {"only": only or [], "reason": reason},
        "responded_by_user": {"id": "wang", "name": "王编辑"},
    }


def test_only_accounts_that_wait_for_an_editor_are_gated(settings: Settings) -> None:
    assert gate.gated(settings) == [DEFAULT]
    settings.config.channels.wechat.approve = "auto"
    assert gate.gated(settings) == []
    settings.config.channels.wechat.approve, settings.config.channels.wechat.mode = (
        "editor",
        "publish",
    )
    assert gate.gated(settings) == []  # 发布 notifies nobody: nothing to hold


def test_the_request_names_the_edition_its_editors_and_headlines_then_approval_sends_once(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Callable[..., list[Article]],
) -> None:
    stored = enqueue(1, 2)
    assert gate.collect(settings, ledger, DEFAULT)["count"] == 0  # nothing drafted yet
    run(settings, ledger, client)
    batch = gate.collect(settings, ledger, DEFAULT)
    [edition] = held_editions(ledger, account(settings, DEFAULT))
    assert (batch["count"], batch["editions"]) == (1, [edition])
    assert edition in batch["subject"] and "2 articles" in batch["subject"]
    assert "editor-wang" in batch["body"]
    assert all(a.headline in batch["body"] and a.id in batch["body"] for a in stored)

    result = gate.decide(settings, ledger, DEFAULT, batch, answer("Approve"))
    assert (result["approved"], result["rejected"], result["by"]) == ([edition], [], "王编辑")
    approvers = {d.detail["edition_approved_by"] for d in ledger.deliveries(channel="wechat")}
    assert approvers == {"王编辑"}
    run(settings, ledger, client)
    assert len(api.ok_calls("message/mass/sendall")) == 1
    # the same answer delivered twice (a retried task) decides nothing more
    again = gate.decide(settings, ledger, DEFAULT, batch, answer("Approve"))
    assert again["approved"] == []
    run(settings, ledger, client)
    assert len(api.calls_of("message/mass/sendall")) == 1


def test_rejection_quarantines_the_edition_with_the_reason_and_sends_nothing(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Callable[..., list[Article]],
) -> None:
    enqueue(1, 2)
    run(settings, ledger, client)
    batch = gate.collect(settings, ledger, DEFAULT)
    result = gate.decide(settings, ledger, DEFAULT, batch, answer("Reject", reason="头条标题有误"))
    assert result["rejected"] == batch["editions"]
    states = {d.state for d in ledger.deliveries(channel="wechat")}
    assert states == {DeliveryState.QUARANTINED}
    reasons = {q.reason for q in ledger.quarantined()}
    assert reasons == {f"edition {batch['editions'][0]} rejected by editor (王编辑): 头条标题有误"}
    run(settings, ledger, client)
    assert api.calls_of("message/mass/sendall") == []
    assert gate.collect(settings, ledger, DEFAULT)["count"] == 0


def test_an_edition_decided_elsewhere_or_not_chosen_is_left_as_it_is(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    enqueue: Callable[..., list[Article]],
) -> None:
    from distro.channels.wechat.approvals import approve

    enqueue(1)
    run(settings, ledger, client)
    batch = gate.collect(settings, ledger, DEFAULT)
    [edition] = batch["editions"]
    # "Only these editions" names another one: this one stays held
    other = gate.decide(settings, ledger, DEFAULT, batch, answer("Reject", only=["ed-x"]))
    assert (other["approved"], other["rejected"]) == ([], [])
    assert edition in held_editions(ledger, account(settings, DEFAULT))
    # the desk approved it meanwhile: a late rejection from Airflow does not undo that
    approve(settings, ledger, edition, by="desk")
    late = gate.decide(settings, ledger, DEFAULT, batch, answer("Reject", reason="晚了"))
    assert late["rejected"] == []
    assert {d.state for d in ledger.deliveries(channel="wechat")} == {DeliveryState.SENDING}


def test_the_cli_rejects_an_edition_with_a_reason(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    enqueue: Callable[..., list[Article]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from distro.cli import main

    enqueue(1, 2)
    run(settings, ledger, client)
    [edition] = gate.collect(settings, ledger, DEFAULT)["editions"]
    toml = tmp_path / "distro.toml"
    toml.write_text(
        '[channels.wechat]\nmode = "mass"\napprove = "editor"\npreview_to = ["editor-wang"]\n',
        encoding="utf-8",
    )
    where = ["--state", str(settings.state.root), "--config", str(toml)]
    with pytest.raises(SystemExit) as refused:  # a reason is required
        main(["review", "reject-edition", edition, *where])
    assert refused.value.code == 2
    capsys.readouterr()
    refusal = ["review", "reject-edition", edition, "--reason", "封面不对", "--by", "李"]
    assert main([*refusal, *where]) == 0
    out = capsys.readouterr().out
    assert f"rejected edition {edition} of account default: 2 article(s)" in out
    reasons = {q.reason for q in ledger.quarantined()}
    assert reasons == {f"edition {edition} rejected by editor (李): 封面不对"}
    assert main(["review", "reject-edition", edition, "--reason", "again", *where]) == 1
    assert "waits for approval" in capsys.readouterr().err
