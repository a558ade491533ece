"""SQLite's now() in Airflow's queries: milliseconds, so a run queued this second is due.

Each check runs in a fresh interpreter: the compile rule is process-wide and one-way, and the
rest of the suite must see SQLAlchemy as distro's own commands do.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from distro.airflow import stack

#: A run queued 5 ms ago, in this very second (as an asset event queues one), and whether a
#: scheduler-style query (`run_after <= now()`) finds it due.
DUE = """
import datetime as dt
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, create_engine, func, select
engine = create_engine("sqlite://")
meta = MetaData()
runs = Table("runs", meta, Column("id", Integer, primary_key=True), Column("run_after", DateTime))
meta.create_all(engine)
while dt.datetime.now(dt.UTC).microsecond < 50_000 or dt.datetime.now(dt.UTC).microsecond > 900_000:
    pass  # a moment 5 ms ago falls in this second, and the query runs in it too
with engine.begin() as conn:
    moment = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(milliseconds=5)
    conn.execute(runs.insert().values(id=1, run_after=moment))
    print(list(conn.scalars(select(runs.c.id).where(runs.c.run_after <= func.now()))))
"""


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_run_queued_this_second_is_due_only_with_the_clock() -> None:
    assert run(DUE) == "[]"  # CURRENT_TIMESTAMP: not due before the next whole second
    assert run("from distro.airflow import clock\nclock.install()\n" + DUE) == "[1]"


def test_now_reads_milliseconds_and_installing_twice_is_harmless() -> None:
    out = run(
        """
        from sqlalchemy import String, create_engine, func, select
        from distro.airflow import clock
        engine = create_engine("sqlite://")
        with engine.connect() as c:  # as text, the way SQLite compares it with Airflow's rows
            print(c.scalar(select(func.now(type_=String))))
        clock.install()
        clock.install()
        engine = create_engine("sqlite://")  # a new engine: the first one cached its statement
        with engine.connect() as c:
            print(c.scalar(select(func.now(type_=String))))
        """
    )
    before, after = out.splitlines()
    assert "." not in before
    assert len(after.split(".")[1]) == 3


def test_other_databases_keep_their_now() -> None:
    out = run(
        """
        from sqlalchemy import func, select
        from sqlalchemy.dialects import postgresql, sqlite
        from distro.airflow import clock
        clock.install()
        print(select(func.now()).compile(dialect=postgresql.dialect()))
        print(select(func.now()).compile(dialect=sqlite.dialect()))
        """
    )
    postgres, lite = out.split("\n", 1)
    assert postgres == "SELECT now() AS now_1"
    assert "strftime('%Y-%m-%d %H:%M:%f', 'now')" in lite


def test_the_stack_local_settings_install_it() -> None:
    out = run(
        stack.LOCAL_SETTINGS
        + "\nfrom sqlalchemy import func, select\nfrom sqlalchemy.dialects import sqlite\n"
        + "print(select(func.now()).compile(dialect=sqlite.dialect()))\n"
    )
    assert "%f" in out
