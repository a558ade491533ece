"""Operator mistakes give one clear line on stderr, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from distro.cli import main

DISTRO = str(Path(sys.executable).parent / "distro")


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 1, err
    return lines[0]


def test_parse_with_a_5000_digit_page(
    tmp_path: Path, seed_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "p.txt").write_bytes(seed_bytes)
    for sidecar in ('{"page": "' + "1" * 5000 + '"}', '{"page": ' + "1" * 5000 + "}"):
        (tmp_path / "p.meta.json").write_text(sidecar, encoding="utf-8")
        assert main(["parse", str(tmp_path / "p.txt")]) == 1
        line = one_line(capsys)
        assert "p.meta.json" in line and len(line) < 400


def test_parse_with_a_250_byte_name(
    tmp_path: Path, seed_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    name = tmp_path / ("新" * 82 + ".txt")  # 250 bytes: its sidecar's name would pass 255
    name.write_bytes(seed_bytes)
    assert main(["parse", str(name)]) == 0
    assert capsys.readouterr().out.count("\n") > 1


@pytest.mark.parametrize("args", [["parse", "--issue-date", "0001-01-01", "x.txt"],
                                  ["parse", "--issue-date", "9" * 5000, "x.txt"]])  # fmt: skip
def test_bad_issue_dates(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert len(one_line(capsys)) < 200


def test_demo_on_an_impossible_state_folder() -> None:
    done = subprocess.run(
        [DISTRO, "demo", "--state", "/proc/x"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line] == [
        line for line in done.stderr.splitlines() if line.startswith("distro: ")
    ]
    assert "/proc/x" in done.stderr
