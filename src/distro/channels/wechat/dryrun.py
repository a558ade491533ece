"""An account with no WeChat credentials: the real publisher runs, over a recording transport.

The publisher (发布 or 群发, as configured) sends its requests to ``RecordingTransport``, which
answers as WeChat would and keeps each request; its ledger writes go to ``DryLedger``, an overlay
that reads the real ledger and forgets every write when the run ends. Nothing is marked: once a
connection is configured, the same deliveries go out for real. The outbox then holds, per
edition, exactly what would be sent: method, URL (secrets masked), headers and body, byte for
byte (a multipart body is kept in ``bodies/<sha256>.bin``; its random boundary is fixed so a
rerun writes the same files). Rewriting an edition's file is idempotent (its name is the
edition's id).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from distro.channels import PublishReport
from distro.channels.wechat import mass
from distro.channels.wechat.accounts import WeChatAccount
from distro.channels.wechat.client import DEFAULT_BASE_URL, WeChatClient
from distro.channels.wechat.cover import default_cover
from distro.channels.wechat.editions import CHANNEL, Member, edition_id, plan
from distro.models import Article, Delivery, DeliveryState
from distro.net import MockReply, MockTransport
from distro.store.ledger import Ledger

if TYPE_CHECKING:
    from distro.config import Settings

#: Stand-ins for values only WeChat can hand out.
APPID = "APPID"
APPSECRET = "APPSECRET"
TOKEN = "ACCESS_TOKEN"
THUMB = "THUMB_MEDIA_ID_FROM_material/add_material"
DRAFT = "MEDIA_ID_FROM_draft/add"
PUBLISH_ID = "PUBLISH_ID_FROM_freepublish/submit"
MSG_ID = "MSG_ID_FROM_message/mass/sendall"
#: requests draws a random multipart boundary per request; the record uses this one instead.
BOUNDARY = "distro-dry-run-boundary"
OPEN = (DeliveryState.PENDING, DeliveryState.SENDING)


def answer(api: str, body: bytes) -> dict[str, Any]:
    """What WeChat answers to ``api`` when all goes well, with stand-in ids."""
    if api == "stable_token":
        return {"access_token": TOKEN, "expires_in": 7200}
    if api == "material/add_material":
        return {"media_id": THUMB, "url": f"http://mmbiz.qpic.cn/mmbiz_jpg/{THUMB}/0"}
    if api == "media/uploadimg":
        digest = hashlib.sha256(body).hexdigest()[:24]
        return {"url": f"http://mmbiz.qpic.cn/mmbiz_jpg/DRY-RUN-{digest}/0"}
    if api == "draft/add":
        return {"media_id": DRAFT}
    if api == "freepublish/submit":
        return {"errcode": 0, "errmsg": "ok", "publish_id": PUBLISH_ID}
    if api == "message/mass/sendall":
        return {"errcode": 0, "errmsg": "send job submission success", "msg_id": MSG_ID}
    if api in ("draft/batchget", "freepublish/batchget"):
        return {"total_count": 0, "item_count": 0, "item": []}
    if api == "freepublish/get":
        return {"publish_id": PUBLISH_ID, "publish_status": 1}  # still publishing
    if api == "message/mass/get":
        return {"msg_id": MSG_ID, "msg_status": "SENDING"}
    return {"errcode": 0, "errmsg": "ok"}


class RecordingTransport(MockTransport):
    """Answers like WeChat (``answer``) and keeps every request, as ``MockTransport`` does."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL) -> None:
        self.prefix = urlsplit(base_url).path
        super().__init__(self._reply)

    def _reply(self, request: requests.PreparedRequest) -> MockReply:
        path = urlsplit(request.url or "").path
        api = path[len(self.prefix) :] if path.startswith(self.prefix) else path
        body = request.body if isinstance(request.body, bytes) else b""
        return MockReply.of_json(answer(api, body))


def fixed_boundary(request: requests.PreparedRequest) -> tuple[dict[str, str], bytes]:
    """The request's headers and body bytes, a multipart boundary replaced by ``BOUNDARY``."""
    headers = dict(request.headers.items())
    raw = request.body
    body = raw.encode("utf-8") if isinstance(raw, str) else (raw or b"")
    kind = headers.get("Content-Type", "")
    _, found, boundary = kind.partition("boundary=")
    if found and boundary:
        headers["Content-Type"] = kind.replace(boundary, BOUNDARY)
        body = body.replace(boundary.encode("ascii"), BOUNDARY.encode("ascii"))
        headers["Content-Length"] = str(len(body))
    return headers, body


def record(
    request: requests.PreparedRequest, redact: Callable[[str], str], bodies: Path
) -> dict[str, Any]:
    """One request as the outbox shows it; a body that is not UTF-8 text goes to ``bodies``."""
    headers, body = fixed_boundary(request)
    entry: dict[str, Any] = {
        "method": request.method,
        "url": redact(request.url or ""),
        "headers": headers,
    }
    if headers.get("Content-Type", "").startswith("application/json"):
        text = body.decode("utf-8")
        entry["body"] = redact(text)
        entry["json"] = json.loads(text)
        return entry
    if body:
        digest = hashlib.sha256(body).hexdigest()
        bodies.mkdir(parents=True, exist_ok=True)
        path = bodies / f"{digest}.bin"
        if not path.exists():
            path.write_bytes(body)
        entry["body_file"] = f"bodies/{path.name}"
        entry["body_sha256"] = digest
        entry["body_bytes"] = len(body)
    return entry


class DryLedger(Ledger):
    """The real ledger to read from; deliveries and key/values written here stay in memory."""

    def __init__(self, real: Ledger) -> None:  # no engine of its own: reads go to ``real``
        self.real = real
        self.url = real.url
        self.changed: dict[tuple[str, int, str, str], Delivery] = {}
        self.values: dict[str, tuple[str, dt.datetime | None]] = {}
        self.counters: Counter[tuple[str, dt.date]] = Counter()
        self.quarantined_reasons: list[str] = []

    def close(self) -> None:
        """The real ledger belongs to the caller."""

    @staticmethod
    def _key(d: Delivery) -> tuple[str, int, str, str]:
        return (d.article_id, d.version, d.channel, d.target)

    def _now(self, d: Delivery) -> Delivery:
        return self.changed.get(self._key(d), d)

    def get(self, article_id: str, version: int | None = None) -> Article | None:
        return self.real.get(article_id, version)

    def pending(
        self, channel: str, *, target: str | None = None, limit: int | None = None
    ) -> list[Delivery]:
        found = [self._now(d) for d in self.real.pending(channel, target=target, limit=limit)]
        return [d for d in found if d.state in OPEN]

    def deliveries(
        self, *, article_id: str | None = None, channel: str | None = None
    ) -> list[Delivery]:
        return [self._now(d) for d in self.real.deliveries(article_id=article_id, channel=channel)]

    def _write(
        self, d: Delivery, detail: dict[str, object], *, attempt: bool = False, **values: Any
    ) -> Delivery:
        current = self._now(d)
        merged = {**current.detail, **{k: str(v) for k, v in detail.items() if v is not None}}
        changes: dict[str, Any] = {"detail": merged, **values}
        if attempt:
            changes["attempts"] = current.attempts + 1
        updated = current.model_copy(update=changes)
        self.changed[self._key(d)] = updated
        return updated

    def mark_sending(self, d: Delivery, **detail: object) -> Delivery:
        return self._write(d, detail, attempt=True, state=DeliveryState.SENDING)

    def update_detail(self, d: Delivery, **detail: object) -> Delivery:
        return self._write(d, detail)

    def mark_sent(self, d: Delivery, remote_id: str | None = None, **detail: object) -> Delivery:
        values: dict[str, Any] = {"state": DeliveryState.SENT}
        if remote_id is not None:
            values["remote_id"] = remote_id
        return self._write(d, detail, **values)

    def mark_failed(self, d: Delivery, error: str, *, terminal: bool) -> Delivery:
        state = DeliveryState.FAILED if terminal else DeliveryState.PENDING
        return self._write(d, {}, state=state, last_error=error)

    def mark_quarantined(self, d: Delivery, reason: str) -> Delivery:
        self.quarantined_reasons.append(reason)
        return self._write(d, {}, state=DeliveryState.QUARANTINED, last_error=reason)

    def get_value(self, key: str, *, at: dt.datetime | None = None) -> str | None:
        found = self.values.get(key)
        if found is None:
            return None
        value, expires_at = found
        if expires_at is not None and expires_at <= (at or dt.datetime.now(dt.UTC)):
            return None
        return value

    def set_value(self, key: str, value: str, *, expires_at: dt.datetime | None = None) -> None:
        self.values[key] = (value, expires_at)

    def delete_value(self, key: str) -> None:
        self.values.pop(key, None)

    def count(self, key: str, *, day: dt.date, increment: int = 1) -> int:
        self.counters[(key, day)] += increment
        return self.counters[(key, day)]


def _write(path: Path, document: dict[str, Any]) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _cover(outbox: Path) -> None:
    """The account's fallback cover (an article whose own cover cannot be drawn gets it)."""
    cover = default_cover()
    path = outbox / "cover.jpg"
    if not path.exists() or path.read_bytes() != cover:
        path.write_bytes(cover)


class DryRun:
    """One account's dry run: the real publisher's editions, each written to the outbox."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        account: WeChatAccount,
        *,
        kills_only: bool = False,
    ) -> None:
        self.kills_only = kills_only
        self.account = account
        self.ledger = DryLedger(ledger)
        self.transport = RecordingTransport()
        limits = settings.config.limits
        self.client = WeChatClient(
            APPID,
            APPSECRET,
            self.ledger,
            base_url=DEFAULT_BASE_URL,
            timeout=limits.http_timeout_seconds,
            user_agent=limits.user_agent,
            transport=self.transport,
            namespace=account.namespace,
        )
        # As a run with a cached token would: the token is the account's, not an edition's.
        self.ledger.set_value(self.client.token_key, TOKEN)
        self.publisher = mass.publisher(settings, self.ledger, self.client, account)
        self.outbox = settings.state.outbox / account.outbox
        self.report = PublishReport(channel=CHANNEL, dry_run=True)

    def _document(self, name: str, members: list[Member], start: int) -> Path | None:
        sent = self.transport.requests[start:]
        if not sent:
            return None
        bodies = self.outbox / "bodies"
        document = {
            "channel": CHANNEL,
            "account": self.account.name,
            "dry_run": True,
            "edition": name,
            "deliveries": [f"{m.delivery.article_id}/v{m.delivery.version}" for m in members],
            "requests": [record(r, self.client.http.redact, bodies) for r in sent],
        }
        path = self.outbox / f"{name}.json"
        _write(path, document)
        return path

    def _moved(self, members: list[Member]) -> list[Member]:
        """The members the publisher took (sending or sent in the overlay): they would go out."""
        return [
            m
            for m in members
            if self.ledger.changed.get(DryLedger._key(m.delivery), m.delivery).state
            in (DeliveryState.SENDING, DeliveryState.SENT)
        ]

    def run(self) -> PublishReport:
        self.outbox.mkdir(parents=True, exist_ok=True)
        _cover(self.outbox)
        pending = self.ledger.pending(CHANNEL, target=self.account.name)
        planned = plan(self.ledger, pending, self.account.edition_size)
        notes = list(planned.notes)
        for members in planned.in_flight.values():
            name = members[0].delivery.detail.get("edition", "")
            notes.append(f"edition {name} is in flight from a run with a connection: left alone")
        try:
            for members in [] if self.kills_only else planned.editions:
                start = len(self.transport.requests)
                self.publisher.edition(members)
                taken = self._moved(members)
                path = self._document(edition_id(m.delivery for m in taken), taken, start)
                if path is not None:
                    self.report.outputs.append(str(path))
                    self.report.skipped += len(taken)
            for member in planned.kills:
                start = len(self.transport.requests)
                self.publisher.withdraw(member)
                name = f"withdraw-{member.article.id}-v{member.article.version}"
                path = self._document(name, [member], start)
                self.report.skipped += 1
                if path is not None:
                    self.report.outputs.append(str(path))
                    notes.append(f"would withdraw {member.article.id}: requests in {path.name}")
        finally:
            self.publisher.close()
        self.report.quarantined = len(self.ledger.quarantined_reasons)
        label = self.account.label
        self.report.messages.append(
            f"{label}no connection {self.account.conn_id!r}: dry run, nothing sent; "
            f"{len(self.report.outputs)} edition(s) of requests written to {self.outbox}"
        )
        self.report.messages.extend(f"dry run: {label}{n}" for n in notes)
        self.report.messages.extend(f"dry run: {m}" for m in self.publisher.report.messages)
        return self.report


def publish(settings: Settings, ledger: Ledger, account: WeChatAccount) -> PublishReport:
    """Write what ``publish`` would send for the account's pending deliveries; send nothing."""
    return DryRun(settings, ledger, account).run()


def withdraw(settings: Settings, ledger: Ledger, account: WeChatAccount) -> PublishReport:
    """Write what taking back the account's killed articles would send; no edition, nothing sent."""
    return DryRun(settings, ledger, account, kills_only=True).run()
