"""The WeChat Official Account channel: editions drafted, then free-published or mass-sent, once.

One channel, several accounts: ``targets(settings)`` names them (``default`` is the top-level
``[channels.wechat]``), and ``publish``, ``poll`` and ``probe`` take an optional ``target``
(None: every enabled account). A 群发 account with ``approve = "editor"`` holds each edition after
its previews until ``approve_edition`` (see ``approvals``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distro.loading import lazy

if TYPE_CHECKING:
    from distro.channels.wechat.approvals import approve_edition, held_editions
    from distro.channels.wechat.events import handle_event
    from distro.channels.wechat.runs import (
        check_status,
        client_for,
        outstanding,
        poll,
        probe,
        publish,
        targets,
        withdraw,
    )

#: Where each name lives, loaded on first use: the DAG file (parsed again by every Airflow task)
#: needs only ``accounts`` to lay out one DAG per account, not the publisher, Pillow and all.
_HOMES = {
    "approve_edition": "distro.channels.wechat.approvals",
    "held_editions": "distro.channels.wechat.approvals",
    "handle_event": "distro.channels.wechat.events",
    "check_status": "distro.channels.wechat.runs",
    "client_for": "distro.channels.wechat.runs",
    "outstanding": "distro.channels.wechat.runs",
    "poll": "distro.channels.wechat.runs",
    "probe": "distro.channels.wechat.runs",
    "publish": "distro.channels.wechat.runs",
    "targets": "distro.channels.wechat.runs",
    "withdraw": "distro.channels.wechat.runs",
}

__all__ = [
    "approve_edition",
    "check_status",
    "client_for",
    "handle_event",
    "held_editions",
    "outstanding",
    "poll",
    "probe",
    "publish",
    "targets",
    "withdraw",
]


__getattr__ = lazy(__name__, _HOMES)
