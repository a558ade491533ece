"""WeChat's callback URL (服务器配置): the URL check and signed, 安全模式-decrypted event pushes."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import logging
import struct
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from distro import secrets
from distro.channels.wechat import accounts
from distro.channels.wechat.accounts import WeChatAccount
from distro.channels.wechat.events import event_data, event_name, handle_event
from distro.config import Settings
from distro.errors import ConfigError, DistroError
from distro.store.keeper import LedgerKeeper
from distro.store.ledger import Ledger

log = logging.getLogger(__name__)

#: A push is a few KiB of XML; anything far larger is not WeChat's.
MAX_BODY = 64 * 1024
#: How far a push's ``timestamp`` may be from our clock, either way.
WINDOW_SECONDS = 300
#: The events whose outcome the ledger records; any other push (a follower's message, a
#: subscribe) is answered ``success`` and left alone.
RECORDED = frozenset({"PUBLISHJOBFINISH", "FREEPUBLISHJOBFINISH", "MASSSENDJOBFINISH"})
#: WeChat pads the plaintext to 32-byte blocks (PKCS#7 with a 32-byte block, not AES's 16).
BLOCK = 32


class CallbackRefused(Exception):
    """A request that is not a genuine, fresh push for this account (answered with ``status``)."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class CallbackKeys:
    """An account's callback secrets (its Connection: ``callback_token``, ``encoding_aes_key``,
    and ``login`` = the AppID the decrypted payload names). ``repr`` hides them."""

    token: str = field(repr=False)
    aes_key: bytes | None = field(default=None, repr=False)
    appid: str | None = None


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key an EncodingAESKey (43 characters of base64) stands for."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError("encoding_aes_key is not the 43 base64 characters WeChat gives") from None
    if len(key) != 32:
        raise ConfigError("encoding_aes_key is not the 43 base64 characters WeChat gives")
    return key


def keys_for(account: WeChatAccount) -> CallbackKeys | None:
    """The account's callback secrets from its Airflow Connection; None without a token."""
    conn = secrets.connection(account.conn_id)
    if conn is None:
        return None
    token = conn.extra.get("callback_token")
    if not isinstance(token, str) or not token:
        return None
    encoded = conn.extra.get("encoding_aes_key")
    key = aes_key(encoded) if isinstance(encoded, str) and encoded else None
    return CallbackKeys(token=token, aes_key=key, appid=conn.login)


def signature(*parts: str) -> str:
    """WeChat's signature: the SHA-1 of the parts sorted and joined (token, timestamp, nonce
    [, Encrypt])."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_signature(given: str | None, *parts: str) -> None:
    if not given or not hmac.compare_digest(given.lower(), signature(*parts)):
        raise CallbackRefused("bad signature")


def check_fresh(timestamp: str | None, now: float) -> int:
    """The push's time, refused when missing or more than ``WINDOW_SECONDS`` off."""
    try:
        stamp = int(timestamp or "")
    except ValueError:
        raise CallbackRefused("no timestamp") from None
    if abs(now - stamp) > WINDOW_SECONDS:
        raise CallbackRefused("stale timestamp")
    return stamp


def decrypt(key: bytes, encrypted: str, appid: str | None) -> str:
    """The XML inside an ``<Encrypt>`` (AES-256-CBC, IV = the key's first 16 bytes; 16 random
    bytes, a 4-byte big-endian length, the XML, then the AppID, which must be ``appid``)."""
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise CallbackRefused("Encrypt is not base64", 400) from None
    if not data or len(data) % 16:
        raise CallbackRefused("Encrypt is not whole AES blocks", 400)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise CallbackRefused("Encrypt does not decrypt (wrong EncodingAESKey?)")
    plain = plain[:-pad]
    if len(plain) < 20:
        raise CallbackRefused("Encrypt is too short")
    (length,) = struct.unpack(">I", plain[16:20])
    xml, sender = plain[20 : 20 + length], plain[20 + length :]
    if len(xml) != length:
        raise CallbackRefused("Encrypt's length is wrong")
    if appid is None or not hmac.compare_digest(sender, appid.encode("utf-8")):
        raise CallbackRefused("Encrypt names another AppID")
    try:
        return xml.decode("utf-8")
    except UnicodeDecodeError:
        raise CallbackRefused("Encrypt's XML is not UTF-8", 400) from None


def parse(body: bytes | str) -> dict[str, Any]:
    """A push's XML as a dict (defusedxml: no DTD, no entities); nothing but XML."""
    text = body.encode("utf-8") if isinstance(body, str) else body
    text = text.lstrip()
    if not text.startswith(b"<"):
        raise CallbackRefused("not XML", 400)
    try:
        return event_data(text)
    except Exception as exc:  # defusedxml's refusals, ParseError, a JSON body that is not
        raise CallbackRefused(f"not a WeChat push ({type(exc).__name__})", 400) from None


class Nonces:
    """The nonces of pushes accepted in the last window, in the ledger (so a replay is refused
    after a restart too, and by every api-server process: the claim is one statement)."""

    def claim(self, ledger: Ledger, account: str, nonce: str, stamp: int, now: float) -> None:
        """Take ``nonce`` for ``account``, refused when a push in the window already took it."""
        if not nonce:
            raise CallbackRefused("no nonce")
        seen = ledger.kv("wechat").child("callback")
        name = f"{account}:{nonce}"
        # Kept until the timestamp it came with is stale anyway (then a replay fails on time).
        until = dt.datetime.fromtimestamp(stamp + WINDOW_SECONDS + 60, tz=dt.UTC)
        at = dt.datetime.fromtimestamp(now, tz=dt.UTC)
        if not seen.claim(name, str(stamp), expires_at=until, at=at):
            raise CallbackRefused("replayed nonce")

    def release(self, ledger: Ledger, account: str, nonce: str) -> None:
        """Give ``nonce`` back: the push was not recorded, and WeChat may send it again."""
        ledger.kv("wechat").child("callback").delete(f"{account}:{nonce}")


class Callback(LedgerKeeper):
    """The settings and ledger the app works on, opened on first use and kept."""

    def __init__(self, load: Callable[[], Settings]) -> None:
        super().__init__(load)
        self.nonces = Nonces()

    def keys(self, name: str) -> CallbackKeys:
        settings, _ledger = self.open()
        try:
            found = accounts.account(settings, name)
        except ConfigError:
            raise CallbackRefused("no such account", 404) from None
        keys = keys_for(found)
        if keys is None:
            raise CallbackRefused("no callback_token in the account's connection", 404)
        return keys


async def read_body(request: Request) -> bytes:
    """The body, refused past ``MAX_BODY`` (before reading it, when the length is declared)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise CallbackRefused("body too large", 413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise CallbackRefused("body too large", 413)
    return bytes(body)


def create_app(
    load_settings: Callable[[], Settings], *, clock: Callable[[], float] = time.time
) -> FastAPI:
    """The callback app: ``GET /{account}`` answers WeChat's URL check, ``POST /{account}``
    records a push. No login: a request is genuine when its signature is the account's."""
    callback = Callback(load_settings)
    app = FastAPI(title="distro WeChat callback", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.callback = callback

    @app.exception_handler(CallbackRefused)
    def refused(request: Request, exc: CallbackRefused) -> PlainTextResponse:
        # The reason only: never the query (it carries the signature) nor the body.
        log.warning("wechat callback %s refused: %s", request.url.path, exc.reason)
        return PlainTextResponse(exc.reason, status_code=exc.status)

    @app.exception_handler(DistroError)
    def unavailable(request: Request, exc: DistroError) -> PlainTextResponse:
        # The config, the ledger or the secrets backend cannot be read: WeChat will retry.
        log.warning("wechat callback %s: %s", request.url.path, exc.message)
        return PlainTextResponse("unavailable", status_code=503)

    @app.get("/{account}", response_class=PlainTextResponse)
    def verify(
        account: str,
        signature: str = "",
        timestamp: str = "",
        nonce: str = "",
        echostr: str = "",
    ) -> str:
        keys = callback.keys(account)
        check_fresh(timestamp, clock())
        check_signature(signature, keys.token, timestamp, nonce)
        return echostr

    def record(account: str, query: Mapping[str, str], body: bytes) -> str:
        keys = callback.keys(account)
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        now = clock()
        stamp = check_fresh(timestamp, now)
        if query.get("encrypt_type", "").lower() == "aes":  # 安全模式 and 兼容模式
            if keys.aes_key is None:
                raise CallbackRefused("encrypted push but no encoding_aes_key")
            encrypted = parse(body).get("Encrypt")
            if not isinstance(encrypted, str) or not encrypted:
                raise CallbackRefused("encrypted push without Encrypt", 400)
            check_signature(query.get("msg_signature"), keys.token, timestamp, nonce, encrypted)
            xml: str | bytes = decrypt(keys.aes_key, encrypted, keys.appid)
        else:
            # 明文模式: the signature covers no body, so a nonce seen once is never taken again.
            check_signature(query.get("signature"), keys.token, timestamp, nonce)
            xml = body
        data = parse(xml)
        settings, ledger = callback.open()
        callback.nonces.claim(ledger, account, nonce, stamp, now)
        if event_name(data) not in RECORDED:
            return "success"
        try:
            report = handle_event(settings, ledger, xml, target=account)
        except ValueError as exc:
            # Genuine but malformed (a field that is not a number): a retry would not help.
            log.warning("wechat callback %s: push not understood: %s", account, exc)
            return "success"
        except Exception:
            callback.nonces.release(ledger, account, nonce)
            raise
        log.info("wechat callback %s: %s", account, "; ".join(report.messages))
        return "success"

    @app.post("/{account}", response_class=PlainTextResponse)
    async def push(account: str, request: Request) -> str:
        body = await read_body(request)
        # The secrets lookup and the ledger block: off the event loop.
        return await run_in_threadpool(record, account, dict(request.query_params), body)

    return app
