"""Editions: which pending deliveries go out together in one WeChat draft, and which are settled.

Planning is pure (no remote calls, no ledger writes); ``step`` and ``requeue`` move members on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from distro.models import Article, Delivery, DeliveryState, Kind, PubStatus

if TYPE_CHECKING:
    from distro.store.ledger import Ledger

CHANNEL = "wechat"
DEFAULT = "default"


@dataclass(frozen=True)
class Member:
    """One delivery with the article version it delivers."""

    delivery: Delivery
    article: Article


@dataclass
class Plan:
    """What one run does with the pending deliveries."""

    editions: list[list[Member]] = field(default_factory=list)
    in_flight: dict[str, list[Member]] = field(default_factory=dict)
    kills: list[Member] = field(default_factory=list)
    settle: list[tuple[Delivery, str]] = field(default_factory=list)  # (delivery, why)
    notes: list[str] = field(default_factory=list)


def edition_id(deliveries: Iterable[Delivery]) -> str:
    """A stable name for a group of deliveries, distinct per account (the default account's
    names are those of a single-account ledger)."""
    key = "\n".join(
        f"{d.article_id}/{d.version}" + ("" if d.target == DEFAULT else f"@{d.target}")
        for d in deliveries
    )
    return "ed-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def clientmsgid(appid: str, edition: str, round_: int = 0) -> str:
    """The edition's 群发 id: ≤ 32 ASCII bytes, the same for every attempt at one edition.

    ``round_`` moves on only after WeChat reported the send failed, so a retry never gets a new id.
    """
    digest = hashlib.sha256(f"{appid}\n{edition}\n{round_}".encode()).hexdigest()
    return "distro-" + digest[:24]


def chunk(members: Sequence[Member], size: int) -> list[list[Member]]:
    return [list(members[i : i + size]) for i in range(0, len(members), size)]


def plan(ledger: Ledger, deliveries: Iterable[Delivery], size: int) -> Plan:
    """Sort pending deliveries into new editions, editions in flight, kills and settled ones."""
    result = Plan()
    fresh: list[Member] = []
    for d in deliveries:
        if d.channel != CHANNEL:
            continue
        article = ledger.get(d.article_id, d.version)
        if article is None:
            result.settle.append((d, f"article {d.article_id} v{d.version} is not in the store"))
            continue
        member = Member(d, article)
        if d.state == DeliveryState.SENDING and d.detail.get("edition"):
            result.in_flight.setdefault(d.detail["edition"], []).append(member)
            continue
        if d.state == DeliveryState.SENDING and d.detail.get("step") == "delete":
            result.kills.append(member)
            continue
        if article.pub_status == PubStatus.CANCELED:
            result.kills.append(member)
            continue
        latest = ledger.get(d.article_id)
        if latest is not None and latest.version > d.version:
            result.settle.append((d, f"superseded by v{latest.version} before publishing"))
            continue
        if article.kind == Kind.TEASER:
            result.settle.append((d, "teasers are not published to WeChat"))
            continue
        if article.pub_status != PubStatus.USABLE:
            result.notes.append(f"{article.id} is {article.pub_status}: held back")
            continue
        fresh.append(member)
    for members in result.in_flight.values():
        members.sort(key=lambda m: m.delivery.detail_int("idx"))
    result.editions = chunk(fresh, size)
    return result


def in_flight(ledger: Ledger, key: str, target: str | None = None) -> dict[str, list[Member]]:
    """Editions WeChat accepted and whose outcome is not recorded yet, by the id it gave them.

    ``key`` is the delivery detail holding that id: ``publish_id`` (发布) or ``msg_id`` (群发);
    ``target`` the account (None: every account; WeChat's ids are unique across accounts).
    """
    editions: dict[str, list[Member]] = {}
    for d in ledger.pending(CHANNEL, target=target):
        remote = d.detail.get(key)
        if d.state != DeliveryState.SENDING or not remote:
            continue
        article = ledger.get(d.article_id, d.version)
        if article is not None:
            editions.setdefault(remote, []).append(Member(d, article))
    for members in editions.values():
        members.sort(key=lambda m: m.delivery.detail_int("idx"))
    return editions


#: An edition's keys in a delivery's detail, emptied when its members go back to pending.
CLEARED = {"step": "", "edition": "", "idx": "", "draft_media_id": "", "publish_id": ""}
#: The same for a 群发 edition: its send's keys and its approval too.
MASS_CLEARED = {
    **CLEARED,
    "msg_id": "",
    "msg_data_id": "",
    "clientmsgid": "",
    "sendall_at": "",
    # A new draft is a new edition for the editor: approved again (see ``approvals``).
    "edition_approved_by": "",
    "edition_approved_at": "",
}


def step(ledger: Ledger, members: Sequence[Member], **detail: object) -> list[Member]:
    """The members with ``detail`` merged into each delivery (an edition's next step)."""
    return [Member(ledger.update_detail(m.delivery, **detail), m.article) for m in members]


def requeue(
    ledger: Ledger, members: Sequence[Member], why: str, cleared: dict[str, str] = CLEARED
) -> list[Member]:
    """Back to pending with no edition: the next run (or the caller) drafts them afresh."""
    requeued = []
    for member in members:
        d = ledger.update_detail(member.delivery, **cleared)
        requeued.append(Member(ledger.mark_failed(d, why, terminal=False), member.article))
    return requeued
