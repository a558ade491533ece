"""The layers hold: only ``distro.airflow`` imports Airflow, and the CLI reaches it only in the
commands that talk to Airflow."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import distro

SRC = Path(distro.__file__).resolve().parent

PROBE = """
import importlib, json, sys
for name in {modules!r}:
    importlib.import_module(name)
{then}
names = ("airflow.", "distro.airflow")
loaded = sorted(m for m in sys.modules if m == "airflow" or m.startswith(names))
print(json.dumps(loaded))
"""


def loaded_after(modules: list[str], then: str = "") -> list[str]:
    """Airflow modules a new interpreter holds after importing ``modules`` and running ``then``."""
    code = PROBE.format(modules=modules, then=then)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def library_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(SRC)], prefix="distro."):
        if info.name == "distro.airflow" or info.name.startswith("distro.airflow."):
            continue
        if ".migrations" in info.name:
            continue  # Alembic's scripts run only inside Alembic
        names.append(info.name)
    return names


def test_the_library_never_imports_airflow() -> None:
    modules = library_modules()
    assert "distro.channels.registry" in modules and "distro.service" in modules
    assert loaded_after(modules) == []


def test_no_library_module_names_airflow_in_its_source() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "airflow" not in path.relative_to(SRC).parts
        and any(
            line.lstrip().startswith(("import airflow", "from airflow"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []


def test_the_cli_loads_airflow_only_for_the_commands_that_talk_to_it(tmp_path: Path) -> None:
    # Building the parser registers every command, the Airflow ones included.
    assert loaded_after(["distro.cli"], "from distro.cli import build_parser; build_parser()") == []
    # Publishing and reviewing from the CLI run the library in this process, with no Airflow.
    state = tmp_path / "state"
    local = (
        "from distro.cli import main\n"
        f"main(['publish', 'web', '--state', {str(state)!r}])\n"
        f"main(['review', 'list', '--state', {str(state)!r}])\n"
    )
    assert loaded_after(["distro.cli"], local) == []
