"""Partner feeds and signed webhooks: each partner gets its own feed, and pushes if it asks.

A partner's feed (``<name>/feed.xml``, ``atom.xml``, ``feed.json`` or ``ninjs.json``, by format)
is written to a private store (``[partner_feeds] output``, by default ``<state>/partners``), never
into the public site: partners fetch it from the authenticated endpoint (``partner_gateway``, with
a bearer token or HTTP basic) or, from S3, by a presigned URL. With a webhook, each new, updated or
withdrawn item is POSTed as JSON (``id`` is the article's URN, the id its items carry in every
feed; ``article_id`` the bare ``a-…`` id) with these headers:

- ``X-Distro-Timestamp``: Unix seconds when the push was made;
- ``X-Distro-Signature``: ``sha256=`` + hex HMAC-SHA256 of ``<timestamp>.<body>`` with the secret;
- ``X-Distro-Delivery``: the delivery's id, the same on every retry, for the receiver to dedupe;
- ``X-Distro-Event``: ``published``, ``updated`` or ``canceled``.

Receivers reject timestamps outside ``REPLAY_WINDOW`` (see ``verify``). Pushes go through
``distro.net``: each attempt has the config's deadline, 5xx, 429 and timeouts are retried with
exponential backoff (honouring Retry-After), the secret never reaches a log line or an error;
every push is recorded on the delivery in the ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from functools import partial
from itertools import groupby
from typing import TYPE_CHECKING, Any

from distro import secrets
from distro.channels import PublishReport, claim_chunks, in_scope, jsonfeed, partner_tokens
from distro.channels.output import ROOT, Output, make_file
from distro.channels.pushes import Pushes
from distro.channels.web import feeds
from distro.channels.web.catalog import CAPACITY, Entry, Shelf, updated_time
from distro.channels.web.publish import objects_of, site_of, version_time
from distro.channels.web.render import (
    INDEX_SIZE,
    Site,
    Story,
    article_key,
    is_page,
    publishable,
)
from distro.errors import ChannelRejected, ChannelUnavailable
from distro.faults import broken, fault
from distro.html import body_text
from distro.models import Article, Delivery, DeliveryState, Kind
from distro.net import CHANNEL as HTTP_ERRORS
from distro.net import HttpClient, Limits, RetryPolicy
from distro.ninjs import to_ninjs
from distro.store.objects import ObjectStore, open_objects

if TYPE_CHECKING:
    from distro.channels.shards import Shard
    from distro.config import PartnerConfig, PartnerFilterConfig, Settings
    from distro.store.ledger import Ledger

CHANNEL = "partners"
SIGNATURE_HEADER = "X-Distro-Signature"
TIMESTAMP_HEADER = "X-Distro-Timestamp"
DELIVERY_HEADER = "X-Distro-Delivery"
EVENT_HEADER = "X-Distro-Event"
#: Seconds a receiver accepts between the timestamp and its own clock.
REPLAY_WINDOW = 300
#: Retries of one push, and the backoff factor (0 s, then 1 s, 2 s, 4 s …).
RETRIES = 4
BACKOFF = 0.5
FEED_NAMES = {"rss": "feed.xml", "atom": "atom.xml", "jsonfeed": "feed.json", "ninjs": "ninjs.json"}
NAMESPACE = "partners"
KEY_PREFIX = NAMESPACE + ":catalog:"  # the full ledger key is KEY_PREFIX + partner name
#: Where releases before 0.2 wrote partner feeds: inside the public site, listable.
LEGACY_PREFIX = "partners/"
LEGACY_CLEARED = "legacy-cleared"  # in NAMESPACE
NINJS_FEED_VERSION = "distro-ninjs-feed/1"


def objects_of_partners(settings: Settings) -> ObjectStore:
    """The private store of partner feeds."""
    return open_objects(settings.config.partner_feeds.output, settings.state.partners)


def feed_key(name: str, fmt: str) -> str:
    """The object key of a partner's feed in the partner store."""
    return f"{name}/{FEED_NAMES[fmt]}"


def feed_url(settings: Settings, name: str, fmt: str) -> str:
    """Where the partner fetches its feed: the authenticated endpoint."""
    base = settings.config.partner_feeds.base_url.rstrip("/")
    return f"{base}/partners/{feed_key(name, fmt)}"


def matches(article: Article, filters: PartnerFilterConfig) -> bool:
    """Every non-empty filter must match: section, genre, and any keyword in tags or text."""
    if not in_scope(article, sections=filters.sections, genres=filters.genres):
        return False
    if filters.keywords:
        text = " ".join([article.headline, *article.keywords, body_text(article)])
        if not any(word in text for word in filters.keywords):
            return False
    return True


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: HMAC-SHA256 over ``<timestamp>.<body>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float | None = None,
    window: int = REPLAY_WINDOW,
) -> bool:
    """What a receiver checks: a fresh timestamp and a matching signature."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    moment = time.time() if now is None else now
    if abs(moment - int(timestamp)) > window:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


def render_item(article: Article, partner: PartnerConfig, site: Site) -> dict[str, Any]:
    """One item in the partner's format: a ninjs document or a JSON Feed item."""
    if partner.format == "ninjs":
        doc = to_ninjs(article)
        if not partner.full_text:
            doc.pop("bodies", None)
        return doc
    url = site.url(article_key(article.id))
    return jsonfeed.render_item(
        article, url=url, full_text=partner.full_text, item_id=feeds.item_id
    )


def render_feed(
    stories: Sequence[Story], partner: PartnerConfig, site: Site, self_url: str
) -> bytes:
    """The partner's whole feed, newest first."""
    channel = feeds.Channel(
        title=f"{site.title} - {partner.name}",
        home_url=site.home_url,
        self_url=self_url,
        description=f"{site.title}：为 {partner.name} 提供的稿件",
    )
    url_for = feeds.page_url(site)
    if partner.format == "rss":
        return feeds.rss(stories, channel, url_for, full_text=partner.full_text)
    if partner.format == "atom":
        return feeds.atom(stories, channel, url_for, full_text=partner.full_text)
    if partner.format == "jsonfeed":
        return feeds.json_feed(stories, channel, url_for, full_text=partner.full_text)
    docs = [render_item(s.article, partner, site) for s in stories]
    # An envelope, not a bare array: room for paging (`next`) and the feed's own time.
    feed = {
        "version": NINJS_FEED_VERSION,
        "partner": partner.name,
        "updated": max((s.updated for s in stories), default=None),
        "items": docs,
        "next": None,
    }
    text = json.dumps(feed, ensure_ascii=False, separators=(",", ":"), default=_iso)
    return text.encode("utf-8")


def _iso(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def client(
    timeout: float = 20.0, *, retries: int | None = None, backoff: float | None = None
) -> HttpClient:
    """The webhook client: ``retries`` more tries on 5xx, 429, connection errors and timeouts."""
    retries = RETRIES if retries is None else retries
    return HttpClient(
        limits=Limits(deadline=timeout, connect_timeout=min(10.0, timeout)),
        retry=RetryPolicy(attempts=retries + 1, base_delay=BACKOFF if backoff is None else backoff),
        errors=HTTP_ERRORS,
        name="webhook",
    )


def push(
    http: HttpClient,
    url: str,
    secret: str,
    *,
    event: str,
    delivery_id: str,
    payload: dict[str, Any],
) -> int:
    """POST one signed event; the final HTTP status, or ChannelUnavailable / ChannelRejected."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(secret, stamp, body),
        DELIVERY_HEADER: delivery_id,
        EVENT_HEADER: event,
    }
    http.add_secret(secret)  # a receiver that echoes it back in an error is masked
    return http.post(url, data=body, headers=headers).status


def load_shelf(ledger: Ledger, partner: PartnerConfig) -> tuple[Shelf, bool]:
    text = ledger.kv(NAMESPACE).child("catalog").get(partner.name)
    if text is not None:
        return Shelf.load(text), False
    # No list yet (first run, or a new partner): one full read of the ledger builds it.
    withheld = ledger.withheld(CHANNEL, partner.name)
    entries = []
    for article in ledger.articles():
        if article.id in withheld:
            continue
        try:
            if is_page(article) and matches(article, partner.filters):
                entries.append(Entry.of(Story(article, updated_time(article))))
        except Exception:  # what cannot be listed is met again when it is rendered
            continue
    entries.sort(key=Entry.order, reverse=True)
    return Shelf(entries[:CAPACITY], truncated=len(entries) > CAPACITY), True


def refusal(article_id: str, partner: str, exc: BaseException) -> str:
    """The quarantine reason for an article that cannot be rendered for a partner."""
    return (
        f"cannot render {article_id} for partner {partner}: {type(exc).__name__}: {str(exc)[:300]}"
    )


def render_guarded(
    stories: list[Story], partner: PartnerConfig, site: Site, self_url: str
) -> tuple[bytes, dict[str, str]]:
    """The partner's feed, leaving out each story that cannot be rendered: (bytes, id -> why).

    The whole feed is rendered first; only when that fails is each story tried alone, so one
    poisoned item costs one extra pass, not a feed that is never written again.
    """
    try:
        return render_feed(stories, partner, site, self_url), {}
    except Exception:  # found below, story by story
        pass
    refused: dict[str, str] = {}
    kept = []
    for story in stories:
        try:
            broken("render.partners", story.article.id)
            render_feed([story], partner, site, self_url)
        except Exception as exc:
            refused[story.article.id] = refusal(story.article.id, partner.name, exc)
            continue
        kept.append(story)
    return render_feed(kept, partner, site, self_url), refused


def was_fed(ledger: Ledger, article_id: str, partner: str) -> bool:
    """Whether the partner received this article before (so a kill must reach it too)."""
    return any(
        d.target == partner and d.detail.get("outcome") in {"published", "updated"}
        for d in ledger.deliveries(article_id=article_id, channel=CHANNEL)
    )


#: Delivery ``detail`` keys of the two phases. ``staged`` and ``ready`` hold the attempt number
#: they were recorded at, so a mark left by an earlier attempt (before a crash) never counts.
STAGED = "staged"  # the article's decision is made: ``decision``, ``listed_at``, ``reason``
READY = "ready"  # its per-article work (the push) is done: the finish step may close it
LISTED = {"published", "updated"}


def deliver_partner(
    partner: PartnerConfig,
    settings: Settings,
    ledger: Ledger,
    report: PublishReport,
    shard: Shard | None = None,
) -> None:
    """The per-article half for one partner (or one bucket of it): decide, render, push.

    Each delivery is left ``sending`` with its decision recorded (``STAGED``) and, once its push
    is through or none is needed, ``READY``; ``finish_partner`` lists them and closes them. Up
    to the webhook's ``concurrency`` pushes are in flight at once (``distro.channels.pushes``);
    their outcomes are recorded here, on this thread, as they come back.
    """
    pending = ledger.pending(CHANNEL, target=partner.name)
    if shard is not None:
        pending = shard.select(pending)
    if not pending:
        return
    concurrency = partner.webhook.concurrency if partner.webhook else 1
    make_client = partial(client, settings.config.limits.http_timeout_seconds)
    with Pushes[list[Delivery], int](concurrency, make_client) as pushes:
        try:
            _deliver(partner, settings, ledger, report, pending, pushes)
        except BaseException:
            # What was in flight has gone out: record it while the ledger still takes it, so
            # the shard's retry does not push it again; then fail as we were going to.
            for done, outcome in pushes.drain():
                with suppress(Exception):
                    _recorder(ledger, report)(done, outcome)
            raise


def _recorder(
    ledger: Ledger, report: PublishReport
) -> Callable[[list[Delivery], int | BaseException], None]:
    """What records one push's outcome on its deliveries (on the thread that owns the ledger)."""

    def record(mine: list[Delivery], outcome: int | BaseException) -> None:
        if isinstance(outcome, ChannelRejected | ChannelUnavailable):
            # Rejected is final for the item; unavailable goes back to pending for a rerun
            # (its decision stays recorded, so the feed still lists it meanwhile).
            for d in mine:
                ledger.mark_failed(d, outcome.message, terminal=not outcome.TRANSIENT)
            report.failed += len(mine)
            return
        if isinstance(outcome, BaseException):
            raise outcome
        fault("publish.written", CHANNEL)
        *older, latest = mine
        ledger.update_details(
            [*((d, {READY: d.attempts}) for d in older),
             (latest, {"webhook": "delivered", "status": outcome, READY: latest.attempts})]
        )  # fmt: skip

    return record


def _deliver(
    partner: PartnerConfig,
    settings: Settings,
    ledger: Ledger,
    report: PublishReport,
    pending: list[Delivery],
    pushes: Pushes[list[Delivery], int],
) -> None:
    record = _recorder(ledger, report)
    site = site_of(settings)
    partner_tokens.configured(partner)  # refuse a guessable token before anything is fed
    hook_secret = secrets.resolve(partner.webhook.secret) if partner.webhook else None
    when = dt.datetime.now(dt.UTC)
    self_url = feed_url(settings, partner.name, partner.format)
    shelf: Shelf | None = None  # read only here, and only when a kill asks what was listed
    for chunk in claim_chunks(ledger, pending):
        stored = ledger.get_latest(article_id for article_id, _ in chunk)
        # Decisions are recorded for the whole chunk in one commit, before any of its pushes.
        marks: list[tuple[Delivery, dict[str, object]]] = []
        calls: list[tuple[int, int, Callable[[HttpClient], int]]] = []
        for article_id, mine in chunk:
            found = stored.get(article_id)
            if found is None:
                for d in mine:
                    ledger.mark_failed(d, f"no article {article_id}", terminal=True)
                    report.failed += 1
                continue
            latest = mine[-1]
            webhook = partner.webhook
            listed_at: str | None = None
            try:  # one article whose data cannot be rendered must not stop the partner's feed
                article = publishable(found)
                if article.kind is Kind.TEASER:
                    event = None
                elif is_page(article) and matches(article, partner.filters):
                    story = Story(article, version_time(article, mine, when))
                    broken("render.partners", article_id)
                    render_feed([story], partner, site, self_url)  # the item alone renders
                    listed_at = story.updated.isoformat()
                    event = "published" if article.version == 1 else "updated"
                else:
                    if shelf is None:
                        shelf = load_shelf(ledger, partner)[0]
                    listed = any(e.id == article_id for e in shelf.entries)
                    fed = listed or was_fed(ledger, article_id, partner.name)
                    event = "canceled" if fed and not is_page(article) else None
                payload: dict[str, Any] = {
                    "event": event,
                    "partner": partner.name,
                    # The id every feed gives the article (its URN); the bare one for the API.
                    "id": feeds.item_id(article),
                    "article_id": article.id,
                    "version": article.version,
                }
                if event not in {None, "canceled"} and webhook is not None:
                    payload["item"] = render_item(article, partner, site)
                    json.dumps(payload, ensure_ascii=False).encode("utf-8")
            except Exception as exc:
                reason = refusal(article_id, partner.name, exc)
                # the finish step takes it off the feed and quarantines it
                marks.extend(
                    (d, {STAGED: d.attempts, READY: d.attempts, "decision": "refused",
                         "reason": reason})
                    for d in mine
                )  # fmt: skip
                continue
            decision = event or ("teaser" if article.kind is Kind.TEASER else "filtered")
            pushed = latest.detail.get("webhook") == "delivered"  # before a crash, last run
            needs_push = (
                event is not None and webhook is not None and bool(hook_secret) and not pushed
            )
            # Every version of the article is ready together, after the push when there is one.
            first = len(marks)
            marks.extend(
                (d, {STAGED: d.attempts, READY: None if needs_push else d.attempts,
                     "decision": decision, "listed_at": listed_at})
                for d in mine
            )  # fmt: skip
            if needs_push:
                assert webhook is not None and hook_secret  # needs_push says so
                call = partial(
                    push,
                    url=webhook.url,
                    secret=hook_secret,
                    event=str(event),
                    delivery_id=f"{article.id}/v{article.version}/{partner.name}",
                    payload=payload,
                )
                calls.append((first, len(marks), call))
        staged = ledger.update_details(marks)
        for first, end, pushing in calls:
            for done, outcome in pushes.submit(staged[first:end], pushing):
                record(done, outcome)
    for done, outcome in pushes.drain():
        record(done, outcome)


def recorded(d: Delivery, key: str) -> bool:
    """Whether ``d`` carries the mark ``key`` made by its current attempt."""
    return d.detail.get(key) == str(d.attempts)


def finish_partner(
    partner: PartnerConfig,
    settings: Settings,
    ledger: Ledger,
    output: Output,
    report: PublishReport,
) -> None:
    """The per-partner half, once after every bucket: update its list, write its feed, and close
    the deliveries whose per-article work is done."""
    staged = [d for d in ledger.pending(CHANNEL, target=partner.name) if recorded(d, STAGED)]
    if not staged:
        return
    site = site_of(settings)
    self_url = feed_url(settings, partner.name, partner.format)
    shelf, changed = load_shelf(ledger, partner)
    ordered = sorted(staged, key=lambda d: (d.article_id, d.version))
    # the newest version of each article decides what the list shows
    deciding = [list(group)[-1] for _, group in groupby(ordered, key=lambda d: d.article_id)]
    listing = ledger.get_all(
        (d.article_id, d.version) for d in deciding if d.detail.get("decision", "") in LISTED
    )
    for decided in deciding:
        article_id = decided.article_id
        decision = decided.detail.get("decision", "")
        stored = listing.get((article_id, decided.version)) if decision in LISTED else None
        if stored is not None:
            listed_at = dt.datetime.fromisoformat(decided.detail["listed_at"])
            shelf.upsert(Entry.of(Story(publishable(stored), listed_at)), CAPACITY)
            changed = True
        elif decision != "teaser":
            changed = shelf.remove(article_id) or changed
    done = [d for d in ordered if d.state is DeliveryState.SENDING and recorded(d, READY)]
    if changed:
        stories = []
        shown_now = shelf.entries[:INDEX_SIZE]
        showing = ledger.get_all((shown.id, shown.version) for shown in shown_now)
        for shown in shown_now:
            stored = showing.get((shown.id, shown.version))
            if stored is not None:
                stories.append(Story(publishable(stored), shown.updated_at))
        data, refused = render_guarded(stories, partner, site, self_url)
        for article_id, reason in refused.items():
            shelf.remove(article_id)  # out of the list until a new version renders
            for d in done:
                if d.article_id == article_id:
                    ledger.mark_quarantined(d, reason)
                    report.quarantined += 1
            done = [d for d in done if d.article_id != article_id]
            report.messages.append(reason)
        written = output.write([make_file(feed_key(partner.name, partner.format), data, tier=ROOT)])
        ledger.kv(NAMESPACE).child("catalog").set(partner.name, shelf.dump())
        report.outputs.extend(output.objects.uri(k) for k in written.written)
    fault("publish.written", CHANNEL)
    closing = []
    for d in done:
        outcome = d.detail.get("decision", "")
        if outcome == "refused":
            reason = d.detail.get("reason") or f"cannot render {d.article_id}"
            ledger.mark_quarantined(d, reason)
            report.quarantined += 1
            if reason not in report.messages:
                report.messages.append(reason)
            continue
        closing.append((d, None, {"outcome": outcome}))
    # One commit closes the run's deliveries: a partner with thousands of items a run would
    # otherwise spend most of its finish on round trips to the ledger.
    for d in ledger.mark_sent_all(closing):
        fault("publish.sent", CHANNEL)
        if d.detail.get("outcome") in {"published", "updated", "canceled"}:
            report.sent += 1
        else:
            report.skipped += 1


def publish_partner(
    partner: PartnerConfig,
    settings: Settings,
    ledger: Ledger,
    output: Output,
    report: PublishReport,
) -> None:
    """Both halves for one partner, in one process (a target of one bucket)."""
    deliver_partner(partner, settings, ledger, report)
    finish_partner(partner, settings, ledger, output, report)


def clear_legacy_feeds(settings: Settings, ledger: Ledger) -> list[str]:
    """Delete partner feeds an older release left inside the public site (once per ledger)."""
    if ledger.kv(NAMESPACE).get(LEGACY_CLEARED):
        return []
    site = objects_of(settings)
    gone = list(site.keys(LEGACY_PREFIX))
    for key in gone:
        site.delete(key)
    ledger.kv(NAMESPACE).set(LEGACY_CLEARED, "1")
    return gone


def narrowed(settings: Settings, target: str) -> list[PartnerConfig]:
    return [partner for partner in settings.config.partners if partner.name == target]


def deliver(settings: Settings, ledger: Ledger, shard: Shard) -> PublishReport:
    """One bucket of one partner: pushes, and each delivery's decision for ``finish``."""
    report = PublishReport(CHANNEL)
    for partner in narrowed(settings, shard.target):
        deliver_partner(partner, settings, ledger, report, shard)
    return report


def finish(settings: Settings, ledger: Ledger, target: str) -> PublishReport:
    """One partner's feed from what its buckets recorded, once they have all run."""
    report = PublishReport(CHANNEL)
    output = Output(objects_of_partners(settings), ledger)
    for partner in narrowed(settings, target):
        finish_partner(partner, settings, ledger, output, report)
    return report


def publish(settings: Settings, ledger: Ledger) -> PublishReport:
    """Feed and push every pending partner delivery; reruns never push an item twice."""
    report = PublishReport(CHANNEL)
    partners = settings.config.partners
    if not partners:
        return report
    clear_legacy_feeds(settings, ledger)
    output = Output(objects_of_partners(settings), ledger)
    for partner in partners:
        publish_partner(partner, settings, ledger, output, report)
    return report
