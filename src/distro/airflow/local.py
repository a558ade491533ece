"""Run distro's real DAGs once, in this process, with `dag.test()` on a throwaway SQLite Airflow
database: what `distro demo` uses to show the whole job without starting a stack."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distro import channels, workflows
from distro.airflow import stack, tasks
from distro.config import Settings
from distro.errors import DistroError


class LocalRunError(DistroError):
    """The in-process Airflow could not be prepared."""


@dataclass
class DagOutcome:
    """One DAG run: its final state and what each task returned."""

    dag_id: str
    state: str
    results: dict[str, Any] = field(default_factory=dict)


def home(settings: Settings) -> Path:
    return settings.state.root / "airflow-local"


def prepare(settings: Settings) -> None:
    """Point Airflow at a SQLite database under the state folder and migrate it once.

    Must run before anything imports airflow in this process: Airflow reads its configuration
    on import.
    """
    where = home(settings)
    if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != str(where):
        raise LocalRunError("airflow was imported before distro.airflow.local.prepare()")
    where.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(where),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{where / 'airflow.db'}",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # dag.test() syncs the DAG folder to the database before it runs a DAG.
            "AIRFLOW__CORE__DAGS_FOLDER": str(stack.Stack(settings).dags_folder()),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "DISTRO_STATE": str(settings.state.root),
        }
    )
    if settings.config_path is not None:
        os.environ["DISTRO_CONFIG"] = str(settings.config_path.absolute())
    else:
        os.environ.pop("DISTRO_CONFIG", None)
    marker = where / "migrated"
    if marker.exists():
        return
    stack.migrate(dict(os.environ))
    marker.touch()


def run(settings: Settings, dag_ids: list[str] | None = None) -> list[DagOutcome]:
    """Test-run the ingest DAGs, then every enabled channel's publish DAG (or ``dag_ids``)."""
    prepare(settings)
    import warnings

    with warnings.catch_warnings():
        # The in-process execution API imports starlette's test client, which warns on import.
        warnings.simplefilter("ignore")
        import starlette.testclient  # noqa: F401
    from distro.airflow import factory

    dags = factory.build(settings)
    order = dag_ids or [
        *(workflows.ingest(group) for group in tasks.groups(settings)),
        *(
            workflows.publish(name, lane.target)
            for name in channels.enabled(settings)
            for lane in channels.lanes(settings, name)
        ),
    ]
    outcomes = []
    for dag_id in order:
        dag_run = dags[dag_id].test()
        results = {
            ti.task_id: ti.xcom_pull(task_ids=ti.task_id) for ti in dag_run.get_task_instances()
        }
        outcomes.append(DagOutcome(dag_id, str(dag_run.state), results))
    return outcomes
