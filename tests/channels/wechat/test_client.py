"""The WeChat client against the local API server: tokens, retries, quotas, error mapping."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import requests

from distro.channels.wechat.client import WeChatClient, next_midnight, redact
from distro.channels.wechat.cover import default_cover
from distro.errors import (
    ChannelAuthError,
    ChannelRejected,
    ChannelUnavailable,
    QuotaExhausted,
)
from distro.net import MockReply, MockTransport
from distro.store.ledger import Ledger
from tests.channels.wechat.server import WeChatState


def draft_articles(thumb: str, title: str = "标题") -> list[dict[str, object]]:
    return [{"title": title, "content": "<p>正文</p>", "thumb_media_id": thumb}]


def test_token_is_fetched_once_and_shared_between_clients(
    client: WeChatClient, make_client: Callable[..., WeChatClient], api: WeChatState
) -> None:
    client.add_thumb(default_cover())
    other = make_client()  # another worker, same ledger
    other.add_thumb(default_cover())
    assert len(api.ok_calls("stable_token")) == 1
    tokens = {c.query["access_token"] for c in api.calls if c.api == "material/add_material"}
    assert len(tokens) == 1


def test_repeat_stable_token_calls_return_the_same_token(api: WeChatState) -> None:
    body = {"grant_type": "client_credential", "appid": api.appid, "secret": api.secret}
    first = api.stable_token(body)
    assert api.stable_token(body)["access_token"] == first["access_token"]
    forced = api.stable_token({**body, "force_refresh": True})
    assert forced["access_token"] != first["access_token"]
    assert api.check_token(first["access_token"]) == 40001


def test_token_expiry_mid_run_refreshes_and_retries_once(
    client: WeChatClient, api: WeChatState
) -> None:
    thumb = client.add_thumb(default_cover())
    api.expire_tokens()
    media_id = client.add_draft(draft_articles(thumb))
    assert media_id in api.drafts
    codes = [c.errcode for c in api.calls if c.api == "draft/add"]
    assert codes == [42001, 0]
    assert len(api.ok_calls("stable_token")) == 2


def test_a_token_refused_twice_is_an_auth_error(client: WeChatClient, api: WeChatState) -> None:
    api.inject("draft/add", 40001, 40001)
    with pytest.raises(ChannelAuthError, match="40001"):
        client.add_draft(draft_articles("x"))


def test_wrong_secret_is_an_auth_error(
    make_client: Callable[..., WeChatClient], api: WeChatState, ledger: Ledger
) -> None:
    bad = WeChatClient(api.appid, "wrong-secret", ledger, base_url=make_client().base_url)
    with pytest.raises(ChannelAuthError, match="40125") as caught:
        bad.add_thumb(default_cover())
    assert "wrong-secret" not in str(caught.value)


def test_busy_storm_is_retried_with_backoff(
    client: WeChatClient, api: WeChatState, sleeps: list[float]
) -> None:
    api.inject("material/add_material", -1, -1, -1)
    assert client.add_thumb(default_cover()) in api.thumbs
    assert sleeps == [0.01, 0.02, 0.04]


def test_a_busy_storm_longer_than_the_retries_is_transient(
    client: WeChatClient, api: WeChatState, sleeps: list[float]
) -> None:
    api.inject("material/add_material", *([-1] * 6))
    with pytest.raises(ChannelUnavailable) as caught:
        client.add_thumb(default_cover())
    assert caught.value.TRANSIENT
    assert len(sleeps) == 4
    assert " rid: " in caught.value.message  # WeChat's errmsg comes through for support


def test_per_minute_limit_asks_to_wait_a_minute(
    client: WeChatClient, api: WeChatState, sleeps: list[float]
) -> None:
    api.per_minute = 1
    thumb = client.add_thumb(default_cover())
    client.add_draft(draft_articles(thumb))
    with pytest.raises(ChannelUnavailable) as caught:
        client.add_draft(draft_articles(thumb))
    assert not isinstance(caught.value, QuotaExhausted)
    assert caught.value.retry_after == 60
    assert sleeps == []  # a worker never sleeps a minute: Airflow retries later


def test_daily_quota_stops_until_beijing_midnight(
    make_client: Callable[..., WeChatClient], api: WeChatState
) -> None:
    clock = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # the client's clock, not the wall's
    client = make_client(now=lambda: clock)
    thumb = client.add_thumb(default_cover())
    api.daily["draft/add"] = 1
    client.add_draft(draft_articles(thumb))
    with pytest.raises(QuotaExhausted) as caught:
        client.add_draft(draft_articles(thumb))
    assert caught.value.retry_after == pytest.approx((next_midnight(clock) - clock).total_seconds())
    calls = len(api.calls)
    with pytest.raises(QuotaExhausted):
        client.add_draft(draft_articles(thumb))
    assert len(api.calls) == calls  # known exhausted: not even asked


def test_local_daily_count_refuses_before_wechat_does(
    make_client: Callable[..., WeChatClient], api: WeChatState
) -> None:
    client = make_client(quotas={"draft/add": 2})
    thumb = client.add_thumb(default_cover())
    client.add_draft(draft_articles(thumb))
    client.add_draft(draft_articles(thumb))
    assert client.remaining("draft/add") == 0
    with pytest.raises(QuotaExhausted):
        client.add_draft(draft_articles(thumb))
    assert len(api.ok_calls("draft/add")) == 2


def test_next_midnight_is_beijing_midnight() -> None:
    now = dt.datetime(2026, 11, 27, 16, 1, tzinfo=dt.UTC)  # 00:01 on the 28th in Beijing
    assert next_midnight(now) == dt.datetime(2026, 11, 28, 16, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("articles", "errcode"),
    [
        ([{"title": "标" * 33, "content": "<p>x</p>"}], 45003),
        ([{"title": "标题", "content": "<p>x</p>", "thumb_media_id": "temporary"}], 40007),
        ([{"title": "", "content": ""}], 44003),
    ],
)
def test_content_errors_are_rejections(
    client: WeChatClient, articles: list[dict[str, object]], errcode: int
) -> None:
    with pytest.raises(ChannelRejected, match=str(errcode)) as caught:
        client.add_draft(articles)
    assert not caught.value.TRANSIENT


@pytest.mark.parametrize("errcode", [40164, 48001, 48004, 89503, 40243])
def test_permission_errors_fail_loudly(
    client: WeChatClient, api: WeChatState, errcode: int
) -> None:
    api.inject("freepublish/submit", errcode)
    with pytest.raises(ChannelAuthError, match=str(errcode)):
        client.submit("any")


def test_thumb_must_be_a_small_jpeg(client: WeChatClient) -> None:
    with pytest.raises(ChannelRejected, match="40005"):
        client.add_thumb(b"GIF89a not a jpeg")
    with pytest.raises(ChannelRejected, match="40009"):
        client.add_thumb(b"\xff\xd8\xff" + b"\0" * 70_000)


def test_no_token_or_secret_in_logs_or_errors(
    client: WeChatClient, api: WeChatState, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    thumb = client.add_thumb(default_cover())
    api.inject("draft/add", 42001, -1, 45166)
    with pytest.raises(ChannelRejected) as caught:
        client.add_draft(draft_articles(thumb))
    tokens = {t.value for t in api.tokens}
    assert tokens
    text = caplog.text + str(caught.value)
    assert "access_token=***" in caplog.text  # urllib3 logged the URL, redacted
    for secret in (*tokens, api.secret):
        assert secret not in text


def test_redact_hides_tokens_in_urls() -> None:
    url = "https://api.weixin.qq.com/cgi-bin/draft/add?access_token=ABC.def-1&x=1"
    assert redact(url) == "https://api.weixin.qq.com/cgi-bin/draft/add?access_token=***&x=1"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_every_call_has_a_timeout(ledger: Ledger, silent_port: int) -> None:
    client = WeChatClient(
        "wx-app", "s3cret", ledger, base_url=f"http://127.0.0.1:{silent_port}/cgi-bin/",
        timeout=0.2,
    )  # fmt: skip
    deadline = r"DeadlineExceeded: not done within 0\.2 s"
    with pytest.raises(ChannelUnavailable, match=deadline) as caught:
        client.token()
    assert "s3cret" not in caught.value.message


def test_token_and_secret_echoed_in_an_errmsg_are_masked(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    token = "TOKEN_issued.0123456789"
    secret = "appsecret-0123456789"

    def answer(request: requests.PreparedRequest) -> MockReply:
        if (request.url or "").endswith("stable_token"):
            return MockReply.of_json({"access_token": token, "expires_in": 7200})
        echo = f"invalid ip, token {token} with secret {secret}, not in whitelist rid: 1-2-3"
        return MockReply.of_json({"errcode": 40164, "errmsg": echo})

    caplog.set_level(logging.DEBUG)
    mock = MockTransport(answer)
    client = WeChatClient("wx-app", secret, ledger, base_url="http://wx.test/cgi-bin/",
                          transport=mock)  # fmt: skip
    with pytest.raises(ChannelAuthError) as caught:
        client.add_draft(draft_articles("thumb"))
    message = caught.value.message
    assert message.startswith("draft/add: errcode 40164: invalid ip, token *** with secret ***")
    assert token not in message and secret not in message
    assert f"access_token={token}" in (mock.requests[-1].url or "")  # it was sent, only masked
    assert token not in caplog.text and secret not in caplog.text
