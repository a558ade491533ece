"""The in-process run of the real DAGs (what `distro demo` uses), in a fresh interpreter because
Airflow must be configured before it is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from distro import config
from distro.airflow import local
settings = config.load(sys.argv[1], sys.argv[2])
outcomes = local.run(settings)
print(json.dumps([[o.dag_id, o.state, o.results] for o in outcomes], ensure_ascii=False))
"""


def test_local_run_ingests_and_publishes_through_the_dags(
    tmp_path: Path, seed_bytes: bytes
) -> None:
    state = tmp_path / "state"
    (state / "inbox").mkdir(parents=True)
    (state / "inbox" / "000_c6710cc7ae2753f8.txt").write_bytes(seed_bytes)
    path = tmp_path / "distro.toml"
    path.write_text("[channels.wechat]\nenabled = false\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DISTRO_"))}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path), str(state)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcomes = json.loads(done.stdout.strip().splitlines()[-1])
    assert [(dag_id, run_state) for dag_id, run_state, _ in outcomes] == [
        ("ingest_wire", "success"),
        ("publish_web", "success"),
        ("publish_app", "success"),
    ]
    ingested = outcomes[0][2]["ingest"]
    published = outcomes[1][2]["publish"]
    assert ingested["accepted"] > 0, outcomes
    # Teasers are delivered as skipped: they point to another page and get none of their own.
    assert published["sent"] + published["skipped"] == ingested["accepted"]
    pages = list((state / "site" / "articles").glob("a-*.html"))
    assert len(pages) == published["sent"] > 0
    assert (state / "airflow-local" / "airflow.db").exists()
