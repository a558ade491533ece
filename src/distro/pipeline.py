"""Ingestion: run every source once; archive raw bytes, parse, validate, store, queue deliveries.

Each input (file, key, feed fetch) ends as exactly one of ``ok`` (articles stored),
``not_modified`` (a feed's 304), ``quarantined`` (a ledger entry says why) or ``error``
(transient: the input goes back and the next run tries again). Nothing is dropped silently, and
a rerun over the same inputs changes nothing: stored articles come back as duplicates and
deliveries are keyed by article, version, channel and target.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from distro import channels, embargo, review
from distro.errors import (
    DistroError,
    InputError,
    RecordRejected,
    SourceRejected,
    StoreError,
    shown,
)
from distro.faults import fault
from distro.jumps import Jumps, Step
from distro.models import Article, QuarantineEntry, explain
from distro.parse.meta import SIDECAR_SUFFIX, sidecar_name
from distro.sources.base import Item, Outcome, PayloadKind, Source, open_sources
from distro.sources.feed import FeedSource
from distro.sources.inbox import InboxSource
from distro.sources.transport import Transport
from distro.store.archive import Archive
from distro.store.ledger import Ledger
from distro.store.objects import open_objects

if TYPE_CHECKING:
    from distro.config import Settings

#: The task logs: which file, article id and headline each step handled.
log = logging.getLogger(__name__)

#: Archived headers that keep what retrying a payload needs (its kind, its sidecar).
KIND_HEADER = "x-distro-kind"
SIDECAR_HEADER = "x-distro-sidecar"
FILENAME_HEADER = "x-distro-filename"
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class SourceReport:
    """What became of one input."""

    uri: str
    outcome: Outcome
    articles: int = 0
    reason: str | None = None
    source: str = ""
    accepted: int = 0
    duplicates: int = 0
    new_versions: int = 0
    quarantined: int = 0
    #: Continuations stored alone before their start came, withdrawn now that they are joined.
    withdrawn: int = 0
    entries: list[str] = field(default_factory=list)  # quarantine entry ids

    def as_json(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "outcome": self.outcome,
            "articles": self.articles,
            "reason": self.reason,
        }


@dataclass
class IngestReport:
    """What one ingest run did."""

    sources: list[SourceReport] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(r.accepted for r in self.sources)

    @property
    def duplicates(self) -> int:
        return sum(r.duplicates for r in self.sources)

    @property
    def new_versions(self) -> int:
        return sum(r.new_versions for r in self.sources)

    @property
    def quarantined(self) -> int:
        return sum(r.quarantined for r in self.sources)

    @property
    def errors(self) -> list[SourceReport]:
        return [r for r in self.sources if r.outcome == "error"]

    def outcomes(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for report in self.sources:
            counts[report.outcome] = counts.get(report.outcome, 0) + 1
        return counts

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "new_versions": self.new_versions,
            "quarantined": self.quarantined,
            "sources": [r.as_json() for r in self.sources],
        }

    def summary(self) -> str:
        outcomes = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes().items())) or "none"
        return (
            f"{len(self.sources)} inputs ({outcomes}): {self.accepted} accepted, "
            f"{self.duplicates} duplicates, {self.new_versions} new versions, "
            f"{self.quarantined} quarantined"
        )


Progress = Callable[[SourceReport], None]


#: A validation error as one line (``models.explain``).
invalid = explain


class Ingestor:
    """Processes items into the ledger; one per run."""

    def __init__(self, settings: Settings, ledger: Ledger, archive: Archive) -> None:
        self.settings = settings
        self.ledger = ledger
        self.archive = archive
        self.targets = channels.targets(settings)
        jumps = settings.config.jumps
        self.jumps = Jumps(
            ledger.kv("jumps"),
            start=jumps.start,
            hold_minutes=jumps.hold_minutes,
            latest=ledger.get,
        )

    def process(self, item: Item) -> SourceReport:
        """Settle one item; store failures release it and propagate (the run stops)."""
        report = SourceReport(item.uri, "ok", source=item.source)
        fault("ingest.claimed")
        try:
            self._process(item, report)
        except StoreError:
            item.release()
            raise
        if report.reason is not None:
            report.reason = shown(report.reason)
        if report.outcome == "error":
            item.release()
        else:
            item.done()
            fault("ingest.settled")
        return report

    def _quarantine(
        self, report: SourceReport, *, raw_ref: str, stage: str, reason: str
    ) -> QuarantineEntry:
        reason = shown(reason)  # a file name with a line break writes no log line of its own
        entry = self.ledger.quarantine(
            raw_ref=raw_ref, stage=stage, reason=reason, origin=report.uri
        )
        log.warning("%s: quarantined at %s: %s", report.uri, stage, reason)
        report.quarantined += 1
        report.entries.append(entry.id)
        return entry

    def _process(self, item: Item, report: SourceReport) -> None:
        if item.outcome is not None:
            report.outcome = item.outcome
            report.reason = item.reason
            if item.outcome == "quarantined":
                self._quarantine(
                    report, raw_ref=item.uri, stage=item.stage, reason=item.reason or "refused"
                )
            return
        assert item.data is not None
        headers = dict(item.headers)
        headers[KIND_HEADER] = item.kind
        if item.filename:
            headers[FILENAME_HEADER] = item.filename
        if item.sidecar is not None:
            sidecar = self.archive.put(
                item.sidecar, origin=item.uri + SIDECAR_SUFFIX, source=item.source
            )
            headers[SIDECAR_HEADER] = sidecar.sha256
        raw = self.archive.put(
            item.data,
            origin=item.uri,
            source=item.source,
            headers=headers,
            media_type=item.media_type,
        )
        fault("ingest.archived")
        try:
            articles, problems = self._parse(item, raw.sha256, raw.received_at)
        except (InputError, SourceRejected) as exc:
            report.outcome, report.reason = "quarantined", exc.message
            self._quarantine(report, raw_ref=raw.sha256, stage="parse", reason=exc.message)
            return
        except ValidationError as exc:  # the page's facts (sidecar, name) break the model
            reason = f"{item.uri}: {invalid(exc)}"
            report.outcome, report.reason = "quarantined", reason
            self._quarantine(report, raw_ref=raw.sha256, stage="validate", reason=reason)
            return
        except Exception as exc:  # a parser bug must not lose the input or stop the run
            reason = f"parser failed: {type(exc).__name__}: {exc}"
            report.outcome, report.reason = "quarantined", reason
            self._quarantine(report, raw_ref=raw.sha256, stage="parse", reason=reason)
            return
        fault("ingest.parsed")
        for problem in problems:
            self._quarantine(report, raw_ref=raw.sha256, stage="parse", reason=problem)
        before = len(report.entries)
        valid = [a for a in articles if self._valid(a, raw.sha256, report)]

        def apply(steps: list[Step]) -> None:
            for step in steps:
                if step.kill is not None:
                    self._withdraw(step.kill, step.reason, report)
                elif step.article is not None:
                    self._store(step.article, raw.sha256, report, hold_until=step.hold_until)

        if item.kind == "page":
            self.jumps.settle(valid, paper=self._paper(item), apply=apply)
        else:
            apply([Step(article) for article in valid])
        refused = [
            e.reason for i in report.entries[before:] if (e := self.ledger.get_quarantine(i))
        ]
        if problems:
            report.reason = "; ".join(problems)
        if report.articles == 0:
            report.outcome = "quarantined"
            if refused and not problems:  # each has its entry: no second one saying "none"
                report.reason = f"{len(refused)} of {len(articles)} articles refused: {refused[0]}"
            elif not problems:
                report.reason = "no articles found"
                self._quarantine(report, raw_ref=raw.sha256, stage="parse", reason=report.reason)

    def _parse(self, item: Item, sha256: str, received_at: Any) -> tuple[list[Article], list[str]]:
        assert item.data is not None
        if item.kind == "feed":
            from distro.parse.feed import parse_feed

            result = parse_feed(
                item.data,
                origin=item.uri,
                headers=item.headers,
                source=item.source,
                received_at=received_at,
                section=item.section,
            )
            return result.articles, result.problems
        from distro.parse import page_meta, parse_page

        filename = item.filename or PurePosixPath(item.uri).name
        meta = page_meta(filename, item.sidecar)
        articles = parse_page(
            item.data,
            origin=item.uri,
            issue_date=meta.issue_date,
            page=meta.page,
            section=meta.section,
            source=item.source,
            publication=meta.publication or item.publication or "本报",
            received_at=received_at,
        )
        if meta.embargo:
            unknown = sorted(set(meta.embargo) - {"*", *channels.names()})
            if unknown:  # a misspelt channel would otherwise show the page before its time
                known = ", ".join(channels.names())
                raise InputError(
                    f"{sidecar_name(filename)}: embargo_until names no channel "
                    f"{', '.join(repr(u[:32]) for u in unknown)} (channels: {known}, or *)"
                )
            every = meta.embargo.get("*")
            channels_only = {k: v for k, v in meta.embargo.items() if k != "*"}
            articles = [
                a.model_copy(update={"embargo_until": every, "embargo_channels": channels_only})
                for a in articles
            ]
        return articles, []

    def _paper(self, item: Item) -> str:
        """The paper a page belongs to, as its articles' ids name it."""
        from distro.parse import page_meta

        meta = page_meta(item.filename or PurePosixPath(item.uri).name, item.sidecar)
        return meta.publication or item.publication or "本报"

    def _valid(self, article: Article, sha256: str, report: SourceReport) -> bool:
        """Whether the article validates; one that does not is quarantined."""
        try:
            Article.model_validate(article.model_dump())
        except ValidationError as exc:
            reason = f"{article.id}: {invalid(exc)}"
            self._quarantine(report, raw_ref=sha256, stage="validate", reason=reason)
            return False
        return True

    def _withdraw(self, article_id: str, reason: str, report: SourceReport) -> None:
        """A continuation joined to its start: a canceled version to every target (once)."""
        from distro.models import PubStatus

        latest = self.ledger.get(article_id)
        if latest is None:
            return
        if latest.pub_status is not PubStatus.CANCELED:
            latest = self.ledger.kill(article_id, reason)
            log.info("%s: withdrew %s v%d: %s", report.uri, article_id, latest.version, reason)
        self.ledger.enqueue_many(article_id, latest.version, self.targets)
        report.withdrawn += 1

    def _store(
        self,
        article: Article,
        sha256: str,
        report: SourceReport,
        hold_until: dt.datetime | None = None,
    ) -> str | None:
        """Validate and store one article; the reason it was quarantined, or None when stored."""
        try:
            checked = Article.model_validate(article.model_dump())
        except ValidationError as exc:
            reason = f"{article.id}: {invalid(exc)}"
            self._quarantine(report, raw_ref=sha256, stage="validate", reason=reason)
            return reason
        try:
            held = review.gate(self.settings, checked, self.targets)
            waits = embargo.not_before(checked, self.targets)
            if hold_until is not None:
                # A jump waiting for its other half: scheduled like an embargo, released by
                # release_due; a later embargo still wins.
                for pair in self.targets:
                    waits[pair] = max(waits.get(pair, hold_until), hold_until)
            outcome, stored = self.ledger.put(checked, self.targets, held, waits)
        except RecordRejected as exc:
            reason = f"{article.id}: {exc}"
            self._quarantine(report, raw_ref=sha256, stage="store", reason=reason)
            return reason
        fault("ingest.stored")
        gates = ", ".join(f"{channel}/{target}" for channel, target in held or {})
        log.info(
            "%s: %s %s v%d 《%s》%s", report.uri, outcome.replace("_", " "), stored.id,
            stored.version, stored.headline, f", held for review at {gates}" if gates else "",
        )  # fmt: skip
        report.articles += 1
        if outcome == "duplicate":
            report.duplicates += 1
        elif outcome == "accepted":
            report.accepted += 1
        else:
            report.new_versions += 1
        return None


def run_source(
    ingestor: Ingestor, source: Source, progress: Progress | None
) -> Iterable[SourceReport]:
    """Every item of one source; a source that cannot even list is one error report."""
    try:
        for item in source.items(ingestor.ledger):
            report = ingestor.process(item)
            if progress is not None:
                progress(report)
            yield report
    except StoreError:
        raise
    except DistroError as exc:
        report = SourceReport(source.location, "error", reason=exc.message, source=source.name)
        if progress is not None:
            progress(report)
        yield report


def flag_sources(
    settings: Settings,
    configured: list[Source],
    inbox: Path | str | None,
    feeds: Iterable[str],
    transport: Transport,
) -> list[Source]:
    """Sources given on the command line, unless the config already has them."""
    extra: list[Source] = []
    if inbox is not None:
        path = Path(inbox).absolute()
        if not any(isinstance(s, InboxSource) and s.path == path for s in configured):
            publication = next(
                (c.publication for c in settings.config.sources if c.kind == "inbox"), "本报"
            )
            extra.append(InboxSource(path, publication=publication))
    known = {s.url for s in configured if isinstance(s, FeedSource)}
    for url in dict.fromkeys(feeds):
        if url not in known:
            extra.append(FeedSource(url, transport=transport))
    return extra


def ingest(
    settings: Settings,
    *,
    ledger: Ledger | None = None,
    inbox: Path | str | None = None,
    feeds: Iterable[str] = (),
    progress: Progress | None = None,
    transport: Transport | None = None,
    configured: bool = True,
) -> IngestReport:
    """Run every configured source once, plus an inbox folder and feeds given as arguments."""
    own_ledger = ledger is None
    # closed below: its connections stay open across the run's many short transactions
    active = ledger if ledger is not None else Ledger.open(settings, keep_connections=True)
    http = transport or Transport(settings.config.limits)
    try:
        archive = Archive(open_objects(settings.config.archive, settings.state.archive))
        ingestor = Ingestor(settings, active, archive)
        sources = open_sources(settings, transport=http) if configured else []
        sources += flag_sources(settings, sources, inbox, feeds, http)
        report = IngestReport()
        for source in sources:
            report.sources.extend(run_source(ingestor, source, progress))
        return report
    finally:
        if transport is None:
            http.close()
        if own_ledger:
            active.close()


def retry(settings: Settings, ledger: Ledger, entry_id: str) -> SourceReport:
    """Process a quarantined input again; the entry is resolved when it now goes through."""
    entry = ledger.get_quarantine(entry_id)
    if entry is None:
        raise InputError(f"no quarantine entry {entry_id}")
    archive = Archive(open_objects(settings.config.archive, settings.state.archive))
    ingestor = Ingestor(settings, ledger, archive)
    if entry.raw_ref.startswith("review:"):
        # An editor's rejection retried: back to the gate, never straight out.
        article_id, version, channel, target = entry.raw_ref.removeprefix("review:").split("/", 3)
        for delivery in ledger.deliveries(article_id=article_id, channel=channel):
            if delivery.version == int(version) and delivery.target == target:
                ledger.hold(delivery, "rejection retried: waits for an editor again")
        ledger.resolve_quarantine(entry.id)
        return SourceReport(entry.raw_ref, "ok", reason="delivery back at the review gate")
    if entry.raw_ref.startswith("delivery:"):
        article_id, version, channel, target = entry.raw_ref.removeprefix("delivery:").split("/", 3)
        for delivery in ledger.deliveries(article_id=article_id, channel=channel):
            if delivery.version == int(version) and delivery.target == target:
                ledger.reopen(delivery)
        ledger.resolve_quarantine(entry.id)
        return SourceReport(entry.raw_ref, "ok", reason="delivery back to pending")
    if SHA256.match(entry.raw_ref):
        meta = archive.meta(entry.raw_ref)
        headers = dict(meta.headers)
        kind: PayloadKind = "feed" if headers.pop(KIND_HEADER, "page") == "feed" else "page"
        sidecar_sha = headers.pop(SIDECAR_HEADER, None)
        item = Item(
            uri=meta.uri,
            source=meta.source,
            kind=kind,
            data=archive.get(entry.raw_ref),
            headers=headers,
            media_type=meta.media_type,
            filename=headers.pop(FILENAME_HEADER, None),
            sidecar=archive.get(sidecar_sha) if sidecar_sha else None,
        )
    elif entry.raw_ref.startswith("file:"):
        # Refused at the claim (a link, a bad name): its bytes were never read; fix and drop
        # the file into the inbox again (it waits in <inbox>/.refused/).
        return SourceReport(
            entry.raw_ref, "quarantined", reason=f"refused at the claim: {entry.reason}"
        )
    else:
        with Transport(settings.config.limits) as http:
            item = FeedSource(entry.raw_ref, transport=http).fetch(ledger)
    report = ingestor.process(item)
    if report.outcome in {"ok", "not_modified"}:
        ledger.resolve_quarantine(entry.id)
    return report
