"""The editors' request keeps an answer given before a retry, and asks when there is none."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import importlib
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.api.datamodels._generated import HITLDetailResponse, HITLUser
from airflow.sdk.exceptions import TaskDeferred

from distro.airflow.editors import EarlierAnswer, EditorRequest

AT = dt.datetime(2026, 12, 2, 3, 27, tzinfo=dt.UTC)
ANSWERED = HITLDetailResponse(
    response_received=True,
    responded_at=AT,
    responded_by_user=HITLUser(id="wang", name="王编辑"),
    chosen_options=["Approve"],
    params_input={"only": ["a-1"], "reason": ""},
)
UNANSWERED = HITLDetailResponse(
    response_received=False, responded_at=None, chosen_options=None, params_input={}
)


class Asked(Exception):
    """The operator wrote a new request (what a retry must not do once answered)."""


def request() -> EditorRequest:
    return EditorRequest(
        task_id="ask_editor",
        subject="2 articles wait",
        options=["Approve", "Reject"],
        params={"only": [], "reason": ""},
    )


def context(try_number: int) -> dict[str, Any]:
    return {"task_instance": SimpleNamespace(id=uuid.uuid4(), try_number=try_number)}


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record (and stop at) every new request the operator would write."""
    calls: list[object] = []

    def upsert(**given: object) -> None:
        calls.append(given)
        raise Asked

    monkeypatch.setattr("airflow.providers.standard.operators.hitl.upsert_hitl_detail", upsert)
    return calls


def reads(monkeypatch: pytest.MonkeyPatch, read: Callable[..., HITLDetailResponse]) -> None:
    """The triggerer's read of the request (the trigger's own and the provider's loop)."""
    monkeypatch.setattr("airflow.sdk.execution_time.hitl.get_hitl_detail_content_detail", read)
    monkeypatch.setattr(
        "airflow.providers.standard.triggers.hitl.get_hitl_detail_content_detail", read
    )


def events(trigger: EarlierAnswer) -> list[dict[str, Any]]:
    async def first() -> list[dict[str, Any]]:
        async for event in trigger.run():
            return [event.payload]
        return []

    return asyncio.run(asyncio.wait_for(first(), 10))


def trigger(ti_id: uuid.UUID) -> EarlierAnswer:
    deferred = deferral(request(), {"task_instance": SimpleNamespace(id=ti_id, try_number=2)})
    assert isinstance(deferred.trigger, EarlierAnswer)
    deferred.trigger.poke_interval = 0.01
    return deferred.trigger


def deferral(operator: EditorRequest, ctx: dict[str, Any]) -> TaskDeferred:
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(ctx)
    return deferred.value


def test_a_first_try_writes_the_request(asked: list[object]) -> None:
    with pytest.raises(Asked):
        request().execute(context(try_number=1))
    assert len(asked) == 1


def test_a_retry_waits_on_the_request_in_the_triggerer_without_writing_it(
    asked: list[object],
) -> None:
    ctx = context(try_number=2)
    deferred = deferral(request(), ctx)
    assert deferred.method_name == "resume"
    assert isinstance(deferred.trigger, EarlierAnswer)
    assert deferred.trigger.ti_id == ctx["task_instance"].id
    assert asked == []


def test_the_trigger_serializes_to_a_class_the_triggerer_can_import() -> None:
    path, kwargs = trigger(uuid.uuid4()).serialize()
    module, _, name = path.rpartition(".")
    # the provider's trigger takes its params apart: the triggerer builds it from a copy
    again = getattr(importlib.import_module(module), name)(**copy.deepcopy(kwargs))
    assert isinstance(again, EarlierAnswer)
    assert again.serialize() == (path, kwargs)


def test_an_answer_already_given_fires_at_once_and_stands(
    monkeypatch: pytest.MonkeyPatch, asked: list[object]
) -> None:
    reads(monkeypatch, lambda ti_id: ANSWERED)
    (event,) = events(trigger(uuid.uuid4()))
    assert event["chosen_options"] == ["Approve"]
    result = request().resume(context(try_number=2), event)
    assert result["chosen_options"] == ["Approve"]
    assert result["params_input"] == {"only": ["a-1"], "reason": ""}
    assert result["responded_by_user"] == {"id": "wang", "name": "王编辑"}
    assert asked == []


def test_an_unanswered_request_is_waited_on_until_the_editor_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = iter([UNANSWERED, UNANSWERED, UNANSWERED, ANSWERED])
    seen: list[uuid.UUID] = []

    def read(ti_id: uuid.UUID) -> HITLDetailResponse:
        seen.append(ti_id)
        return next(given)

    reads(monkeypatch, read)
    ti_id = uuid.uuid4()
    (event,) = events(trigger(ti_id))
    assert event["chosen_options"] == ["Approve"] and len(seen) == 4
    assert set(seen) == {ti_id}


def test_a_lost_first_start_asks(monkeypatch: pytest.MonkeyPatch, asked: list[object]) -> None:
    def read(ti_id: uuid.UUID) -> HITLDetailResponse:
        raise RuntimeError("HITLDetail not found")

    reads(monkeypatch, read)
    (event,) = events(trigger(uuid.uuid4()))
    assert event == {"ask": True}
    with pytest.raises(Asked):
        request().resume(context(try_number=2), event)
    assert len(asked) == 1
