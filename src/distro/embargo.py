"""Embargoes: the time before which a channel may not show an article version.

An article carries ``embargo_until`` (every channel) and ``embargo_channels`` (per channel, e.g.
the web at 06:00 and the WeChat edition at 07:00). Its deliveries are queued ``scheduled`` until
then, and moved to ``pending`` by ``release_due`` when a channel publishes or the sweep runs, so
an embargo survives restarts and no output holds the article before its time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from distro.models import MAX_YEAR, MIN_YEAR, Article


def parse_time(text: str, zone: dt.tzinfo, what: str = "embargo") -> dt.datetime:
    """One ISO 8601 time as an aware datetime: without an offset it is read in ``zone`` (the
    newsroom's clock), never guessed; ValueError naming ``what`` when it is no such time or its
    year is outside 1900-2100. The sidecar, the feed item and the editor's form all read it so.
    """
    raw = text.strip()
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{what} {raw[:40]!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise ValueError(f"{what} {raw[:40]!r} is outside {MIN_YEAR}-{MAX_YEAR}")
    return when


def time_for(article: Article, channel: str) -> dt.datetime | None:
    """The embargo time of ``article`` on ``channel`` (None when there is none)."""
    return article.embargo_channels.get(channel, article.embargo_until)


def not_before(
    article: Article, targets: Iterable[tuple[str, str]], *, now: dt.datetime | None = None
) -> dict[tuple[str, str], dt.datetime]:
    """The targets ``article`` must wait for, each with its time (past embargoes are over)."""
    when = now or dt.datetime.now(dt.UTC)
    found = {}
    for channel, target in targets:
        until = time_for(article, channel)
        if until is not None and until > when:
            found[(channel, target)] = until
    return found
