"""deploy/Dockerfile: Airflow image at the locked version, the project from uv.lock."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from tests.deploy.conftest import DEPLOY, REPO

DOCKERFILE = DEPLOY / "Dockerfile"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    pairs = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, rest = stripped.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def test_every_stage_is_the_official_image_at_the_locked_airflow(locked_airflow: str) -> None:
    froms = [args.split()[0] for keyword, args in instructions(DOCKERFILE) if keyword == "FROM"]
    assert froms, "no FROM"
    for image in froms:
        match = re.fullmatch(r"apache/airflow:(\d+\.\d+\.\d+)(-python3\.\d+)?", image)
        assert match, f"{image} is not the official apache/airflow image with a pinned tag"
        assert match.group(1) == locked_airflow
        assert locked_airflow.startswith("3.3.")


def test_dependencies_come_from_the_frozen_lock() -> None:
    runs = [args for keyword, args in instructions(DOCKERFILE) if keyword == "RUN"]
    exports = [run for run in runs if "uv export" in run]
    assert len(exports) == 1
    assert "--frozen" in exports[0]
    assert "--no-dev" in exports[0]
    # The project goes in without re-resolving, after the pinned requirements.
    installs = [run for run in runs if "pip install" in run and "uv>=" not in run]
    assert any("-r /opt/distro/requirements.txt" in run for run in installs)
    assert any("--no-deps" in run for run in installs)
    copies = [args for keyword, args in instructions(DOCKERFILE) if keyword == "COPY"]
    assert any(args.startswith("--chown=airflow:0 dags ") for args in copies)
    assert any("uv.lock" in args for args in copies)


def test_the_dockerfiles_export_yields_the_locked_pins(locked_airflow: str, tmp_path: Path) -> None:
    """Run the Dockerfile's own `uv export` line against the repository's lock."""
    run = next(
        args
        for keyword, args in instructions(DOCKERFILE)
        if keyword == "RUN" and "uv export" in args
    )
    argv = shlex.split(run)
    argv[argv.index("--output-file") + 1] = str(tmp_path / "requirements.txt")
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is not on PATH"
    subprocess.run([uv, *argv[1:]], cwd=REPO, check=True, capture_output=True, timeout=120)
    pins = (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()
    names = {line.split("==")[0] for line in pins if "==" in line}
    assert f"apache-airflow=={locked_airflow}" in pins
    assert "apache-airflow-providers-celery" in names
    assert "psycopg" in names
    # The project itself is installed separately; PyPI's unrelated `distro` must never sneak in.
    assert "distro" not in names
    assert all("==" in line for line in pins if line and not line.startswith(("#", " ")))
