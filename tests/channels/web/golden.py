"""Golden files under tests/channels/web/golden/; DISTRO_UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def assert_golden(name: str, data: str | bytes) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path = GOLDEN / name
    if os.environ.get("DISTRO_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
    assert path.is_file(), f"{path} missing: run with DISTRO_UPDATE_GOLDEN=1 and review it"
    expected = path.read_bytes()
    assert raw == expected, f"{name} differs from its golden file"
