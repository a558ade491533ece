"""Pushes of one shard in flight together: HTTP on worker threads, the ledger on the caller's.

A partner's webhook answers in tens or hundreds of milliseconds; one task pushing its items one by
one spends its time waiting. `Pushes` keeps up to ``concurrency`` calls in flight, each thread with
its own `HttpClient` (a session is not shared between threads), and hands every outcome back to the
calling thread, which alone records it: the ledger is never written from a worker thread, so the
claims and marks that make a push exactly-once stay as they are with one call at a time.

With ``concurrency`` 1 nothing runs on a thread: each call is made at once, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

from distro.net import HttpClient

Tag = TypeVar("Tag")
Result = TypeVar("Result")

#: What a finished call hands back: its tag, and its result or the exception it raised.
Outcome = tuple[Tag, Result | BaseException]


class Pushes(Generic[Tag, Result]):
    """A bounded window of calls in flight; outcomes come back to the thread that submits."""

    def __init__(self, concurrency: int, make_client: Callable[[], HttpClient]) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self._make_client = make_client
        self._local = threading.local()
        self._clients: list[HttpClient] = []
        self._lock = threading.Lock()
        self._pool = (
            ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="distro-push")
            if concurrency > 1
            else None
        )
        self._flying: dict[Future[Result], Tag] = {}

    def _client(self) -> HttpClient:
        found: HttpClient | None = getattr(self._local, "client", None)
        if found is None:
            found = self._local.client = self._make_client()
            with self._lock:
                self._clients.append(found)
        return found

    def _call(self, call: Callable[[HttpClient], Result]) -> Result:
        return call(self._client())

    def submit(
        self, tag: Tag, call: Callable[[HttpClient], Result]
    ) -> Iterator[Outcome[Tag, Result]]:
        """Start ``call``; yields the outcomes that had to finish to make room for it (with
        ``concurrency`` 1, its own)."""
        if self._pool is None:
            try:
                yield tag, self._call(call)
            except Exception as exc:  # handed back, as a thread's would be
                yield tag, exc
            return
        while len(self._flying) >= self.concurrency:
            yield from self._finished(FIRST_COMPLETED)
        self._flying[self._pool.submit(self._call, call)] = tag

    def drain(self) -> Iterator[Outcome[Tag, Result]]:
        """The outcomes of every call still in flight, as they finish."""
        while self._flying:
            yield from self._finished(FIRST_COMPLETED)

    def _finished(self, how: str) -> Iterator[Outcome[Tag, Result]]:
        done, _ = wait(list(self._flying), return_when=how)
        for future in done:
            tag = self._flying.pop(future)
            error = future.exception()
            yield (tag, error) if error is not None else (tag, future.result())

    def close(self) -> None:
        """Wait for what is in flight (its outcome unread), then close every thread's client."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for client in self._clients:
            client.close()
        self._clients.clear()

    def __enter__(self) -> Pushes[Tag, Result]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
