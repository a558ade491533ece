"""docs/partners.md: its verification examples accept distro's signatures and refuse others."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from distro.channels import partners
from tests.conftest import REPO

DOC = REPO / "docs" / "partners.md"
SECRET = "whsec-0123456789abcdef"
BODY = '{"event":"published","partner":"xinhua","id":"a-1","version":1,"item":{"title":"新闻"}}'


def snippet(language: str) -> str:
    (code,) = re.findall(rf"```{language} verify\n(.*?)```", DOC.read_text("utf-8"), re.S)
    return code


def python_verify(timestamp: str, signature: str, body: bytes) -> bool:
    scope: dict[str, object] = {}
    exec(snippet("python"), scope)  # the documented function, exactly as printed
    verify = scope["verify"]
    assert callable(verify)
    return bool(verify(SECRET, timestamp, signature, body))


def shell_verify(tmp_path: Path, timestamp: str, signature: str, body: bytes) -> bool:
    (tmp_path / "body.json").write_bytes(body)
    env = {**os.environ, "TS": timestamp, "SIG": signature, "SECRET": SECRET}
    run = subprocess.run(
        ["sh", "-c", snippet("sh")], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip() == "valid"


@pytest.mark.parametrize("check", ["python", "shell"])
def test_documented_checks_agree_with_the_signer(tmp_path: Path, check: str) -> None:
    body = BODY.encode("utf-8")
    now = int(time.time())
    good = partners.sign(SECRET, now, body)

    def verify(timestamp: int, signature: str, data: bytes) -> bool:
        if check == "python":
            return python_verify(str(timestamp), signature, data)
        return shell_verify(tmp_path, str(timestamp), signature, data)

    assert verify(now, good, body)
    assert not verify(now, good, body + b" ")  # a changed body
    assert not verify(now + 1, good, body)  # a changed timestamp
    assert not verify(now, partners.sign("another-secret-000", now, body), body)
    stale = now - partners.REPLAY_WINDOW - 60
    assert not verify(stale, partners.sign(SECRET, stale, body), body)  # a replay
