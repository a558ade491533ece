"""The editors' request keeps an answer given before a retry, and asks when there is none."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.api.datamodels._generated import HITLDetailResponse, HITLUser

from distro.airflow import editors
from distro.airflow.editors import EditorRequest


class Asked(Exception):
    """The operator wrote a new request (what a retry must not do once answered)."""


def request() -> EditorRequest:
    return EditorRequest(
        task_id="ask_editor", subject="2 articles wait", options=["Approve", "Reject"]
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


def answered(monkeypatch: pytest.MonkeyPatch, response: HITLDetailResponse | None) -> None:
    def read(ti_id: uuid.UUID) -> HITLDetailResponse:
        if response is None:
            raise RuntimeError("no request for this task instance")
        return response

    monkeypatch.setattr("airflow.sdk.execution_time.hitl.get_hitl_detail_content_detail", read)


def test_a_retry_takes_the_answer_the_editor_already_gave(
    monkeypatch: pytest.MonkeyPatch, asked: list[object]
) -> None:
    at = dt.datetime(2026, 12, 2, 3, 27, tzinfo=dt.UTC)
    answered(
        monkeypatch,
        HITLDetailResponse(
            response_received=True,
            responded_at=at,
            responded_by_user=HITLUser(id="wang", name="王编辑"),
            chosen_options=["Approve"],
            params_input={"only": ["a-1"], "reason": ""},
        ),
    )
    result = request().execute(context(try_number=2))
    assert result["chosen_options"] == ["Approve"]
    assert result["params_input"] == {"only": ["a-1"], "reason": ""}
    assert result["responded_by_user"] == {"id": "wang", "name": "王编辑"}
    assert asked == []


@pytest.mark.parametrize("tries", [1, 2])
def test_no_answer_yet_means_the_request_is_written(
    monkeypatch: pytest.MonkeyPatch, asked: list[object], tries: int
) -> None:
    unanswered = HITLDetailResponse(
        response_received=False, responded_at=None, chosen_options=None, params_input={}
    )
    answered(monkeypatch, unanswered)
    with pytest.raises(Asked):
        request().execute(context(try_number=tries))
    assert len(asked) == 1


def test_a_lost_first_start_asks(monkeypatch: pytest.MonkeyPatch, asked: list[object]) -> None:
    answered(monkeypatch, None)
    assert editors.given_answer(uuid.uuid4()) is None
    with pytest.raises(Asked):
        request().execute(context(try_number=2))
