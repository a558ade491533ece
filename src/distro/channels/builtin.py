"""distro's own channels, declared as plugins are (registered in ``pyproject.toml``).

Each publish function imports its channel late, so reading the registry (at DAG parse time, in
the CLI) loads declarations only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from distro.channels.spec import DEFAULT_TARGET, ChannelSpec, Lane

if TYPE_CHECKING:
    from distro.channels import PublishReport
    from distro.channels.shards import Shard
    from distro.config import Settings
    from distro.store.ledger import Ledger


def _web(settings: Settings, ledger: Ledger, target: str | None = None) -> PublishReport:
    from distro.channels.web import publish

    return publish(settings, ledger)


def _sweep(section: str) -> Callable[[Settings], list[Lane]]:
    """One lane woken by events, with the section's ``schedule`` as its sweep."""

    def lanes(settings: Settings) -> list[Lane]:
        cron = getattr(settings.config.channels, section).schedule
        path = f"channels.{section}.schedule"
        return [Lane(crons=(cron,) if cron else (), schedule_paths=(path,))]

    return lanes


_web_lanes = _sweep("web")


WEB = ChannelSpec(
    name="web",
    publish=_web,
    enabled=lambda settings: settings.config.channels.web.enabled,
    lanes=_web_lanes,
    review=lambda settings, target: settings.config.channels.web.review,
    scopes=("channels.web",),
    order=10,
    description="A static site with RSS, Atom, JSON Feed and sitemaps.",
)


def _partners(settings: Settings, ledger: Ledger, target: str | None = None) -> PublishReport:
    from distro.channels.partners import publish
    from distro.config import Settings as SettingsType

    if target is not None:
        # One shard: the partner publisher drains the partners its settings name.
        only = [p for p in settings.config.partners if p.name == target]
        narrowed = settings.config.model_copy(update={"partners": only})
        settings = SettingsType(narrowed, settings.state, settings.config_path)
    return publish(settings, ledger)


def _partner_buckets(settings: Settings, target: str) -> int:
    return next((p.buckets for p in settings.config.partners if p.name == target), 1)


def _partner_deliver(settings: Settings, ledger: Ledger, shard: Shard) -> PublishReport:
    from distro.channels.partners import deliver

    return deliver(settings, ledger, shard)


def _partner_finish(settings: Settings, ledger: Ledger, target: str) -> PublishReport:
    from distro.channels.partners import finish

    return finish(settings, ledger, target)


def _partner_review(settings: Settings, target: str) -> str | float:
    for partner in settings.config.partners:
        if partner.name == target:
            return partner.review
    return "auto"


PARTNERS = ChannelSpec(
    name="partners",
    publish=_partners,
    enabled=lambda settings: bool(settings.config.partners),
    targets=lambda settings: [partner.name for partner in settings.config.partners],
    # Partner feeds are made with the web's settings and on its clock.
    lanes=_web_lanes,
    review=_partner_review,
    scopes=("channels.web", "partners"),
    shards=True,
    # A partner with many articles: webhook pushes in buckets, its feed once after them.
    buckets=_partner_buckets,
    deliver=_partner_deliver,
    finish=_partner_finish,
    order=20,
    description="Feeds and signed webhooks for channel partners, one target per partner.",
)


def _app(settings: Settings, ledger: Ledger, target: str | None = None) -> PublishReport:
    from distro.channels.app import publish

    return publish(settings, ledger)


APP = ChannelSpec(
    name="app",
    publish=_app,
    enabled=lambda settings: settings.config.channels.app.enabled,
    lanes=_sweep("app"),
    review=lambda settings, target: settings.config.channels.app.review,
    scopes=("channels.app",),
    order=30,
    description="JSON feeds for the apps and push notifications.",
)


def _wechat(settings: Settings, ledger: Ledger, target: str | None = None) -> PublishReport:
    from distro.channels.wechat import publish

    return publish(settings, ledger, target)


def _wechat_withdraw(
    settings: Settings, ledger: Ledger, target: str | None = None
) -> PublishReport:
    from distro.channels.wechat import withdraw

    return withdraw(settings, ledger, target)


#: A WeChat edition that would go out later than this after its time is skipped (`distro up
#: --catch-up` sends the missed one).
LATE_EDITION_MINUTES = 30.0


def _wechat_targets(settings: Settings) -> list[str]:
    from distro.channels.wechat.accounts import targets

    return targets(settings)


def _wechat_lanes(settings: Settings) -> list[Lane]:
    """One publish DAG per account, on its own edition times and pool."""
    from distro.channels.wechat.accounts import enabled

    cfg = settings.config.channels.wechat
    entries = {entry.name: n for n, entry in enumerate(cfg.accounts)}
    lanes = []
    for account in enabled(settings):
        if account.name == DEFAULT_TARGET:
            paths: tuple[str, ...] = ("channels.wechat.schedules",)
        else:
            n = entries[account.name]
            own = cfg.accounts[n].schedules is not None
            paths = (f"channels.wechat.accounts.{n}.schedules",) if own else ()
            paths = paths or ("channels.wechat.schedules",)
        lanes.append(
            Lane(
                target=account.name,
                crons=account.schedules,
                schedule_paths=paths,
                pool=(account.pool, account.pool_slots),
                late_minutes=LATE_EDITION_MINUTES,
            )
        )
    return lanes


def _wechat_review(settings: Settings, target: str) -> str | float:
    from distro.channels.wechat.accounts import accounts

    for account in accounts(settings):
        if account.name == target:
            return account.review
    return "auto"


WECHAT = ChannelSpec(
    name="wechat",
    publish=_wechat,
    withdraw=_wechat_withdraw,
    enabled=lambda settings: settings.config.channels.wechat.enabled,
    targets=_wechat_targets,
    lanes=_wechat_lanes,
    trigger="clock",
    review=_wechat_review,
    probe="distro.channels.wechat.runs.probe",
    editions="distro.channels.wechat.gate",
    scopes=("channels.wechat",),
    dry_run=True,
    order=40,
    description="WeChat Official Account editions (发布 or 群发).",
)
