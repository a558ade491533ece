"""The inbox trigger on a real folder: it fires for new files, in batches, and ignores partials."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any


async def next_event(stream: Any, timeout: float = 10.0) -> dict[str, Any]:
    event = await asyncio.wait_for(anext(stream), timeout)
    payload: dict[str, Any] = event.payload
    return payload


def test_inbox_trigger_fires_for_each_new_batch_of_files(tmp_path: Path) -> None:
    from distro.airflow.triggers import InboxTrigger

    inbox = tmp_path / "inbox"
    trigger = InboxTrigger(directory=str(inbox), pattern="*.txt", poke_interval=0.05)

    async def scenario() -> list[dict[str, Any]]:
        stream = trigger.run()
        inbox.mkdir()
        (inbox / ".page.txt.part").write_text("写到一半", encoding="utf-8")
        (inbox / "notes.json").write_text("{}", encoding="utf-8")
        (inbox / "a.txt").write_text("第一版", encoding="utf-8")
        first = await next_event(stream)
        (inbox / "b.txt").write_text("第二版", encoding="utf-8")
        (inbox / "c.txt").write_text("第三版", encoding="utf-8")
        second = await next_event(stream)
        if second["files"] == 1:  # the poll fell between the two writes
            second["sample"] += (await next_event(stream))["sample"]
        await stream.aclose()
        return [first, second]

    first, second = asyncio.run(scenario())
    assert (first["files"], first["sample"]) == (1, ["a.txt"])
    assert sorted(second["sample"]) == ["b.txt", "c.txt"]


def test_inbox_trigger_round_trips_through_serialize(tmp_path: Path) -> None:
    from distro.airflow.triggers import InboxTrigger

    classpath, kwargs = InboxTrigger(directory=str(tmp_path), pattern="*.txt").serialize()
    assert classpath == "distro.airflow.triggers.InboxTrigger"
    assert InboxTrigger(**kwargs).serialize() == (classpath, kwargs)


def test_status_trigger_polls_until_done(tmp_path: Path) -> None:
    from distro.airflow.triggers import StatusTrigger

    marker = tmp_path / "published"
    trigger = StatusTrigger(
        probe="tests.airflow.test_triggers.probe",
        kwargs={"path": str(marker)},
        interval=0.05,
        max_polls=200,
    )

    async def scenario() -> dict[str, Any]:
        stream = trigger.run()
        waiting = asyncio.ensure_future(next_event(stream))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        marker.write_text("ok", encoding="utf-8")
        return await waiting

    assert asyncio.run(scenario()) == {"done": True, "status": {"done": True}}


def probe(path: str) -> dict[str, Any]:
    """A status probe: done once the marker file exists."""
    return {"done": Path(path).exists()}
