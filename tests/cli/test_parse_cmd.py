"""`distro parse`: JSON lines out, one clear line on stderr for bad input, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from distro.cli import main
from tests.conftest import REPO, SEED

SAMPLE = REPO / "src" / "distro" / "samples" / "pages" / "000_c6710cc7ae2753f8.txt"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[Any], str]:
    code = main(["parse", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_seed_as_json_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, items, err = run(capsys, str(SAMPLE))
    assert (code, err) == (0, "")
    assert [item["kind"] for item in items] == ["article", "article", "teaser"]
    first = items[0]
    for key in (
        "id", "version", "kind", "genre", "kicker", "headline", "subheadline", "byline",
        "dateline", "paragraphs", "continued_on_page", "page_ref", "issue_date",
    ):  # fmt: skip
        assert key in first
    assert first["byline"]["raw"] == "□记者 宋迎迎 报道"
    assert first["dateline"]["date"] == "2021-07-05"
    assert (first["issue_date"], first["page"], first["section"]) == ("2021-07-05", "1", "要闻")
    assert first["issue_date_inferred"] is False  # from the bundled sidecar
    assert items[1]["continued_on_page"] == "2" and items[2]["page_ref"] == "3"


def test_sidecars_named_on_the_command_line_are_not_pages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sidecar = SAMPLE.with_name("000_c6710cc7ae2753f8.meta.json")
    code, items, err = run(capsys, str(SAMPLE), str(sidecar))
    assert (code, err, len(items)) == (0, "", 3)


def test_issue_date_flag_file_name_and_inference(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bare = tmp_path / "page.txt"
    shutil.copy(SEED, bare)
    _, items, _ = run(capsys, str(bare))
    assert items[0]["issue_date"] == "2021-07-05" and items[0]["issue_date_inferred"] is True
    _, items, _ = run(capsys, str(bare), "--issue-date", "2021-07-06")
    assert items[0]["issue_date"] == "2021-07-06" and items[0]["issue_date_inferred"] is False
    named = tmp_path / "20210704_02_要闻.txt"
    shutil.copy(SEED, named)
    _, items, _ = run(capsys, str(named))
    assert (items[0]["issue_date"], items[0]["page"], items[0]["section"]) == (
        "2021-07-04",
        "2",
        "要闻",
    )
    assert items[0]["issue_date_inferred"] is False


def test_same_item_same_id_whatever_the_encoding_or_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    utf8 = tmp_path / "a.txt"
    gb = tmp_path / "b.txt"
    utf8.write_bytes(SEED.read_bytes())
    gb.write_bytes(SEED.read_text(encoding="utf-8").encode("gb18030"))
    _, items, _ = run(capsys, str(utf8), str(gb))
    assert len(items) == 6
    assert [i["id"] for i in items[:3]] == [i["id"] for i in items[3:]]
    assert items[3]["provenance"]["encoding"] == "gb18030"


def test_ninjs_format_validates(capsys: pytest.CaptureFixture[str], shared: Path) -> None:
    ninjs = json.loads((shared / "ninjs" / "ninjs-schema_3.1.json").read_text(encoding="utf-8"))
    geojson = json.loads((shared / "ninjs" / "GeoJSON-schema.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(
        "https://geojson.org/schema/GeoJSON.json", Resource.from_contents(geojson)
    )
    validator = Draft202012Validator(ninjs, registry=registry, format_checker=FormatChecker())
    code, docs, err = run(capsys, str(SAMPLE), "--format", "ninjs")
    assert (code, err, len(docs)) == (0, "", 3)
    for doc in docs:
        validator.validate(doc)
    assert docs[0]["headlines"][0]["value"].startswith("持续转作风")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (bytes(range(256)) * 8, "binary"),
        (b"# README\n\nThis is not a page.\n", "not a newspaper page"),
        (
            "这是一段很长的中文文字，没有任何标题，只是一段普通的说明文字而已。".encode() * 3,
            "no headline",
        ),
        (b"\xe4\xb8\xad\xe6\x96\x87" * 10 + b"\xff" + b"\xe4\xb8\xad" * 10, "offset 60"),
    ],
)
def test_bad_input_one_line_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    code, items, err = run(capsys, str(path))
    assert (code, items) == (1, [])
    assert err.count("\n") == 1 and message in err and "bad.txt" in err


def test_missing_file_and_the_rest_still_parsed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, items, err = run(capsys, str(tmp_path / "nope.txt"), str(SAMPLE))
    assert code == 1
    assert len(items) == 3
    assert err == f"distro: {tmp_path / 'nope.txt'}: no such file\n"


def test_bad_issue_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, items, err = run(capsys, str(SAMPLE), "--issue-date", "2021-13-01")
    assert (code, items) == (2, [])
    assert err.count("\n") == 1 and "--issue-date" in err


def test_installed_command_real_characters_and_no_traceback(tmp_path: Path) -> None:
    """One run of the real script: good pages print, bad ones get a line each, exit 1."""
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    exe = shutil.which("distro", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run(
        [exe, "parse", str(binary), str(SAMPLE), str(empty), str(tmp_path / "missing.txt")],
        capture_output=True,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert done.returncode == 1
    assert len(done.stdout.splitlines()) == 3
    assert "持续转作风".encode() in done.stdout
    assert b"\\u" not in done.stdout  # ensure_ascii=False: real characters, not escapes
    errors = done.stderr.decode().splitlines()
    assert len(errors) == 3
    assert all(line.startswith("distro: ") for line in errors)
    assert "Traceback" not in done.stderr.decode()
