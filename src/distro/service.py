"""The application's services: which sources and channels run together, what waits, and the
editorial actions on stored articles (republish, kill) with the checks before them.

Called alike by the CLI (``distro republish|kill --local``) and by the Airflow tasks (which only
add context, XCom and retries); each takes settings and a ledger and returns counts and ids,
never article bodies. Each is idempotent under a request ``key`` (the DAG run id): a retried
task reuses the versions it made instead of making more.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from distro import channels, embargo, review
from distro.errors import ConfigError, InputError

if TYPE_CHECKING:
    from distro.channels.shards import Shard
    from distro.config import Settings
    from distro.store.ledger import Ledger

def groups(settings: Settings) -> dict[str, list[str]]:
    """Source group -> names of its sources, in config order (one ingest DAG per group)."""
    found: dict[str, list[str]] = {}
    for source in settings.config.sources:
        found.setdefault(source.group, []).append(source.name)
    return found


def for_group(settings: Settings, group: str) -> Settings:
    """The settings with only the sources of ``group``."""
    from distro.config import Settings as SettingsType

    sources = [source for source in settings.config.sources if source.group == group]
    if not sources:
        raise ConfigError(f"no source group {group!r}; known: {', '.join(groups(settings))}")
    narrowed = settings.config.model_copy(update={"sources": sources})
    return SettingsType(narrowed, settings.state, settings.config_path)


#: Set by `distro up --catch-up`: scheduled editions due before this time may still go out late.
CATCH_UP_UNTIL = "DISTRO_CATCH_UP_UNTIL"


def missed_edition(
    due: dt.datetime | None,
    now: dt.datetime,
    late_minutes: float | None,
    *,
    catch_up_until: str | None = None,
) -> str | None:
    """Why a scheduled clock run must not publish now (None: it may).

    Airflow starts the latest missed cron time at once when the scheduler comes back or a
    schedule is edited; an edition is news of its hour, so one that is late by more than
    ``late_minutes`` is skipped unless an operator asked to catch up on it.
    """
    if due is None or late_minutes is None:
        return None
    late = now - due
    if late <= dt.timedelta(minutes=late_minutes):
        return None
    if catch_up_until:
        try:
            until = dt.datetime.fromisoformat(catch_up_until)
        except ValueError:
            until = None
        if until is not None and due <= until and now <= until + dt.timedelta(hours=1):
            return None
    minutes = int(late.total_seconds() // 60)
    return (
        f"missed edition due {due.isoformat()} ({minutes} min ago): not sent late; "
        "`distro up --catch-up` sends missed editions"
    )


def woken(names: Sequence[str]) -> list[str]:
    """Of ``names``, the channels an event wakes (clock channels take it in their next edition)."""
    return [name for name in names if not channels.on_clock(name)]


def signalled(settings: Settings) -> list[str]:
    """Channels that new or revised articles wake at once (the clock channels wait)."""
    return woken(channels.enabled(settings))


def waiting_channels(settings: Settings, ledger: Ledger) -> list[str]:
    """Signalled channels with deliveries pending (embargoes that have passed released first)."""
    ledger.release_due()
    return [name for name in signalled(settings) if ledger.pending(name, limit=1)]


def shards(settings: Settings, ledger: Ledger, channel: str) -> list[Shard]:
    """The shards of ``channel`` with work pending: one publish task each, in parallel.

    A target is one shard, or, when its channel splits it into buckets, one shard per bucket
    its pending articles fall in (``distro.channels.shards``); past ``limits.publish_shards``
    shards, whole targets share them. The ledger's claims keep every (article version, channel,
    target) exactly-once across shards, every version of an article falls in the same bucket (in
    order), and a retried shard only ever drains its own share.
    """
    from distro.channels import registry
    from distro.channels.shards import Shard, group, split

    spec = registry.get(channel)
    ledger.release_due(channel=channel)
    found: list[str | Shard] = []  # in the config's order: whole targets, and buckets
    for target in registry.targets(settings, spec):
        buckets = spec.buckets_of(settings, target)
        if buckets == 1:
            if ledger.pending(channel, target=target, limit=1):
                found.append(target)
            continue
        pending = ledger.pending(channel, target=target)
        if pending:
            found.extend(split(target, buckets, (d.article_id for d in pending)))
    whole = [item for item in found if isinstance(item, str)]
    room = settings.config.limits.publish_shards - (len(found) - len(whole))
    heads = {shard.target: shard for shard in group(whole, room)}  # a shared shard goes first
    return [
        item if isinstance(item, Shard) else heads[item]
        for item in found
        if isinstance(item, Shard) or item in heads
    ]


def delivery_status(
    ledger: Ledger, article_ids: Sequence[str], chosen: Sequence[str]
) -> list[dict[str, Any]]:
    """How the latest version of each article went on each chosen channel target."""
    from distro.models import DeliveryState

    # Held and scheduled deliveries wait for an editor or a time, not for a publisher.
    moving = (DeliveryState.PENDING, DeliveryState.SENDING)
    found = []
    for article_id in article_ids:
        latest = ledger.get(article_id)
        if latest is None:
            continue
        for d in ledger.deliveries(article_id=article_id):
            if d.version != latest.version or d.channel not in chosen:
                continue
            found.append(
                {
                    "article_id": article_id,
                    "version": d.version,
                    "channel": d.channel,
                    "target": d.target,
                    "state": d.state.value,
                    "open": d.state in moving,
                    "on_clock": channels.on_clock(d.channel),
                    "error": d.last_error,
                }
            )
    return found


#: The republish form's default push choice: let the config's push rules decide.
PUSH_BY_RULES = "auto"


def request_key(
    article_ids: Sequence[str],
    chosen: Sequence[str],
    reason: str,
    note: str | None,
    push: str | None = None,
) -> str:
    """A stable key for one request: the same request gives the same key."""
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


def embargo_time(settings: Settings, given: str | dt.datetime | None) -> dt.datetime | None:
    """The editor's embargo as an aware time: ISO 8601; without an offset it is read in the
    config's time zone (the newsroom's clock), never in the server's."""
    from zoneinfo import ZoneInfo

    if given is None or given == "":
        return None
    zone = ZoneInfo(settings.config.timezone)
    if isinstance(given, dt.datetime):
        given = given.isoformat()
    try:
        return embargo.parse_time(given, zone)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def article_ids(ledger: Ledger, given: Sequence[str]) -> list[str]:
    """The ids asked for, deduplicated and checked: an unknown one is a one-line InputError."""
    ids = list(dict.fromkeys(a.strip() for a in given if a and a.strip()))
    if not ids:
        raise InputError("name at least one article id")
    missing = [a for a in ids if ledger.get(a) is None]
    if missing:
        raise InputError(f"no such article(s): {', '.join(missing)}")
    return ids


def republish(
    settings: Settings,
    ledger: Ledger,
    given: Sequence[str],
    requested: Sequence[str] | None,
    reason: str,
    note: str | None = None,
    *,
    push: str | None = None,
    key: str | None = None,
    embargo_until: str | dt.datetime | None = None,
) -> dict[str, Any]:
    """Make a new version of each article and enqueue it for the chosen channels only.

    ``push`` is the editor's choice for the app channel: ``notify`` or ``silent`` override the
    config's push rules for the new versions; ``auto`` (or None) leaves them to the rules. The
    new version goes through each target's review gate again.
    """
    from distro.channels.app import rules as push_rules
    from distro.channels.app.publish import record_choice

    if push in (None, "", PUSH_BY_RULES):
        choice = None
    elif push in push_rules.CHOICES:
        choice = push
    else:
        raise InputError(f"push must be auto, notify or silent, not {push!r}")
    if not reason.strip():
        raise InputError("republish needs a reason")
    ids = article_ids(ledger, given)
    chosen = choose(settings, requested)
    until = embargo_time(settings, embargo_until)
    key = key or request_key(ids, chosen, reason, note, push)
    if until is not None:
        key = f"{key}-e{int(until.timestamp())}"
    pairs = [pair for pair in channels.targets(settings) if pair[0] in chosen]
    made = []
    for article_id in ids:
        memos, memo = ledger.kv("republish"), f"{key}:{article_id}"
        remembered = memos.get(memo)
        if remembered is None:
            version = ledger.revise(
                article_id, correction=note or None, reason=reason, embargo_until=until
            ).version
            memos.set(memo, str(version))
        else:
            version = int(remembered)
        if choice is not None and "app" in chosen:
            record_choice(ledger, article_id, version, choice)
        revised = ledger.get(article_id, version)
        held = review.gate(settings, revised, pairs) if revised is not None else {}
        waits = embargo.not_before(revised, pairs) if revised is not None else {}
        queued = ledger.enqueue_many(article_id, version, pairs, held, waits)
        made.append({"id": article_id, "version": version, "queued": queued, "held": len(held)})
    result: dict[str, Any] = {"key": key, "channels": chosen, "articles": made}
    if until is not None:
        result["embargo_until"] = until.isoformat()
    return result


def kill(
    settings: Settings,
    ledger: Ledger,
    given: Sequence[str],
    reason: str,
    *,
    key: str | None = None,
) -> dict[str, Any]:
    """Withdraw articles everywhere: a canceled version, delivered to every channel target.

    A kill never waits at a review gate (taking a story down must not need a second editor), and
    it closes any version still held there. Channels turn it into a tombstone page, removal from
    feeds and sitemaps, a signed ``canceled`` webhook, or a WeChat deletion.
    """
    if not reason.strip():
        raise InputError("a kill needs a reason")
    ids = article_ids(ledger, given)
    key = key or request_key(ids, ["*kill*"], reason, None)
    pairs = channels.targets(settings)
    made = []
    for article_id in ids:
        memos, memo = ledger.kv("kill"), f"{key}:{article_id}"
        remembered = memos.get(memo)
        if remembered is None:
            version = ledger.kill(article_id, reason.strip()).version
            memos.set(memo, str(version))
        else:
            version = int(remembered)
        queued = ledger.enqueue_many(article_id, version, pairs)
        made.append({"id": article_id, "version": version, "queued": queued})
    return {"key": key, "channels": sorted({c for c, _t in pairs}), "articles": made}
