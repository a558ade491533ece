"""`distro review`: list held articles as JSON Lines, approve, reject with a reason, correct."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distro.cli import main

CONFIG = '[channels.wechat]\nreview = "always"\n'
SIDECAR = json.dumps({"issue_date": "2021-07-05", "page": "1", "section": "要闻"})


@pytest.fixture
def args(tmp_path: Path, seed_bytes: bytes, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    path = tmp_path / "distro.toml"
    path.write_text(CONFIG, encoding="utf-8")
    state = tmp_path / "state"
    (state / "inbox").mkdir(parents=True)
    (state / "inbox" / "page.meta.json").write_text(SIDECAR, encoding="utf-8")
    (state / "inbox" / "page.txt").write_bytes(seed_bytes)
    common = ["--config", str(path), "--state", str(state)]
    assert main(["ingest", *common]) == 0
    return common


def test_list_approve_reject(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["review", "list", "--json", *args]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(docs) == 2
    for doc in docs:
        assert {"article_id", "version", "channel", "target", "confidence", "flags"} <= set(doc)
        assert (doc["channel"], doc["target"], doc["version"]) == ("wechat", "default", 1)
    first, second = (doc["article_id"] for doc in docs)

    assert main(["review", "approve", first, "--by", "王编辑", *args]) == 0
    assert f"approved {first} v1 for wechat/default" in capsys.readouterr().out
    assert main(["review", "reject", second, "--reason", "标题有误", *args]) == 0
    assert f"rejected {second} v1 for wechat/default" in capsys.readouterr().out
    assert main(["review", "list", *args]) == 0
    assert "nothing waits for review" in capsys.readouterr().out
    assert main(["quarantine", "list", *args]) == 0
    assert "rejected by editor: 标题有误" in capsys.readouterr().out


def test_unknown_ids_and_missing_reason(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["review", "approve", "a-ffffffffffffffffffff", *args]) == 1
    assert "no such article(s): a-ffffffffffffffffffff" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["review", "reject", "a-ffffffffffffffffffff", *args])  # --reason is required


def test_correct_makes_a_version_that_waits_again(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["review", "list", "--json", *args]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])["article_id"]
    fix = ["review", "correct", first, "--headline", "坚定不移抓项目", "--kicker", "", *args]
    assert main(fix) == 0
    out = capsys.readouterr().out
    assert f"corrected {first}: v2 (headline, kicker)" in out
    assert "held again for review on wechat/default" in out  # `always`: the editor asks again
    assert main(["review", "list", "--json", *args]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    docs = {doc["article_id"]: doc for doc in listed}
    assert (docs[first]["version"], docs[first]["headline"]) == (2, "坚定不移抓项目")
    assert main(["review", "correct", first, "--headline", " ", *args]) == 1
    assert "the correction is refused: headline" in capsys.readouterr().err
