"""Owner marks: which process of which host holds a claim, and whether it has ended."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), or None when it does not run."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except (OSError, IndexError, UnicodeDecodeError):
        return None
    return fields[19] if len(fields) > 19 else None


def owner_mark() -> str:
    """This process, as a claim records it: ``host pid start``."""
    pid = os.getpid()
    return f"{socket.gethostname()} {pid} {process_start(pid) or '-'}"


def ended(mark: str) -> bool:
    """Whether the mark's process was one of this host's and has ended (pid reuse aside).

    A mark of another host, or one that does not parse, is never taken for ended: its claim
    waits for its expiry.
    """
    try:
        host, pid, started = mark.split()[:3]
    except ValueError:
        return False
    if host != socket.gethostname() or started == "-" or not pid.isdigit():
        return False
    return process_start(int(pid)) != started
