"""Publish the app channel (IO): write feeds and documents, then send each push exactly once.

Ledger bookkeeping (channel ``app``):

- target ``default`` (enqueued by the pipeline for every new article version): the feeds and
  documents are rebuilt from the ledger's latest versions and written through
  ``distro.channels.output`` (unchanged files are not rewritten); the push decision is recorded
  in its detail (``push`` = reason, ``collapse_key``).
- target ``push:<provider>`` (``push:outbox`` with no provider configured): one per article
  version and audience, enqueued when the decision is to notify, so the natural key of the
  ledger makes a second notification for the same version and audience impossible. It is marked
  ``sending`` before the remote call; one found still ``sending`` (a crash mid-call) is not
  resent but failed, because a duplicate push is worse than a missing one (the outbox, whose
  write is idempotent, is simply redone).
- key/value ``app:push:choice:<id>:<version>`` = ``notify`` | ``silent``: the editor's choice
  (``record_choice``); ``app:push:dropped:<provider>:<token>``: device tokens a provider
  reported unregistered, never sent to again; ``app:push:reached:<provider>:<id>:v<version>:
  <target hash>``: the targets (device tokens, topics) one push already reached, so a retry
  after a failure part-way sends only to the rest (kept for ``REACHED_DAYS``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from distro.channels import PublishReport
from distro.channels.app import feeds, pages, rules
from distro.channels.app.push import (
    Notification,
    OutboxProvider,
    PushProvider,
    RetryPolicy,
    open_provider,
    provider_name,
)
from distro.channels.jsonfeed import summarize
from distro.channels.output import ROOT, Output, OutputFile
from distro.errors import (
    ChannelAuthError,
    ChannelError,
    ChannelRejected,
    ChannelUnavailable,
    ConfigError,
)
from distro.faults import broken, fault
from distro.models import Article, Delivery, DeliveryState, Kind, PubStatus
from distro.store.ledger import DeliveryConflict
from distro.store.objects import open_objects

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

CHANNEL = "app"
FEED_TARGET = "default"
PUSH_PREFIX = "push:"
OUTBOX = "outbox"
#: What the app output holds that a rebuild owns: anything else under it is left alone.
OWNED_PREFIXES = ("feed", "sections/", "sections.json", "articles/")
TITLE_CHARS = 64
BODY_CHARS = 120

REACHED_DAYS = 7

ProviderFactory = Callable[[str], PushProvider]


class LedgerReached:
    """The targets each push reached, in the ledger's key/value store (one provider)."""

    def __init__(self, ledger: Ledger, provider: str) -> None:
        self.ledger = ledger
        self.provider = provider

    def _key(self, notification: Notification, target: str) -> str:
        digest = hashlib.sha256(target.encode("utf-8")).hexdigest()[:24]
        article = f"{notification.article_id}:v{notification.version}"
        return f"app:push:reached:{self.provider}:{article}:{digest}"

    def get(self, notification: Notification, target: str) -> str | None:
        return self.ledger.get_value(self._key(notification, target))

    def put(self, notification: Notification, target: str, remote_id: str) -> None:
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=REACHED_DAYS)
        self.ledger.set_value(self._key(notification, target), remote_id, expires_at=expires)


def record_choice(ledger: Ledger, article_id: str, version: int, choice: rules.Choice) -> None:
    """Store the editor's republish-form choice for one version (before it is published)."""
    if choice not in rules.CHOICES:
        raise ConfigError(f"push choice must be one of {', '.join(rules.CHOICES)}")
    ledger.set_value(rules.choice_key(article_id, version), choice)


def dropped_key(provider: str, token: str) -> str:
    return f"app:push:dropped:{provider}:{token}"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notification(article: Article, *, collapse_key: str, base_url: str) -> Notification:
    """What the phone shows: the headline, and the summary (or, for a correction, its note)."""
    body = article.correction if article.version > 1 and article.correction else None
    return Notification(
        article_id=article.id,
        version=article.version,
        title=_clip(article.headline, TITLE_CHARS),
        body=_clip(body or summarize(article), BODY_CHARS),
        collapse_key=collapse_key,
        url=feeds.url(base_url, feeds.document_key(article.id)),
        urgency=article.urgency,
        section=article.section,
    )


def _notified_before(ledger: Ledger, article_id: str, version: int) -> bool:
    """Whether a push for an earlier version was sent or is on its way."""
    live = {DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.SENT}
    return any(
        d.target.startswith(PUSH_PREFIX) and d.version < version and d.state in live
        for d in ledger.deliveries(article_id=article_id, channel=CHANNEL)
    )


def _audiences(settings: Settings) -> list[str]:
    return [provider_name(p) for p in settings.config.channels.app.providers] or [OUTBOX]


def _file(key: str, obj: feeds.AppObject) -> OutputFile:
    return OutputFile(key, obj.data, obj.content_type, obj.cache_control, obj.tier)


def _refuse(
    ledger: Ledger, article_id: str, reason: str, versions: list[Delivery], report: PublishReport
) -> None:
    """Quarantine the article's pending deliveries: it stays out of the feeds, the rest go on."""
    mine = [d for d in versions if d.article_id == article_id]
    for delivery in mine:
        ledger.mark_quarantined(delivery, reason)
        report.quarantined += 1
    if not mine:  # met in a rebuild with nothing pending: left out again until it is fixed
        report.skipped += 1
    report.messages.append(reason)


def _write_files(
    settings: Settings, ledger: Ledger, report: PublishReport, versions: list[Delivery]
) -> set[str]:
    """Apply the pending versions to the feeds and documents; the ids refused (quarantined).

    Only the pages an article sits on are rendered and written (``pages``); a first run, a
    changed title, base URL or page size, or a save cut short rebuilds them from the archive.
    """
    cfg = settings.config.channels.app
    objects = open_objects(cfg.output, settings.state.app)
    book = pages.Pages(
        ledger, title=settings.config.channels.web.title, base_url=cfg.base_url,
        page_size=cfg.page_size,
    )  # fmt: skip
    withheld = ledger.withheld(CHANNEL)
    if not versions and (book.fresh or withheld == book.known_withheld()):
        return set()  # nothing new, and nothing newly held back
    files: list[OutputFile] = []
    delete: list[str] = []
    refused: set[str] = set()
    if book.fresh:
        laid = []
        for article in ledger.articles(include_killed=True):
            if article.id in withheld:
                continue
            if article.pub_status is PubStatus.CANCELED or article.kind is not Kind.ARTICLE:
                continue
            try:
                broken("render.app", article.id)
                rendered = feeds.render_article(article, base_url=cfg.base_url)
            except Exception as exc:  # one article that cannot render must not stop the feeds
                refused.add(article.id)
                _refuse(ledger, article.id, feeds.refusal(article.id, exc), versions, report)
                continue
            files.append(_file(feeds.document_key(article.id), feeds.document_object(rendered)))
            laid.append((rendered.member, rendered.feeds))
        book.build(laid)
    else:
        for article_id in sorted(withheld - book.known_withheld()):
            if book.remove(article_id):
                delete.append(feeds.document_key(article_id))
        for article_id in sorted({d.article_id for d in versions} - withheld):
            try:
                found = ledger.get(article_id)
                if found is None:
                    continue  # _decide fails its deliveries
                if found.pub_status is PubStatus.CANCELED or found.kind is not Kind.ARTICLE:
                    book.remove(article_id)
                    delete.append(feeds.document_key(article_id))
                    continue
                broken("render.app", article_id)
                rendered = feeds.render_article(found, base_url=cfg.base_url)
            except Exception as exc:  # one article that cannot render must not stop the feeds
                refused.add(article_id)
                book.remove(article_id)
                delete.append(feeds.document_key(article_id))
                _refuse(ledger, article_id, feeds.refusal(article_id, exc), versions, report)
                continue
            book.place(rendered.member, rendered.feeds)
            files.append(_file(feeds.document_key(article_id), feeds.document_object(rendered)))
    book.settle()
    written_pages, gone = book.files()
    files.extend(_file(key, feeds.feed_object(key, data)) for key, data in written_pages.items())
    if book.sections_changed:
        index = feeds.AppObject(book.index(), feeds.JSON_TYPE, feeds.FEED_CACHE, ROOT)
        files.append(_file("sections.json", index))
    delete.extend(gone)
    if book.fresh:  # whatever an older layout left: the rebuild names everything it keeps
        keep = {f.key for f in files}
        delete.extend(sorted({k for p in OWNED_PREFIXES for k in objects.keys(p) if k not in keep}))
    keys = {f.key for f in files}
    written = Output(objects, ledger).write(files, delete=[k for k in delete if k not in keys])
    book.save(withheld)
    report.outputs.extend(objects.uri(key) for key in written.written)
    report.messages.append(
        f"app files: {len(written.written)} written, {len(written.unchanged)} unchanged, "
        f"{len(written.deleted)} removed" + (" (rebuilt from the archive)" if book.fresh else "")
    )
    return refused


def _decide(
    settings: Settings, ledger: Ledger, delivery: Delivery, now: dt.datetime, report: PublishReport
) -> None:
    """Record the push decision for one version; enqueue one push per audience if it notifies."""
    article = ledger.get(delivery.article_id, delivery.version)
    if article is None:
        ledger.mark_failed(delivery, "article version not in the ledger", terminal=True)
        report.failed += 1
        return
    latest = ledger.get(delivery.article_id)
    if latest is not None and latest.pub_status is PubStatus.CANCELED:
        article = article.model_copy(update={"pub_status": PubStatus.CANCELED})
    try:
        decision = rules.decide(
            article,
            settings.config.channels.app,
            now=now,
            choice=ledger.get_value(rules.choice_key(article.id, article.version)),
            notified_before=_notified_before(ledger, article.id, article.version),
        )
    except Exception as exc:  # data the push rules cannot judge: this version only
        reason = f"cannot decide the push for {article.id}: {type(exc).__name__}: {exc}"[:400]
        ledger.mark_quarantined(delivery, reason)
        report.quarantined += 1
        report.messages.append(reason)
        return
    if decision.notify:
        for audience in _audiences(settings):
            ledger.enqueue(article.id, article.version, CHANNEL, target=PUSH_PREFIX + audience)
    ledger.mark_sent(delivery, push=decision.reason, collapse_key=decision.collapse_key)
    fault("publish.sent", CHANNEL)
    report.sent += 1


class _Providers:
    """Providers opened on first use; one that failed transiently rests for the rest of the run."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        policy: RetryPolicy | None,
        factory: ProviderFactory | None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.policy = policy
        self.factory = factory
        self.opened: dict[str, PushProvider] = {}
        self.resting: dict[str, ChannelError] = {}

    def get(self, name: str) -> PushProvider:
        if name in self.opened:
            return self.opened[name]
        if self.factory is not None:
            provider = self.factory(name)
        elif name == OUTBOX and not self.settings.config.channels.app.providers:
            provider = OutboxProvider(self.settings.state.outbox / "push")
        else:
            configs = {provider_name(p): p for p in self.settings.config.channels.app.providers}
            if name not in configs:
                raise ConfigError(f"push provider {name!r} is no longer configured")
            provider = open_provider(
                configs[name],
                policy=self.policy,
                is_dropped=lambda token: (
                    self.ledger.get_value(dropped_key(name, token)) is not None
                ),
                reached=LedgerReached(self.ledger, name),
                timeout=self.settings.config.limits.http_timeout_seconds,
            )
        self.opened[name] = provider
        return provider


def _push(
    settings: Settings,
    ledger: Ledger,
    delivery: Delivery,
    providers: _Providers,
    report: PublishReport,
) -> None:
    name = delivery.target.removeprefix(PUSH_PREFIX)
    if name in providers.resting:
        report.skipped += 1
        return
    if delivery.state is DeliveryState.SENDING and name != OUTBOX:
        ledger.mark_failed(
            delivery,
            "interrupted while sending: outcome unknown, not resent to avoid a duplicate push",
            terminal=True,
        )
        report.failed += 1
        report.messages.append(f"push {delivery.article_id} v{delivery.version} to {name}: "
                               "outcome unknown after an interruption, not resent")  # fmt: skip
        return
    article = ledger.get(delivery.article_id, delivery.version)
    latest = ledger.get(delivery.article_id)
    if article is None or latest is None or latest.pub_status is PubStatus.CANCELED:
        ledger.mark_failed(delivery, "article killed before the push went out", terminal=True)
        report.skipped += 1
        return
    try:
        provider = providers.get(name)
    except ConfigError as exc:
        ledger.mark_failed(delivery, exc.message, terminal=True)
        report.failed += 1
        report.messages.append(f"push to {name}: {exc.message}")
        return
    try:
        broken("render.push", article.id)
        message = notification(
            article,
            collapse_key=rules.collapse_key(article),
            base_url=settings.config.channels.app.base_url,
        )
        # What every provider sends is JSON in UTF-8: prove it encodes before claiming.
        json.dumps([message.title, message.body, message.data()], ensure_ascii=False).encode()
    except Exception as exc:  # one notification that cannot render must not stop the others
        reason = f"cannot render the push for {article.id}: {type(exc).__name__}: {exc}"[:400]
        ledger.mark_quarantined(delivery, reason)
        report.quarantined += 1
        report.messages.append(reason)
        return
    try:
        claimed = ledger.mark_sending(
            delivery, collapse_key=message.collapse_key, audience=provider.audience
        )
    except DeliveryConflict:
        report.skipped += 1  # another worker finished it
        return
    if claimed.attempts != delivery.attempts + 1:
        report.skipped += 1  # another worker claimed it between our read and our claim
        return
    fault("publish.claimed", CHANNEL)
    try:
        result = provider.send(message)
        fault("publish.written", CHANNEL)
    except ChannelRejected as exc:
        ledger.mark_quarantined(claimed, exc.message)
        report.quarantined += 1
        report.messages.append(f"push {article.id} v{article.version} to {name}: {exc.message}")
        return
    except (ChannelUnavailable, ChannelAuthError) as exc:
        ledger.mark_failed(claimed, exc.message, terminal=False)
        providers.resting[name] = exc
        report.failed += 1
        report.messages.append(f"push to {name} paused: {exc.message}")
        return
    for token in result.dropped:
        ledger.set_value(dropped_key(name, token), "unregistered")
    ledger.mark_sent(
        claimed,
        remote_id=result.remote_id,
        push="sent",
        delivered=result.delivered,
        dropped=len(result.dropped),
        note=result.note,
    )
    fault("publish.sent", CHANNEL)
    report.sent += 1


def publish(
    settings: Settings,
    ledger: Ledger,
    *,
    now: dt.datetime | None = None,
    policy: RetryPolicy | None = None,
    providers: ProviderFactory | None = None,
) -> PublishReport:
    """Drain the app channel's pending deliveries: files first, then notifications.

    A provider that stays throttled, down or unauthorised after its in-call retries leaves its
    deliveries pending; once everything else is done its error is raised (ChannelUnavailable is
    transient, so Airflow retries the task; ChannelAuthError fails it for a human to look at).
    """
    moment = now or dt.datetime.now(dt.UTC)
    report = PublishReport(channel=CHANNEL)
    pending = ledger.pending(CHANNEL)
    versions = [d for d in pending if not d.target.startswith(PUSH_PREFIX)]
    # Files also change with nothing pending when a shown article is newly held back.
    refused = _write_files(settings, ledger, report, versions)
    if versions:
        fault("publish.written", CHANNEL)
        for delivery in versions:
            if delivery.article_id not in refused:
                _decide(settings, ledger, delivery, moment, report)
    opened = _Providers(settings, ledger, policy, providers)
    for delivery in ledger.pending(CHANNEL):
        if delivery.target.startswith(PUSH_PREFIX):
            _push(settings, ledger, delivery, opened, report)
    if OUTBOX in opened.opened and isinstance(opened.opened[OUTBOX], OutboxProvider):
        folder = settings.state.outbox / "push"
        report.messages.append(
            f"no push provider configured: notifications written to {folder} instead"
        )
    if opened.resting:
        name, error = next(iter(opened.resting.items()))
        raise type(error)(
            f"{report.summary()}; {name}: {error.message}", retry_after=error.retry_after
        ) from error
    return report
