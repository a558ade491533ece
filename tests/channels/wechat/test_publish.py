"""Publishing editions against the local API server: exactly once, through faults and crashes."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from distro import secrets
from distro.channels.wechat import handle_event, outstanding, poll, probe, publish, withdraw
from distro.channels.wechat.client import WeChatClient
from distro.config import Settings
from distro.errors import ChannelUnavailable, SecretsUnavailable, is_transient
from distro.models import Article, DeliveryState
from distro.store.ledger import Ledger
from tests.channels.wechat.conftest import article
from tests.channels.wechat.server import WeChatState
from tests.servers.hostile import HostileServer

Enqueue = Callable[..., list[Article]]


class Crash(Exception):
    """The worker dies right after WeChat answered, before the ledger heard of it."""


def crashing(make_client: Callable[..., WeChatClient], method: str) -> WeChatClient:
    """A client whose ``method`` reaches WeChat and then dies before returning."""
    client = make_client()
    real = getattr(client, method)

    def call(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise Crash(method)

    setattr(client, method, call)
    return client


def states(ledger: Ledger) -> Counter[str]:
    return Counter(d.state.value for d in ledger.deliveries(channel="wechat"))


def published_titles(api: WeChatState) -> Counter[str]:
    """Each article title, counted once per draft (or publish job) it appears in."""
    return Counter(a["title"] for c in api.ok_calls("draft/add") for a in c.body["articles"])


def settle(settings: Settings, ledger: Ledger, client: WeChatClient) -> None:
    """Poll until nothing is waiting (the server answers `publishing` once per job)."""
    for _ in range(5):
        if not outstanding(ledger):
            return
        poll(settings, ledger, client=client)
    raise AssertionError("publish jobs never finished")


def test_an_edition_is_drafted_submitted_and_its_urls_recorded(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    stored = enqueue(1, 2, 3)
    report = publish(settings, ledger, client=client)
    assert not report.dry_run
    [draft] = api.ok_calls("draft/add")
    assert [a["content_source_url"] for a in draft.body["articles"]] == [
        f"http://127.0.0.1:8000/articles/{a.id}.html" for a in stored
    ]
    assert b"\\u" not in draft.raw  # real characters, as the docs ask
    assert "老旧小区" in draft.raw.decode()
    assert len(api.ok_calls("freepublish/submit")) == 1
    assert states(ledger) == {"sending": 3}

    first = poll(settings, ledger, client=client)
    assert first.sent == 0 and "still publishing" in first.messages[0]
    second = poll(settings, ledger, client=client)
    assert second.sent == 3
    sent = ledger.deliveries(channel="wechat")
    assert {d.state for d in sent} == {DeliveryState.SENT}
    article_id = next(iter(api.published))
    for i, d in enumerate(sorted(sent, key=lambda d: d.detail["idx"]), 1):
        assert d.remote_id == article_id
        assert d.detail["url"] == f"https://mp.weixin.qq.com/s/{article_id}-{i}"

    again = publish(settings, ledger, client=client)
    assert (again.sent, again.skipped) == (0, 0)
    assert len(api.ok_calls("draft/add")) == 1
    assert len(api.ok_calls("material/add_material")) == 3  # each article's cover, once


def test_editions_hold_at_most_edition_size_articles(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    settings.config.channels.wechat.edition_size = 2
    enqueue(1, 2, 3, 4, 5)
    publish(settings, ledger, client=client)
    sizes = [len(c.body["articles"]) for c in api.ok_calls("draft/add")]
    assert sizes == [2, 2, 1]
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 5}


def test_token_expiry_mid_run(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1, 2)
    api.expire_after = 3  # the two covers and the draft go through, then tokens expire
    publish(settings, ledger, client=client)
    assert [c.errcode for c in api.calls if c.api == "freepublish/submit"] == [42001, 0]
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 2}
    assert max(published_titles(api).values()) == 1


def test_busy_storm_is_ridden_out(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    sleeps: list[float],
) -> None:
    enqueue(1)
    api.inject("draft/add", -1, -1)
    api.inject("freepublish/submit", -1)
    publish(settings, ledger, client=client)
    assert sleeps == [0.01, 0.02, 0.01]
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 1}
    assert len(api.ok_calls("draft/add")) == 1


def test_a_storm_beyond_the_retries_leaves_the_articles_pending(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1, 2)
    api.inject("draft/add", *([-1] * 5))
    with pytest.raises(ChannelUnavailable):
        publish(settings, ledger, client=client)
    assert states(ledger) == {"pending": 2}
    assert len(api.ok_calls("material/add_material")) == 2  # each article's cover
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 2}
    assert len(api.ok_calls("draft/add")) == 1
    assert len(api.ok_calls("material/add_material")) == 2  # the retry found them uploaded


def test_daily_quota_exhausted_stops_for_the_day(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    settings.config.channels.wechat.edition_size = 1
    enqueue(1, 2, 3)
    api.daily["draft/add"] = 1
    report = publish(settings, ledger, client=client)
    assert any("45009" in m and "resets in" in m for m in report.messages)
    assert states(ledger) == {"sending": 1, "pending": 2}
    calls = len(api.calls)
    later = publish(settings, ledger, client=client)  # same day: WeChat is not asked again
    assert [c.api for c in api.calls[calls:]] == ["freepublish/get"]
    assert any("daily quota" in m for m in later.messages)
    assert states(ledger)["pending"] == 2


def test_review_rejection_quarantines_the_refused_article_and_requeues_the_rest(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    stored = enqueue(1, 2, 3)
    api.next_outcome(4, [2])
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    by_id = {d.article_id: d for d in ledger.deliveries(channel="wechat")}
    assert by_id[stored[1].id].state == DeliveryState.QUARANTINED
    assert "rejected by review" in (by_id[stored[1].id].last_error or "")
    assert {by_id[a.id].state for a in (stored[0], stored[2])} == {DeliveryState.PENDING}
    assert any(q.stage == "deliver" for q in ledger.quarantined())

    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 2, "quarantined": 1}
    [_, second] = api.ok_calls("draft/add")
    assert len(second.body["articles"]) == 2


def test_crash_between_submit_and_the_ledger_write(
    settings: Settings,
    ledger: Ledger,
    make_client: Callable[..., WeChatClient],
    api: WeChatState,
    enqueue: Enqueue,
) -> None:
    enqueue(1, 2)
    with pytest.raises(Crash):
        publish(settings, ledger, client=crashing(make_client, "submit"))
    assert len(api.ok_calls("freepublish/submit")) == 1
    assert all(d.detail["step"] == "submit" for d in ledger.deliveries(channel="wechat"))

    client = make_client()
    waiting = publish(settings, ledger, client=client)  # still publishing: nothing to adopt
    assert any("outcome unknown" in m for m in waiting.messages)
    assert states(ledger) == {"sending": 2}
    api.finish_jobs()
    publish(settings, ledger, client=client)  # finished: found in the published list
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 2}
    assert len(api.ok_calls("draft/add")) == 1
    assert len(api.ok_calls("freepublish/submit")) == 1
    article_id = next(iter(api.published))
    assert {d.remote_id for d in ledger.deliveries(channel="wechat")} == {article_id}


def test_crash_between_draft_and_the_ledger_write(
    settings: Settings,
    ledger: Ledger,
    make_client: Callable[..., WeChatClient],
    api: WeChatState,
    enqueue: Enqueue,
) -> None:
    enqueue(1, 2, 3)
    with pytest.raises(Crash):
        publish(settings, ledger, client=crashing(make_client, "add_draft"))
    client = make_client()
    report = publish(settings, ledger, client=client)
    assert any("adopting draft" in m for m in report.messages)
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 3}
    assert len(api.ok_calls("draft/add")) == 1
    assert len(api.ok_calls("freepublish/submit")) == 1


def test_lost_answer_to_submit_then_rerun(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1)
    api.crash_after["freepublish/submit"] = 1  # WeChat acts, the connection drops
    with pytest.raises(ChannelUnavailable):
        publish(settings, ledger, client=client)
    api.finish_jobs()
    publish(settings, ledger, client=client)
    assert states(ledger) == {"sent": 1}
    assert len(api.calls_of("freepublish/submit")) == 1


def test_a_refused_edition_is_retried_article_by_article(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    stored = enqueue(1, 2, 3)
    api.inject("draft/add", 45166, 0, 45166)  # the edition, then article 2 on its own
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    by_id = {d.article_id: d.state for d in ledger.deliveries(channel="wechat")}
    assert by_id == {
        stored[0].id: DeliveryState.SENT,
        stored[1].id: DeliveryState.QUARANTINED,
        stored[2].id: DeliveryState.SENT,
    }


def test_publish_event_settles_without_polling(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1, 2)
    publish(settings, ledger, client=client)
    [publish_id] = outstanding(ledger)
    xml = f"""<xml><ToUserName><![CDATA[gh_1]]></ToUserName>
<FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1636448595</CreateTime><MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[PUBLISHJOBFINISH]]></Event><PublishEventInfo><publish_id>{publish_id}</publish_id>
<publish_status>0</publish_status><article_id><![CDATA[ART_1]]></article_id>
<article_detail><count>2</count>
<item><idx>1</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/one]]></article_url></item>
<item><idx>2</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/two]]></article_url></item>
</article_detail></PublishEventInfo></xml>"""
    report = handle_event(settings, ledger, xml)
    assert report.sent == 2
    urls = sorted(d.detail["url"] for d in ledger.deliveries(channel="wechat"))
    assert urls == ["https://mp.weixin.qq.com/s/one", "https://mp.weixin.qq.com/s/two"]
    assert not api.calls_of("freepublish/get")
    assert outstanding(ledger) == []


def test_publish_event_as_json_with_rejection(
    settings: Settings, ledger: Ledger, client: WeChatClient, enqueue: Enqueue
) -> None:
    enqueue(1)
    publish(settings, ledger, client=client)
    [publish_id] = outstanding(ledger)
    event = {
        "Event": "PUBLISHJOBFINISH",
        "PublishEventInfo": {"publish_id": publish_id, "publish_status": 4, "fail_idx": [1]},
    }
    report = handle_event(settings, ledger, json.dumps(event))
    assert report.quarantined == 1
    assert states(ledger) == {"quarantined": 1}


def test_a_killed_article_is_deleted(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    stored = enqueue(1, 2)
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    killed = ledger.kill(stored[1].id, "legal")
    ledger.enqueue(killed.id, killed.version, "wechat")
    report = publish(settings, ledger, client=client)
    assert report.sent == 1
    article_id = next(iter(api.published))
    assert api.deleted == [(article_id, 2)]
    publish(settings, ledger, client=client)
    assert api.deleted == [(article_id, 2)]  # once


def test_a_kill_is_taken_back_at_once_and_no_edition_goes_out_of_its_time(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    stored = enqueue(1)
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    drafts = len(api.ok_calls("draft/add"))
    killed = ledger.kill(stored[0].id, "legal")
    ledger.enqueue(killed.id, killed.version, "wechat")
    [fresh] = enqueue(2)  # waits for the next edition
    report = withdraw(settings, ledger, client=client)
    article_id = next(iter(api.published))
    assert report.sent == 1 and api.deleted == [(article_id, 1)]
    assert len(api.ok_calls("draft/add")) == drafts  # no edition was drafted
    assert [d.state for d in ledger.deliveries(article_id=fresh.id)] == [DeliveryState.PENDING]
    assert withdraw(settings, ledger, client=client).sent == 0  # deleted once
    assert len(api.ok_calls("freepublish/delete")) == 1
    publish(settings, ledger, client=client)  # the edition, at its time, takes the new one
    assert len(api.ok_calls("draft/add")) == drafts + 1


def test_a_content_that_cannot_render_is_quarantined(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    huge = article(9, paragraphs=["很长的段落。" * 4000])
    enqueue(1, huge)
    report = publish(settings, ledger, client=client)
    assert report.quarantined == 1
    [draft] = api.ok_calls("draft/add")
    assert len(draft.body["articles"]) == 1


def test_an_article_whose_render_breaks_is_quarantined_and_the_edition_goes_out(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _first, faulty, _third = enqueue(1, 2, 3)
    monkeypatch.setenv("DISTRO_BREAK", f"render.wechat:{faulty.id}")
    report = publish(settings, ledger, client=client)
    assert (report.quarantined, report.failed) == (1, 0), report.messages
    [draft] = api.ok_calls("draft/add")
    assert [a["title"] for a in draft.body["articles"]] == [
        a.headline for a in (_first, _third)
    ]
    [d] = ledger.deliveries(article_id=faulty.id, channel="wechat")
    assert d.state is DeliveryState.QUARANTINED
    assert d.last_error is not None and f"cannot render {faulty.id} for WeChat: InjectedFault" in (
        d.last_error
    )


def test_without_a_connection_it_runs_dry(
    settings: Settings, ledger: Ledger, enqueue: Enqueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    enqueue(1, 2)
    report = publish(settings, ledger)
    assert report.dry_run
    assert "dry run" in report.messages[0] and "distro_wechat" in report.messages[0]
    [path] = report.outputs
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    urls = [r["url"].split("?")[0].rsplit("/cgi-bin/", 1)[1] for r in document["requests"]]
    covers = ["material/add_material"] * 2  # one per article
    assert urls == [*covers, "draft/add", "freepublish/submit"]
    assert all("access_token=***" in r["url"] for r in document["requests"])  # masked
    articles = document["requests"][2]["json"]["articles"]
    assert [a["author"] for a in articles] == ["宋迎迎", "宋迎迎"]
    assert "老旧小区" in Path(path).read_text(encoding="utf-8")
    assert (settings.state.outbox / "wechat" / "cover.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    assert states(ledger) == {"pending": 2}  # nothing claimed as sent
    assert publish(settings, ledger).outputs == [path]


def test_a_failing_secrets_backend_is_not_a_dry_run(
    settings: Settings, ledger: Ledger, enqueue: Enqueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    def vault_down(conn_id: str) -> None:
        raise SecretsUnavailable(f"connection {conn_id}: secrets backend failed (Vault)")

    monkeypatch.setattr(secrets, "_resolvers", [vault_down])
    enqueue(1)
    with pytest.raises(SecretsUnavailable) as caught:
        publish(settings, ledger)
    assert is_transient(caught.value)  # Airflow retries the task
    assert not (settings.state.outbox / "wechat").exists()  # and nothing ran dry
    assert states(ledger) == {"pending": 1}


def test_the_connection_comes_from_the_environment(
    settings: Settings, ledger: Ledger, api: WeChatState, enqueue: Enqueue, connection: None
) -> None:
    enqueue(1)
    report = publish(settings, ledger)
    assert not report.dry_run
    assert len(api.ok_calls("freepublish/submit")) == 1
    poll(settings, ledger)
    assert poll(settings, ledger).sent == 1


def test_body_images_are_uploaded_once_and_rewritten(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    image_host: str,
) -> None:
    body = (
        f'<p>现场图片</p><img src="{image_host}/photo.png" alt="现场">'
        f'<img src="{image_host}/missing.jpg"><img src="{image_host}/note.txt">'
    )
    enqueue(article(1, paragraphs=[], body_html=body), article(2, paragraphs=[], body_html=body))
    report = publish(settings, ledger, client=client)
    assert len(api.ok_calls("media/uploadimg")) == 1
    [url] = api.images
    [draft] = api.ok_calls("draft/add")
    for item in draft.body["articles"]:
        assert f'src="{url}"' in item["content"]
        assert image_host not in item["content"]
    assert api.filtered_images == []  # nothing left for WeChat to filter
    assert any("missing.jpg not fetched" in m for m in report.messages)
    assert any("note.txt is neither JPEG nor PNG" in m for m in report.messages)


def test_a_trickling_image_host_costs_at_most_the_deadline(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    enqueue: Enqueue,
    hostile_server: HostileServer,
) -> None:
    limits = settings.config.limits.model_copy(update={"http_timeout_seconds": 1.0})
    settings = Settings(settings.config.model_copy(update={"limits": limits}), settings.state)
    body = f'<p>现场</p><img src="{hostile_server.base_url}/trickle">'
    enqueue(article(1, paragraphs=[], body_html=body))
    start = time.monotonic()
    report = publish(settings, ledger, client=client)
    assert time.monotonic() - start < 3.0  # was: read 1 byte/s for as long as the body lasted
    [note] = [m for m in report.messages if "/trickle" in m]
    assert note == (
        f"image {hostile_server.base_url}/trickle not fetched "
        "(DeadlineExceeded: not done within 1 s): dropped"
    )
    assert len(api.ok_calls("draft/add")) == 1  # the article went out without the image


def test_probe_for_a_deferrable_wait(
    settings: Settings, ledger: Ledger, api: WeChatState, enqueue: Enqueue, connection: None
) -> None:
    enqueue(1)
    publish(settings, ledger)
    first = probe(state=str(settings.state.root))
    assert first["done"] is False and len(first["waiting"]) == 1
    second = probe(state=str(settings.state.root))
    assert second == {**second, "done": True, "waiting": [], "sent": 1}
    assert json.loads(json.dumps(second)) == second  # a trigger event carries it as JSON


def test_crash_during_withdrawal_deletes_once(
    settings: Settings,
    ledger: Ledger,
    make_client: Callable[..., WeChatClient],
    api: WeChatState,
    enqueue: Enqueue,
) -> None:
    [stored] = enqueue(1)
    client = make_client()
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    killed = ledger.kill(stored.id, "error in the story")
    ledger.enqueue(killed.id, killed.version, "wechat")
    with pytest.raises(Crash):
        publish(settings, ledger, client=crashing(make_client, "delete"))
    report = publish(settings, ledger, client=client)
    assert report.sent == 1
    assert len(api.ok_calls("freepublish/delete")) == 1
    kill = next(d for d in ledger.deliveries(channel="wechat") if d.version == 2)
    assert kill.state == DeliveryState.SENT and kill.detail["action"] == "deleted"


def test_a_cover_removed_from_the_account_is_uploaded_again(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1)
    publish(settings, ledger, client=client)
    api.thumbs.clear()  # someone deleted the material in the console
    # A correction: the same headline, so the same cover, whose cached media_id is gone.
    enqueue(article(1, paragraphs=["本报讯 更正后的导语。", "据介绍，改造内容包括加装电梯。"]))
    publish(settings, ledger, client=client)
    assert [c.errcode for c in api.calls_of("draft/add")] == [0, 40007, 0]
    assert len(api.ok_calls("material/add_material")) == 2
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 2}


def test_a_draft_lost_before_the_rerun_is_drafted_again(
    settings: Settings,
    ledger: Ledger,
    make_client: Callable[..., WeChatClient],
    api: WeChatState,
    enqueue: Enqueue,
) -> None:
    enqueue(1)
    with pytest.raises(Crash):
        publish(settings, ledger, client=crashing(make_client, "add_draft"))
    [delivery] = ledger.deliveries(channel="wechat")
    api.drafts.clear()  # deleted in the console before the rerun
    client = make_client()
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 1}
    assert len(api.ok_calls("draft/add")) == 2
    assert delivery.detail["step"] == "draft"


def test_a_draft_gone_at_submit_is_requeued(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1)
    api.inject("freepublish/submit", 40007)
    report = publish(settings, ledger, client=client)
    assert any("is gone; requeued" in m for m in report.messages)
    assert states(ledger) == {"pending": 1}
    publish(settings, ledger, client=client)
    settle(settings, ledger, client)
    assert states(ledger) == {"sent": 1}
