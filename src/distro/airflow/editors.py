"""The editors' request: Airflow's human-in-the-loop operator, keeping an answer already given."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.providers.standard.triggers.hitl import HITLTrigger
from airflow.triggers.base import TriggerEvent


class EditorRequest(HITLOperator):
    """Asks once per task instance: a later try takes the answer its request already holds.

    Airflow can fail a task whose start or resume it lost. On Airflow 3.3 an answer that
    resumes a parked request at once races the executor's report of the parking process: the
    scheduler drains that stale "success" after it has queued the resumed task, takes it for a
    task killed from outside and fails it (apache/airflow#72716). A plain retry would write its
    request again, which erases the answer the editor gave. The request row follows the task
    instance from try to try, but a task cannot read it (only the triggerer's supervisor serves
    that read), so a later try first waits on :class:`EarlierAnswer` in the triggerer: it
    resumes at once with the answer given, keeps waiting on the same request while there is
    none, and asks afresh only where no request was ever written (a first start that was lost).
    """

    def execute(self, context: Any) -> Any:
        ti = context["task_instance"]
        if int(getattr(ti, "try_number", 1) or 1) > 1:
            self.defer(
                trigger=EarlierAnswer(
                    ti_id=ti.id,
                    options=self.options,
                    defaults=self.defaults,
                    params=self.serialized_params,
                    multiple=self.multiple,
                    timeout_datetime=deadline(self.response_timeout),
                ),
                method_name="resume",
            )
        return super().execute(context)

    def resume(self, context: Any, event: dict[str, Any]) -> Any:
        """Finish with the answer the earlier request holds, or ask when there was none."""
        if event.get("ask"):
            return super().execute(context)
        self.log.info("the editor answered before this try: the answer stands")
        return self.execute_complete(context, event)


class EarlierAnswer(HITLTrigger):
    """Waits on a request already written for the task instance; says so when there is none."""

    def serialize(self) -> tuple[str, dict[str, Any]]:
        _, kwargs = super().serialize()
        return (f"{__name__}.{type(self).__name__}", kwargs)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow.sdk.execution_time.hitl import get_hitl_detail_content_detail
        from asgiref.sync import sync_to_async

        try:
            await sync_to_async(get_hitl_detail_content_detail)(ti_id=self.ti_id)
        except Exception as exc:  # no request was written (the first start was lost): ask
            # said, not swallowed: it is why the editors see the request again
            self.log.warning("no earlier request for %s (%r): asking", self.ti_id, exc)
            yield TriggerEvent({"ask": True})  # type: ignore[no-untyped-call]
            return
        async for event in super().run():
            yield event


def deadline(timeout: dt.timedelta | None) -> dt.datetime | None:
    """When a request waited on from now times out (``None``: it waits for ever)."""
    return None if timeout is None else dt.datetime.now(dt.UTC) + timeout
