"""`distro partners list|rotate|serve`: what a partner's engineers are handed, and a real fetch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from distro.cli import main

TOKEN = "tok-Xinhua-4f1c9a7e2b8d"
CONFIG = """
[[partners]]
name = "xinhua"
token = "env:DISTRO_TOKEN_XINHUA"
format = "rss"
webhook = { url = "https://hooks.example.cn/distro", secret = "env:DISTRO_HOOK_SECRET" }
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DISTRO_TOKEN_XINHUA", TOKEN)
    monkeypatch.setenv("DISTRO_HOOK_SECRET", "whsec-0123456789abcdef")
    path = tmp_path / "distro.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_list_names_the_feed_url_auth_and_webhook(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "state")
    assert main(["partners", "list", "--json", "--config", str(config), "--state", state]) == 0
    (doc,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert doc["feed_url"] == "http://127.0.0.1:8790/partners/xinhua/feed.xml"
    assert doc["webhook"] == "https://hooks.example.cn/distro"
    assert doc["valid_tokens"] == 1 and TOKEN not in json.dumps(doc)


def test_rotate_prints_the_new_token_once_and_the_overlap(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "state")
    args = ["--config", str(config), "--state", state]
    assert main(["partners", "rotate", "xinhua", "--overlap-hours", "2", *args]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert len(token) >= 32 and "\n" not in token
    assert "earlier tokens work until" in out.err
    assert main(["partners", "list", "--json", *args]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid_tokens"] == 2 and doc["next_token_expiry"]
    assert main(["partners", "rotate", "nobody", *args]) == 2
    assert "no partner 'nobody'" in capsys.readouterr().err


def test_serve_answers_a_partner_with_its_token(tmp_path: Path, config: Path) -> None:
    state = tmp_path / "state"
    (state / "partners" / "xinhua").mkdir(parents=True)
    (state / "partners" / "xinhua" / "feed.xml").write_bytes(b"<rss version='2.0'/>")
    env = {**os.environ, "DISTRO_TOKEN_XINHUA": TOKEN, "DISTRO_HOOK_SECRET": "whsec-0123456789ab"}
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("distro")),
            "partners",
            "serve",
            "--port",
            "0",
            "--config",
            str(config),
            "--state",
            str(state),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line
        base = line.split()[-1].split("/partners/")[0]
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = requests.get(
                    f"{base}/partners/xinhua/feed.xml",
                    headers={"Authorization": f"Bearer {TOKEN}"},
                    timeout=2,
                )
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert answer.status_code == 200 and answer.content == b"<rss version='2.0'/>"
        denied = requests.get(f"{base}/partners/xinhua/feed.xml", timeout=2)
        assert denied.status_code == 401
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=10)
    assert TOKEN not in err  # the request log never carries a credential
