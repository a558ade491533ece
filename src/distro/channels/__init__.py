"""Channels: where articles go. Each is a plugin (``ChannelSpec``, found in the registry) with a
pure ``render`` and an IO ``publish``.

A channel's ``publish(settings, ledger, target)`` drains what the ledger holds pending for it, so a
rerun after a crash or a retry never publishes twice. This module is the one door the rest of
distro uses: names, targets and publishing, read from the registry only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING

from distro.channels import registry
from distro.channels.spec import DEFAULT_TARGET, ChannelSpec, Lane

if TYPE_CHECKING:
    from distro.channels.shards import Shard
    from distro.config import Settings
    from distro.models import Article, Delivery
    from distro.store.ledger import Ledger

__all__ = [
    "DEFAULT_TARGET",
    "ChannelSpec",
    "Lane",
    "PublishReport",
    "deliver",
    "enabled",
    "finish",
    "get",
    "lanes",
    "names",
    "on_clock",
    "publish",
    "split",
    "targets",
]


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

    def absorb(self, other: PublishReport) -> None:
        """Add what ``other`` (another target's run of the same channel) did to this report."""
        self.sent += other.sent
        self.skipped += other.skipped
        self.quarantined += other.quarantined
        self.failed += other.failed
        self.dry_run = self.dry_run or other.dry_run
        self.outputs.extend(other.outputs)
        self.messages.extend(other.messages)

    def summary(self) -> str:
        mode = " (dry run)" if self.dry_run else ""
        return (
            f"{self.channel}{mode}: {self.sent} sent, {self.skipped} skipped, "
            f"{self.quarantined} quarantined, {self.failed} failed"
        )


def names() -> list[str]:
    """Every registered channel, enabled or not, in publishing order."""
    return list(registry.specs())


def get(name: str) -> ChannelSpec:
    """The spec of channel ``name`` (ConfigError when no such channel is registered)."""
    return registry.get(name)


def enabled(settings: Settings) -> list[str]:
    """Names of the channels the config switches on, in publishing order."""
    return [spec.name for spec in registry.enabled(settings)]


def targets(settings: Settings) -> list[tuple[str, str]]:
    """Every (channel, target) a new article version is delivered to."""
    return [
        (spec.name, target)
        for spec in registry.enabled(settings)
        for target in registry.targets(settings, spec)
    ]


def split(settings: Settings, name: str) -> list[str]:
    """The targets of channel ``name`` its config splits into hash buckets."""
    spec = registry.get(name)
    return [t for t in registry.targets(settings, spec) if spec.buckets_of(settings, t) > 1]


def lanes(settings: Settings, name: str) -> list[Lane]:
    """The publish DAGs of channel ``name``."""
    return registry.lanes(settings, registry.get(name))


def edition_targets(settings: Settings, name: str) -> list[str]:
    """The targets of channel ``name`` that hold whole editions for an editor."""
    return registry.edition_targets(settings, registry.get(name))


def on_clock(name: str) -> bool:
    """Whether ``name`` publishes editions on its own clock rather than on every new version."""
    return registry.get(name).on_clock


def publish(
    name: str, settings: Settings, ledger: Ledger, target: str | None = None
) -> PublishReport:
    """Publish what is pending for channel ``name`` (embargoes that have passed included)."""
    spec = registry.get(name)
    ledger.release_due(channel=name)
    return spec.publish(settings, ledger, target)


def take_back(
    name: str, settings: Settings, ledger: Ledger, target: str | None = None
) -> PublishReport:
    """What a kill runs at once on channel ``name``: an event channel publishes (the kill is
    one more version), a clock channel only withdraws, so no edition goes out of its time."""
    spec = registry.get(name)
    if not spec.on_clock:
        return publish(name, settings, ledger, target)
    if spec.withdraw is None:
        report = PublishReport(channel=name)
        report.messages.append(f"{name} takes killed articles back with its next edition")
        return report
    return spec.withdraw(settings, ledger, target)


def deliver(name: str, settings: Settings, ledger: Ledger, shard: Shard) -> PublishReport:
    """Publish one shard: a whole target, or the per-article half of one bucket of it."""
    spec = registry.get(name)
    ledger.release_due(channel=name)
    if shard.also:
        return _publish_each(spec, settings, ledger, shard.targets)
    if shard.whole or spec.deliver is None:
        return spec.publish(settings, ledger, shard.target)
    return spec.deliver(settings, ledger, shard)


def _publish_each(
    spec: ChannelSpec, settings: Settings, ledger: Ledger, targets: Sequence[str]
) -> PublishReport:
    """The targets of a shared shard one after another; every target is tried, and the first
    error is raised after them (the shard's retry redoes nothing the ledger marks done)."""
    total = PublishReport(spec.name)
    problem: Exception | None = None
    for target in targets:
        try:
            report = spec.publish(settings, ledger, target)
        except Exception as exc:  # the shard's other targets still publish
            problem = problem or exc
            continue
        total.absorb(report)
    if problem is not None:
        raise problem
    return total


def finish(name: str, settings: Settings, ledger: Ledger, target: str) -> PublishReport:
    """The per-target half after a target's buckets: its aggregate files, its deliveries closed."""
    spec = registry.get(name)
    if spec.finish is None:
        return PublishReport(name)
    return spec.finish(settings, ledger, target)


#: Articles whose deliveries one transaction claims (`claim_chunks`): a commit per chunk, not
#: one per delivery, and on a crash no more than a chunk left ``sending`` for the rerun to take.
CLAIM_CHUNK = 64


def claim_chunks(
    ledger: Ledger, pending: list[Delivery], size: int = CLAIM_CHUNK
) -> Iterator[list[tuple[str, list[Delivery]]]]:
    """Take pending deliveries ``size`` articles at a time (oldest version first within each),
    skipping any that another worker took meanwhile; each chunk lists only articles with at least
    one delivery taken, as (article id, its deliveries)."""
    from distro.faults import fault

    ordered = sorted(pending, key=lambda d: (d.article_id, d.version))
    groups = [list(group) for _, group in groupby(ordered, key=lambda d: d.article_id)]
    for start in range(0, len(groups), size):
        taken = ledger.mark_sending_all(d for group in groups[start : start + size] for d in group)
        for delivery in taken:
            fault("publish.claimed", delivery.channel)
        chunk = [
            (article_id, list(mine))
            for article_id, mine in groupby(taken, key=lambda d: d.article_id)
        ]
        if chunk:
            yield chunk


def claim_by_article(
    ledger: Ledger, pending: list[Delivery]
) -> Iterator[tuple[str, list[Delivery]]]:
    """`claim_chunks`, article by article."""
    for chunk in claim_chunks(ledger, pending):
        yield from chunk


def in_scope(article: Article, *, sections: Sequence[str], genres: Sequence[str]) -> bool:
    """Whether the article's section and genre pass two filters; an empty filter passes all."""
    if sections and article.section not in sections:
        return False
    return not genres or article.genre in genres
