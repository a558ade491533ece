"""`distro datelines`: JSON Lines in and out, one line per line, in order, streaming."""

from __future__ import annotations

import io
import json
import select
import subprocess
import sys
from pathlib import Path

import pytest

from distro.cli import main
from distro.cli.datelines_cmd import read_lines

DISTRO = Path(sys.executable).with_name("distro")


def _run_main(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    data: bytes,
    *args: str,
) -> tuple[int, list[dict[str, object]], str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code = main(["datelines", *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_dev_set_through_main_in_order(
    shared: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (shared / "datelines" / "dev.jsonl").read_bytes()
    code, out, _ = _run_main(monkeypatch, capsys, data)
    items = [json.loads(line) for line in data.decode().splitlines()]
    assert code == 0
    assert [o["id"] for o in out] == [i["id"] for i in items]
    first = out[0]
    assert first["dateline"] == {
        "raw": "新华社北京7月3日电",
        "span": [32, 42],
        "date": "2026-07-03",
        "date_reason": None,
        "outlet": "新华社",
        "location": "北京",
        "location_qualifier": None,
        "reporters": [],
        "position": "lead",
    }


def test_plain_lines_with_issue_date(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = "本报7月5日讯 7月4日至5日,今天上午\n没有电头的一行\n".encode()
    code, out, _ = _run_main(monkeypatch, capsys, data, "--issue-date", "2021-07-05")
    assert code == 0
    assert len(out) == 2
    assert out[0]["dateline"]["date"] == "2021-07-05"  # type: ignore[index]
    assert out[0]["lead_dates"] == [
        {"expr": "7月4日至5日", "span": [8, 15], "date": ["2021-07-04", "2021-07-05"],
         "base": "dateline year"},
        {"expr": "今天上午", "span": [16, 20], "date": "2021-07-05", "base": "dateline"},
    ]  # fmt: skip
    assert out[1] == {"dateline": None, "lead_dates": []}


def test_bad_lines_give_error_objects_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps({"text": "本报讯 正文", "issue_date": "2021-07-05"}, ensure_ascii=False),
        "not json",
        json.dumps({"text": 5}),
        json.dumps({"text": "本报讯", "issue_date": "yesterday"}),
        "",
    ]
    data = (
        ("\n".join(lines) + "\n").encode()
        + b"\xff\xfe\n"
        + '{"text": "新华社北京7月5日电 x"}\n'.encode()
    )
    code, out, err = _run_main(monkeypatch, capsys, data)
    assert code == 1
    assert len(out) == 7
    assert out[0]["dateline"]["raw"] == "本报讯"  # type: ignore[index]
    assert [o.get("line") for o in out[1:6]] == [2, 3, 4, 5, 6]
    assert all(o["dateline"] is None and o["error"] for o in out[1:6])
    assert "not UTF-8" in str(out[5]["error"])
    # No issue date: the dateline is found, its date is null with a reason, never guessed.
    assert out[6]["dateline"]["date"] is None  # type: ignore[index]
    assert out[6]["dateline"]["date_reason"]  # type: ignore[index]
    assert "5 input line(s)" in err


def test_bad_issue_date_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run_main(monkeypatch, capsys, b"", "--issue-date", "5 July")
    assert (code, out) == (2, [])
    assert "--issue-date" in err


def test_overlong_line_is_skipped_in_constant_memory() -> None:
    stream = io.BytesIO(b"short\n" + b"x" * 100 + b"\nafter\nlast")
    assert list(read_lines(stream, limit=10)) == [b"short", None, b"after", b"last"]


def test_streams_through_a_pipe_line_by_line() -> None:
    """Each answer comes out before the next line goes in: nothing waits for end of input."""
    with subprocess.Popen(
        [str(DISTRO), "datelines", "--issue-date", "2021-07-05"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            for n in range(3):
                proc.stdin.write(f"本报7月{n + 3}日讯 正文\n".encode())
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], 60)
                assert ready, "no answer while the input is still open"
                answer = json.loads(proc.stdout.readline())
                assert answer["dateline"]["date"] == f"2021-07-0{n + 3}"
            proc.stdin.close()
            assert proc.stdout.read() == b""
            assert proc.wait(timeout=60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()


def test_many_lines_in_order(
    shared: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    items = (shared / "datelines" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    data = ("\n".join(items * 40) + "\n").encode()
    code, out, _ = _run_main(monkeypatch, capsys, data)
    assert code == 0
    assert [o["id"] for o in out] == [json.loads(line)["id"] for line in items] * 40
