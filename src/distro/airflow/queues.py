"""S3 drops as events: an SQS asset watched by Airflow's message-queue trigger, and the step of
the ingest task that turns the messages a run was started by into queued S3 keys.

The bucket notifies the queue (``deploy/aws``); ``MessageQueueTrigger(scheme="sqs")`` long-polls
it in the triggerer and, on messages, deletes them and fires an asset event whose payload holds
the raw messages. The event starts the group's ingest DAG; its task decodes the messages
(``sources.s3_events``), queues the keys under each S3 source's prefix in the ledger and ingests
them without listing the prefix (``sources.s3``). The trigger deletes before the run (at most
once), so S3 stays the truth: the source's clock still lists after the cursor as the sweep, and
both paths record each key as seen, so a key is ingested once whichever path takes it.

Bad messages cannot loop: the trigger already deleted them. A test event is skipped, keys outside
every prefix are counted and dropped, and a message that is not a notification is logged and
quarantined (stage ``claim``, ref ``sqs:<queue>#<message id>``) with the start of its body.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from airflow.sdk import Asset, AssetWatcher
from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from distro.config import S3SourceConfig, Settings, SourceConfig
from distro.sources import s3_events
from distro.sources.s3 import S3Source

log = logging.getLogger(__name__)

#: After an empty long poll the trigger sleeps this long before the next one (its default, 60 s,
#: would be the latency of the first drop after a quiet minute).
WAITER_DELAY_SECONDS = 1
#: SQS returns at most 10 messages per receive.
MAX_MESSAGES = 10


def watched(sources: Iterable[SourceConfig]) -> list[S3SourceConfig]:
    """The S3 sources that name a queue."""
    return [s for s in sources if isinstance(s, S3SourceConfig) and s.queue_url]


class QueueTrigger(BaseEventTrigger):
    """``MessageQueueTrigger(scheme="sqs", **kwargs)``, built only when serialized or run.

    Importing the message-queue trigger loads the amazon provider and every provider's queue
    classes: seconds on a busy 2-core machine, which every task would pay, since each task parses
    the DAG file. Tasks never serialize or run the watcher, so this stand-in defers the import to
    the dag-processor (serialize) and the triggerer. It serializes as the message-queue trigger
    does (to the provider's ``SqsSensorTrigger``), so the triggerer runs the provider's code.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.kwargs = kwargs

    @cached_property
    def queue_trigger(self) -> BaseEventTrigger:
        from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger

        return MessageQueueTrigger(scheme="sqs", **self.kwargs)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return self.queue_trigger.serialize()

    async def run(self) -> AsyncIterator[TriggerEvent]:
        async for event in self.queue_trigger.run():
            yield event


def queue_asset(source: S3SourceConfig) -> Asset:
    """The queue of ``source`` as an asset, watched by the message-queue trigger.

    Named after the queue, not the source: sources sharing a queue (one bucket, two prefixes, even
    in two groups) share one watcher, so they never compete for its messages.
    """
    assert source.queue_url is not None
    path = urlsplit(source.queue_url).path.strip("/")  # <account>/<queue name>
    trigger = QueueTrigger(
        sqs_queue=source.queue_url,
        aws_conn_id=source.conn_id,
        region_name=source.region,
        max_messages=MAX_MESSAGES,
        wait_time_seconds=source.queue_wait_seconds,
        waiter_delay=WAITER_DELAY_SECONDS,
    )
    name = "distro_sqs_" + path.replace("/", "_")
    return Asset(
        name=name,
        uri=f"x-distro://sqs/{path}",
        watchers=[AssetWatcher(name=f"{name}_watcher", trigger=trigger)],
    )


def queue_assets(sources: Iterable[SourceConfig]) -> dict[str, Asset]:
    """Queue URL -> its watched asset, one per distinct queue among ``sources``."""
    by_url: dict[str, Asset] = {}
    for source in watched(sources):
        assert source.queue_url is not None
        by_url.setdefault(source.queue_url, queue_asset(source))
    return by_url


def event_assets(sources: Iterable[SourceConfig]) -> list[Asset]:
    """The watched queue assets of ``sources``, for the ingest DAG's schedule."""
    return list(queue_assets(sources).values())


Message = tuple[str, Mapping[str, Any]]  # (queue URL, raw SQS ReceiveMessage entry)


def messages(events: Mapping[Any, Sequence[Any]], assets: Mapping[str, Asset]) -> list[Message]:
    """The raw SQS messages in the asset events of ``assets`` (``triggering_asset_events``)."""
    found: list[Message] = []
    for url, asset in assets.items():
        for event in events.get(asset, ()):
            extra = getattr(event, "extra", None) or {}
            payload = extra.get("payload", extra)
            batch = payload.get("message_batch") if isinstance(payload, Mapping) else None
            found.extend((url, m) for m in batch or () if isinstance(m, Mapping))
    return found


def note(settings: Settings, group: str, batch: Iterable[Message]) -> dict[str, int]:
    """Queue the keys the messages announce for the group's watched S3 sources; quarantine
    poison. Returns counts: messages, keys queued, test events, ignored keys, poison."""
    from distro.airflow import tasks

    sources = [s for s in watched(settings.config.sources) if s.group == group]
    notices = [(url, s3_events.read(message)) for url, message in batch]
    counts = {"messages": len(notices), "queued": 0, "tests": 0, "ignored": 0, "poison": 0}
    if not notices:
        return counts
    ledger = tasks.open_ledger(settings)
    try:
        taken: set[tuple[str, str]] = set()
        for source in sources:
            mine = [notice for url, notice in notices if url == source.queue_url]
            keys = s3_events.keys_under(mine, source.bucket, source.prefix)
            taken.update((source.bucket, key) for key in keys)
            counts["queued"] += len(S3Source(source).queue(ledger, keys))
        for url, notice in notices:
            if notice.test:
                counts["tests"] += 1
                log.info("S3 test event %s on %s skipped", notice.message_id, url)
            elif notice.problem is not None:
                counts["poison"] += 1
                log.warning(
                    "poison message %s on %s quarantined: %s (%r)",
                    notice.message_id,
                    url,
                    notice.problem,
                    notice.quote,
                )
                ledger.quarantine(
                    raw_ref=f"sqs:{url}#{notice.message_id}",
                    stage="claim",
                    reason=f"{notice.problem}: {notice.quote}",
                    origin=next((s.name for s in sources if s.queue_url == url), None),
                )
            else:
                ignored = [r for r in notice.objects if (r.bucket, r.key) not in taken]
                counts["ignored"] += len(ignored)
                for ref in ignored:
                    log.info("s3://%s/%s is under no prefix of %s", ref.bucket, ref.key, group)
    finally:
        ledger.close()
    return counts


def ingest(group: str) -> dict[str, Any]:
    """The ingest task's body: queue what the triggering messages announce, then ingest."""
    from airflow.sdk import get_current_context

    from distro.airflow import tasks

    settings = tasks.settings_now()
    sources = [s for s in watched(settings.config.sources) if s.group == group]
    noted: dict[str, int] = {}
    if sources:
        events = get_current_context().get("triggering_asset_events") or {}
        noted = note(settings, group, messages(events, queue_assets(sources)))
    result = tasks.ingest(group, settings)
    if noted:
        result["events"] = noted
    return result
