"""Mass send (群发): an edition drafted, previewed to the editors, then sent to every follower once.

The same intent-before-call discipline as ``publish``, with the steps of a mass edition:

=========  =====================================  ============================================
step       recorded before / after                 a rerun finding it
=========  =====================================  ============================================
draft      before ``draft/add``                    as in publish (adopt or draft again)
drafted    after ``draft/add`` (+ draft_media_id)  checks the quota, previews, sends
preview    before the previews                     previews the editors not yet previewed
sendall    before ``message/mass/sendall``          sends again with the same clientmsgid:
           (+ clientmsgid; quota counted after)    WeChat answers 45065 and the first msg_id
mass_sent  after sendall (+ msg_id)                 ``message/mass/get``, never sends again
=========  =====================================  ============================================

The ``clientmsgid`` comes from the account, the edition id and its round (bumped only after
WeChat reported the send failed), so no retry, rerun or second worker can send an edition twice
within WeChat's 24 h window; an intent older than that is reported, not resent.

Quotas (all followers, console sends included): a subscription account 1 a day, a service
account 1 a day and 4 a calendar month, counted in the ledger in Beijing time. A send past them is
refused before any call, with the reason in the report; its articles wait for the next slot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distro.channels import PublishReport
from distro.channels.wechat.accounts import WeChatAccount
from distro.channels.wechat.client import (
    NO_MASS_QUOTA,
    RETRIED_TOO_FAST,
    WECHAT_TZ,
    WeChatClient,
    next_midnight,
)
from distro.channels.wechat.editions import (
    CHANNEL,
    Member,
    clientmsgid,
    edition_id,
    in_flight,
)
from distro.channels.wechat.publish import CLEARED, INVALID_MEDIA_ID, Publisher
from distro.errors import (
    ChannelAuthError,
    ChannelError,
    ChannelRejected,
    ChannelUnavailable,
)
from distro.faults import fault
from distro.models import DeliveryState

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

SUCCESS, SENDING, FAIL, DELETED = "SEND_SUCCESS", "SENDING", "SEND_FAIL", "DELETE"
#: WeChat refuses a repeated clientmsgid for 24 h; past that a resend could go out twice.
DEDUPLICATION_WINDOW = dt.timedelta(hours=23)
UNKNOWN_MSG_ID = 40059  # message/mass/delete, get: no such (deletable) message
EPOCH = "1970-01-01T00:00:00+00:00"
MASS_CLEARED = {**CLEARED, "msg_id": "", "msg_data_id": "", "clientmsgid": "", "sendall_at": ""}
#: (per day, per calendar month) 群发 to all followers, by account type (Batch_Sends guide).
LIMITS: dict[str, tuple[int, int | None]] = {"subscription": (1, None), "service": (1, 4)}
EVENT_ERROR = re.compile(r"err\((\d+)\)")
EVENT_REASONS = {
    10001: "advertising",
    20001: "politics",
    20002: "pornography",
    20004: "society",
    20006: "crime",
    20008: "fraud",
    20013: "copyright",
    21000: "other",
    22000: "mutual promotion",
    30001: "originality check error",
    30002: "refused by the originality check",
    30003: "reprint, may not be sent",
    40001: "API mass-send protection: not confirmed by an admin",
    40002: "API mass-send protection: refused by an admin",
}


@dataclass
class MassQuota:
    """The account's 群发 counted in the ledger: spent at the intent, refunded on a sure no."""

    ledger: Ledger
    appid: str
    account_type: str
    now: dt.datetime
    namespace: str = "wechat"

    @property
    def _day(self) -> dt.date:
        return self.now.astimezone(WECHAT_TZ).date()

    def _keys(self) -> tuple[tuple[str, dt.date], tuple[str, dt.date]]:
        day = self._day
        return (
            (f"{self.namespace}:mass:day:{self.appid}", day),
            (f"{self.namespace}:mass:month:{self.appid}", day.replace(day=1)),
        )

    def used(self) -> tuple[int, int]:
        (day_key, day), (month_key, month) = self._keys()
        return (
            self.ledger.count(day_key, day=day, increment=0),
            self.ledger.count(month_key, day=month, increment=0),
        )

    def refusal(self) -> str | None:
        """Why a send now would be past the quota; None when one is left."""
        per_day, per_month = LIMITS[self.account_type]
        today, this_month = self.used()
        exhausted = self.ledger.get_value(
            f"{self.namespace}:mass:exhausted:{self.appid}", at=self.now
        )
        if exhausted == self._day.isoformat():
            return f"WeChat said {NO_MASS_QUOTA} (no 群发 quota left) earlier today"
        if today >= per_day:
            return f"{self.account_type} account: {per_day} 群发 a day, used {today} today"
        if per_month is not None and this_month >= per_month:
            return (
                f"{self.account_type} account: {per_month} 群发 a month, used {this_month} "
                f"in {self._day:%Y-%m}"
            )
        return None

    def _add(self, increment: int) -> None:
        for key, day in self._keys():
            self.ledger.count(key, day=day, increment=increment)

    def spend(self) -> None:
        self._add(1)

    def refund(self) -> None:
        self._add(-1)

    def exhaust(self) -> None:
        """WeChat's own count says no: believe it until its day turns (the value is that day)."""
        self.ledger.set_value(
            f"{self.namespace}:mass:exhausted:{self.appid}",
            self._day.isoformat(),
            expires_at=next_midnight(self.now),
        )


class MassPublisher(Publisher):
    """One run over the pending WeChat deliveries of an account in ``mass`` mode."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        client: WeChatClient,
        account: WeChatAccount | None = None,
    ) -> None:
        super().__init__(settings, ledger, client, account)
        self.quota = MassQuota(
            ledger, client.appid, self.cfg.account_type, client.now(), client.namespace
        )

    def _refuse(self, members: Sequence[Member], why: str) -> None:
        name = members[0].delivery.detail.get("edition") or edition_id(m.delivery for m in members)
        self.report.skipped += len(members)
        self._note(f"edition {name}: not sent: {why}; {len(members)} article(s) wait")

    def _revert(self, members: Sequence[Member], step: str) -> list[Member]:
        return [
            Member(self.ledger.update_detail(m.delivery, step=step), m.article) for m in members
        ]

    def _requeue_mass(self, members: Sequence[Member], why: str) -> None:
        for member in members:
            d = self.ledger.update_detail(member.delivery, **MASS_CLEARED)
            self.ledger.mark_failed(d, why, terminal=False)

    # -- the edition -----------------------------------------------------------------------

    def submit(self, members: Sequence[Member], media_id: str) -> None:
        """Instead of free publishing: check the quota, preview to the editors, send to all."""
        why = self.quota.refusal()
        if why is not None:
            self._refuse(members, why)
            return
        previewed = self.preview(members, media_id)
        if previewed is not None:
            self.send(previewed, media_id)

    def preview(self, members: Sequence[Member], media_id: str) -> list[Member] | None:
        """Each editor in ``preview_to`` gets the draft once; None when the draft is gone."""
        name = members[0].delivery.detail.get("edition", "")
        intents = self._revert(members, "preview")
        for recipient in self.cfg.preview_to:
            tag = hashlib.sha256(recipient.encode()).hexdigest()[:16]
            key = f"{self.client.namespace}:previewed:{self.client.appid}:{media_id}:{tag}"
            if self.ledger.get_value(key):
                continue
            try:
                self.client.preview(media_id, recipient)
            except ChannelRejected as exc:
                if getattr(exc, "errcode", None) == INVALID_MEDIA_ID:
                    self._requeue_mass(intents, exc.message)
                    self._note(f"edition {name}: draft {media_id} is gone; requeued")
                    return None
                self._note(f"edition {name}: preview to {recipient} refused: {exc.message}")
                continue
            except (ChannelAuthError, ChannelUnavailable):
                self._revert(intents, "drafted")
                raise
            except ChannelError as exc:
                # An editor who does not follow the account (43004 …) must not stop the edition.
                self._note(f"edition {name}: preview to {recipient} failed: {exc.message}")
                continue
            self.ledger.set_value(key, "1")
        return intents

    def send(self, members: Sequence[Member], media_id: str) -> None:
        """Record the intent with its clientmsgid, count the quota, then ``sendall``."""
        name = members[0].delivery.detail.get("edition", "")
        round_key = f"{self.client.namespace}:mass:round:{self.client.appid}:{name}"
        msgid = clientmsgid(self.client.appid, name, int(self.ledger.get_value(round_key) or 0))
        stamp = self.client.now().isoformat()
        intents = [
            Member(
                self.ledger.update_detail(
                    m.delivery,
                    step="sendall",
                    clientmsgid=msgid,
                    sendall_at=stamp,
                    round_key=round_key,
                ),
                m.article,
            )
            for m in members
        ]
        # Counted after the intent: a crash in between undercounts (WeChat's 45028 backs that
        # up) rather than losing a day's edition to a send that never happened.
        self.quota.spend()
        self._sendall(intents, media_id, msgid)

    def _sendall(self, members: Sequence[Member], media_id: str, msgid: str) -> None:
        name = members[0].delivery.detail.get("edition", "")
        try:
            msg_id, msg_data_id, already = self.client.sendall(
                media_id, msgid, ignore_reprint=self.cfg.send_ignore_reprint
            )
        except ChannelRejected as exc:
            self.quota.refund()
            if getattr(exc, "errcode", None) == INVALID_MEDIA_ID:
                self._requeue_mass(members, exc.message)
                self._note(f"edition {name}: draft {media_id} is gone; requeued")
                return
            for member in members:
                self._quarantine(member, f"mass send refused: {exc.message}")
            return
        except ChannelError as exc:
            if getattr(exc, "errcode", None) in (None, RETRIED_TOO_FAST):
                # No answer (maybe sent), or WeChat still busy with this very clientmsgid: the
                # rerun asks again under the same clientmsgid, the quota stays counted.
                raise
            # WeChat answered: certainly not sent, the quota is not spent.
            self.quota.refund()
            self._revert(members, "drafted")
            if getattr(exc, "errcode", None) == NO_MASS_QUOTA:
                self.quota.exhaust()
                self._refuse(members, f"WeChat: {exc.message}")
                return
            raise
        fault("wechat.mass_sent")  # sent to every follower; the msg_id is not recorded
        for member in members:
            self.ledger.update_detail(
                member.delivery, step="mass_sent", msg_id=msg_id, msg_data_id=msg_data_id
            )
        how = "was already sent" if already else "sent to all followers"
        self._note(f"edition {name}: {len(members)} article(s) {how} as msg_id {msg_id}")
        if already and not msg_id:
            for member in members:
                self.ledger.mark_sent(member.delivery, step="sent", reason="45065 without msg_id")
            self.report.sent += len(members)

    # -- reconciliation --------------------------------------------------------------------

    def resume(self, members: list[Member]) -> None:
        detail = members[0].delivery.detail
        step = detail.get("step", "")
        name = detail.get("edition", "")
        media_id = detail.get("draft_media_id", "")
        if detail.get("msg_id"):
            self.check_sent(members, detail["msg_id"])
        elif step == "sendall":
            sent_at = dt.datetime.fromisoformat(detail.get("sendall_at") or EPOCH)
            if self.client.now() - sent_at > DEDUPLICATION_WINDOW:
                # WeChat no longer deduplicates this clientmsgid: resending could send twice.
                self._note(
                    f"edition {name}: sendall at {sent_at:%Y-%m-%d %H:%M} UTC has no recorded "
                    "answer and is past the 24 h clientmsgid window: check the console"
                )
                self.report.skipped += len(members)
                return
            self._sendall(members, media_id, detail.get("clientmsgid", ""))
        elif step == "preview":
            self.submit(members, media_id)
        else:
            super().resume(members)

    def check_sent(self, members: list[Member], msg_id: str) -> None:
        """One ``message/mass/get`` for an edition sent as ``msg_id``."""
        status = self.client.mass_status(msg_id)
        self.report.sent += apply_status(self.ledger, members, msg_id, status, self.report)

    # -- kills -----------------------------------------------------------------------------

    def withdraw(self, member: Member) -> None:
        """Invalidate the article pages of a killed article's mass sends (message/mass/delete).

        Followers keep the card in their chats: the report says so. Free-published versions
        (an account that switched modes) are deleted as in publish mode.
        """
        sent = [
            d
            for d in self.ledger.deliveries(article_id=member.article.id, channel=CHANNEL)
            if d.target == member.delivery.target
            and d.state == DeliveryState.SENT
            and d.detail.get("msg_id")
            and d.version < member.article.version
            and not d.detail.get("deleted")
        ]
        if not sent:
            super().withdraw(member)
            return
        d = member.delivery
        for old in sent:
            msg_id = old.detail["msg_id"]
            index = old.detail_int("idx")
            d = self.ledger.mark_sending(d, step="delete", target_msg=msg_id, index=index)
            try:
                self.client.mass_delete(msg_id, index)
            except ChannelError as exc:
                if getattr(exc, "errcode", None) != UNKNOWN_MSG_ID:
                    raise
                self._note(f"{member.article.id}: mass {msg_id}#{index} was already gone")
            fault("wechat.deleted")  # invalidated at WeChat; not recorded
            self.ledger.update_detail(old, deleted="1")
        self.ledger.mark_sent(
            d, remote_id=sent[-1].detail["msg_id"], action="deleted", step="deleted"
        )
        self.report.sent += 1
        self._note(
            f"{member.article.id}: article page withdrawn (message/mass/delete); the card stays "
            "in followers' chats, WeChat offers no way to recall it"
        )

    # -- the run ---------------------------------------------------------------------------

    def edition(self, members: list[Member]) -> None:
        # Refused before any call, draft/add included: the articles wait as they are.
        refused = self.quota.refusal()
        if refused is not None:
            self._refuse(members, refused)
            return
        self.draft(members)


def publisher(
    settings: Settings, ledger: Ledger, client: WeChatClient, account: WeChatAccount
) -> Publisher:
    """The account's publisher: 发布 (``Publisher``) or 群发 (``MassPublisher``) by its mode."""
    if account.mode == "mass":
        return MassPublisher(settings, ledger, client, account)
    return Publisher(settings, ledger, client, account)


def apply_status(
    ledger: Ledger,
    members: Sequence[Member],
    msg_id: str,
    status: str,
    report: PublishReport,
    urls: Mapping[int, str] | None = None,
) -> int:
    """Record a mass send's status (mass/get or the event) for its deliveries; how many sent."""
    normal = status.strip().upper().replace(" ", "_")
    if normal == SENDING:
        report.skipped += len(members)
        report.messages.append(f"mass {msg_id}: still sending")
        return 0
    if normal == SUCCESS:
        fault("wechat.published")  # WeChat says sent; no delivery marked sent yet
        for member in members:
            idx = member.delivery.detail_int("idx")
            ledger.mark_sent(
                member.delivery, remote_id=msg_id, url=(urls or {}).get(idx, ""), step="sent"
            )
        report.messages.append(f"mass {msg_id}: {len(members)} article(s) sent")
        return len(members)
    if normal == DELETED:
        for member in members:
            ledger.mark_failed(member.delivery, "WeChat: mass send deleted", terminal=True)
        report.failed += len(members)
        report.messages.append(f"mass {msg_id}: deleted")
        return 0
    found = EVENT_ERROR.fullmatch(status.strip())
    if found:
        code = int(found.group(1))
        why = f"WeChat refused the mass send: err({code}) {EVENT_REASONS.get(code, '')}".strip()
        for member in members:
            ledger.mark_quarantined(member.delivery, why)
        report.quarantined += len(members)
        report.messages.append(f"mass {msg_id}: {why}")
        return 0
    # SEND_FAIL and anything new: a fresh draft and a new clientmsgid round next time.
    round_key = members[0].delivery.detail.get("round_key", "")
    if round_key:
        ledger.set_value(round_key, str(int(ledger.get_value(round_key) or 0) + 1))
    for member in members:
        d = ledger.update_detail(member.delivery, **MASS_CLEARED)
        ledger.mark_failed(d, f"WeChat mass send status {status!r}", terminal=False)
    report.failed += len(members)
    report.messages.append(f"mass {msg_id}: failed ({status}); requeued")
    return 0


def poll(publisher: MassPublisher) -> None:
    """One ``message/mass/get`` per mass edition of the account still waiting for its outcome."""
    for msg_id, members in in_flight(publisher.ledger, "msg_id", publisher.cfg.name).items():
        publisher.check_sent(members, msg_id)


def _items(value: Any) -> list[dict[str, Any]]:
    """``<ResultList><item>…</item></ResultList>`` as a list, however many items came."""
    found = value.get("item", []) if isinstance(value, dict) else value
    if isinstance(found, dict):
        found = [found]
    return [i for i in found or [] if isinstance(i, dict)]


def handle_event(
    ledger: Ledger, data: Mapping[str, Any], target: str | None = None
) -> PublishReport:
    """Record the outcome a ``MASSSENDJOBFINISH`` push reports (as parsed from XML or JSON)."""
    report = PublishReport(channel=CHANNEL)
    msg_id = str(data.get("MsgID") or data.get("MsgId") or data.get("msg_id") or "")
    status = str(data.get("Status") or data.get("status") or "")
    members = in_flight(ledger, "msg_id", target).get(msg_id)
    if not msg_id or not members:
        report.messages.append(f"mass {msg_id}: nothing of ours is waiting")
        return report
    urls: dict[int, str] = {}
    result = data.get("ArticleUrlResult")
    if isinstance(result, dict):
        for item in _items(result.get("ResultList")):
            try:
                urls[int(item.get("ArticleIdx", 0))] = str(item.get("ArticleUrl", ""))
            except (TypeError, ValueError):
                continue
    counts = {k: data.get(k) for k in ("TotalCount", "FilterCount", "SentCount", "ErrorCount")}
    report.messages.append(
        f"mass {msg_id}: {status}; " + ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    )
    report.sent += apply_status(ledger, members, msg_id, status, report, urls)
    return report
