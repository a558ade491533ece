"""`distro kill --local`: an article leaves every channel; unknown ids fail before anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distro.cli import main

SIDECAR = json.dumps({"issue_date": "2021-07-05", "page": "1", "section": "要闻"})
CONFIG = """
[[partners]]
name = "portal"
token = "env:DISTRO_TOKEN_PORTAL"
format = "jsonfeed"
"""


def outputs(state: Path) -> str:
    """Every list, feed and sitemap a reader or partner sees (not the tombstone page itself)."""
    found = []
    for path in sorted(state.rglob("*")):
        if path.is_file() and path.suffix in {".xml", ".json", ".html"}:
            if "articles" in path.parts and path.suffix == ".html":
                continue
            found.append(path.read_text(encoding="utf-8"))
    return "\n".join(found)


def test_kill_withdraws_from_every_channel(
    tmp_path: Path,
    seed_bytes: bytes,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    monkeypatch.setenv("DISTRO_TOKEN_PORTAL", "tok-Portal-9e2d7c1b4a6f")
    path = tmp_path / "distro.toml"
    path.write_text(CONFIG, encoding="utf-8")
    state = tmp_path / "state"
    (state / "inbox").mkdir(parents=True)
    (state / "inbox" / "page.meta.json").write_text(SIDECAR, encoding="utf-8")
    (state / "inbox" / "page.txt").write_bytes(seed_bytes)
    args = ["--config", str(path), "--state", str(state)]
    assert main(["ingest", *args]) == 0
    for channel in ("web", "partners", "app"):
        assert main(["publish", channel, *args]) == 0
    pages = sorted((state / "site" / "articles").glob("a-*.html"))
    victim = pages[0].stem
    assert victim in outputs(state)
    capsys.readouterr()

    assert main(["kill", victim, "--reason", "法务要求撤稿", "--local", "--json", *args]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"][0]["id"] == victim and result["articles"][0]["version"] == 2
    assert victim not in outputs(state)  # gone from every list, feed, sitemap, app and partner feed
    tombstone = (state / "site" / "articles" / f"{victim}.html").read_text(encoding="utf-8")
    assert "撤" in tombstone or "withdrawn" in tombstone.lower()
    assert not (state / "app" / "articles" / f"{victim}.json").exists()

    # a rerun of the same request changes nothing more
    assert main(["kill", victim, "--reason", "法务要求撤稿", "--local", "--json", *args]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["articles"][0]["version"] == 2 and again["articles"][0]["queued"] == 0


def test_unknown_ids_fail_in_one_line_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--state", str(tmp_path / "state")]
    assert main(["kill", "a-ffffffffffffffffffff", "--reason", "x", *args]) == 1
    assert "no such article(s): a-ffffffffffffffffffff" in capsys.readouterr().err
    assert main(["republish", "a-ffffffffffffffffffff", "--reason", "x", *args]) == 1
    assert "no such article(s)" in capsys.readouterr().err
