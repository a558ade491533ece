"""schemas/ is generated from the models: any drift fails here (regenerate: `distro schemas`)."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from distro import schemas
from distro.cli import main

from .conftest import REPO


def test_committed_schemas_match_the_models() -> None:
    assert schemas.drift(REPO / "schemas") == [], "run `uv run distro schemas` and commit"


def test_every_schema_is_a_valid_draft_2020_12_schema() -> None:
    for text in schemas.render_all().values():
        Draft202012Validator.check_schema(json.loads(text))


def test_drift_reports_stale_missing_and_unexpected_files(tmp_path: Path) -> None:
    schemas.write(tmp_path)
    article = tmp_path / schemas.filename("article")
    article.write_text("{}", encoding="utf-8")
    (tmp_path / schemas.filename("raw-item")).unlink()
    (tmp_path / "old.v0.schema.json").write_text("{}", encoding="utf-8")
    assert sorted(schemas.drift(tmp_path)) == [
        f"{schemas.filename('article')}: differs from the models",
        "old.v0.schema.json: no model generates it",
        f"{schemas.filename('raw-item')}: missing",
    ]


def test_cli_check_exits_nonzero_on_drift(tmp_path: Path) -> None:
    assert main(["schemas", "--out", str(tmp_path)]) == 0
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 0
    (tmp_path / schemas.filename("delivery")).write_text("{}", encoding="utf-8")
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 1


def test_article_schema_keeps_chinese_descriptions() -> None:
    text = schemas.render("article")
    assert "本报评论员" in text
    assert "\\u" not in text
