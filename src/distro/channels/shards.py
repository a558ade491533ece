"""Shards of a channel's pending work: one per target, and hash buckets inside a large target.

A target whose channel declares ``buckets`` (the partners' ``buckets`` key) is split by a stable
hash of the article id, so every version of one article always falls in the same bucket and is
delivered in order by one task; the buckets of one target never share a delivery, so a retried
bucket redoes only its own work. Channels that write one aggregate file set per target (a
partner's feed) do it afterwards, once, in the target's ``finish`` step (``ChannelSpec.finish``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
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

    def __post_init__(self) -> None:
        if not 1 <= self.buckets <= MAX_BUCKETS or not 0 <= self.bucket < self.buckets:
            raise ValueError(f"no bucket {self.bucket} of {self.buckets}")

    @property
    def whole(self) -> bool:
        """Whether this shard is its whole target (then it also writes the target's files)."""
        return self.buckets == 1

    def holds(self, article_id: str) -> bool:
        return bucket_of(article_id, self.buckets) == self.bucket

    def select(self, deliveries: Iterable[Delivery]) -> list[Delivery]:
        """The deliveries that fall in this shard (all of them for a whole target)."""
        return [d for d in deliveries if self.whole or self.holds(d.article_id)]

    def label(self) -> str:
        """``xinhua`` or ``xinhua#1/4``: how logs and the Airflow UI name it."""
        return self.target if self.whole else f"{self.target}#{self.bucket}/{self.buckets}"

    def as_json(self) -> dict[str, Any]:
        return {"target": self.target, "bucket": self.bucket, "buckets": self.buckets}

    @classmethod
    def of(cls, given: Mapping[str, Any]) -> Shard:
        return cls(str(given["target"]), int(given["bucket"]), int(given["buckets"]))


def split(target: str, buckets: int, article_ids: Iterable[str]) -> list[Shard]:
    """The shards of one target with work: the buckets its pending articles fall in."""
    if buckets <= 1:
        return [Shard(target)]
    used = sorted({bucket_of(article_id, buckets) for article_id in article_ids})
    return [Shard(target, bucket, buckets) for bucket in used]
