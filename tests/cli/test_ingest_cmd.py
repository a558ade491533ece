"""`distro ingest` and `distro quarantine` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distro.cli import main
from tests.servers.feeds import FeedServer
from tests.servers.postgres import free_port
from tests.sources.feeds import rss


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_ingest_json_and_rerun(
    tmp_path: Path,
    seed_bytes: bytes,
    feed_server: FeedServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = str(tmp_path / "state")
    inbox = tmp_path / "drop"
    inbox.mkdir()
    (inbox / "page.txt").write_bytes(seed_bytes)
    (inbox / "junk.txt").write_bytes(b"\x00\x00\xff\xfe\x00" * 40)
    one = feed_server.add("/one.xml", rss(("g1", "一号", "正文")))
    two = feed_server.add("/two.xml", rss(("g2", "二号", "正文")))
    feeds_file = tmp_path / "feeds.txt"
    feeds_file.write_text(f"# partner feeds\n{two}  # second\n\n", encoding="utf-8")
    argv = ["ingest", "--state", state, "--inbox", str(inbox), "--feed", one]
    code, out = run(capsys, *argv, "--feeds-file", str(feeds_file), "--json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"accepted", "duplicates", "new_versions", "quarantined", "sources"}
    outcomes = {Path(s["uri"]).name: s["outcome"] for s in doc["sources"]}
    assert outcomes == {
        "junk.txt": "quarantined",
        "page.txt": "ok",
        "one.xml": "ok",
        "two.xml": "ok",
    }
    assert all(set(s) == {"uri", "outcome", "articles", "reason"} for s in doc["sources"])
    assert doc["accepted"] == sum(s["articles"] for s in doc["sources"]) > 2
    assert doc["quarantined"] == 1

    code, out = run(capsys, *argv, "--feeds-file", str(feeds_file), "--json")
    again = json.loads(out)
    assert (again["accepted"], again["new_versions"], again["quarantined"]) == (0, 0, 0)
    assert sorted(s["outcome"] for s in again["sources"]) == ["not_modified", "not_modified"]

    code, out = run(capsys, "ingest", "--state", state)
    assert code == 0 and "0 inputs" in out

    code, out = run(capsys, "quarantine", "list", "--state", state, "--json")
    [entry] = json.loads(out)
    assert entry["stage"] == "parse" and entry["reason"] and not entry["resolved"]
    code, out = run(capsys, "quarantine", "show", entry["id"], "--state", state)
    shown = json.loads(out)
    assert shown["raw"]["uri"].endswith("junk.txt") and shown["raw"]["size"] == 200
    code, out = run(capsys, "quarantine", "retry", entry["id"], "--state", state)
    assert code == 1 and json.loads(out)["resolved"] is False
    code, out = run(capsys, "quarantine", "list", "--state", state)
    assert entry["id"] in out and "1 entries" in out


def test_ingest_errors_exit_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = str(tmp_path / "state")
    dead = f"http://127.0.0.1:{free_port()}/feed.xml"
    config_file = tmp_path / "distro.toml"
    config_file.write_text("[limits]\nhttp_retries = 0\n", encoding="utf-8")
    code, out = run(
        capsys, "ingest", "--state", state, "--config", str(config_file), "--feed", dead
    )
    assert code == 1 and f"error: {dead}" in out
    code = main(["ingest", "--state", state, "--feeds-file", str(tmp_path / "missing.txt")])
    assert code == 2
    code = main(["quarantine", "show", "q-nothing", "--state", state])
    assert code == 1
