"""Publishing editions to a WeChat Official Account: draft/add, then freepublish/submit, once.

In ``mode = "mass"`` the same drafts go out by 群发 instead: see ``mass``.

Every remote call that creates something is preceded by an intent in the ledger (``step`` in the
delivery's detail, committed first) and followed by its result, so a run that dies in between is
reconciled on the next one instead of repeated:

=========  =====================================  ============================================
step       recorded before / after                 a rerun finding it
=========  =====================================  ============================================
draft      before ``draft/add``                    adopts a matching draft from draft/batchget,
                                                   else drafts again (nothing was created)
drafted    after ``draft/add`` (+ draft_media_id)  submits that draft
submit     before ``freepublish/submit``           submits only if the draft is still in the
                                                   draft box, else looks for the publication
submitted  after submit (+ publish_id)             polls ``freepublish/get``, never resubmits
delete     before ``freepublish/delete``           deletes again; "already gone" counts as done
=========  =====================================  ============================================

Publishing results come from ``freepublish/get`` (``poll``, 100 calls a day: sparingly) or from the
``PUBLISHJOBFINISH`` event (``events.handle_event``); ``outcomes`` records them. Covers and body
images are uploaded by ``media``. ``MassPublisher`` (``mass``) fills the hooks of this class:
``submit`` (what follows a draft), ``resume_step`` (its own steps), ``edition`` and ``removals``
(how ``withdrawals`` takes a killed article back).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from distro.channels import PublishReport
from distro.channels.wechat import render
from distro.channels.wechat.accounts import WeChatAccount, default_account
from distro.channels.wechat.client import WeChatClient
from distro.channels.wechat.editions import (
    CHANNEL,
    CLEARED,
    Member,
    edition_id,
    plan,
    requeue,
    step,
)
from distro.channels.wechat.errcodes import INVALID_MEDIA_ID, answered, errcode
from distro.channels.wechat.media import MediaUploader
from distro.channels.wechat.outcomes import PUBLISHED, record_publish
from distro.channels.wechat.withdrawals import FREE_PUBLISHED, Removal, Withdrawals
from distro.errors import ChannelError, ChannelRejected, QuotaExhausted
from distro.faults import broken, fault
from distro.store.details import WeChatDetail

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

log = logging.getLogger(__name__)

#: The WeChat fault points (``DISTRO_FAULT``, see ``distro.faults``), in the order a run passes.
FAULT_POINTS = (
    "wechat.claimed",  # an edition's intent is recorded; draft/add not called
    "wechat.drafted",  # draft/add answered; its media_id not recorded
    "wechat.submitted",  # freepublish/submit answered (发布); the publish_id not recorded
    "wechat.mass_sent",  # message/mass/sendall answered (群发); the msg_id not recorded
    "wechat.published",  # the outcome says published or sent; no delivery marked sent yet
    "wechat.deleted",  # a withdrawal's delete answered; not recorded
)


class Publisher:
    """One run of one account's 发布 editions (the default account unless said): draft, submit,
    reconcile interrupted editions, withdraw killed articles."""

    #: The detail keys emptied when an edition's members go back to pending.
    cleared: ClassVar[dict[str, str]] = CLEARED
    #: How a killed article's sent versions are taken back: the first kind found is.
    removals: ClassVar[tuple[Removal, ...]] = (FREE_PUBLISHED,)

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        client: WeChatClient,
        account: WeChatAccount | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.client = client
        self.cfg = account or default_account(settings.config.channels.wechat)
        self.report = PublishReport(channel=CHANNEL)
        self.media = MediaUploader(
            settings, ledger, client, self._note, image=self.cfg.cover_image
        )
        self.withdrawals = Withdrawals(ledger, client, self.report, self._note)

    def close(self) -> None:
        self.media.close()

    # -- bookkeeping -----------------------------------------------------------------------

    def _note(self, message: str) -> None:
        message = self.cfg.label + message
        log.info("wechat: %s", message)
        self.report.messages.append(message)

    def _quarantine(self, member: Member, reason: str) -> None:
        self.ledger.mark_quarantined(member.delivery, reason)
        self.report.quarantined += 1
        self._note(f"{member.article.id} v{member.article.version} quarantined: {reason}")

    def _requeue(self, members: Sequence[Member], why: str) -> list[Member]:
        """Back to pending with no edition: the next run (or the caller) drafts them afresh."""
        return requeue(self.ledger, members, why, self.cleared)

    def _step(self, members: Sequence[Member], **detail: object) -> list[Member]:
        return step(self.ledger, members, **detail)

    @staticmethod
    def _name(members: Sequence[Member]) -> str:
        return members[0].delivery.detail.get("edition", "")

    def _draft_gone(self, members: Sequence[Member], media_id: str, exc: ChannelError) -> None:
        """The draft was deleted (on the console): its members are drafted again next run."""
        self._requeue(members, exc.message)
        self._note(f"edition {self._name(members)}: draft {media_id} is gone; requeued")

    def _refused(
        self, members: Sequence[Member], media_id: str, exc: ChannelRejected, what: str
    ) -> None:
        """WeChat refused to send the draft: it is gone (drafted again) or its content is not
        accepted (the members are quarantined with ``what`` and WeChat's reason)."""
        if errcode(exc) == INVALID_MEDIA_ID:
            self._draft_gone(members, media_id, exc)
            return
        for member in members:
            self._quarantine(member, f"{what}: {exc.message}")

    # -- editions --------------------------------------------------------------------------

    def _render(
        self, members: Sequence[Member], *, fresh_thumb: bool = False
    ) -> tuple[list[Member], list[dict[str, Any]]]:
        """The members WeChat can take, rendered, each with its own cover uploaded (the
        banner for the first, squares for the others); the others are quarantined."""
        kept: list[Member] = []
        articles: list[dict[str, Any]] = []
        for member in members:
            # The uploads are IO: their errors (WeChat down, a quota) are the run's, not the
            # article's. Only the pure render below can condemn one article.
            thumb = self.media.thumb(member, position=len(kept) + 1, fresh=fresh_thumb)
            images = self.media.images(member)
            try:
                broken("render.wechat", member.article.id)
                articles.append(
                    render.render(
                        member.article,
                        base_url=self.settings.config.channels.web.base_url,
                        thumb_media_id=thumb,
                        images=images,
                    )
                )
            except ValueError as exc:
                self._quarantine(member, f"cannot render for WeChat: {exc}")
                continue
            except Exception as exc:  # one article that cannot render must not stop the edition
                why = f"cannot render {member.article.id} for WeChat: {type(exc).__name__}: {exc}"
                self._quarantine(member, why[:500])
                continue
            kept.append(member)
        return kept, articles

    def draft(self, members: Sequence[Member], *, fresh_thumb: bool = False) -> None:
        """Draft a new edition and submit it; a refused multi-article draft is split up."""
        kept, articles = self._render(members, fresh_thumb=fresh_thumb)
        if not kept:
            return
        name = edition_id(m.delivery for m in kept)
        recorded = [
            Member(
                self.ledger.mark_sending(
                    m.delivery, step="draft", edition=name, idx=i, title=articles[i - 1]["title"]
                ),
                m.article,
            )
            for i, m in enumerate(kept, 1)
        ]
        fault("wechat.claimed")  # the intent is recorded; draft/add not called
        try:
            media_id = self.client.add_draft(articles)
        except ChannelRejected as exc:
            if errcode(exc) == INVALID_MEDIA_ID and not fresh_thumb:
                # Our cached cover was removed from the account's materials: upload it again.
                self.draft(self._requeue(recorded, exc.message), fresh_thumb=True)
                return
            if len(recorded) == 1:
                self._quarantine(recorded[0], exc.message)
                return
            # WeChat does not say which article it refused: try each on its own.
            self._note(f"edition {name} refused ({exc.message}); drafting its articles singly")
            for member in self._requeue(recorded, exc.message):
                self.draft([member])
            return
        except ChannelError as exc:
            if answered(exc):
                self._requeue(recorded, exc.message)
            raise
        fault("wechat.drafted")  # the draft exists at WeChat; its media_id is not recorded
        self.submit(self._step(recorded, step="drafted", draft_media_id=media_id), media_id)

    def submit(self, members: Sequence[Member], media_id: str) -> None:
        """What follows a draft: 发布 (``freepublish/submit``), once."""
        name = self._name(members)
        intents = self._step(members, step="submit")
        try:
            publish_id = self.client.submit(media_id)
        except ChannelRejected as exc:
            self._refused(intents, media_id, exc, "draft refused at publishing")
            return
        except ChannelError as exc:
            if answered(exc):  # nothing happened: the draft waits for the next run
                self._step(intents, step="drafted")
            raise
        fault("wechat.submitted")  # WeChat accepted the job; its publish_id is not recorded
        self._step(intents, step="submitted", publish_id=publish_id)
        self._note(f"edition {name}: {len(members)} article(s) submitted as {publish_id}")

    # -- reconciliation --------------------------------------------------------------------

    def _urls(self, members: Sequence[Member]) -> list[str]:
        base = self.settings.config.channels.web.base_url
        return [render.source_url(base, m.article) for m in members]

    @staticmethod
    def _matches(item: Mapping[str, Any], urls: list[str], titles: list[str]) -> bool:
        content = item.get("content")
        news = content.get("news_item") if isinstance(content, dict) else None
        if not isinstance(news, list):
            return False
        got = [(n.get("content_source_url"), n.get("title")) for n in news if isinstance(n, dict)]
        return got == list(zip(urls, titles, strict=True))

    def resume(self, members: list[Member]) -> None:
        """Carry an edition whose last run stopped between intent and result to its end."""
        self.resume_step(members, members[0].delivery.detail_as(WeChatDetail))

    def resume_step(self, members: list[Member], detail: WeChatDetail) -> None:
        """Go on from the step ``detail`` (the first member's) records."""
        step, name, media_id = detail.step, detail.edition, detail.draft_media_id
        titles = [m.delivery.detail.get("title", "") for m in members]
        if detail.publish_id:
            self.check(members, detail.publish_id)
            return
        if step == "draft" and not media_id:
            urls = self._urls(members)
            found = next((i for i in self.client.drafts() if self._matches(i, urls, titles)), None)
            if found is None:
                self._note(f"edition {name}: no draft was made before the interruption")
                self.draft(self._requeue(members, "interrupted before draft/add answered"))
                return
            media_id = str(found["media_id"])
            self._note(f"edition {name}: adopting draft {media_id} made before the interruption")
            members = self._step(members, step="drafted", draft_media_id=media_id)
            step = "drafted"
        if step == "drafted":
            self.submit(members, media_id)
            return
        if step == "submit":
            if self.client.draft_exists(media_id):
                self.submit(members, media_id)
                return
            urls = self._urls(members)
            for item in self.client.published():
                if self._matches(item, urls, titles):
                    self._apply(members, self._from_published(item))
                    return
            self._note(
                f"edition {name}: submitted before an interruption, outcome unknown; "
                "waiting for the PUBLISHJOBFINISH event or the published list"
            )
            self.report.skipped += len(members)

    @staticmethod
    def _from_published(item: Mapping[str, Any]) -> dict[str, Any]:
        news = item["content"]["news_item"]
        return {
            "publish_status": PUBLISHED,
            "article_id": item.get("article_id"),
            "article_detail": {
                "item": [{"idx": i, "article_url": n.get("url", "")} for i, n in enumerate(news, 1)]
            },
        }

    # -- results ---------------------------------------------------------------------------

    def check(self, members: list[Member], publish_id: str) -> None:
        """One ``freepublish/get`` for the edition, within the day's quota."""
        remaining = self.client.remaining("freepublish/get")
        if remaining is not None and remaining <= 0:
            self._note(
                f"publish {publish_id}: no freepublish/get left today; waiting for the event"
            )
            self.report.skipped += len(members)
            return
        self._apply(members, self.client.publish_status(publish_id))

    def _apply(self, members: list[Member], status: Mapping[str, Any]) -> None:
        self.report.sent += record_publish(self.ledger, members, status, self.report)

    # -- kills -----------------------------------------------------------------------------

    def withdraw(self, member: Member) -> None:
        """Delete every sent version of a killed article, in the first way that finds some."""
        self.withdrawals.withdraw(member, self.removals)

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> PublishReport:
        try:
            return self._run()
        finally:
            self.close()

    def edition(self, members: list[Member]) -> None:
        """Send one planned edition (发布 drafts it, then submits it)."""
        self.draft(members)

    def withdraw_killed(self) -> PublishReport:
        """Only take back the account's killed articles, now: a kill does not wait for the next
        edition, and no edition goes out of its time."""
        try:
            pending = self.ledger.pending(CHANNEL, target=self.cfg.name)
            for member in plan(self.ledger, pending, self.cfg.edition_size).kills:
                self.withdraw(member)
            return self.report
        finally:
            self.close()

    def _run(self) -> PublishReport:
        pending = self.ledger.pending(CHANNEL, target=self.cfg.name)
        planned = plan(self.ledger, pending, self.cfg.edition_size)
        for note in planned.notes:
            self._note(note)
        for d, why in planned.settle:
            self.ledger.mark_failed(d, why, terminal=True)
            self.report.skipped += 1
        try:
            for members in planned.in_flight.values():
                self.resume(members)
            for member in planned.kills:
                self.withdraw(member)
            for members in planned.editions:
                self.edition(members)
        except QuotaExhausted as exc:
            # Stop for the day; whatever is pending waits for tomorrow's run.
            hours = (exc.retry_after or 0) / 3600
            self._note(f"stopped: {exc.message} (resets in {hours:.1f} h)")
        return self.report
