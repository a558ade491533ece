"""Every outbound HTTP call goes through distro.net: no other module opens sessions or retries."""

from __future__ import annotations

import re
from pathlib import Path

import distro

SRC = Path(distro.__file__).parent
#: Ways of making HTTP calls (or retry loops) that bypass the one layer.
BYPASS = re.compile(
    r"requests\.(get|post|put|patch|delete|head|request|Session)\(|HTTPAdapter\(|"
    r"urllib3\.util\.retry|from urllib3\.util\.retry|urlopen\(|http\.client\.|"
    r"\bdef retry_after\b|parsedate_to_datetime"
)
#: Not ours to move yet, each with its reason.
ALLOWED = {
    # `reachable()`: a 2-second probe of the local stack's port before `distro up` starts it.
    "airflow/stack.py",
}


def test_no_module_bypasses_the_http_layer() -> None:
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name.startswith("net/") or name in ALLOWED:
            continue
        found = BYPASS.findall(path.read_text(encoding="utf-8"))
        if found:
            offenders[name] = found
    assert offenders == {}


def test_the_pattern_catches_what_it_is_for() -> None:
    for line in ("requests.get(url)", "s = requests.Session()", "HTTPAdapter(max_retries=r)",
                 "from urllib3.util.retry import Retry", "def retry_after(headers):"):  # fmt: skip
        assert BYPASS.search(line), line
