"""The WeChat Official Account channel: editions drafted, then free-published or mass-sent, once.

One channel, several accounts: ``targets(settings)`` names them (``default`` is the top-level
``[channels.wechat]``), and ``publish``, ``poll`` and ``probe`` take an optional ``target``
(None: every enabled account). A 群发 account with ``approve = "editor"`` holds each edition after
its previews until ``approve_edition`` (see ``approvals``).
"""

from __future__ import annotations

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
)

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
]
