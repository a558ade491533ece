"""Shards of a channel's pending work: one per target, and hash buckets inside a large target.

A target whose channel declares ``buckets`` (the partners' ``buckets`` key) is split by a stable
hash of the article id, so every version of one article always falls in the same bucket and is
delivered in order by one task; the buckets of one target never share a delivery, so a retried
bucket redoes only its own work. Channels that write one aggregate file set per target (a
partner's feed) do it afterwards, once, in the target's ``finish`` step (``ChannelSpec.finish``).

Small targets go the other way: past ``limits.publish_shards`` shards in one run, whole targets
share shards (``group``), each shard publishing its targets one after another, so two thousand
partners with a few items each cost tens of task start-ups a run, not thousands.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distro.models import Delivery

#: Most buckets one target may be split into (each is a mapped task).
MAX_BUCKETS = 256


def bucket_of(article_id: str, buckets: int) -> int:
    """The bucket of ``article_id`` among ``buckets``: stable across processes and releases."""
    if buckets <= 1:
        return 0
    digest = hashlib.sha256(article_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % buckets


@dataclass(frozen=True)
class Shard:
    """One publish task's share: a target, and one bucket of it (``bucket`` of ``buckets``)."""

    target: str
    bucket: int = 0
    buckets: int = 1
    #: Further whole targets this shard publishes after ``target`` (grouped small targets).
    also: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.buckets <= MAX_BUCKETS or not 0 <= self.bucket < self.buckets:
            raise ValueError(f"no bucket {self.bucket} of {self.buckets}")
        if self.also and self.buckets != 1:
            raise ValueError("only whole targets share a shard")

    @property
    def whole(self) -> bool:
        """Whether this shard is its whole target (then it also writes the target's files)."""
        return self.buckets == 1

    @property
    def targets(self) -> tuple[str, ...]:
        """Every target this shard publishes, in order."""
        return (self.target, *self.also)

    def holds(self, article_id: str) -> bool:
        return bucket_of(article_id, self.buckets) == self.bucket

    def select(self, deliveries: Iterable[Delivery]) -> list[Delivery]:
        """The deliveries that fall in this shard (all of them for a whole target)."""
        return [d for d in deliveries if self.whole or self.holds(d.article_id)]

    def label(self) -> str:
        """``xinhua``, ``xinhua#1/4`` or ``xinhua+3`` (and three more targets): how logs and
        the Airflow UI name it."""
        if self.also:
            return f"{self.target}+{len(self.also)}"
        return self.target if self.whole else f"{self.target}#{self.bucket}/{self.buckets}"

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"target": self.target, "bucket": self.bucket}
        shown["buckets"] = self.buckets
        if self.also:
            shown["also"] = list(self.also)
        return shown

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Shard:
        also = tuple(str(t) for t in given.get("also", ()))
        return cls(str(given["target"]), int(given["bucket"]), int(given["buckets"]), also)


def split(target: str, buckets: int, article_ids: Iterable[str]) -> list[Shard]:
    """The shards of one target with work: the buckets its pending articles fall in."""
    if buckets <= 1:
        return [Shard(target)]
    used = sorted({bucket_of(article_id, buckets) for article_id in article_ids})
    return [Shard(target, bucket, buckets) for bucket in used]


def group(targets: Sequence[str], most: int) -> list[Shard]:
    """Whole ``targets`` in at most ``most`` shards: one each while they fit, else runs of
    neighbours of (nearly) equal size, in the order given."""
    if not targets:
        return []
    most = max(1, most)
    if len(targets) <= most:
        return [Shard(target) for target in targets]
    size = math.ceil(len(targets) / most)
    runs = [targets[n : n + size] for n in range(0, len(targets), size)]
    return [Shard(run[0], also=tuple(run[1:])) for run in runs]
