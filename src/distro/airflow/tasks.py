"""What the DAG tasks do, as plain functions: ingest a source group, publish a channel,
republish articles, sweep for pending work. Each is idempotent and returns counts, never bodies.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from distro import channels, config, review, service, workflows
from distro.config import Settings
from distro.store.ledger import Ledger


def settings_now(settings: Settings | None = None) -> Settings:
    """The given settings, or the ones DISTRO_CONFIG / DISTRO_STATE name (set by `distro up`)."""
    from distro.airflow import connections

    connections.install()
    if settings is not None:
        return settings
    # A broken channel, source or partner section stops only its own DAGs (their stand-ins
    # never run): the other tasks read the rest of the file.
    return config.load_lenient()[0]


#: Set by `distro up` to the store URL it migrated, so tasks skip the per-process schema check.
LEDGER_READY = "DISTRO_LEDGER_READY"


def open_ledger(settings: Settings) -> Ledger:
    """The ledger; migrated here unless `distro up` already did (a second per task saved).

    Every task closes its ledger, so its connections stay open until then: a web publish runs
    about 100 short transactions, and reopening SQLite for each took half its time.
    """
    migrated = os.environ.get(LEDGER_READY) == settings.store_url
    return Ledger(settings.store_url, migrate_schema=not migrated, keep_connections=True)


groups = service.groups
for_group = service.for_group
signalled = service.signalled
woken = service.woken


def schedule_paths(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Each DAG id the config makes -> the config paths its schedule is read from."""
    paths: dict[str, tuple[str, ...]] = {}
    for group in groups(settings):
        paths[workflows.ingest(group)] = tuple(
            f"sources.{n}"
            for n, source in enumerate(settings.config.sources)
            if source.group == group
        )
    for name in channels.enabled(settings):
        for lane in channels.lanes(settings, name):
            paths[workflows.publish(name, lane.target)] = lane.schedule_paths
    for name in channels.enabled(settings):
        if review.gated(settings, name):
            paths[workflows.review(name)] = ("review.schedule",)
    return paths | {workflows.REPUBLISH: (), workflows.KILL: (), workflows.SWEEP: ()}


def misconfigured(settings: Settings) -> dict[str, list[str]]:
    """DAG id -> what is wrong with its schedule, for the DAGs that cannot be built."""
    broken = {}
    for dag_id, paths in schedule_paths(settings).items():
        problems = config.schedule_problems(settings.config, paths)
        if problems:
            broken[dag_id] = problems
    return broken


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


def publish(
    channel: str, target: str | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """Drain what is pending for ``channel`` (one lane's ``target``, or all of them)."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        report = channels.publish(channel, settings, ledger, target)
    finally:
        ledger.close()
    return report_of(report, channel, target)


def missed(dag_run: Any, late_minutes: float) -> str | None:
    """Why this scheduled run of a clock lane must not publish (manual runs always may)."""
    import datetime as dt

    run_type = getattr(dag_run, "run_type", None)
    if getattr(run_type, "value", run_type) != "scheduled":
        return None
    due = getattr(dag_run, "data_interval_end", None) or getattr(dag_run, "run_after", None)
    return service.missed_edition(
        due,
        dt.datetime.now(dt.UTC),
        late_minutes,
        catch_up_until=os.environ.get(service.CATCH_UP_UNTIL),
    )


def shards(channel: str, settings: Settings | None = None) -> list[dict[str, Any]]:
    """The shards of ``channel`` with work: a target, or one hash bucket of it (the publish DAG
    maps one task over each)."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        return [shard.as_json() for shard in service.shards(settings, ledger, channel)]
    finally:
        ledger.close()


def report_of(report: channels.PublishReport, channel: str, target: str | None) -> dict[str, Any]:
    """What a publish task returns (XCom): counts and the summary, never bodies."""
    result: dict[str, Any] = counts(report, ("sent", "skipped", "quarantined", "failed"))
    result["channel"] = channel
    if target is not None:
        result["target"] = target
    result["dry_run"] = report.dry_run
    result["summary"] = report.summary()
    return result


def deliver(
    channel: str, shard: dict[str, Any], settings: Settings | None = None
) -> dict[str, Any]:
    """Publish one shard of ``channel`` (a whole target, or one bucket's per-article half)."""
    from distro.channels.shards import Shard

    share = Shard.of(shard)
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        report = channels.deliver(channel, settings, ledger, share)
    finally:
        ledger.close()
    result = report_of(report, channel, share.target)
    result["shard"] = share.label()
    return result


def finish(
    channel: str, shards: Sequence[dict[str, Any]], settings: Settings | None = None
) -> list[dict[str, Any]]:
    """After the shards: each target split into buckets gets its aggregate files written once,
    and the deliveries its buckets did closed. Every target is tried; the first error is
    raised after them, so one target's trouble never holds the others' feeds back."""
    from distro.channels.shards import Shard

    targets = dict.fromkeys(s.target for s in map(Shard.of, shards) if not s.whole)
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    results: list[dict[str, Any]] = []
    problem: Exception | None = None
    try:
        for target in targets:
            try:
                report = channels.finish(channel, settings, ledger, target)
            except Exception as exc:  # the other targets still get their files
                problem = problem or exc
                continue
            results.append(report_of(report, channel, target))
    finally:
        ledger.close()
    if problem is not None:
        raise problem
    return results


PUSH_BY_RULES = service.PUSH_BY_RULES
choose = service.choose
request_key = service.request_key


def republish(
    article_ids: Sequence[str],
    requested: Sequence[str] | None,
    reason: str,
    note: str | None = None,
    *,
    push: str | None = None,
    key: str | None = None,
    settings: Settings | None = None,
    embargo_until: str | None = None,
) -> dict[str, Any]:
    """The republish DAG's task: ``service.republish`` with the task's settings and ledger."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        return service.republish(
            settings,
            ledger,
            article_ids,
            requested,
            reason,
            note,
            push=push,
            key=key,
            embargo_until=embargo_until,
        )
    finally:
        ledger.close()


def kill(
    article_ids: Sequence[str],
    reason: str,
    *,
    key: str | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """The kill DAG's task: ``service.kill`` with the task's settings and ledger."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        return service.kill(settings, ledger, article_ids, reason, key=key)
    finally:
        ledger.close()


def take_back(channel: str, target: str | None = None, settings: Settings | None = None) -> str:
    """A kill's step on a clock channel's lane: withdraw the killed articles now, send no
    edition."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        return channels.take_back(channel, settings, ledger, target).summary()
    finally:
        ledger.close()


def pending(settings: Settings | None = None) -> list[str]:
    """Signalled channels that still have deliveries waiting (embargoes that passed included)."""
    settings = settings_now(settings)
    ledger = open_ledger(settings)
    try:
        return service.waiting_channels(settings, ledger)
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


def edition_collect(channel: str, target: str, settings: Settings | None = None) -> dict[str, Any]:
    """The editions of ``channel``'s ``target`` waiting for an editor: one review request."""
    from distro.channels import registry

    settings = settings_now(settings)
    gate = registry.edition_gate(registry.get(channel))
    ledger = open_ledger(settings)
    try:
        batch: dict[str, Any] = gate.collect(settings, ledger, target)
    finally:
        ledger.close()
    return batch


def edition_decide(
    channel: str,
    target: str,
    batch: dict[str, Any],
    answer: dict[str, Any],
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Apply an editor's answer from Airflow to the editions the request listed."""
    from distro.channels import registry

    settings = settings_now(settings)
    gate = registry.edition_gate(registry.get(channel))
    ledger = open_ledger(settings)
    try:
        result: dict[str, Any] = gate.decide(settings, ledger, target, batch, answer)
    finally:
        ledger.close()
    return result


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
        return review.apply_answer(ledger, channel, batch, answer, settings)
    finally:
        ledger.close()
