"""Push rules: config rules, the editor's choice, quiet hours in Shanghai, one collapse key."""

from __future__ import annotations

import datetime as dt

from distro.channels.app.rules import collapse_key, decide, in_quiet_hours, matches
from distro.config import AppChannelConfig, PushRuleConfig
from distro.models import Kind, PubStatus
from tests.channels.app.conftest import make_article

UTC = dt.UTC
NOON = dt.datetime(2021, 7, 5, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
NIGHT = dt.datetime(2021, 7, 5, 16, 30, tzinfo=UTC)  # 00:30 in Shanghai


def config(**kwargs: object) -> AppChannelConfig:
    return AppChannelConfig.model_validate(kwargs)


def test_default_rule_notifies_urgent_articles_only() -> None:
    cfg = config()
    assert decide(make_article(urgency=2), cfg, now=NOON).notify
    low = decide(make_article(urgency=5), cfg, now=NOON)
    assert not low.notify and low.reason == "no-rule"


def test_rules_by_section_and_genre() -> None:
    rule = PushRuleConfig(sections=["要闻"], genres=["commentary"], max_urgency=9)
    assert matches(make_article(section="要闻", genre="commentary"), rule)
    assert not matches(make_article(section="要闻", genre="news"), rule)
    assert not matches(make_article(section="体育", genre="commentary"), rule)
    cfg = config(rules=[{"sections": ["体育"], "max_urgency": 9}, {"max_urgency": 1}])
    assert decide(make_article(section="体育", urgency=8), cfg, now=NOON).notify
    assert not decide(make_article(section="要闻", urgency=2), cfg, now=NOON).notify
    assert decide(make_article(section="要闻", urgency=1), cfg, now=NOON).notify


def test_quiet_hours_wrap_midnight_in_shanghai() -> None:
    assert in_quiet_hours(NIGHT, (23, 7))
    assert not in_quiet_hours(NOON, (23, 7))
    assert in_quiet_hours(NOON, (12, 13)) and not in_quiet_hours(NOON, (13, 14))
    assert not in_quiet_hours(NIGHT, None)
    cfg = config(quiet_hours=[23, 7])
    held = decide(make_article(urgency=1), cfg, now=NIGHT)
    assert not held.notify and held.reason == "quiet-hours"


def test_editor_choice_overrides_rules_and_quiet_hours() -> None:
    cfg = config(quiet_hours=[23, 7])
    low = make_article(urgency=8)
    assert decide(low, cfg, now=NIGHT, choice="notify").reason == "editor"
    assert decide(low, cfg, now=NIGHT, choice="notify", notified_before=True).notify
    urgent = make_article(urgency=1)
    silent = decide(urgent, cfg, now=NOON, choice="silent")
    assert not silent.notify and silent.reason == "editor-silent"


def test_republished_versions_do_not_notify_again() -> None:
    article = make_article(urgency=1)
    revised = article.model_copy(update={"version": 2, "correction": "更正"})
    again = decide(revised, config(), now=NOON, notified_before=True)
    assert not again.notify and again.reason == "already-notified"
    assert collapse_key(revised) == collapse_key(article) == article.id


def test_killed_articles_and_teasers_never_notify() -> None:
    killed = make_article(urgency=1, pub_status=PubStatus.CANCELED)
    assert decide(killed, config(), now=NOON, choice="notify").reason == "killed"
    teaser = make_article(urgency=1, kind=Kind.TEASER)
    assert decide(teaser, config(), now=NOON).reason == "teaser"
