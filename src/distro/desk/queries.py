"""What the desk shows: articles of a day or a search, with versions and deliveries, as JSON."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from distro import review, workflows
from distro.channels import jsonfeed
from distro.channels.app import feeds
from distro.channels.web.render import Site, article_key
from distro.models import Article, Delivery, DeliveryState, QuarantineEntry
from distro.pipeline import SHA256, retry

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

#: An article id inside a URL or a pasted line (``…/articles/a-0123….html``).
ARTICLE_ID = re.compile(r"\ba-[0-9a-f]{20}\b")
#: How many articles one listing shows at most.
LIMIT = 200
#: The editors' DAGs (``distro.airflow.factory``) and the form fields each takes.
REPUBLISH, KILL = workflows.REPUBLISH, workflows.KILL


@dataclass(frozen=True)
class Clock:
    """Shows times in the configured time zone (Asia/Shanghai by default)."""

    zone: ZoneInfo

    @classmethod
    def of(cls, settings: Settings) -> Clock:
        return cls(ZoneInfo(settings.config.timezone))

    def show(self, value: dt.datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite hands back naive UTC
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(self.zone).isoformat(timespec="seconds")

    def day(self, article: Article) -> dt.date:
        """The day an article belongs to: its issue date, else its publication day here."""
        if article.issue_date is not None:
            return article.issue_date
        moment = jsonfeed.published(article)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.zone).date()

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()


def headline_text(article: Article) -> str:
    return " ".join(p for p in (article.kicker, article.headline, article.subheadline) if p)


def matches(article: Article, term: str) -> bool:
    """Whether one search term names this article: id, URL, section or headline words."""
    found = ARTICLE_ID.findall(term)
    if found:
        return article.id in found
    if term.startswith(("http://", "https://")):
        return bool(article.link) and article.link == term
    if article.section and term == article.section:
        return True
    return term.casefold() in headline_text(article).casefold()


def find(
    settings: Settings,
    ledger: Ledger,
    *,
    day: dt.date | None = None,
    query: str = "",
    limit: int = LIMIT,
) -> list[Article]:
    """The latest version of the articles of ``day`` that match every term of ``query``.

    With neither, the newest articles. Killed articles are listed too (marked canceled).
    """
    clock = Clock.of(settings)
    terms = query.split()
    named = [found for term in terms if (found := ARTICLE_ID.findall(term))]
    if named:
        # An id (or a URL holding one) names the article: read it, not the whole archive.
        candidates = [a for ids in named[:1] for i in ids if (a := ledger.get(i)) is not None]
    elif day is None and not terms:
        candidates = ledger.articles(include_killed=True, limit=limit)
    else:
        # The ledger has no index by day or by headline yet: the latest versions are scanned.
        candidates = ledger.articles(include_killed=True)
    found = []
    for article in candidates:
        if day is not None and clock.day(article) != day:
            continue
        if not all(matches(article, term) for term in terms):
            continue
        found.append(article)
        if len(found) >= limit:
            break
    return found


def delivery_link(settings: Settings, d: Delivery) -> str | None:
    """Where a made delivery can be seen: the page, the app document, the WeChat article."""
    if d.state is not DeliveryState.SENT or d.detail.get("outcome") == "teaser":
        return None  # not made yet; a teaser gets no page of its own
    url = d.detail.get("url")
    if url:
        return url
    if d.remote_id and d.remote_id.startswith(("http://", "https://")):
        return d.remote_id
    cfg = settings.config.channels
    if d.channel == "web":
        return Site(cfg.web.base_url, cfg.web.title).url(article_key(d.article_id))
    if d.channel == "app":
        return feeds.url(cfg.app.base_url, feeds.document_key(d.article_id))
    return None


def delivery_doc(settings: Settings, clock: Clock, d: Delivery) -> dict[str, Any]:
    return {
        "channel": d.channel,
        "target": d.target,
        "version": d.version,
        "state": d.state.value,
        "attempts": d.attempts,
        "created_at": clock.show(d.created_at),
        "updated_at": clock.show(d.updated_at),
        "link": delivery_link(settings, d),
        "error": d.last_error,
        "detail": dict(d.detail),
    }


def version_doc(article: Article) -> dict[str, Any]:
    return {
        "version": article.version,
        "headline": article.headline,
        "pub_status": article.pub_status.value,
        "correction": article.correction,
        "confidence": article.confidence,
        "flags": list(article.flags),
    }


def article_doc(
    settings: Settings, ledger: Ledger, article: Article, *, full: bool = False
) -> dict[str, Any]:
    """One article as the desk shows it: the latest version, every version, every delivery."""
    clock = Clock.of(settings)
    deliveries = ledger.deliveries(article_id=article.id)
    latest: dict[tuple[str, str], Delivery] = {}
    for d in deliveries:
        key = (d.channel, d.target)
        if key not in latest or d.version >= latest[key].version:
            latest[key] = d
    doc: dict[str, Any] = {
        "id": article.id,
        "version": article.version,
        "kind": article.kind.value,
        "section": article.section,
        "kicker": article.kicker,
        "headline": article.headline,
        "subheadline": article.subheadline,
        "byline": article.byline.raw if article.byline else None,
        "issue_date": article.issue_date.isoformat() if article.issue_date else None,
        "published_at": clock.show(article.published_at),
        "day": clock.day(article).isoformat(),
        "pub_status": article.pub_status.value,
        "link": article.link,
        "confidence": article.confidence,
        "flags": list(article.flags),
        "versions": [version_doc(v) for v in ledger.versions(article.id)],
        "channels": [
            delivery_doc(settings, clock, d)
            for _key, d in sorted(latest.items(), key=lambda item: item[0])
        ],
        "deliveries": [delivery_doc(settings, clock, d) for d in deliveries],
    }
    if full:
        doc["paragraphs"] = list(article.paragraphs)
        doc["provenance"] = article.provenance.model_dump(mode="json")
    return doc


def quarantine_doc(clock: Clock, ledger: Ledger, entry: QuarantineEntry) -> dict[str, Any]:
    ref = entry.raw_ref
    article = None
    if ref.startswith(("review:", "delivery:")):
        article = ref.split(":", 1)[1].split("/", 1)[0]
    return {
        "id": entry.id,
        "stage": entry.stage,
        "reason": entry.reason,
        "origin": entry.origin,
        "raw_ref": ref,
        "article_id": article,
        "created_at": clock.show(entry.created_at),
        "resolved": ledger.is_resolved(entry.id),
        # A file refused at the claim was never read: it is fixed in the inbox, not retried here.
        "retryable": bool(SHA256.match(ref)) or ref.startswith(("review:", "delivery:")),
    }


def quarantine(
    settings: Settings, ledger: Ledger, *, include_resolved: bool = False
) -> list[dict[str, Any]]:
    """The quarantine, newest first, each entry with its reason."""
    clock = Clock.of(settings)
    return [
        quarantine_doc(clock, ledger, entry)
        for entry in ledger.quarantined(include_resolved=include_resolved)
    ]


def retry_entry(settings: Settings, ledger: Ledger, entry_id: str) -> dict[str, Any]:
    """``distro quarantine retry``: the same service, the same report."""
    report = retry(settings, ledger, entry_id)
    return report.as_json() | {"id": entry_id, "resolved": ledger.is_resolved(entry_id)}


def waiting(settings: Settings, ledger: Ledger) -> list[dict[str, Any]]:
    """What waits at a review gate, oldest first, with the DAG that asks about it."""
    clock = Clock.of(settings)
    found = []
    for item in review.waiting(ledger):
        doc = item.as_json()
        doc["held_since"] = clock.show(item.delivery.created_at)
        doc["dag_id"] = workflows.review(item.delivery.channel)
        found.append(doc)
    return found


def editions(settings: Settings, ledger: Ledger) -> list[dict[str, Any]]:
    """WeChat 群发 editions previewed and waiting for an editor, with the DAG that asks."""
    from distro.channels.wechat.approvals import waiting as held_editions

    found = []
    for doc in held_editions(settings, ledger):
        doc["dag_id"] = workflows.edition_review("wechat", doc["account"])
        found.append(doc)
    return found


def trigger_conf(
    dag_id: str, article_ids: list[str], channels: list[str] | None = None
) -> dict[str, Any]:
    """The run conf of an editors' DAG for these articles, as its trigger form takes it."""
    ids = list(dict.fromkeys(a for a in article_ids if a))
    if dag_id == REPUBLISH:
        return {
            "article_ids": ids,
            "channels": channels or None,
            "reason": "",
            "note": None,
            "embargo_until": None,
            "push": "auto",
        }
    if dag_id == KILL:
        return {"article_ids": ids, "reason": ""}
    raise ValueError(f"no editors' DAG {dag_id!r}")


def ui_links(ui_root: str, dag_id: str) -> dict[str, str]:
    """Airflow UI and REST addresses of an editors' DAG, under the UI's root path."""
    root = ui_root.rstrip("/")
    name = quote(dag_id, safe="")
    return {
        "dag": f"{root}/dags/{name}",
        "runs": f"{root}/dags/{name}/runs",
        "trigger_api": f"{root}/api/v2/dags/{name}/dagRuns",
        "required_actions": f"{root}/required_actions?response_received=false",
    }
