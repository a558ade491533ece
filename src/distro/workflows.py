"""The DAG id scheme: one name for each workflow distro declares, spelt here and nowhere else."""

from __future__ import annotations

from distro.channels.spec import DEFAULT_TARGET

REPUBLISH = "republish"
KILL = "kill"
SWEEP = "sweep"


def ingest(group: str) -> str:
    """The DAG that ingests source group ``group``."""
    return f"ingest_{group}"


def publish(channel: str, target: str | None = None) -> str:
    """The publish DAG of a channel's lane: ``publish_wechat``, ``publish_wechat__district``."""
    if target is None or target == DEFAULT_TARGET:
        return f"publish_{channel}"
    return f"publish_{channel}__{target}"


def review(channel: str) -> str:
    """The DAG that asks editors about what the channel's review gate holds."""
    return f"review_{channel}"


def edition_review(channel: str, target: str) -> str:
    """The DAG that asks editors about a target's held editions: ``review_wechat_editions``."""
    if target == DEFAULT_TARGET:
        return f"review_{channel}_editions"
    return f"review_{channel}_editions__{target}"
