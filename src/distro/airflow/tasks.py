"""What the DAG tasks do, as plain functions: ingest a source group, publish a channel,
republish articles, sweep for pending work. Each is idempotent and returns counts, never bodies.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from typing import Any

from distro import channels, config, review
from distro.config import Settings
from distro.errors import ConfigError, InputError
from distro.store.ledger import Ledger

#: Channels that publish on a clock (editions), not on every new article.
CLOCK_CHANNELS = frozenset({"wechat"})


def settings_now(settings: Settings | None = None) -> Settings:
    """The given settings, or the ones DISTRO_CONFIG / DISTRO_STATE name (set by `distro up`)."""
    from distro.airflow import connections

    connections.install()
    return settings if settings is not None else config.load()


#: Set by `distro up` to the store URL it migrated, so tasks skip the per-process schema check.
LEDGER_READY = "DISTRO_LEDGER_READY"


def open_ledger(settings: Settings) -> Ledger:
    """The ledger; migrated here unless `distro up` already did (a second per task saved)."""
    if os.environ.get(LEDGER_READY) == settings.store_url:
        return Ledger(settings.store_url, migrate_schema=False)
    return Ledger.open(settings)


def groups(settings: Settings) -> dict[str, list[str]]:
    """Source group -> names of its sources, in config order."""
    found: dict[str, list[str]] = {}
    for source in settings.config.sources:
        found.setdefault(source.group, []).append(source.name)
    return found


def schedule_paths(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Each DAG id the config makes -> the config paths its schedule is read from."""
    paths: dict[str, tuple[str, ...]] = {}
    for group in groups(settings):
        paths[f"ingest_{group}"] = tuple(
            f"sources.{n}"
            for n, source in enumerate(settings.config.sources)
            if source.group == group
        )
    own = {"app": "channels.app.schedule", "wechat": "channels.wechat.schedules"}
    for name in channels.enabled(settings):
        paths[f"publish_{name}"] = (own.get(name, "channels.web.schedule"),)
    return paths | {"republish": (), "sweep": ()}


def misconfigured(settings: Settings) -> dict[str, list[str]]:
    """DAG id -> what is wrong with its schedule, for the DAGs that cannot be built."""
    broken = {}
    for dag_id, paths in schedule_paths(settings).items():
        problems = config.schedule_problems(settings.config, paths)
        if problems:
            broken[dag_id] = problems
    return broken


def for_group(settings: Settings, group: str) -> Settings:
    """The settings with only the sources of ``group``."""
    sources = [source for source in settings.config.sources if source.group == group]
    if not sources:
        raise ConfigError(f"no source group {group!r}; known: {', '.join(groups(settings))}")
    narrowed = settings.config.model_copy(update={"sources": sources})
    return Settings(narrowed, settings.state, settings.config_path)


def signalled(settings: Settings) -> list[str]:
    """Channels that new or revised articles wake at once (the clock channels wait)."""
    return [name for name in channels.enabled(settings) if name not in CLOCK_CHANNELS]


def counts(report: object, fields: Iterable[str]) -> dict[str, int]:
    """The integer counters of a report, by name (missing ones are 0)."""
    return {name: int(getattr(report, name, 0) or 0) for name in fields}


def ingest(group: str, settings: Settings | None = None) -> dict[str, Any]:
    """Run every source of ``group`` once; the counts say whether anything new arrived."""
    from distro import pipeline

    settings = for_group(settings_now(settings), group)
    ledger = open_ledger(settings)
    try:
        report = pipeline.ingest(settings, ledger=ledger)
    finally:
        ledger.close()
    result: dict[str, Any] = counts(
        report, ("accepted", "new_versions", "duplicates", "quarantined")
    )
    result["errors"] = sum(1 for item in report.sources if item.outcome == "error")
    result["group"] = group
    return result


def publish(channel: str, settings: Settings | None = None) -> dict[str, Any]:
    """Drain what is pending for ``channel``."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        report = channels.publish(channel, settings, ledger)
    finally:
        ledger.close()
    result: dict[str, Any] = counts(report, ("sent", "skipped", "quarantined", "failed"))
    result["channel"] = channel
    result["dry_run"] = report.dry_run
    result["summary"] = report.summary()
    return result


#: The republish form's default push choice: let the config's push rules decide.
PUSH_BY_RULES = "auto"


def request_key(
    article_ids: Sequence[str],
    chosen: Sequence[str],
    reason: str,
    note: str | None,
    push: str | None = None,
) -> str:
    """A stable key for one republish request: the same request gives the same key."""
    payload = json.dumps(
        {
            "ids": sorted(set(article_ids)),
            "channels": sorted(set(chosen)),
            "reason": reason,
            "note": note,
            **({"push": push} if push and push != PUSH_BY_RULES else {}),
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def choose(settings: Settings, requested: Sequence[str] | None) -> list[str]:
    """The channels to redeliver to: the requested ones (all enabled when none), checked."""
    enabled = channels.enabled(settings)
    if not requested:
        return enabled
    unknown = sorted(set(requested) - set(enabled))
    if unknown:
        raise ConfigError(
            f"channel(s) {', '.join(unknown)} not enabled; enabled: {', '.join(enabled)}"
        )
    return [name for name in enabled if name in requested]


def republish(
    article_ids: Sequence[str],
    requested: Sequence[str] | None,
    reason: str,
    note: str | None = None,
    *,
    push: str | None = None,
    key: str | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Make a new version of each article and enqueue it for the chosen channels only.

    ``push`` is the editor's choice for the app channel: ``notify`` or ``silent`` override the
    config's push rules for the new versions; ``auto`` (or None) leaves them to the rules.
    ``key`` names the request (the DAG run id): a retry with the same key reuses the versions
    it made instead of making more, so a retried task never republishes twice.
    """
    from distro.channels.app import rules as push_rules
    from distro.channels.app.publish import record_choice

    settings = settings_now(settings)
    if push in (None, "", PUSH_BY_RULES):
        choice = None
    elif push in push_rules.CHOICES:
        choice = push
    else:
        raise InputError(f"push must be auto, notify or silent, not {push!r}")
    ids = list(dict.fromkeys(article_id.strip() for article_id in article_ids if article_id))
    if not ids:
        raise InputError("republish needs at least one article id")
    if not reason.strip():
        raise InputError("republish needs a reason")
    chosen = choose(settings, requested)
    key = key or request_key(ids, chosen, reason, note, push)
    pairs = [pair for pair in channels.targets(settings) if pair[0] in chosen]
    ledger = open_ledger(settings)
    try:
        missing = [article_id for article_id in ids if ledger.get(article_id) is None]
        if missing:
            raise InputError(f"no such article(s): {', '.join(missing)}")
        made = []
        for article_id in ids:
            memo = f"republish:{key}:{article_id}"
            remembered = ledger.get_value(memo)
            if remembered is None:
                version = ledger.revise(article_id, correction=note or None, reason=reason).version
                ledger.set_value(memo, str(version))
            else:
                version = int(remembered)
            if choice is not None and "app" in chosen:
                record_choice(ledger, article_id, version, choice)
            revised = ledger.get(article_id, version)
            held = review.gate(settings, revised, pairs) if revised is not None else {}
            queued = ledger.enqueue_many(article_id, version, pairs, held)
            made.append({"id": article_id, "version": version, "queued": queued})
    finally:
        ledger.close()
    return {"key": key, "channels": chosen, "articles": made}


def pending(settings: Settings | None = None) -> list[str]:
    """Signalled channels that still have deliveries waiting."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        return [name for name in signalled(settings) if ledger.pending(name, limit=1)]
    finally:
        ledger.close()


def review_collect(channel: str, settings: Settings | None = None) -> dict[str, Any]:
    """What waits for an editor on ``channel``: the batch a review request shows."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        items = review.waiting(ledger, channel=channel)
        docs = [item.as_json() for item in items]
        excerpts = review.excerpts(ledger, items)
    finally:
        ledger.close()
    return {
        "channel": channel,
        "count": len(docs),
        "items": docs,
        "subject": review.subject(channel, docs),
        "body": review.body(channel, docs, excerpts),
    }


def review_decide(
    channel: str,
    batch: dict[str, Any],
    answer: dict[str, Any],
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Apply an editor's answer from Airflow to the batch it was asked about."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        return review.apply_answer(ledger, channel, batch, answer)
    finally:
        ledger.close()
