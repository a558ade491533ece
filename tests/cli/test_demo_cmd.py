"""`distro demo`: bundled copy in, every channel out; a rerun publishes nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distro.cli import main


def test_demo_runs_every_channel_and_is_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    state = tmp_path / "state"
    assert main(["demo", "--no-airflow", "--state", str(state)]) == 0
    out = capsys.readouterr().out
    assert "ingest: success (accepted 3, duplicates 0" in out
    assert "publish web: success" in out
    assert "dry run" in out
    assert "not an article" in out  # the summary says why the teaser has no page
    assert "sitemap-news.xml" in out  # and why the 2021 page is not in the news sitemap
    assert "--bind 127.0.0.1" in out

    pages = sorted((state / "site" / "articles").glob("a-*.html"))
    assert len(pages) == 2  # two articles; the teaser gets no page of its own
    html = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    assert "持续转作风抓落实创一流当排头" in html
    assert "坚定不移抓牢抓实项目建设" in html
    feed = json.loads((state / "app" / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert len(feed["items"]) == 2
    editions = list((state / "outbox" / "wechat").glob("*.json"))
    assert editions, "the WeChat dry run writes the requests it would send"
    assert "坚定不移抓牢抓实项目建设" in editions[0].read_text(encoding="utf-8")
    assert not (state / "inbox" / "000_c6710cc7ae2753f8.txt").exists()

    assert main(["demo", "--no-airflow", "--state", str(state)]) == 0
    again = capsys.readouterr().out
    assert "accepted 0, duplicates 3" in again
    assert "publish web: success (quarantined 0, sent 0" in again


def test_fresh_clears_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    (state / "site").mkdir(parents=True)
    stale = state / "site" / "stale.html"
    stale.write_text("old", encoding="utf-8")
    assert main(["demo", "--no-airflow", "--fresh", "--state", str(state)]) == 0
    assert not stale.exists()
    assert "accepted 3" in capsys.readouterr().out
