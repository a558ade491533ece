"""Mass send (群发): an edition drafted, previewed to the editors, then sent to every follower once.

The same intent-before-call discipline as ``publish``, with the steps of a mass edition:

=========  =====================================  ============================================
step       recorded before / after                 a rerun finding it
=========  =====================================  ============================================
draft      before ``draft/add``                    as in publish (adopt or draft again)
drafted    after ``draft/add`` (+ draft_media_id)  checks the quota, previews, sends
preview    before the previews                     previews the editors not yet previewed
approval   after the previews (``approve =          waits, calling nothing, until an editor
           "editor"``; see ``approvals``)          approves (``approve_edition``); then sends
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
import functools
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from distro.channels.wechat.accounts import WeChatAccount
from distro.channels.wechat.approvals import APPROVAL, needs_editor
from distro.channels.wechat.client import WeChatClient
from distro.channels.wechat.editions import (
    MASS_CLEARED,
    Member,
    clientmsgid,
    edition_id,
    in_flight,
)
from distro.channels.wechat.errcodes import (
    INVALID_MEDIA_ID,
    NO_MASS_QUOTA,
    RETRIED_TOO_FAST,
    errcode,
)
from distro.channels.wechat.outcomes import record_mass
from distro.channels.wechat.publisher import Publisher
from distro.channels.wechat.quotas import MassQuota
from distro.channels.wechat.withdrawals import FREE_PUBLISHED, MASS_SENT, Removal
from distro.errors import (
    ChannelAuthError,
    ChannelError,
    ChannelRejected,
    ChannelUnavailable,
)
from distro.faults import fault
from distro.store.details import WeChatDetail

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

#: WeChat refuses a repeated clientmsgid for 24 h; past that a resend could go out twice.
DEDUPLICATION_WINDOW = dt.timedelta(hours=23)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

class MassPublisher(Publisher):
    """One run of an account's 群发 editions: after the draft, the quota, the previews to the
    editors and one ``sendall`` instead of ``freepublish/submit``."""

    cleared: ClassVar[dict[str, str]] = MASS_CLEARED
    #: Mass sends are invalidated; free-published versions (an account that switched modes)
    #: are deleted as in publish mode.
    removals: ClassVar[tuple[Removal, ...]] = (MASS_SENT, FREE_PUBLISHED)

    @functools.cached_property
    def quota(self) -> MassQuota:
        """The account's 群发 quota, on the client's clock when the run first asks."""
        return MassQuota(
            self.ledger,
            self.client.appid,
            self.cfg.account_type,
            self.client.now(),
            self.client.namespace,
        )

    def _refuse(self, members: Sequence[Member], why: str) -> None:
        name = self._name(members) or edition_id(m.delivery for m in members)
        self.report.skipped += len(members)
        self._note(f"edition {name}: not sent: {why}; {len(members)} article(s) wait")

    # -- the edition -----------------------------------------------------------------------

    def submit(self, members: Sequence[Member], media_id: str) -> None:
        """Instead of free publishing: check the quota, preview to the editors, send to all."""
        why = self.quota.refusal()
        if why is not None:
            self._refuse(members, why)
            return
        previewed = self.preview(members, media_id)
        if previewed is None:
            return
        if needs_editor(self.cfg, [m.delivery for m in previewed]):
            self.hold(previewed)
            return
        self.send(previewed, media_id)

    def hold(self, members: Sequence[Member]) -> None:
        """Previewed, not sent: the edition waits in the ledger for ``approve_edition``."""
        self._step(members, step=APPROVAL)
        self._waiting(members)

    def _waiting(self, members: Sequence[Member]) -> None:
        self.report.skipped += len(members)
        self._note(
            f"edition {self._name(members)}: previewed, {len(members)} article(s) wait for an "
            "editor's approval before 群发"
        )

    def preview(self, members: Sequence[Member], media_id: str) -> list[Member] | None:
        """Each editor in ``preview_to`` gets the draft once; None when the draft is gone."""
        name = self._name(members)
        intents = self._step(members, step="preview")
        for recipient in self.cfg.preview_to:
            tag = hashlib.sha256(recipient.encode()).hexdigest()[:16]
            key = f"{self.client.namespace}:previewed:{self.client.appid}:{media_id}:{tag}"
            if self.ledger.get_value(key):
                continue
            try:
                self.client.preview(media_id, recipient)
            except ChannelRejected as exc:
                if errcode(exc) == INVALID_MEDIA_ID:
                    self._draft_gone(intents, media_id, exc)
                    return None
                self._note(f"edition {name}: preview to {recipient} refused: {exc.message}")
                continue
            except (ChannelAuthError, ChannelUnavailable):
                self._step(intents, step="drafted")
                raise
            except ChannelError as exc:
                # An editor who does not follow the account (43004 …) must not stop the edition.
                self._note(f"edition {name}: preview to {recipient} failed: {exc.message}")
                continue
            self.ledger.set_value(key, "1")
        return intents

    def send(self, members: Sequence[Member], media_id: str) -> None:
        """Record the intent with its clientmsgid, count the quota, then ``sendall``."""
        name = self._name(members)
        round_key = f"{self.client.namespace}:mass:round:{self.client.appid}:{name}"
        msgid = clientmsgid(self.client.appid, name, int(self.ledger.get_value(round_key) or 0))
        intents = self._step(
            members,
            step="sendall",
            clientmsgid=msgid,
            sendall_at=self.client.now().isoformat(),
            round_key=round_key,
        )
        # Counted after the intent: a crash in between undercounts (WeChat's 45028 backs that
        # up) rather than losing a day's edition to a send that never happened.
        self.quota.spend()
        self._sendall(intents, media_id, msgid)

    def _sendall(self, members: Sequence[Member], media_id: str, msgid: str) -> None:
        name = self._name(members)
        try:
            msg_id, msg_data_id, already = self.client.sendall(
                media_id, msgid, ignore_reprint=self.cfg.send_ignore_reprint
            )
        except ChannelRejected as exc:
            self.quota.refund()
            self._refused(members, media_id, exc, "mass send refused")
            return
        except ChannelError as exc:
            if errcode(exc) in (None, RETRIED_TOO_FAST):
                # No answer (maybe sent), or WeChat still busy with this very clientmsgid: the
                # rerun asks again under the same clientmsgid, the quota stays counted.
                raise
            # WeChat answered: certainly not sent, the quota is not spent.
            self.quota.refund()
            self._step(members, step="drafted")
            if errcode(exc) == NO_MASS_QUOTA:
                self.quota.exhaust()
                self._refuse(members, f"WeChat: {exc.message}")
                return
            raise
        fault("wechat.mass_sent")  # sent to every follower; the msg_id is not recorded
        self._step(members, step="mass_sent", msg_id=msg_id, msg_data_id=msg_data_id)
        how = "was already sent" if already else "sent to all followers"
        self._note(f"edition {name}: {len(members)} article(s) {how} as msg_id {msg_id}")
        if already and not msg_id:
            for member in members:
                self.ledger.mark_sent(member.delivery, step="sent", reason="45065 without msg_id")
            self.report.sent += len(members)

    # -- reconciliation --------------------------------------------------------------------

    def resume_step(self, members: list[Member], detail: WeChatDetail) -> None:
        if detail.msg_id:
            self.check_sent(members, detail.msg_id)
        elif detail.step == "sendall":
            sent_at = detail.sendall_at or EPOCH
            if self.client.now() - sent_at > DEDUPLICATION_WINDOW:
                # WeChat no longer deduplicates this clientmsgid: resending could send twice.
                self._note(
                    f"edition {detail.edition}: sendall at {sent_at:%Y-%m-%d %H:%M} UTC has no "
                    "recorded answer and is past the 24 h clientmsgid window: check the console"
                )
                self.report.skipped += len(members)
                return
            self._sendall(members, detail.draft_media_id, detail.clientmsgid)
        elif detail.step == "preview":
            self.submit(members, detail.draft_media_id)
        elif detail.step == APPROVAL:
            if needs_editor(self.cfg, [m.delivery for m in members]):
                self._waiting(members)  # no call at all until an editor says yes
                return
            self.submit(members, detail.draft_media_id)  # the quota again, then the send
        else:
            super().resume_step(members, detail)

    def check_sent(self, members: list[Member], msg_id: str) -> None:
        """One ``message/mass/get`` for an edition sent as ``msg_id``."""
        status = self.client.mass_status(msg_id)
        self.report.sent += record_mass(self.ledger, members, msg_id, status, self.report)

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


def poll(publisher: MassPublisher) -> None:
    """One ``message/mass/get`` per mass edition of the account still waiting for its outcome."""
    for msg_id, members in in_flight(publisher.ledger, "msg_id", publisher.cfg.name).items():
        publisher.check_sent(members, msg_id)
