"""Mass send (群发) against the local API server: one preview, then exactly one sendall each."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from distro import review
from distro.channels import PublishReport
from distro.channels.wechat import (
    approve_edition,
    handle_event,
    held_editions,
    outstanding,
    poll,
    probe,
    publish,
)
from distro.channels.wechat.accounts import DEFAULT, WeChatAccount, account
from distro.channels.wechat.client import WECHAT_TZ, WeChatClient
from distro.channels.wechat.editions import clientmsgid
from distro.channels.wechat.mass import publisher
from distro.config import Settings
from distro.errors import ChannelUnavailable, InputError
from distro.models import Article, DeliveryState
from distro.store.ledger import Ledger
from tests.channels.wechat.conftest import article
from tests.channels.wechat.server import WeChatState

Enqueue = Callable[..., list[Article]]
OPENID = "o" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n"  # 28 characters, as OpenIDs are
EDITORS = ["editor-wang", OPENID]
#: A fixed morning, early in a month so that a test's few days stay in one calendar month. Not
#: the wall clock: a run that crossed Beijing's midnight once saw the quota's day turn mid-test.
MORNING = dt.datetime(2026, 3, 2, 9, 0, tzinfo=WECHAT_TZ)


class Crash(Exception):
    """The worker dies right after WeChat answered, before the ledger heard of it."""


@pytest.fixture(autouse=True)
def mass(settings: Settings) -> None:
    wechat = settings.config.channels.wechat
    wechat.mode = "mass"
    wechat.preview_to = list(EDITORS)


@pytest.fixture
def clock() -> list[dt.datetime]:
    """The clients' clock, one element that tests move on."""
    return [MORNING]


@pytest.fixture
def client(make_client: Callable[..., WeChatClient], clock: list[dt.datetime]) -> WeChatClient:
    return make_client(now=lambda: clock[0])


def states(ledger: Ledger) -> Counter[str]:
    return Counter(d.state.value for d in ledger.deliveries(channel="wechat"))


def previews(api: WeChatState) -> Counter[str]:
    return Counter(recipient for _, recipient, _ in api.previews)


def sends(api: WeChatState) -> list[dict[str, Any]]:
    """The sendall calls WeChat acted on (45065 answers are refusals, not sends)."""
    return [c.body for c in api.ok_calls("message/mass/sendall")]


def settle(settings: Settings, ledger: Ledger, client: WeChatClient) -> None:
    for _ in range(5):
        if not outstanding(ledger):
            return
        poll(settings, ledger, client=client)
    raise AssertionError("mass sends never finished")


def test_config_defaults_keep_publishing() -> None:
    from distro.config import WeChatChannelConfig

    cfg = WeChatChannelConfig()
    assert (cfg.mode, cfg.account_type, cfg.preview_to) == ("publish", "subscription", [])
    with pytest.raises(ValidationError):
        WeChatChannelConfig(mode="blast")
    with pytest.raises(ValidationError):
        WeChatChannelConfig(account_type="personal")


def test_an_edition_is_drafted_previewed_then_sent_once(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    stored = enqueue(1, 2)
    report = publish(settings, ledger, client=client)
    [draft] = api.ok_calls("draft/add")
    assert len(draft.body["articles"]) == 2
    assert not api.calls_of("freepublish/submit")
    # One preview per editor: a 微信号 as towxname, an OpenID as touser.
    assert sorted((kind, who) for kind, who, _ in api.previews) == [
        ("touser", OPENID),
        ("towxname", "editor-wang"),
    ]
    [body] = sends(api)
    assert body["filter"] == {"is_to_all": True}
    assert body["msgtype"] == "mpnews" and body["send_ignore_reprint"] == 0
    assert body["mpnews"]["media_id"] == draft.answer["media_id"]
    assert len(body["clientmsgid"].encode()) <= 32
    edition = ledger.deliveries(channel="wechat")[0].detail["edition"]
    assert body["clientmsgid"] == clientmsgid(api.appid, edition)
    assert any("sent to all followers" in m for m in report.messages)
    assert states(ledger) == {"sending": 2}

    settle(settings, ledger, client)
    sent = ledger.deliveries(channel="wechat")
    assert {d.state for d in sent} == {DeliveryState.SENT}
    [msg_id] = api.mass_jobs
    assert {d.remote_id for d in sent} == {str(msg_id)}
    assert {d.article_id for d in sent} == {a.id for a in stored}

    again = publish(settings, ledger, client=client)
    assert (again.sent, again.skipped) == (0, 0)
    assert len(sends(api)) == 1 and len(api.previews) == 2


def test_busy_storm_then_token_expiry_still_one_preview_and_one_send(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    sleeps: list[float],
) -> None:
    enqueue(1)
    api.inject("message/mass/preview", -1)
    api.inject("message/mass/sendall", -1, -1)
    api.expire_after = 4  # cover, draft, both previews: then every token expires
    publish(settings, ledger, client=client)
    codes = [c.errcode for c in api.calls_of("message/mass/sendall")]
    assert codes == [42001, -1, -1, 0]  # the token fails first, then WeChat is busy
    assert len(sleeps) == 3
    assert previews(api) == {"editor-wang": 1, OPENID: 1}
    assert len(sends(api)) == 1
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 1}


def test_a_storm_beyond_the_retries_sends_nothing_until_the_rerun(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1)
    api.inject("message/mass/sendall", *[-1] * 5)
    with pytest.raises(ChannelUnavailable):
        publish(settings, ledger, client=client)
    assert not sends(api)
    # WeChat answered each time: nothing was sent, so the day's quota is still there.
    publish(settings, ledger, client=client)
    assert len(sends(api)) == 1
    assert previews(api) == {"editor-wang": 1, OPENID: 1}  # not previewed again
    assert len(api.ok_calls("draft/add")) == 1
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 1}


def test_crash_between_sendall_and_the_ledger_write(
    settings: Settings,
    ledger: Ledger,
    make_client: Callable[..., WeChatClient],
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    clock: list[dt.datetime],
) -> None:
    enqueue(1, 2)
    dying = make_client(now=lambda: clock[0])
    real = dying.sendall

    def sendall(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise Crash("sendall")

    dying.sendall = sendall  # type: ignore[method-assign]
    with pytest.raises(Crash):
        publish(settings, ledger, client=dying)
    assert len(sends(api)) == 1
    assert {d.detail["step"] for d in ledger.deliveries(channel="wechat")} == {"sendall"}

    report = publish(settings, ledger, client=client)
    # The rerun asks under the same clientmsgid: WeChat refuses it and names the first send.
    assert [c.errcode for c in api.calls_of("message/mass/sendall")] == [0, 45065]
    assert any("already sent" in m for m in report.messages)
    assert len(sends(api)) == 1
    [msg_id] = api.mass_jobs
    assert {d.detail["msg_id"] for d in ledger.deliveries(channel="wechat")} == {str(msg_id)}
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 2}
    # Counted once in the ledger: tomorrow's edition is allowed, a second one today is not.
    day = MORNING.date()
    assert ledger.count(f"wechat:mass:day:{api.appid}", day=day, increment=0) == 1


def test_a_second_edition_the_same_day_is_refused_before_any_call(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    clock: list[dt.datetime],
) -> None:
    settings.config.channels.wechat.edition_size = 1
    enqueue(1, 2)
    report = publish(settings, ledger, client=client)
    assert len(api.ok_calls("draft/add")) == 1 and len(sends(api)) == 1
    assert any("1 群发 a day, used 1 today" in m for m in report.messages)
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 1, "pending": 1}

    before = len(api.calls)
    later = publish(settings, ledger, client=client)
    assert len(api.calls) == before  # not even a token or a draft
    assert later.skipped == 1 and "not sent" in later.messages[0]

    clock[0] = MORNING + dt.timedelta(days=1)
    api.new_day()
    publish(settings, ledger, client=client)
    assert len(sends(api)) == 2
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 2}


def test_a_service_account_sends_four_a_month(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    clock: list[dt.datetime],
) -> None:
    settings.config.channels.wechat.account_type = "service"
    api.account_type = "service"
    for day in range(5):
        clock[0] = MORNING + dt.timedelta(days=day)
        api.new_day()
        enqueue(10 + day)
        report = publish(settings, ledger, client=client)
        settle(settings, ledger, client)
    assert len(sends(api)) == 4
    assert any(f"4 群发 a month, used 4 in {MORNING:%Y-%m}" in m for m in report.messages)


def test_no_quota_from_wechat_keeps_the_draft_for_the_next_slot(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    clock: list[dt.datetime],
) -> None:
    enqueue(1)
    api.mass_today = 1  # sent from the console this morning
    report = publish(settings, ledger, client=client)
    assert [c.errcode for c in api.calls_of("message/mass/sendall")] == [45028]
    assert any("45028" in m for m in report.messages)
    assert {d.detail["step"] for d in ledger.deliveries(channel="wechat")} == {"drafted"}

    before = len(api.calls)
    publish(settings, ledger, client=client)
    assert len(api.calls) == before

    clock[0] = MORNING + dt.timedelta(days=1)
    api.new_day()
    publish(settings, ledger, client=client)
    assert len(api.ok_calls("draft/add")) == 1  # the same draft, previewed once
    assert len(sends(api)) == 1 and previews(api) == {"editor-wang": 1, OPENID: 1}


def test_the_finish_event_settles_without_polling(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1, 2)
    publish(settings, ledger, client=client)
    [msg_id] = api.mass_jobs
    report = handle_event(settings, ledger, api.mass_event(msg_id))
    assert report.sent == 2 and "SentCount 75" in report.messages[0]
    assert not api.calls_of("message/mass/get")
    urls = sorted(d.detail["url"] for d in ledger.deliveries(channel="wechat"))
    assert urls == [f"https://mp.weixin.qq.com/s/mass-{msg_id}-{i}" for i in (1, 2)]
    assert not outstanding(ledger)


def test_a_refused_mass_send_quarantines_the_edition(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1)
    api.next_mass_outcome("err(20013)")
    publish(settings, ledger, client=client)
    [msg_id] = api.mass_jobs
    report = handle_event(settings, ledger, api.mass_event(msg_id))
    assert report.quarantined == 1 and "copyright" in report.messages[-1]
    assert states(ledger) == {"quarantined": 1}


def test_a_failed_send_is_drafted_again_under_a_new_clientmsgid(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    clock: list[dt.datetime],
) -> None:
    enqueue(1)
    api.next_mass_outcome("SEND_FAIL")
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    assert states(ledger) == {"pending": 1}
    clock[0] = MORNING + dt.timedelta(days=1)
    api.new_day()
    publish(settings, ledger, client=client)
    first, second = (b["clientmsgid"] for b in sends(api))
    assert first != second
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 1}


def test_a_held_article_never_enters_a_mass_edition(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState
) -> None:
    settings.config.channels.wechat.review = "always"
    held, free = article(1), article(2)
    for one, gated in ((held, True), (free, False)):
        _, kept = ledger.put(one)
        targets = [("wechat", "default")]
        gate = review.gate(settings, kept, targets) if gated else {}
        ledger.enqueue_many(kept.id, kept.version, targets, held=gate)
    publish(settings, ledger, client=client)
    [draft] = api.ok_calls("draft/add")
    assert [a["title"] for a in draft.body["articles"]] == [free.headline[:32]]
    by_id = {d.article_id: d.state for d in ledger.deliveries(channel="wechat")}
    assert by_id[held.id] == DeliveryState.HELD


def test_without_a_connection_the_outbox_shows_the_previews_and_the_send(
    settings: Settings, ledger: Ledger, enqueue: Enqueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    enqueue(1)
    report = publish(settings, ledger)
    assert report.dry_run
    [path] = report.outputs
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    requests = document["requests"]
    urls = [r["url"].split("?")[0].rsplit("/cgi-bin/", 1)[1] for r in requests]
    assert urls == [
        "material/add_material",
        "draft/add",
        "message/mass/preview",
        "message/mass/preview",
        "message/mass/sendall",
    ]
    assert requests[2]["json"]["towxname"] == "editor-wang"
    assert requests[3]["json"]["touser"] == OPENID
    assert requests[4]["json"]["filter"] == {"is_to_all": True}
    assert states(ledger) == {"pending": 1}


def test_a_killed_article_is_deleted_from_its_mass_send_once(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    stored = enqueue(1, 2)
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    killed = ledger.kill(stored[1].id, "legal")
    ledger.enqueue(killed.id, killed.version, "wechat")
    report = publish(settings, ledger, client=client)
    assert report.sent == 1 and any("stays in followers' chats" in m for m in report.messages)
    [job] = api.mass_jobs.values()
    assert job.deleted == [2]
    publish(settings, ledger, client=client)
    assert job.deleted == [2]  # once


def test_a_kill_deletes_from_the_mass_send_at_once_and_sends_no_edition(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    from distro.channels.wechat import withdraw

    stored = enqueue(1, 2)
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    killed = ledger.kill(stored[1].id, "legal")
    ledger.enqueue(killed.id, killed.version, "wechat")
    enqueue(3)  # for the next edition, at its time
    before = [len(api.calls_of(f"message/mass/{call}")) for call in ("preview", "sendall")]
    report = withdraw(settings, ledger, client=client)
    [job] = api.mass_jobs.values()
    assert report.sent == 1 and job.deleted == [2]
    # no new edition: nothing previewed, nothing sent
    assert [len(api.calls_of(f"message/mass/{call}")) for call in ("preview", "sendall")] == before


def test_a_lost_answer_to_sendall_is_asked_again_under_the_same_clientmsgid(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1)
    api.crash_after["message/mass/sendall"] = 1  # WeChat sends, the answer never arrives
    with pytest.raises(ChannelUnavailable):
        publish(settings, ledger, client=client)
    publish(settings, ledger, client=client)
    assert [c.errcode for c in api.calls_of("message/mass/sendall")] == [0, 45065]
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 1}


def test_an_unanswered_send_older_than_the_clientmsgid_window_is_not_resent(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    clock: list[dt.datetime],
) -> None:
    enqueue(1)
    api.crash_after["message/mass/sendall"] = 1
    with pytest.raises(ChannelUnavailable):
        publish(settings, ledger, client=client)
    clock[0] = MORNING + dt.timedelta(days=2)
    report = publish(settings, ledger, client=client)
    assert len(api.calls_of("message/mass/sendall")) == 1
    assert any("past the 24 h clientmsgid window" in m for m in report.messages)


def test_the_deferrable_wait_also_waits_for_mass_sends(
    settings: Settings, ledger: Ledger, api: WeChatState, enqueue: Enqueue, connection: None
) -> None:
    enqueue(1)
    publish(settings, ledger)  # through the connection, as the task does
    [msg_id] = api.mass_jobs
    first = probe(state=str(settings.state.root))
    assert first["done"] is False and first["waiting"] == [str(msg_id)]
    second = probe(state=str(settings.state.root))
    assert second == {**second, "done": True, "waiting": [], "sent": 1}
    assert [c.body for c in api.calls_of("message/mass/get")] == [{"msg_id": str(msg_id)}] * 2


def editor_approves(settings: Settings) -> WeChatAccount:
    """The default account with ``approve = "editor"``: 群发 waits for an editor's yes."""
    return dataclasses.replace(account(settings, DEFAULT), approve="editor")


def run(
    settings: Settings, ledger: Ledger, client: WeChatClient, chosen: WeChatAccount
) -> PublishReport:
    return publisher(settings, ledger, client, chosen).run()


def test_an_edition_waits_for_an_editor_across_restarts_then_goes_out_once(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    make_client: Callable[..., WeChatClient],
    api: WeChatState,
    enqueue: Enqueue,
    clock: list[dt.datetime],
) -> None:
    enqueue(1, 2)
    chosen = editor_approves(settings)
    first = run(settings, ledger, client, chosen)
    assert len(api.ok_calls("draft/add")) == 1
    assert previews(api) == {"editor-wang": 1, OPENID: 1}  # drafted and previewed ...
    assert api.calls_of("message/mass/sendall") == []  # ... and not sent
    assert states(ledger) == {"sending": 2}
    assert any("wait for an editor's approval" in m for m in first.messages)
    assert outstanding(ledger) == []  # a deferrable wait does not wait for a person
    [(edition, members)] = held_editions(ledger, chosen).items()
    assert [m.detail_int("idx") for m in members] == [1, 2]

    # A restart: another ledger connection and client find the hold and call nothing at all.
    restarted = Ledger.open(settings)
    try:
        again = make_client(now=lambda: clock[0])
        calls = len(api.calls)
        for _ in range(2):
            report = run(settings, restarted, again, chosen)
            assert (report.sent, report.skipped) == (0, 2)
        assert len(api.calls) == calls

        approved = approve_edition(restarted, chosen, edition, by="wang")
        assert {d.detail["edition_approved_by"] for d in approved} == {"wang"}
        run(settings, restarted, again, chosen)
        [sent] = sends(api)
        assert sent["mpnews"]["media_id"] == api.ok_calls("draft/add")[0].answer["media_id"]
        assert previews(api) == {"editor-wang": 1, OPENID: 1}  # not previewed twice
        settle(settings, restarted, again)
        assert states(restarted) == {"sent": 2}
        run(settings, restarted, again, chosen)
        assert len(api.calls_of("message/mass/sendall")) == 1
        assert held_editions(restarted, chosen) == {}
    finally:
        restarted.close()


def test_the_config_holds_editions_and_the_cli_lists_and_approves_them(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from distro.cli import main

    settings.config.channels.wechat.approve = "editor"
    chosen = account(settings, DEFAULT)
    assert chosen.approve == "editor"  # from the config, not set by hand
    enqueue(1, 2)
    run(settings, ledger, client, chosen)
    assert api.calls_of("message/mass/sendall") == []
    toml = tmp_path / "distro.toml"
    editors = ", ".join(f'"{e}"' for e in EDITORS)
    toml.write_text(
        f'[channels.wechat]\nmode = "mass"\napprove = "editor"\npreview_to = [{editors}]\n',
        encoding="utf-8",
    )
    where = ["--state", str(settings.state.root), "--config", str(toml)]
    assert main(["review", "editions", "--json", *where]) == 0
    [doc] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (doc["account"], doc["previewed_to"]) == ("default", EDITORS)
    assert [a["version"] for a in doc["articles"]] == [1, 1]
    assert all(a["headline"] for a in doc["articles"])
    assert main(["review", "approve-edition", "ed-0000000000000000", *where]) == 1
    assert "waits for approval" in capsys.readouterr().err
    assert main(["review", "approve-edition", doc["edition"], "--by", "wang", *where]) == 0
    assert f"approved edition {doc['edition']} of account default" in capsys.readouterr().out
    run(settings, ledger, client, chosen)
    assert len(sends(api)) == 1
    assert main(["review", "editions", *where]) == 0
    assert "no 群发 edition waits" in capsys.readouterr().out


def test_only_a_held_edition_can_be_approved(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    chosen = editor_approves(settings)
    with pytest.raises(InputError, match=r"waits for approval.*waiting: none"):
        approve_edition(ledger, chosen, "ed-0000000000000000")
    enqueue(1)
    run(settings, ledger, client, chosen)
    [edition] = held_editions(ledger, chosen)
    with pytest.raises(InputError, match=f"waiting: {edition}"):
        approve_edition(ledger, chosen, "ed-0000000000000000")
    assert api.calls_of("message/mass/sendall") == []


def test_an_auto_account_sends_after_the_previews_without_a_hold(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1)
    chosen = account(settings, DEFAULT)
    assert chosen.approve == "auto"
    run(settings, ledger, client, chosen)
    assert len(sends(api)) == 1
    assert held_editions(ledger, chosen) == {}
