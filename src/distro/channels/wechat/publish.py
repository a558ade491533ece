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
``PUBLISHJOBFINISH`` event (``handle_event``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from defusedxml import ElementTree  # type: ignore[import-untyped]  # ships no stubs

from distro.channels import PublishReport
from distro.channels.wechat import render
from distro.channels.wechat.accounts import WeChatAccount, default_account
from distro.channels.wechat.client import WeChatClient
from distro.channels.wechat.cover import default_cover
from distro.channels.wechat.editions import CHANNEL, Member, edition_id, in_flight, plan
from distro.errors import ChannelError, ChannelRejected, QuotaExhausted
from distro.faults import fault
from distro.models import DeliveryState
from distro.net import CHANNEL as HTTP_ERRORS
from distro.net import HttpClient, Limits, RetryPolicy

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 1024 * 1024 - 1  # media/uploadimg takes JPG/PNG under 1 MB
PUBLISHED, PUBLISHING = 0, 1
INVALID_MEDIA_ID = 40007
REJECTED = frozenset({2, 4})  # originality check failed, refused by review: fail_idx says which
GONE = {5: "deleted by the account after publishing", 6: "banned by WeChat after publishing"}
CLEARED = {"step": "", "edition": "", "idx": "", "draft_media_id": "", "publish_id": ""}
#: The WeChat fault points (``DISTRO_FAULT``, see ``distro.faults``), in the order a run passes.
FAULT_POINTS = (
    "wechat.claimed",  # an edition's intent is recorded; draft/add not called
    "wechat.drafted",  # draft/add answered; its media_id not recorded
    "wechat.submitted",  # freepublish/submit answered (发布); the publish_id not recorded
    "wechat.mass_sent",  # message/mass/sendall answered (群发); the msg_id not recorded
    "wechat.published",  # the outcome says published or sent; no delivery marked sent yet
    "wechat.deleted",  # a withdrawal's delete answered; not recorded
)


def _errcode(exc: ChannelError) -> int | None:
    code = getattr(exc, "errcode", None)
    return code if isinstance(code, int) else None


def _answered(exc: ChannelError) -> bool:
    """Whether the call certainly did nothing: WeChat answered an errcode, or we never sent it."""
    return _errcode(exc) is not None


class Publisher:
    """One run over the pending WeChat deliveries of one account (the default one unless said)."""

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
        self._images: HttpClient | None = None

    def _image_client(self) -> HttpClient:
        """Article images come from anywhere: one client, the config's deadline, a 1 MB cap."""
        if self._images is None:
            limits = self.settings.config.limits
            self._images = HttpClient(
                # An image costs the edition at most the timeout, retries included.
                limits=Limits.of(
                    limits, max_bytes=MAX_IMAGE_BYTES, budget=limits.http_timeout_seconds
                ),
                retry=RetryPolicy(attempts=2, base_delay=0.5),
                errors=HTTP_ERRORS,
                user_agent=limits.user_agent,
            )
        return self._images

    def close(self) -> None:
        if self._images is not None:
            self._images.close()
            self._images = None

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
        requeued = []
        for member in members:
            d = self.ledger.update_detail(member.delivery, **CLEARED)
            requeued.append(Member(self.ledger.mark_failed(d, why, terminal=False), member.article))
        return requeued

    # -- media -----------------------------------------------------------------------------

    def thumb(self, *, fresh: bool = False) -> str:
        """The permanent media_id of the default cover, uploaded once per account."""
        data = default_cover()
        digest = hashlib.sha256(data).hexdigest()[:16]
        key = f"{self.client.namespace}:thumb:{self.client.appid}:{digest}"
        cached = None if fresh else self.ledger.get_value(key)
        if cached:
            return cached
        media_id = self.client.add_thumb(data, "cover.jpg")
        self.ledger.set_value(key, media_id)
        return media_id

    def images(self, member: Member) -> dict[str, str]:
        """Body images uploaded with media/uploadimg: original src -> mmbiz URL."""
        mapping: dict[str, str] = {}
        for src in render.image_sources(member.article):
            if src.startswith(("https://mmbiz.qpic.cn/", "http://mmbiz.qpic.cn/")):
                mapping[src] = src
                continue
            digest = hashlib.sha256(src.encode()).hexdigest()
            key = f"{self.client.namespace}:img:{self.client.appid}:{digest}"
            cached = self.ledger.get_value(key)
            if cached:
                mapping[src] = cached
                continue
            fetched = self._fetch_image(src)
            if fetched is None:
                continue
            data, content_type = fetched
            name = "image.png" if content_type == "image/png" else "image.jpg"
            try:
                url = self.client.upload_image(data, name, content_type)
            except ChannelRejected as exc:
                self._note(f"{member.article.id}: image dropped: {exc.message}")
                continue
            self.ledger.set_value(key, url)
            mapping[src] = url
        return mapping

    def _fetch_image(self, src: str) -> tuple[bytes, str] | None:
        if not src.startswith(("http://", "https://")):
            return None
        images = self._image_client()
        try:
            data = images.get(src).body
        except ChannelError as exc:
            # Dropped, not fatal: the article goes out without this image.
            shown = images.redact(src)
            why = exc.message.removeprefix(f"GET {shown}: ")
            self._note(f"image {shown} not fetched ({why}): dropped")
            return None
        if data.startswith(b"\xff\xd8\xff"):
            return data, "image/jpeg"
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return data, "image/png"
        self._note(f"image {src} is neither JPEG nor PNG: dropped")
        return None

    # -- editions --------------------------------------------------------------------------

    def _render(
        self, members: Sequence[Member], thumb: str
    ) -> tuple[list[Member], list[dict[str, Any]]]:
        kept: list[Member] = []
        articles: list[dict[str, Any]] = []
        for member in members:
            try:
                articles.append(
                    render.render(
                        member.article,
                        base_url=self.settings.config.channels.web.base_url,
                        thumb_media_id=thumb,
                        images=self.images(member),
                    )
                )
            except ValueError as exc:
                self._quarantine(member, f"cannot render for WeChat: {exc}")
                continue
            kept.append(member)
        return kept, articles

    def draft(self, members: Sequence[Member], *, fresh_thumb: bool = False) -> None:
        """Draft a new edition and submit it; a refused multi-article draft is split up."""
        thumb = self.thumb(fresh=fresh_thumb)
        kept, articles = self._render(members, thumb)
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
            if _errcode(exc) == INVALID_MEDIA_ID and not fresh_thumb:
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
            if _answered(exc):
                self._requeue(recorded, exc.message)
            raise
        fault("wechat.drafted")  # the draft exists at WeChat; its media_id is not recorded
        drafted = [
            Member(
                self.ledger.update_detail(m.delivery, step="drafted", draft_media_id=media_id),
                m.article,
            )
            for m in recorded
        ]
        self.submit(drafted, media_id)

    def submit(self, members: Sequence[Member], media_id: str) -> None:
        name = members[0].delivery.detail.get("edition", "")
        intents = [
            Member(self.ledger.update_detail(m.delivery, step="submit"), m.article) for m in members
        ]
        try:
            publish_id = self.client.submit(media_id)
        except ChannelRejected as exc:
            if _errcode(exc) == INVALID_MEDIA_ID:  # the draft was deleted (console): draft again
                self._requeue(intents, exc.message)
                self._note(f"edition {name}: draft {media_id} is gone; requeued")
                return
            for member in intents:
                self._quarantine(member, f"draft refused at publishing: {exc.message}")
            return
        except ChannelError as exc:
            if _answered(exc):  # nothing happened: the draft waits for the next run
                for member in intents:
                    self.ledger.update_detail(member.delivery, step="drafted")
            raise
        fault("wechat.submitted")  # WeChat accepted the job; its publish_id is not recorded
        for member in intents:
            self.ledger.update_detail(member.delivery, step="submitted", publish_id=publish_id)
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
        detail = members[0].delivery.detail
        step = detail.get("step", "")
        name = detail.get("edition", "")
        media_id = detail.get("draft_media_id", "")
        publish_id = detail.get("publish_id", "")
        titles = [m.delivery.detail.get("title", "") for m in members]
        if publish_id:
            self.check(members, publish_id)
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
            members = [
                Member(
                    self.ledger.update_detail(m.delivery, step="drafted", draft_media_id=media_id),
                    m.article,
                )
                for m in members
            ]
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
        self.report.sent += apply_status(self.ledger, members, status, self.report)

    # -- kills -----------------------------------------------------------------------------

    def withdraw(self, member: Member) -> None:
        """Delete every published version of a killed article."""
        published = [
            d
            for d in self.ledger.deliveries(article_id=member.article.id, channel=CHANNEL)
            if d.target == member.delivery.target
            and d.state == DeliveryState.SENT
            and d.detail.get("wechat_article_id")
            and d.version < member.article.version
            and not d.detail.get("deleted")
        ]
        d = member.delivery
        if not published:
            self.ledger.mark_sent(d, action="none", reason="never published on WeChat")
            self.report.skipped += 1
            return
        for old in published:
            article_id = old.detail["wechat_article_id"]
            index = old.detail_int("idx")
            d = self.ledger.mark_sending(d, step="delete", target_article=article_id, index=index)
            try:
                self.client.delete(article_id, index)
            except ChannelRejected as exc:
                if _errcode(exc) != INVALID_MEDIA_ID:
                    raise
                self._note(f"{member.article.id}: {article_id}#{index} was already gone")
            fault("wechat.deleted")  # deleted at WeChat; not recorded
            self.ledger.update_detail(old, deleted="1")
        self.ledger.mark_sent(
            d, remote_id=published[-1].detail["wechat_article_id"], action="deleted", step="deleted"
        )
        self.report.sent += 1
        self._note(f"{member.article.id}: withdrawn from WeChat (freepublish/delete)")

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> PublishReport:
        try:
            return self._run()
        finally:
            self.close()

    def edition(self, members: list[Member]) -> None:
        """Send one planned edition (发布 drafts it, then submits it)."""
        self.draft(members)

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


def apply_status(
    ledger: Ledger, members: list[Member], status: Mapping[str, Any], report: PublishReport
) -> int:
    """Record a publish job's status for the edition's deliveries; the number now published."""
    code = int(status.get("publish_status", PUBLISHING))
    publish_id = str(status.get("publish_id", ""))
    if code == PUBLISHING:
        report.skipped += len(members)
        report.messages.append(f"publish {publish_id}: still publishing")
        return 0
    if code == PUBLISHED:
        fault("wechat.published")  # WeChat says published; no delivery marked sent yet
        article_id = str(status.get("article_id", ""))
        detail = status.get("article_detail") or {}
        items = detail.get("item") if isinstance(detail, dict) else None
        urls = {
            int(i.get("idx", 0)): str(i.get("article_url", ""))
            for i in items or []
            if isinstance(i, dict)
        }
        for member in members:
            idx = member.delivery.detail_int("idx")
            ledger.mark_sent(
                member.delivery,
                remote_id=article_id,
                url=urls.get(idx, ""),
                wechat_article_id=article_id,
                step="published",
            )
        report.messages.append(f"publish {publish_id}: {len(members)} article(s) published")
        return len(members)
    if code in REJECTED:
        failed = {int(i) for i in status.get("fail_idx") or []}
        why = "originality check failed" if code == 2 else "rejected by review"
        clean = []
        for member in members:
            idx = member.delivery.detail_int("idx")
            if not failed or idx in failed:
                ledger.mark_quarantined(member.delivery, f"WeChat: {why} (publish_status {code})")
                report.quarantined += 1
            else:
                clean.append(member)
        for member in clean:
            d = ledger.update_detail(member.delivery, **CLEARED)
            ledger.mark_failed(d, f"edition {why} because of another article", terminal=False)
        report.messages.append(
            f"publish {publish_id}: {why}; {len(members) - len(clean)} quarantined, "
            f"{len(clean)} requeued"
        )
        return 0
    if code in GONE:
        for member in members:
            ledger.mark_failed(member.delivery, f"WeChat: {GONE[code]}", terminal=True)
        report.failed += len(members)
        report.messages.append(f"publish {publish_id}: {GONE[code]}")
        return 0
    # 3 (ordinary failure) and anything new: try again with a fresh draft.
    for member in members:
        d = ledger.update_detail(member.delivery, **CLEARED)
        ledger.mark_failed(d, f"WeChat publish_status {code}", terminal=False)
    report.failed += len(members)
    report.messages.append(f"publish {publish_id}: failed (publish_status {code}); requeued")
    return 0


def probe(
    config: str | None = None, state: str | None = None, target: str | None = None
) -> dict[str, Any]:
    """The deferrable wait's probe, under the name the DAGs know (see ``runs.probe``)."""
    from distro.channels.wechat import runs  # runs builds on Publisher: imported late

    return runs.probe(config, state, target)


def event_data(payload: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """An event push (XML as pushed, or JSON) as a dict of its fields."""
    if isinstance(payload, Mapping):
        data: dict[str, Any] = dict(payload)
    else:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        stripped = text.lstrip()
        if stripped.startswith("{"):
            data = json.loads(stripped)
        else:
            root = ElementTree.fromstring(stripped)
            data = _xml_to_dict(root)
    return data


def event_name(data: Mapping[str, Any]) -> str:
    """The pushed event's name, upper case (``PUBLISHJOBFINISH``, ``MASSSENDJOBFINISH`` …)."""
    return str(data.get("Event", data.get("event", ""))).upper()


def parse_event(payload: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """A ``PUBLISHJOBFINISH`` event (XML as pushed, or JSON) as a freepublish/get-like dict."""
    data = event_data(payload)
    event = str(data.get("Event", data.get("event", "")))
    if event.upper() not in ("PUBLISHJOBFINISH", "FREEPUBLISHJOBFINISH"):
        raise ValueError(f"not a publish event: {event!r}")
    info = data.get("PublishEventInfo") or data.get("publish_event_info") or {}
    if not isinstance(info, dict):
        raise ValueError("publish event without PublishEventInfo")
    detail = info.get("article_detail") or {}
    items = detail.get("item", []) if isinstance(detail, dict) else []
    if isinstance(items, dict):
        items = [items]
    fail_idx = info.get("fail_idx") or []
    if not isinstance(fail_idx, list):
        fail_idx = [fail_idx]
    return {
        "publish_id": str(info.get("publish_id", "")),
        "publish_status": int(info.get("publish_status", PUBLISHING)),
        "article_id": info.get("article_id", ""),
        "article_detail": {"item": items},
        "fail_idx": [int(i) for i in fail_idx],
    }


def _xml_to_dict(element: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in element:
        value: Any = _xml_to_dict(child) if len(child) else (child.text or "").strip()
        if child.tag in out:  # repeated elements (<item>, <fail_idx>) become lists
            if not isinstance(out[child.tag], list):
                out[child.tag] = [out[child.tag]]
            out[child.tag].append(value)
        else:
            out[child.tag] = value
    return out


def handle_event(
    settings: Settings,
    ledger: Ledger,
    payload: str | bytes | Mapping[str, Any],
    target: str | None = None,
) -> PublishReport:
    """Record the outcome a ``PUBLISHJOBFINISH`` or ``MASSSENDJOBFINISH`` push reports
    (to ``target``'s callback; None: whichever account is waiting for that id)."""
    data = event_data(payload)
    if event_name(data) == "MASSSENDJOBFINISH":
        from distro.channels.wechat import mass  # mass builds on Publisher: imported late

        return mass.handle_event(ledger, data, target)
    status = parse_event(data)
    report = PublishReport(channel=CHANNEL)
    members = in_flight(ledger, "publish_id", target).get(status["publish_id"])
    if not members:
        report.messages.append(f"publish {status['publish_id']}: nothing of ours is waiting")
        return report
    report.sent += apply_status(ledger, members, status, report)
    return report
