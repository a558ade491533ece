"""Deferrable waits: hold no worker slot while a remote system finishes (a channel's ``probe``)."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from typing import Any

from airflow.sdk import BaseOperator

from distro.airflow.triggers import StatusTrigger
from distro.errors import ChannelUnavailable


def call(probe: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    module_name, _, name = probe.rpartition(".")
    status: dict[str, Any] = getattr(import_module(module_name), name)(**kwargs)
    return status


class AwaitStatus(BaseOperator):
    """Ask ``probe`` once; while it is not done, defer to the triggerer, which asks again every
    ``interval`` seconds (sparingly: WeChat allows few status calls a day)."""

    template_fields = ("probe_kwargs",)

    def __init__(
        self,
        *,
        probe: str,
        probe_kwargs: dict[str, Any] | None = None,
        interval: float = 300.0,
        max_polls: int = 12,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.probe = probe
        self.probe_kwargs = probe_kwargs or {}
        self.interval = interval
        self.max_polls = max_polls

    def execute(self, context: Any) -> dict[str, Any]:
        status = call(self.probe, self.probe_kwargs)
        if status.get("done"):
            return status
        self.defer(
            trigger=StatusTrigger(
                probe=self.probe,
                kwargs=self.probe_kwargs,
                interval=self.interval,
                max_polls=self.max_polls,
            ),
            method_name="complete",
            timeout=dt.timedelta(seconds=self.interval * (self.max_polls + 1)),
        )
        return status  # pragma: no cover - defer() raises

    def complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        if not event.get("done"):
            # Transient: the retry asks again later; the ledger keeps what is in flight.
            raise ChannelUnavailable(f"still waiting: {event.get('status')}")
        status: dict[str, Any] = event["status"]
        return status
