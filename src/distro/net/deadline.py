"""A request's deadline: the time left, and a watchdog that cuts the socket when it runs out.

Socket timeouts bound each ``recv``, not a whole response: a server that sends one byte a
second never trips them. The watchdog does: when the deadline passes it shuts the connection's
socket down, which wakes the blocked read at once, and ``expired`` tells the caller why.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Protocol

Clock = Callable[[], float]


class Deadline:
    """A point in time ``seconds`` from now on a monotonic clock."""

    def __init__(self, seconds: float, *, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.at = clock() + seconds

    def remaining(self) -> float:
        """Seconds left, never below zero."""
        return max(0.0, self.at - self.clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0


class _Connection(Protocol):
    sock: socket.socket | None


_current = threading.local()


def attach(conn: _Connection) -> None:
    """Put ``conn`` under the calling thread's watchdog (called by the watched connections)."""
    watch: Watchdog | None = getattr(_current, "watch", None)
    if watch is not None:
        watch.attach(conn)


class Watchdog:
    """Cuts whatever connection the calling thread uses once ``seconds`` have passed.

    Use as a context manager around sending a request and reading its body; the watched
    connection classes (``distro.net.transport``) register themselves through ``attach``.
    """

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._conn: _Connection | None = None
        self._fired = threading.Event()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    @property
    def expired(self) -> bool:
        return self._fired.is_set()

    def attach(self, conn: _Connection) -> None:
        with self._lock:
            self._conn = conn
            if self._fired.is_set():
                _cut(conn)

    def _fire(self) -> None:
        self._fired.set()
        with self._lock:
            if self._conn is not None:
                _cut(self._conn)

    def __enter__(self) -> Watchdog:
        _current.watch = self
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        _current.watch = None


def _cut(conn: _Connection) -> None:
    sock = conn.sock
    if sock is None:
        return
    # shutdown, not close: it wakes a recv blocked in another thread, close does not.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
