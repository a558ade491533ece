"""CJK fonts on this machine, as fontconfig names them: the covers' and the favicon's lookup."""

from __future__ import annotations

import shutil
import subprocess

#: What fontconfig is asked for: a bold CJK face for simplified Chinese.
SANS = "Noto Sans CJK SC:bold:lang=zh-cn"
SERIF = "Noto Serif CJK SC:bold:lang=zh-cn"


def fc_match(pattern: str) -> tuple[str, int] | None:
    """The font file and face index fontconfig picks for ``pattern``; None without fontconfig."""
    if shutil.which("fc-match") is None:
        return None
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}:%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, index = found.rpartition(":")
    return (path, int(index)) if path and index.isdigit() else None


def parse_spec(spec: str) -> tuple[str, int]:
    """A configured font, ``path`` or ``path:index`` (a face of a collection), as (path, index)."""
    path, _, index = spec.rpartition(":")
    return (path, int(index)) if path and index.isdigit() else (spec, 0)
