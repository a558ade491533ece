"""SQLite's clock in Airflow's own queries, read to the millisecond instead of the second.

Airflow asks the database which runs are due (`DagRun.run_after <= now()`, and the same for a
DAG's next run). SQLAlchemy renders `now()` on SQLite as `CURRENT_TIMESTAMP`, which has whole
seconds (`2026-12-04 19:59:40`), while Airflow stores `run_after` with microseconds
(`2026-12-04 19:59:40.384415`): a run an asset event queues is then not due until the clock's
next whole second, and the scheduler starts it one loop later. On `distro up` that is every
channel run a drop wakes (measured: the web run waited 0.54 s queued, the ingest run, whose
event came in an earlier second, 7 ms). `strftime('%Y-%m-%d %H:%M:%f', 'now')` is the same clock
with milliseconds, in the format Airflow's rows compare against as text. Other databases are
left alone: PostgreSQL's `now()` already has microseconds.

`install` runs from the `airflow_local_settings.py` that `distro up` writes into its Airflow
home (Airflow imports that module in each of its processes); see `stack.LOCAL_SETTINGS`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import functions

#: SQLite's current time with milliseconds, parenthesized so it is valid wherever `now()` is.
SQLITE_NOW = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))"
_installed = False


def _sqlite_now(element: functions.now, compiler: Any, **kw: Any) -> str:
    return SQLITE_NOW


def install() -> None:
    """Render `now()` on SQLite with milliseconds from here on (idempotent)."""
    global _installed
    if not _installed:
        compiles(functions.now, "sqlite")(_sqlite_now)
        _installed = True
