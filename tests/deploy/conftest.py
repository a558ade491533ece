"""Paths and lock facts shared by the deploy/ checks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


@pytest.fixture(scope="session")
def locked_airflow() -> str:
    """The apache-airflow version uv.lock pins."""
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    versions = [p["version"] for p in lock["package"] if p["name"] == "apache-airflow"]
    assert len(versions) == 1, versions
    return str(versions[0])
