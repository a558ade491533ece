"""Owner marks: a live process's claim stands; an ended one's is known to have ended."""

from __future__ import annotations

import socket
import subprocess
import sys

from distro.owners import ended, owner_mark, process_start


def test_this_process_has_not_ended() -> None:
    mark = owner_mark()
    host, pid, started = mark.split()
    assert int(pid) > 0
    assert host == socket.gethostname() and started != "-"
    assert not ended(mark)


def test_a_process_that_exited_has_ended() -> None:
    child = subprocess.run(
        [sys.executable, "-c", "from distro.owners import owner_mark; print(owner_mark())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    mark = child.stdout.strip()
    assert process_start(int(mark.split()[1])) != mark.split()[2]
    assert ended(mark)
    assert ended(f"{mark} a-lock-token-after-the-mark")


def test_what_it_cannot_judge_never_counts_as_ended() -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    pid = child.stdout.strip()
    assert not ended(f"another-host.example {pid} 12345")  # another host's: wait for expiry
    assert not ended(f"{socket.gethostname()} {pid} -")  # no start time recorded
    assert not ended("")
    assert not ended("a-bare-uuid-token")
