"""`distro find`: an editor finds an article by headline words, id, URL or section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distro.cli import main

SIDECAR = json.dumps({"issue_date": "2021-07-05", "page": "1", "section": "要闻"})


@pytest.fixture
def state(tmp_path: Path, seed_bytes: bytes, capsys: pytest.CaptureFixture[str]) -> Path:
    root = tmp_path / "state"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "page.meta.json").write_text(SIDECAR, encoding="utf-8")
    (inbox / "page.txt").write_bytes(seed_bytes)
    assert main(["ingest", "--state", str(root)]) == 0
    assert main(["publish", "web", "--state", str(root)]) == 0
    capsys.readouterr()
    return root


def found(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    assert main(["find", *argv, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_find_by_headline_words_id_url_and_section(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    every = found(capsys, "--state", str(state), "--limit", "100")
    story = next(d for d in every if d["kind"] == "article")
    headline = str(story["headline"])
    word = headline[: max(2, len(headline) // 2)]
    by_words = found(capsys, word, "--state", str(state))
    assert story["id"] in [d["id"] for d in by_words]
    assert all(word in str(d["headline"]) for d in by_words)
    assert [d["id"] for d in found(capsys, str(story["id"]), "--state", str(state))] == [
        story["id"]
    ]
    # where it went, for each channel
    assert ("web", "sent") in [(c["channel"], c["state"]) for c in story["channels"]]  # type: ignore[index, union-attr]
    by_section = found(capsys, "要闻", "--state", str(state), "--limit", "100")
    assert {d["id"] for d in by_section} >= {story["id"]}


def test_find_prints_one_line_per_article_and_fails_on_no_match(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["find", "没有这样的标题词", "--state", str(state)]) == 1
    assert "no article matches" in capsys.readouterr().out
    assert main(["find", "--state", str(state), "--limit", "3"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("a-")]
    assert len(lines) == 3
    assert main(["find", "--day", "2021-13-01", "--state", str(state)]) == 1
    assert "--day must be YYYY-MM-DD" in capsys.readouterr().err
