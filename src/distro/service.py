"""Editorial actions on stored articles: republish, kill, and the checks before them.

Called alike by the CLI (``distro republish|kill --local``) and by the Airflow tasks of the
``republish`` and ``kill`` DAGs; each takes settings and a ledger and returns counts and ids,
never article bodies. Each is idempotent under a request ``key`` (the DAG run id): a retried
task reuses the versions it made instead of making more.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from distro import channels, embargo, review
from distro.errors import ConfigError, InputError

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

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
    key = key or request_key(ids, chosen, reason, note, push)
    pairs = [pair for pair in channels.targets(settings) if pair[0] in chosen]
    made = []
    for article_id in ids:
        memos, memo = ledger.kv("republish"), f"{key}:{article_id}"
        remembered = memos.get(memo)
        if remembered is None:
            version = ledger.revise(article_id, correction=note or None, reason=reason).version
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
    return {"key": key, "channels": chosen, "articles": made}


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
