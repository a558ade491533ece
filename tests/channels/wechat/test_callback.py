"""The callback URL on a real uvicorn server, pushed to as WeChat does: 明文 and 安全模式."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import secrets
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from distro.channels.wechat import outstanding, poll, publish
from distro.channels.wechat.callback import MAX_BODY, create_app
from distro.channels.wechat.client import WECHAT_TZ, WeChatClient
from distro.config import Settings
from distro.models import Article
from distro.store.ledger import Ledger
from tests.channels.wechat.server import WeChatServer, WeChatState
from tests.desk.newsroom import serve

Enqueue = Callable[..., list[Article]]
MORNING = dt.datetime(2026, 3, 2, 9, 0, tzinfo=WECHAT_TZ)

#: WeChat's own sample (WXBizMsgCrypt's Sample.py, 2014): a follower's text message in 安全模式.
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_TOKEN = "spamtest"
SAMPLE_APPID = "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PG"
    "HQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6"
    "tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp"
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhv"
    "Ql+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
SAMPLE_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA["
    "oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType>"
    "<![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728"
    f"</MsgId><Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt></xml>"
)


@dataclass
class WeChatPusher:
    """Signs and (in 安全模式) encrypts a push the way WeChat's documentation says it does."""

    base: str
    token: str
    encoding_aes_key: str
    appid: str

    def url(self, account: str = "default") -> str:
        return f"{self.base}/{account}"

    @staticmethod
    def sign(*parts: str) -> str:
        return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()

    def query(self, *, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**10))
        return {
            "signature": self.sign(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": "oMassHelper",
        }

    def encrypt(self, xml: str, *, appid: str | None = None) -> str:
        key = base64.b64decode(self.encoding_aes_key + "=")
        text = xml.encode()
        sender = (appid or self.appid).encode()
        plain = os.urandom(16) + struct.pack(">I", len(text)) + text + sender
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def plain(self, xml: str | bytes, **query: str) -> requests.Response:
        params = self.query(**query)
        return requests.post(self.url(), params=params, data=_bytes(xml), timeout=10)

    def secure(
        self, xml: str, *, appid: str | None = None, **query: str
    ) -> tuple[dict[str, str], bytes]:
        """The query and the body of a 安全模式 push (only ToUserName and Encrypt travel)."""
        params = self.query(**query)
        encrypted = self.encrypt(xml, appid=appid)
        params["encrypt_type"] = "aes"
        params["msg_signature"] = self.sign(
            self.token, params["timestamp"], params["nonce"], encrypted
        )
        body = (
            f"<xml><ToUserName><![CDATA[gh_{self.appid}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        )
        return params, body.encode()

    def post(self, params: dict[str, str], body: Any) -> requests.Response:
        return requests.post(self.url(), params=params, data=body, timeout=10)


def _bytes(xml: str | bytes) -> bytes:
    return xml.encode() if isinstance(xml, str) else xml


def states(ledger: Ledger) -> Counter[str]:
    return Counter(d.state.value for d in ledger.deliveries(channel="wechat"))


@pytest.fixture(autouse=True)
def mass(settings: Settings) -> None:
    wechat = settings.config.channels.wechat
    wechat.mode = "mass"
    wechat.preview_to = ["editor-wang"]


@pytest.fixture
def keys() -> tuple[str, str]:
    """A callback token and an EncodingAESKey (43 base64 characters), new for each test."""
    return secrets.token_urlsafe(24), base64.b64encode(os.urandom(32)).decode().rstrip("=")


@pytest.fixture
def callback_connection(
    monkeypatch: pytest.MonkeyPatch, server: WeChatServer, keys: tuple[str, str]
) -> None:
    token, encoding_aes_key = keys
    monkeypatch.setenv(
        "AIRFLOW_CONN_DISTRO_WECHAT",
        json.dumps(
            {
                "conn_type": "http",
                "login": server.state.appid,
                "password": server.state.secret,
                "host": server.base_url,
                "extra": {"callback_token": token, "encoding_aes_key": encoding_aes_key},
            }
        ),
    )


@pytest.fixture
def client(make_client: Callable[..., WeChatClient]) -> WeChatClient:
    return make_client(now=lambda: MORNING)


@pytest.fixture
def msg_id(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> int:
    """An edition of two articles sent (sendall) and waiting for its result."""
    enqueue(1, 2)
    publish(settings, ledger, client=client)
    [sent] = api.mass_jobs
    assert states(ledger) == {"sending": 2}
    return sent


@pytest.fixture
def wechat(
    settings: Settings, callback_connection: None, api: WeChatState, keys: tuple[str, str]
) -> Iterator[WeChatPusher]:
    app = create_app(lambda: settings)
    try:
        with serve(app) as base:
            yield WeChatPusher(base, keys[0], keys[1], api.appid)
    finally:
        app.state.callback.close()


def test_the_url_check_echoes_only_to_a_good_signature(wechat: WeChatPusher) -> None:
    echostr = str(secrets.randbelow(10**18))
    query = {**wechat.query(), "echostr": echostr}
    answer = requests.get(wechat.url(), params=query, timeout=10)
    assert (answer.status_code, answer.text) == (200, echostr)
    assert answer.headers["content-type"].startswith("text/plain")

    wrong = wechat.sign("not-the-token", query["timestamp"], query["nonce"])
    forged = {**query, "signature": wrong}
    refused = requests.get(wechat.url(), params=forged, timeout=10)
    assert refused.status_code == 403 and echostr not in refused.text
    unknown = requests.get(wechat.url("nobody"), params=query, timeout=10)
    assert unknown.status_code == 404


def test_a_plaintext_finish_event_settles_the_edition_and_the_poll_asks_nothing(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    msg_id: int,
    wechat: WeChatPusher,
) -> None:
    answer = wechat.plain(api.mass_event(msg_id))
    assert (answer.status_code, answer.text) == (200, "success")
    assert states(ledger) == {"sent": 2}
    urls = sorted(d.detail["url"] for d in ledger.deliveries(channel="wechat"))
    assert urls == [f"https://mp.weixin.qq.com/s/mass-{msg_id}-{i}" for i in (1, 2)]
    assert not outstanding(ledger)
    poll(settings, ledger, client=client)
    assert not api.calls_of("message/mass/get")
    # A push for nothing of ours (a follower's message, another edition) is still "success".
    other = wechat.plain(
        "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[你好]]></Content></xml>"
    )
    assert (other.status_code, other.text) == (200, "success")
    # Genuine but malformed: nothing to record, and nothing for WeChat to retry.
    garbled = wechat.plain(
        "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event>"
        "<PublishEventInfo>?</PublishEventInfo></xml>"
    )
    assert (garbled.status_code, garbled.text) == (200, "success")
    assert states(ledger) == {"sent": 2}


def test_an_encrypted_finish_event_settles_the_edition(
    settings: Settings,
    ledger: Ledger,
    client: WeChatClient,
    api: WeChatState,
    msg_id: int,
    wechat: WeChatPusher,
) -> None:
    params, body = wechat.secure(api.mass_event(msg_id))
    assert b"MASSSENDJOBFINISH" not in body
    answer = wechat.post(params, body)
    assert (answer.status_code, answer.text) == (200, "success")
    assert states(ledger) == {"sent": 2}
    poll(settings, ledger, client=client)
    assert not api.calls_of("message/mass/get")


def entity_body(xml: str) -> str:
    """``xml`` with a DTD that defines an entity the document uses (what defusedxml refuses)."""
    declared = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY ev "MASSSENDJOBFINISH">]>'
    return declared + xml.replace("<![CDATA[MASSSENDJOBFINISH]]>", "&ev;")


def refusals(wechat: WeChatPusher, xml: str) -> dict[str, tuple[dict[str, str], Any]]:
    """Each way a push is refused: the query and the body sent."""
    stale = str(int(time.time()) - 10 * 60)
    plain = wechat.query()
    forged = {**plain, "signature": wechat.sign("guessed", plain["timestamp"], plain["nonce"])}
    secure, body = wechat.secure(xml)
    bad_msg_signature = {**secure, "msg_signature": forged["signature"]}
    padded = xml.replace("</xml>", " " * MAX_BODY + "</xml>").encode()
    return {
        "bad signature": (forged, xml.encode()),
        "bad msg_signature": (bad_msg_signature, body),
        "stale timestamp": (wechat.query(timestamp=stale), xml.encode()),
        "stale encrypted": wechat.secure(xml, timestamp=stale),
        "another appid": wechat.secure(xml, appid="wx0123456789abcdef"),
        "oversized": (wechat.query(), padded),
        "oversized, chunked": (wechat.query(), iter([padded[:1000], padded[1000:]])),
        "entity declaration": (wechat.query(), entity_body(xml).encode()),
        "entity declaration, encrypted": wechat.secure(entity_body(xml)),
    }


EXPECTED = {
    "bad signature": 403,
    "bad msg_signature": 403,
    "stale timestamp": 403,
    "stale encrypted": 403,
    "another appid": 403,
    "oversized": 413,
    "oversized, chunked": 413,
    "entity declaration": 400,
    "entity declaration, encrypted": 400,
}


def test_forged_stale_foreign_oversized_and_entity_pushes_are_refused_and_change_nothing(
    ledger: Ledger, api: WeChatState, msg_id: int, wechat: WeChatPusher
) -> None:
    xml = api.mass_event(msg_id)
    answers = {
        case: wechat.post(params, body).status_code
        for case, (params, body) in refusals(wechat, xml).items()
    }
    assert answers == EXPECTED
    assert states(ledger) == {"sending": 2}
    assert outstanding(ledger) == [str(msg_id)]


def test_a_nonce_is_taken_once_even_after_a_restart(
    settings: Settings, ledger: Ledger, api: WeChatState, msg_id: int, wechat: WeChatPusher
) -> None:
    # 明文模式 signs no body: a captured query must not carry another body.
    hello = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>"
    query = wechat.query()
    assert wechat.post(query, hello.encode()).text == "success"
    replayed = wechat.post(query, api.mass_event(msg_id).encode())
    assert replayed.status_code == 403 and replayed.text == "replayed nonce"
    assert states(ledger) == {"sending": 2}
    params, body = wechat.secure(api.mass_event(msg_id))
    assert wechat.post(params, body).text == "success"
    assert states(ledger) == {"sent": 2}
    again = wechat.post(params, body)
    assert again.status_code == 403 and again.text == "replayed nonce"
    # The same push again, to the app started anew over the same ledger: refused.
    restarted = create_app(lambda: settings)
    try:
        with serve(restarted) as base:
            again = requests.post(f"{base}/default", params=params, data=body, timeout=10)
    finally:
        restarted.state.callback.close()
    assert again.status_code == 403 and again.text == "replayed nonce"


def test_wechats_own_sample_push_is_verified_and_decrypted(
    settings: Settings, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_DISTRO_WECHAT",
        json.dumps(
            {
                "conn_type": "http",
                "login": SAMPLE_APPID,
                "password": "unused",
                "extra": {"callback_token": SAMPLE_TOKEN, "encoding_aes_key": SAMPLE_KEY},
            }
        ),
    )
    params = {
        "timestamp": SAMPLE_TIMESTAMP,
        "nonce": SAMPLE_NONCE,
        "encrypt_type": "aes",
        "msg_signature": SAMPLE_MSG_SIGNATURE,
    }
    # The sample's clock: its timestamp is from 2014.
    app = create_app(lambda: settings, clock=lambda: float(SAMPLE_TIMESTAMP) + 30)
    try:
        with serve(app) as base:
            answer = requests.post(f"{base}/default", params=params, data=SAMPLE_BODY, timeout=10)
            tampered = SAMPLE_BODY.replace("hyzAe4", "hyzAe5")
            nonce = {**params, "nonce": "1320562133"}
            refused = requests.post(f"{base}/default", params=nonce, data=tampered, timeout=10)
            replayed = requests.post(f"{base}/default", params=params, data=SAMPLE_BODY, timeout=10)
    finally:
        app.state.callback.close()
    assert (answer.status_code, answer.text) == (200, "success")
    assert (refused.status_code, refused.text) == (403, "bad signature")
    assert (replayed.status_code, replayed.text) == (403, "replayed nonce")
