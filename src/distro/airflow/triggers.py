"""Event triggers the triggerer runs: the inbox watcher and the WeChat publish-status wait.

They live in the installed package (not in dags/) so the triggerer process can import them.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseEventTrigger, BaseTrigger, TriggerEvent

Snapshot = dict[str, tuple[int, int]]


def scan(directory: str, pattern: str) -> Snapshot:
    """Files in ``directory`` matching ``pattern`` with (size, mtime_ns); dot files (partial
    writes by convention) are ignored."""
    found: Snapshot = {}
    try:
        entries = os.scandir(directory)
    except FileNotFoundError:
        return found
    with entries:
        for entry in entries:
            if entry.name.startswith(".") or not fnmatch.fnmatch(entry.name, pattern):
                continue
            try:
                if entry.is_file():
                    stat = entry.stat()
                    found[entry.name] = (stat.st_size, stat.st_mtime_ns)
            except FileNotFoundError:
                continue  # claimed by an ingest run between listing and stat
    return found


def arrivals(before: Snapshot, now: Snapshot) -> list[str]:
    """Names that are new or changed since ``before``, sorted."""
    return sorted(name for name, sig in now.items() if before.get(name) != sig)


class InboxTrigger(BaseEventTrigger):
    """Fires an asset event whenever matching files appear in a folder.

    It never deletes or claims files (ingestion does, atomically); it only signals. Files present
    when it starts fire once, so a restarted triggerer re-announces leftovers, which ingestion
    treats as a no-op when they are already done.
    """

    def __init__(self, *, directory: str, pattern: str = "*.txt", poke_interval: float = 1.0):
        super().__init__()  # type: ignore[no-untyped-call]
        self.directory = directory
        self.pattern = pattern
        self.poke_interval = poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "directory": self.directory,
                "pattern": self.pattern,
                "poke_interval": self.poke_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        seen: Snapshot = {}
        while True:
            now = await asyncio.to_thread(scan, self.directory, self.pattern)
            new = arrivals(seen, now)
            seen = now
            if new:
                # Only a count and a few names: the event is a signal, ingestion lists the folder.
                yield TriggerEvent(  # type: ignore[no-untyped-call]
                    {"directory": self.directory, "files": len(new), "sample": new[:5]}
                )
            await asyncio.sleep(self.poke_interval)


class StatusTrigger(BaseTrigger):
    """Waits for a remote status by calling ``probe`` (a dotted path to a sync callable taking
    ``**kwargs`` and returning a JSON-able dict with a ``done`` key) every ``interval`` seconds.

    Used to wait for WeChat's asynchronous publish without holding a worker slot.
    """

    def __init__(
        self,
        *,
        probe: str,
        kwargs: dict[str, Any] | None = None,
        interval: float = 60.0,
        max_polls: int = 60,
    ):
        super().__init__()  # type: ignore[no-untyped-call]
        self.probe = probe
        self.kwargs = kwargs or {}
        self.interval = interval
        self.max_polls = max_polls

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "probe": self.probe,
                "kwargs": self.kwargs,
                "interval": self.interval,
                "max_polls": self.max_polls,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from importlib import import_module

        module_name, _, name = self.probe.rpartition(".")
        probe = getattr(import_module(module_name), name)
        status: dict[str, Any] = {}
        for _ in range(self.max_polls):
            status = await asyncio.to_thread(probe, **self.kwargs)
            if status.get("done"):
                yield TriggerEvent({"done": True, "status": status})  # type: ignore[no-untyped-call]
                return
            await asyncio.sleep(self.interval)
        gave_up = {"done": False, "status": status, "reason": "gave up waiting"}
        yield TriggerEvent(gave_up)  # type: ignore[no-untyped-call]
