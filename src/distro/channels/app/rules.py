"""Which article versions notify (pure): config rules, the editor's choice, quiet hours.

Order of precedence, first match wins:

1. killed articles and teasers never notify;
2. the editor's choice on the republish form (``notify`` or ``silent``) for this version;
   an explicit ``notify`` is sent even in quiet hours (the editor pressed the button now);
3. an article already notified for an earlier version does not notify again;
4. a config rule matches (section and genre if listed, urgency at most ``max_urgency``);
5. quiet hours (Asia/Shanghai, ``[start, end)``, may wrap midnight) suppress rule-based
   pushes; they are not sent later (by morning the news is stale; the feeds carry it anyway).

Every version of an article shares one collapse key, so if an editor does notify a correction,
devices replace the earlier notification instead of showing a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from distro.channels import in_scope
from distro.config import AppChannelConfig, PushRuleConfig
from distro.models import Article, Kind, PubStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
Choice = Literal["notify", "silent"]
CHOICES: tuple[Choice, ...] = ("notify", "silent")


@dataclass(frozen=True)
class Decision:
    """Whether to notify, and why (recorded in the ledger's delivery detail)."""

    notify: bool
    reason: str
    collapse_key: str


def collapse_key(article: Article) -> str:
    """One key per article, whatever the version (≤ 64 bytes, as APNs requires)."""
    return article.id


def choice_key(article_id: str, version: int) -> str:
    """The ledger key/value entry holding the editor's choice for one version."""
    return f"app:push:choice:{article_id}:{version}"


def matches(article: Article, rule: PushRuleConfig) -> bool:
    """Every non-empty list of the rule matches, and the urgency is high enough."""
    scoped = in_scope(article, sections=rule.sections, genres=rule.genres)
    return scoped and article.urgency <= rule.max_urgency


def in_quiet_hours(now: dt.datetime, quiet_hours: tuple[int, int] | None) -> bool:
    """Whether ``now`` falls in ``[start, end)`` local hours in Shanghai; ``(23, 7)`` wraps."""
    if quiet_hours is None:
        return False
    start, end = quiet_hours
    if start == end:
        return False
    hour = now.astimezone(SHANGHAI).hour
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def decide(
    article: Article,
    config: AppChannelConfig,
    *,
    now: dt.datetime,
    choice: str | None = None,
    notified_before: bool = False,
    rules: Sequence[PushRuleConfig] | None = None,
) -> Decision:
    """The push decision for one article version."""
    key = collapse_key(article)

    def decision(notify: bool, reason: str) -> Decision:
        return Decision(notify=notify, reason=reason, collapse_key=key)

    if article.pub_status is PubStatus.CANCELED:
        return decision(False, "killed")
    if article.kind is Kind.TEASER:
        return decision(False, "teaser")
    if choice == "silent":
        return decision(False, "editor-silent")
    if choice == "notify":
        return decision(True, "editor")
    if notified_before:
        return decision(False, "already-notified")
    active = config.rules if rules is None else rules
    if not any(matches(article, rule) for rule in active):
        return decision(False, "no-rule")
    if in_quiet_hours(now, config.quiet_hours):
        return decision(False, "quiet-hours")
    return decision(True, "rule")
