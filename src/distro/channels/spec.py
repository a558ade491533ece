"""The channel contract: what a channel declares so distro can queue, publish, schedule and wait
for it without knowing its name.

A channel is a plugin. It declares one ``ChannelSpec`` and registers it in the ``distro.channels``
entry-point group (distro's own channels do the same in its ``pyproject.toml``)::

    [project.entry-points."distro.channels"]
    wordpress = "distro_wordpress:SPEC"

Everything else (the DAG factory, the ingest pipeline, the services, ``distro up``, the in-process
runner, the CLI) reads the registry (``distro.channels.registry``) and never a channel's name.

A channel has **targets**: the instances one article version is delivered to (a partner, a WeChat
account, an app project). A target is published on its own **lane** when it runs on its own clock
(a second WeChat account with its own edition times gets its own DAG); event-driven channels
publish all their targets in one lane.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from distro.channels import PublishReport
    from distro.channels.shards import Shard
    from distro.config import Settings
    from distro.store.ledger import Ledger

#: The target of a channel that has a single instance.
DEFAULT_TARGET = "default"

Trigger = Literal["event", "clock"]


class Publish(Protocol):
    """Drain what the ledger holds pending for the channel (``target`` None: every target)."""

    def __call__(
        self, settings: Settings, ledger: Ledger, target: str | None = None
    ) -> PublishReport: ...


class Deliver(Protocol):
    """The per-article half of publishing one bucket of a target (pushes, per-item calls): each
    delivery is taken, sent and recorded as done for ``Finish``, not closed."""

    def __call__(self, settings: Settings, ledger: Ledger, shard: Shard) -> PublishReport: ...


class Finish(Protocol):
    """The per-target half, run once after every bucket: the aggregate files (a feed) are written
    from what the buckets recorded, and those deliveries closed."""

    def __call__(self, settings: Settings, ledger: Ledger, target: str) -> PublishReport: ...


@dataclass(frozen=True)
class Lane:
    """One publish DAG of a channel: which target it drains (None: all), when, in which pool."""

    target: str | None = None
    #: Crons of the lane's clock (a sweep for event channels, edition times for clock ones).
    crons: tuple[str, ...] = ()
    #: Config paths the crons are read from (a bad cron there takes only this lane's DAG down).
    schedule_paths: tuple[str, ...] = ()
    #: Airflow pool (name, slots) for rate-limited APIs.
    pool: tuple[str, int] | None = None
    #: Clock lanes: a scheduled run starting more than this many minutes after its time (the
    #: stack was down, the schedule was just edited) is skipped, not sent late. None: no limit.
    late_minutes: float | None = None


@dataclass(frozen=True)
class ChannelSpec:
    """What one channel declares. Only ``name`` and ``publish`` are required.

    - ``options``: the pydantic model of its ``[channels.<name>]`` section (plugins; distro's own
      channels keep their typed sections in ``distro.config``).
    - ``enabled``: whether the config switches it on (plugins: when their section is present and
      ``enabled`` is not false).
    - ``targets``: its instances; one article version gets one delivery per target.
    - ``lanes``: its publish DAGs; ``trigger``: ``event`` channels are woken by every new version,
      ``clock`` channels publish editions on their own schedule.
    - ``review``: the review policy of a target (``auto``, ``always`` or a confidence threshold).
    - ``probe``: dotted path of a status probe for asynchronous publishing (a deferrable wait in
      the triggerer asks it until the remote system is done); it takes ``config``, ``state`` and
      ``target`` keywords and returns ``{"done": bool, ...}``.
    - ``scopes``: config sections whose mistakes take this channel's DAGs offline.
    - ``shards``: whether its targets may be published in parallel, one mapped task each.
    - ``editions``: dotted path of a module whose targets hold whole editions for an editor
      (WeChat 群发 with ``approve = "editor"``): ``gated(settings)`` names them (cheap, read at DAG
      parse time), ``collect(settings, ledger, target)`` builds the request an editor answers on
      Airflow's Required Actions page, ``decide(settings, ledger, target, batch, answer)``
      applies the answer; ``OPTIONS`` are the request's choices.
    - ``buckets``, ``deliver``, ``finish``: a target with more than one bucket is published as
      that many mapped ``deliver`` tasks (split by a hash of the article id), then one
      ``finish`` task for the target (``distro.channels.shards``); all three or none.
    - ``kills``: whether it withdraws killed articles (a tombstone, a deletion); ``dry_run``:
      whether it runs dry when its connection is missing.
    - ``withdraw``: clock channels: take back killed articles now and send no edition (a kill
      runs it at once instead of waiting for the next edition). Same signature as ``publish``.
    """

    name: str
    publish: Publish
    options: type[BaseModel] | None = None
    enabled: Callable[[Settings], bool] | None = None
    targets: Callable[[Settings], list[str]] | None = None
    lanes: Callable[[Settings], list[Lane]] | None = None
    trigger: Trigger = "event"
    review: Callable[[Settings, str], str | float] | None = None
    probe: str | None = None
    editions: str | None = None
    scopes: tuple[str, ...] = ()
    kills: bool = True
    withdraw: Publish | None = None
    dry_run: bool = False
    #: Whether ``publish`` can drain one target alone: then a lane that covers every target is
    #: published as one mapped task per target with pending work (shards), in parallel.
    shards: bool = False
    #: How many hash buckets a target's pending work is split into (None: one per target).
    buckets: Callable[[Settings, str], int] | None = None
    deliver: Deliver | None = None
    finish: Finish | None = None
    #: Publishing order among channels (lower first); ties by name.
    order: int = 100
    description: str = ""

    def buckets_of(self, settings: Settings, target: str) -> int:
        """How many buckets ``target`` is split into (1 unless the channel can split it)."""
        if self.buckets is None or self.deliver is None or self.finish is None:
            return 1
        return max(1, self.buckets(settings, target))

    @property
    def on_clock(self) -> bool:
        return self.trigger == "clock"
