"""Deliveries that wait: held at the review gate for an editor, or scheduled until an embargo."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, select

from distro.models import Delivery, DeliveryState
from distro.store import tables as t
from distro.store.deliveries import (
    DeliveryConflict,
    DeliveryStore,
    as_delivery,
    dump_detail,
    key_of,
    name_of,
)
from distro.store.details import DeliveryDetail
from distro.store.engine import Database, now

#: States that keep an article's latest version off a channel.
CLOSED_STATES = (
    DeliveryState.HELD.value,
    DeliveryState.SCHEDULED.value,
    DeliveryState.QUARANTINED.value,
)


class GateStore:
    """Holds, releases and rejects deliveries at the review gate; releases embargoes when due."""

    def __init__(self, db: Database, deliveries: DeliveryStore) -> None:
        self.db = db
        self.deliveries = deliveries

    def held(self, *, channel: str | None = None, article_id: str | None = None) -> list[Delivery]:
        """Deliveries waiting for an editor at a review gate, oldest first."""
        d = t.deliveries
        query = select(d).where(d.c.state == DeliveryState.HELD.value)
        if channel is not None:
            query = query.where(d.c.channel == channel)
        if article_id is not None:
            query = query.where(d.c.article_id == article_id)
        query = query.order_by(d.c.created_at, d.c.article_id, d.c.version, d.c.target)
        with self.db.tx() as conn:
            return [as_delivery(row) for row in conn.execute(query).mappings()]

    def withheld(self, channel: str, target: str | None = None) -> set[str]:
        """Articles whose latest version for ``channel`` (``target``) must not be shown there.

        Held at a review gate, waiting for an embargo, or quarantined (rejected by an editor,
        refused by the channel).
        Channels that rebuild their lists from the whole archive leave these out, so nothing
        reaches a gated channel by that back door.
        """
        d = t.deliveries
        query = select(d.c.article_id, d.c.version, d.c.target, d.c.state).where(
            d.c.channel == channel,
            d.c.article_id.in_(
                select(d.c.article_id).where(d.c.channel == channel, d.c.state.in_(CLOSED_STATES))
            ),
        )
        if target is not None:
            query = query.where(d.c.target == target)
        latest: dict[tuple[str, str], tuple[int, str]] = {}
        with self.db.tx() as conn:
            for row in conn.execute(query).mappings():
                key = (row["article_id"], row["target"])
                if key not in latest or row["version"] > latest[key][0]:
                    latest[key] = (row["version"], row["state"])
        return {
            article_id for (article_id, _t), (_v, state) in latest.items() if state in CLOSED_STATES
        }

    def _decide(self, conn: Connection, d: Delivery, **values: Any) -> Delivery:
        """Move a held delivery on, unless someone decided it first (DeliveryConflict)."""
        table = t.deliveries
        key = key_of(d)
        row = conn.execute(select(table).where(key).with_for_update()).mappings().first()
        if row is None or row["state"] != DeliveryState.HELD.value:
            state = "missing" if row is None else row["state"]
            raise DeliveryConflict(f"delivery {name_of(d)} is {state}, not held")
        detail = json.loads(row["detail"] or "{}")
        detail.update({k: str(v) for k, v in values.pop("detail", {}).items()})
        conn.execute(
            table.update().where(key).values(detail=dump_detail(detail), updated_at=now(), **values)
        )
        return as_delivery(conn.execute(select(table).where(key)).mappings().one())

    def release(self, d: Delivery, *, by: str | None = None) -> Delivery:
        """An editor approved a held delivery: pending for its channel now, or at its embargo."""
        detail = {"approved_by": by or "editor", "approved_at": now().isoformat()}
        waiting = d.detail_as(DeliveryDetail).not_before
        state = DeliveryState.PENDING
        if waiting is not None and waiting > now():
            state = DeliveryState.SCHEDULED
        with self.db.tx() as conn:
            return self._decide(conn, d, state=state.value, detail=detail)

    def release_due(self, *, channel: str | None = None, at: dt.datetime | None = None) -> int:
        """Move scheduled deliveries whose embargo has passed to pending; how many moved."""
        moment = at or now()
        d = t.deliveries
        query = select(d).where(d.c.state == DeliveryState.SCHEDULED.value)
        if channel is not None:
            query = query.where(d.c.channel == channel)
        moved = 0
        with self.db.tx() as conn:
            for row in list(conn.execute(query).mappings()):
                scheduled = as_delivery(row)
                waiting = scheduled.detail_as(DeliveryDetail).not_before
                if waiting is not None and waiting > moment:
                    continue
                conn.execute(
                    d.update()
                    .where(key_of(scheduled), d.c.state == DeliveryState.SCHEDULED.value)
                    .values(state=DeliveryState.PENDING.value, updated_at=moment)
                )
                moved += 1
        return moved

    def reject(self, d: Delivery, reason: str, *, by: str | None = None) -> Delivery:
        """An editor rejected a held delivery: quarantined (stage ``review``) with the reason,
        in the same transaction."""
        why = f"rejected by editor: {reason}"
        detail = {"rejected_by": by or "editor", "rejected_at": now().isoformat()}
        with self.db.tx() as conn:
            changed = self._decide(
                conn, d, state=DeliveryState.QUARANTINED.value, last_error=why, detail=detail
            )
            self.deliveries.quarantine.record(
                conn,
                raw_ref=f"review:{d.article_id}/{d.version}/{d.channel}/{d.target}",
                stage="review",
                reason=why,
                origin=f"{d.channel}:{d.target}",
            )
            return changed

    def hold(self, d: Delivery, reason: str) -> Delivery:
        """Put a delivery (back) at the review gate, e.g. when a rejection is retried."""
        return self.deliveries.change(d, state=DeliveryState.HELD.value, detail={"review": reason})
