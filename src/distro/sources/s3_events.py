"""S3 event notifications, as SQS delivers them, decoded into the object keys they announce.

A message body is S3's notification JSON (``{"Records": [...]}``), the same wrapped in an SNS
envelope (``{"Type": "Notification", "Message": "<json>"}``) when the bucket notifies a topic
that fans out to the queue without raw delivery, or S3's one-off ``s3:TestEvent`` sent when the
notification is set up. Keys arrive URL-encoded (``+`` for a space). Only ``ObjectCreated:*``
records name a new page; removals and other events are skipped.

Nothing here raises on bad input: a message that is not a notification comes back as a
``Notice`` with a ``problem``, which the caller logs and quarantines (the trigger already
deleted it from the queue, so it is never redelivered).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

#: S3 sends at most 64 KB; anything larger on the queue did not come from a bucket notification.
MAX_BODY_BYTES = 256 * 1024
#: How much of a bad body a quarantine reason or a log line quotes.
QUOTE_CHARS = 200


@dataclass(frozen=True)
class ObjectRef:
    """An object a notification says was created."""

    bucket: str
    key: str


@dataclass(frozen=True)
class Notice:
    """One queue message, decoded."""

    message_id: str
    objects: tuple[ObjectRef, ...] = ()
    test: bool = False  # s3:TestEvent: nothing to do, not a problem
    skipped: int = 0  # records that announce no new object (removals, other events)
    problem: str | None = None  # why the message is poison (then ``objects`` is empty)
    body: str = field(default="", repr=False)

    @property
    def quote(self) -> str:
        """The start of the body, for a log line or a quarantine reason."""
        return self.body[:QUOTE_CHARS]


def _poison(message_id: str, body: str, problem: str) -> Notice:
    return Notice(message_id, problem=problem, body=body)


def _record(record: Any) -> ObjectRef | str | None:
    """The created object a record names, None when it names none, or what is wrong with it."""
    if not isinstance(record, Mapping):
        return "a record is not an object"
    name = record.get("eventName")
    if not isinstance(name, str):
        return "a record has no eventName"
    if not name.startswith("ObjectCreated:"):
        return None
    s3 = record.get("s3")
    bucket = s3.get("bucket") if isinstance(s3, Mapping) else None
    obj = s3.get("object") if isinstance(s3, Mapping) else None
    bucket_name = bucket.get("name") if isinstance(bucket, Mapping) else None
    raw_key = obj.get("key") if isinstance(obj, Mapping) else None
    if not isinstance(bucket_name, str) or not bucket_name:
        return "a record has no s3.bucket.name"
    if not isinstance(raw_key, str) or not raw_key:
        return "a record has no s3.object.key"
    return ObjectRef(bucket_name, unquote_plus(raw_key))


def decode(body: str, message_id: str = "") -> Notice:
    """What one message body announces."""
    if len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        return _poison(message_id, body, f"body over {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except ValueError as exc:
        return _poison(message_id, body, f"body is not JSON: {exc}")
    if isinstance(data, Mapping) and data.get("Type") == "Notification":
        inner = data.get("Message")
        if not isinstance(inner, str):
            return _poison(message_id, body, "SNS envelope without a Message string")
        nested = decode(inner, message_id)
        return nested if nested.problem is None else _poison(message_id, body, nested.problem)
    if not isinstance(data, Mapping):
        return _poison(message_id, body, "body is not a JSON object")
    if data.get("Event") == "s3:TestEvent":
        return Notice(message_id, test=True, body=body)
    records = data.get("Records")
    if not isinstance(records, list) or not records:
        return _poison(message_id, body, "no Records: not an S3 event notification")
    objects: list[ObjectRef] = []
    skipped = 0
    for record in records:
        found = _record(record)
        if isinstance(found, str):
            return _poison(message_id, body, found)
        if found is None:
            skipped += 1
        else:
            objects.append(found)
    return Notice(message_id, objects=tuple(objects), skipped=skipped, body=body)


def read(message: Mapping[str, Any]) -> Notice:
    """A raw SQS ``ReceiveMessage`` entry (``MessageId``, ``Body``, ...), decoded."""
    message_id = str(message.get("MessageId") or "")
    body = message.get("Body")
    if not isinstance(body, str):
        return _poison(message_id, repr(body), "message has no Body string")
    return decode(body, message_id)


def keys_under(notices: Iterable[Notice], bucket: str, prefix: str) -> list[str]:
    """The keys the notices announce in ``bucket`` under ``prefix``, first-seen order, once."""
    found: dict[str, None] = {}
    for notice in notices:
        for ref in notice.objects:
            if ref.bucket == bucket and ref.key.startswith(prefix):
                found.setdefault(ref.key, None)
    return list(found)
