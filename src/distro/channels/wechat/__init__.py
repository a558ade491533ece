"""The WeChat Official Account channel: editions drafted, then free-published or mass-sent, once."""

from __future__ import annotations

from distro.channels.wechat.publish import (
    check_status,
    handle_event,
    outstanding,
    poll,
    probe,
    publish,
)

__all__ = ["check_status", "handle_event", "outstanding", "poll", "probe", "publish"]
