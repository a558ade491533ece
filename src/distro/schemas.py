"""Generate the versioned JSON Schemas in schemas/ from the pydantic models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from distro.config import Config
from distro.models import SCHEMA_VERSION, Article, Delivery, QuarantineEntry, RawItem

#: File stem -> model. The stems and SCHEMA_VERSION name the files: article.v1.schema.json.
MODELS: dict[str, type[BaseModel]] = {
    "article": Article,
    "raw-item": RawItem,
    "delivery": Delivery,
    "quarantine-entry": QuarantineEntry,
    "config": Config,
}
BASE_URI = "https://distro.invalid/schemas/"


def filename(stem: str) -> str:
    return f"{stem}.v{SCHEMA_VERSION}.schema.json"


def render(stem: str) -> str:
    """One model's JSON Schema (draft 2020-12) as the text stored in schemas/."""
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE_URI + filename(stem),
        **MODELS[stem].model_json_schema(mode="validation"),
    }
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def render_all() -> dict[str, str]:
    """Every schema file: name -> text."""
    return {filename(stem): render(stem) for stem in MODELS}


def write(folder: Path) -> list[Path]:
    """Write every schema into ``folder``; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_all().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def drift(folder: Path) -> list[str]:
    """Names of schema files in ``folder`` that are missing, stale or unexpected."""
    expected = render_all()
    problems = []
    for name, text in expected.items():
        path = folder / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name}: differs from the models")
    problems.extend(
        f"{path.name}: no model generates it"
        for path in sorted(folder.glob("*.schema.json"))
        if path.name not in expected
    )
    return problems
