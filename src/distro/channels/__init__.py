"""Channels: where articles go. Each has a pure ``render`` and an IO ``publish``.

Every channel module exposes ``publish(settings, ledger) -> PublishReport``: it drains what the
ledger holds pending for it, so a rerun after a crash or a retry never publishes twice.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.models import Article, Delivery
    from distro.store.ledger import Ledger

#: Channel name -> module that implements it.
MODULES: dict[str, str] = {
    "web": "distro.channels.web",
    "partners": "distro.channels.partners",
    "app": "distro.channels.app",
    "wechat": "distro.channels.wechat",
}


@dataclass
class PublishReport:
    """What one publish run did."""

    channel: str
    sent: int = 0
    skipped: int = 0
    quarantined: int = 0
    failed: int = 0
    dry_run: bool = False
    outputs: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        mode = " (dry run)" if self.dry_run else ""
        return (
            f"{self.channel}{mode}: {self.sent} sent, {self.skipped} skipped, "
            f"{self.quarantined} quarantined, {self.failed} failed"
        )


class ChannelModule(Protocol):
    def publish(self, settings: Settings, ledger: Ledger) -> PublishReport: ...


def enabled(settings: Settings) -> list[str]:
    """Names of the channels the config switches on, in publishing order."""
    channels = settings.config.channels
    names = []
    if channels.web.enabled:
        names.append("web")
    if settings.config.partners:
        names.append("partners")
    if channels.app.enabled:
        names.append("app")
    if channels.wechat.enabled:
        names.append("wechat")
    return names


def targets(settings: Settings) -> list[tuple[str, str]]:
    """Every (channel, target) a new article version is delivered to."""
    pairs: list[tuple[str, str]] = []
    for name in enabled(settings):
        if name == "partners":
            pairs.extend(("partners", partner.name) for partner in settings.config.partners)
        else:
            pairs.append((name, "default"))
    return pairs


def load(name: str) -> ChannelModule:
    """The module implementing channel ``name``."""
    try:
        module_name = MODULES[name]
    except KeyError:
        from distro.errors import ConfigError

        raise ConfigError(f"unknown channel {name!r}; known: {', '.join(MODULES)}") from None
    module: ChannelModule = importlib.import_module(module_name)
    return module


def publish(name: str, settings: Settings, ledger: Ledger) -> PublishReport:
    """Publish what is pending for channel ``name`` (embargoes that have passed included)."""
    ledger.release_due(channel=name)
    return load(name).publish(settings, ledger)


def claim_by_article(
    ledger: Ledger, pending: list[Delivery]
) -> Iterator[tuple[str, list[Delivery]]]:
    """Take pending deliveries article by article (oldest version first), skipping any that
    another worker took meanwhile; yields only articles with at least one delivery taken."""
    from distro.faults import fault
    from distro.store.ledger import DeliveryConflict

    ordered = sorted(pending, key=lambda d: (d.article_id, d.version))
    for article_id, group in groupby(ordered, key=lambda d: d.article_id):
        mine = []
        for delivery in group:
            try:
                mine.append(ledger.mark_sending(delivery))
            except DeliveryConflict:
                continue  # another worker closed it meanwhile
            fault("publish.claimed", delivery.channel)
        if mine:
            yield article_id, mine


def in_scope(article: Article, *, sections: Sequence[str], genres: Sequence[str]) -> bool:
    """Whether the article's section and genre pass two filters; an empty filter passes all."""
    if sections and article.section not in sections:
        return False
    return not genres or article.genre in genres
