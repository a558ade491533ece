"""Fixtures shared by every test: where the repository and ../shared are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# A worktree checked out elsewhere points DISTRO_SHARED at the shared folder.
SHARED = Path(os.environ.get("DISTRO_SHARED", REPO.parent / "shared"))
SEED = SHARED / "seed" / "000_c6710cc7ae2753f8.txt"
pytest_plugins = ["tests.servers.fixtures"]


@pytest.fixture(scope="session")
def shared() -> Path:
    """The read-only shared folder beside the repository."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: the tests need ../shared beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def seed_bytes(shared: Path) -> bytes:
    """The original newspaper page."""
    return SEED.read_bytes()
