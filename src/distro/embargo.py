"""Embargoes: the time before which a channel may not show an article version.

An article carries ``embargo_until`` (every channel) and ``embargo_channels`` (per channel, e.g.
the web at 06:00 and the WeChat edition at 07:00). Its deliveries are queued ``scheduled`` until
then, and moved to ``pending`` by ``release_due`` when a channel publishes or the sweep runs, so
an embargo survives restarts and no output holds the article before its time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from distro.models import Article


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
