"""Fault points for crash tests: ``DISTRO_FAULT=point[@n],…`` kills the process at a step boundary.

Each step boundary of ingest and of each channel's publish calls ``fault(point)``. When the
environment names that point, the process sends itself SIGKILL the ``n``-th time (default the
first) it passes there: no cleanup, no ``finally``, exactly what a ``kill -9`` or an OOM kill
does. Unset (production), a call costs one environment lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

#: The environment switch.
FAULT = "DISTRO_FAULT"

#: Every fault point, in the order a run passes them.
INGEST_POINTS = (
    "ingest.claimed",  # an input is claimed; nothing archived yet
    "ingest.archived",  # its raw bytes are in the archive; nothing parsed
    "ingest.parsed",  # parsed and validated; nothing stored
    "ingest.stored",  # one article stored with its deliveries (one transaction)
    "ingest.settled",  # the input is settled (the inbox file moved to .done)
)
PUBLISH_POINTS = (
    "publish.claimed",  # a delivery is marked sending; nothing written or sent
    "publish.written",  # the channel's files are written or its remote call made; not marked
    "publish.sent",  # a delivery is marked sent
)

#: ``DISTRO_BREAK=point:key,…`` makes ``broken(point, key)`` raise: a renderer fault for one item.
BREAK = "DISTRO_BREAK"

_passes: Counter[str] = Counter()


class InjectedFault(RuntimeError):
    """Raised where ``DISTRO_BREAK`` asks: a stand-in for a renderer bug on one item."""


def broken(point: str, key: str) -> None:
    """Raise InjectedFault when ``DISTRO_BREAK`` names ``point:key`` (e.g. ``render.app:a-12``)."""
    spec = os.environ.get(BREAK)
    if spec and f"{point}:{key}" in {part.strip() for part in spec.split(",")}:
        raise InjectedFault(f"fault injected at {point} for {key}")


def fault(point: str, channel: str | None = None) -> None:
    """Die here when ``DISTRO_FAULT`` names this point (``publish.sent`` or, for one channel,
    ``publish.sent.web``)."""
    spec = os.environ.get(FAULT)
    if not spec:
        return
    names = {point} if channel is None else {point, f"{point}.{channel}"}
    for name in names:
        _passes[name] += 1
    for part in spec.split(","):
        name, _, nth = part.strip().partition("@")
        if name in names and _passes[name] == (int(nth) if nth.isdigit() else 1):
            os.kill(os.getpid(), signal.SIGKILL)
