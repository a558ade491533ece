"""A clock lane's scheduled run that starts long after its time (the stack was down, the schedule
was edited) is skipped, not sent late, unless `distro up --catch-up` asked for it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from distro import channels, config, service
from distro.airflow import tasks

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def dag_run(run_type: str, due: dt.datetime) -> Any:
    """The task SDK's own DagRun, as the publish task finds it in its context."""
    from airflow.sdk.api.datamodels._generated import DagRun

    return DagRun(
        dag_id="publish_wechat",
        run_id=f"{run_type}__{due.isoformat()}",
        logical_date=due,
        data_interval_start=due,
        data_interval_end=due,
        run_after=due,
        start_date=NOW,
        end_date=None,
        run_type=run_type,
        state="running",
        consumed_asset_events=[],
        partition_key=None,
    )


def test_wechat_lanes_skip_editions_later_than_half_an_hour(tmp_path: Path) -> None:
    settings = config.load(None, tmp_path / "state")
    [lane] = channels.lanes(settings, "wechat")
    assert lane.late_minutes == 30.0
    [web] = channels.lanes(settings, "web")
    assert web.late_minutes is None  # event channels publish whenever work arrives


@pytest.mark.parametrize(
    ("minutes_late", "skipped"), [(0, False), (29, False), (31, True), (120, True)]
)
def test_a_late_scheduled_edition_is_skipped(minutes_late: int, skipped: bool) -> None:
    due = NOW - dt.timedelta(minutes=minutes_late)
    why = service.missed_edition(due, NOW, 30.0)
    assert (why is not None) == skipped
    if why:
        assert "missed edition due 2026-12-01T" in why and "--catch-up" in why


def test_catch_up_sends_what_was_due_before_the_stack_came_up() -> None:
    up_at = NOW.isoformat()
    missed = NOW - dt.timedelta(hours=2)
    assert service.missed_edition(missed, NOW, 30.0, catch_up_until=up_at) is None
    # an edition due after the catch-up point is judged on its own lateness
    later = NOW + dt.timedelta(hours=3)
    assert service.missed_edition(later, later + dt.timedelta(hours=1), 30.0, catch_up_until=up_at)


def test_the_task_judges_scheduled_runs_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(service.CATCH_UP_UNTIL, raising=False)
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    assert tasks.missed(dag_run("scheduled", stale), 30.0)
    assert tasks.missed(dag_run("manual", stale), 30.0) is None  # an editor's run always goes
    fresh = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    assert tasks.missed(dag_run("scheduled", fresh), 30.0) is None
    monkeypatch.setenv(service.CATCH_UP_UNTIL, dt.datetime.now(dt.UTC).isoformat())
    assert tasks.missed(dag_run("scheduled", stale), 30.0) is None
