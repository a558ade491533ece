"""One Airflow home for the session: environment set before airflow is imported, then
`airflow db migrate` once (about 6 s on SQLite), so every `dag.test()` shares it."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from distro import config
from distro.models import Article, Provenance, make_id

REPO = Path(__file__).resolve().parents[2]
HOME = Path(tempfile.mkdtemp(prefix="distro-airflow-test-"))
# Made at import, so removed at exit even when no test asked for the database.
atexit.register(shutil.rmtree, HOME, ignore_errors=True)
# Airflow reads its configuration when first imported: this must run before any airflow import.
os.environ.update(
    {
        "AIRFLOW_HOME": str(HOME),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME / 'airflow.db'}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
)

with warnings.catch_warnings():
    # Airflow's in-process execution API (dag.test) imports starlette's test client, which warns
    # about its httpx backend on import: a third-party deprecation that warnings-as-errors would
    # turn into a failed task.
    warnings.simplefilter("ignore")
    import starlette.testclient  # noqa: F401


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[Path]:
    """The migrated metadata database, for the whole session."""
    airflow = Path(sys.executable).with_name("airflow")
    done = subprocess.run(
        [str(airflow), "db", "migrate"], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"airflow db migrate failed:\n{done.stderr[-3000:]}")
    yield HOME


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> config.Settings:
    """Default settings on a fresh state folder, also visible to tasks through DISTRO_STATE."""
    root = tmp_path / "state"
    monkeypatch.setenv("DISTRO_STATE", str(root))
    monkeypatch.delenv("DISTRO_CONFIG", raising=False)
    return config.load(None, root)


def article(headline: str, paragraph: str) -> Article:
    """A small stored-shape article, as ingestion would make it."""
    digest = make_id(headline, paragraph)
    return Article(
        id=digest,
        headline=headline,
        paragraphs=[paragraph],
        provenance=Provenance(
            origin=f"file:///inbox/{digest}.txt",
            sha256="0" * 64,
            received_at=dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC),
        ),
    )


@pytest.fixture(autouse=True)
def plain_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks install the Airflow connection resolver; keep it from leaking into later tests."""
    from distro import secrets

    monkeypatch.setattr(secrets, "_resolvers", list(secrets._resolvers))
