"""Settings and a ledger opened on first use and kept: for long-lived apps (the desk, callbacks)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from distro.store.ledger import Ledger

if TYPE_CHECKING:
    from distro.config import Settings


class LedgerKeeper:
    """The settings and the ledger an app works on, opened on its first request and kept."""

    def __init__(self, load: Callable[[], Settings]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._opened: tuple[Settings, Ledger] | None = None

    def open(self) -> tuple[Settings, Ledger]:
        with self._lock:
            if self._opened is None:
                settings = self._load()
                self._opened = (settings, Ledger.open(settings))
            return self._opened

    def close(self) -> None:
        with self._lock:
            if self._opened is not None:
                self._opened[1].close()
                self._opened = None
