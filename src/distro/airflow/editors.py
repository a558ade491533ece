"""The editors' request: Airflow's human-in-the-loop operator, keeping an answer already given."""

from __future__ import annotations

import logging
from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator


class EditorRequest(HITLOperator):
    """Asks once per run: a try that finds its request answered takes that answer.

    Airflow can fail a task whose start or resume it lost (the worker's call to the API
    server timed out, was sent again and refused), and the retry would ask afresh: the new
    request overwrites the old one, and the answer the editor gave is gone. The request is
    kept with the task instance, so the retry tries to read it first. On Airflow 3.3 that read
    is refused inside a task ("Unhandled request": only the triggerer's supervisor serves it),
    so today the retry logs why and asks again.
    """

    def execute(self, context: Any) -> Any:
        ti = context["task_instance"]
        if int(getattr(ti, "try_number", 1) or 1) > 1:
            answered = given_answer(ti.id)
            if answered is not None:
                self.log.info("the editor answered before this try: the answer stands")
                return self.execute_complete(context, answered)
        return super().execute(context)


def given_answer(ti_id: Any) -> dict[str, Any] | None:
    """The answer already recorded for the task instance's request, if there is one."""
    from airflow.sdk.execution_time.hitl import get_hitl_detail_content_detail

    try:
        detail = get_hitl_detail_content_detail(ti_id)
    except Exception as exc:  # no request yet (a first start that was lost): ask
        # said, not swallowed: an answer this misses is asked again, and that must show why
        logging.getLogger(__name__).warning("no earlier answer read for %s: %r", ti_id, exc)
        return None
    if detail is None or not detail.response_received or not detail.chosen_options:
        return None
    user = detail.responded_by_user
    return {
        "chosen_options": list(detail.chosen_options),
        "params_input": dict(detail.params_input or {}),
        "responded_at": detail.responded_at,
        "responded_by_user": None if user is None else {"id": user.id, "name": user.name},
    }
