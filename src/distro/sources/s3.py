"""New keys under an S3 prefix, in key order after a cursor kept in the ledger.

Keys are listed with ``StartAfter=<cursor>``, so writers must name keys so that new ones sort
after old ones (the usual ``YYYY/MM/DD/HHMMSS-name.txt`` drop layout). The cursor advances only
past keys that were processed, and each processed key is also recorded, so a reset or moved
cursor never ingests a key twice. Partial uploads (``.part``/``.tmp``, dot names) and sidecars
(``x.meta.json``, fetched with their page) are not pages.

With a queue (``queue_url``), keys also arrive from S3 event notifications (``s3_events``): the
Airflow side queues them in the ledger (``queue``) and ``items`` takes them first, in any order,
without listing; they are recorded as seen but never move the cursor (a key taken early must not
carry the cursor past an older one still uploading). The listing then runs only as the sweep:
when nothing was queued (a clock run) or the last listing is ``sweep_seconds`` old.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from distro.errors import SourceUnavailable
from distro.parse.meta import sidecar_name
from distro.sources.base import Item
from distro.sources.inbox import IGNORED_SUFFIXES
from distro.store.objects import s3_client

if TYPE_CHECKING:
    from distro.config import S3SourceConfig
    from distro.store.ledger import Ledger


#: GetObject error codes that mean the object is not there (any more).
MISSING = ("NoSuchKey", "404")


class S3Source:
    """Pages dropped under ``s3://bucket/prefix``."""

    def __init__(self, cfg: S3SourceConfig, *, client: Any = None) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self._client = client
        self.cursor_key = f"s3:{cfg.name}"
        self.events_key = f"s3-events:{cfg.name}"  # keys notifications announced, not yet done
        # Set when notifications named keys of this source (a sidecar, a page taken already):
        # the run they start is an event run even with nothing queued, and need not list.
        self.announced_key = f"s3-announced:{cfg.name}"
        self.swept_key = f"s3-swept:{cfg.name}"  # when the prefix was last listed
        self.location = f"s3://{cfg.bucket}/{cfg.prefix}"

    @property
    def client(self) -> Any:
        """The S3 client, made on first use (queueing announced keys needs none)."""
        if self._client is None:
            self._client = s3_client(
                endpoint_url=self.cfg.endpoint_url, region=self.cfg.region, conn_id=self.cfg.conn_id
            )
        return self._client

    def seen_key(self, key: str) -> str:
        return f"s3-seen:{self.cfg.name}:{self.cfg.bucket}/{key}"

    def uri(self, key: str) -> str:
        return f"s3://{self.cfg.bucket}/{key}"

    def takes(self, key: str) -> bool:
        """Whether ``key`` is a page of this source (under the prefix, not partial, no sidecar)."""
        name = key.rsplit("/", 1)[-1]
        return (
            key.startswith(self.cfg.prefix)
            and bool(name)
            and not name.startswith(".")
            and not name.endswith(IGNORED_SUFFIXES)
        )

    def queued(self, ledger: Ledger) -> list[str]:
        """Keys that notifications announced and no run has finished yet, oldest first."""
        raw = ledger.get_value(self.events_key)
        return [str(key) for key in json.loads(raw)] if raw else []

    def queue(self, ledger: Ledger, keys: Iterable[str]) -> list[str]:
        """Queue announced keys for the next ``items``; returns those newly queued (pages of this
        source not seen before). The ingest DAG runs one at a time, so read-modify-write is safe.
        """
        keys = list(keys)
        if any(key.startswith(self.cfg.prefix) for key in keys):
            ledger.set_value(self.announced_key, "1")
        current = self.queued(ledger)
        known = set(current)
        added = [
            key
            for key in dict.fromkeys(keys)
            if key not in known and self.takes(key) and ledger.get_value(self.seen_key(key)) is None
        ]
        if added:
            ledger.set_value(self.events_key, json.dumps(current + added, ensure_ascii=False))
        return added

    def _unqueue(self, ledger: Ledger, key: str) -> None:
        left = [k for k in self.queued(ledger) if k != key]
        if left:
            ledger.set_value(self.events_key, json.dumps(left, ensure_ascii=False))
        else:
            ledger.delete_value(self.events_key)

    def sweep_due(self, ledger: Ledger, *, queued: bool, now: dt.datetime | None = None) -> bool:
        """Whether this run lists the prefix: always without a queue, else on a run no
        notification started (the clock) or when the last listing is ``sweep_seconds`` old.
        ``queued``: notifications announced keys of this source for this run (pages queued, or
        sidecars and pages taken already)."""
        if self.cfg.queue_url is None or not queued:
            return True
        last = ledger.get_value(self.swept_key)
        if last is None:
            return True
        elapsed = (now or dt.datetime.now(dt.UTC)) - dt.datetime.fromisoformat(last)
        return elapsed.total_seconds() >= self.cfg.sweep_seconds

    def keys(self, after: str | None) -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        options: dict[str, str] = {"Bucket": self.cfg.bucket, "Prefix": self.cfg.prefix}
        if after:
            options["StartAfter"] = after
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(**options):
                for entry in page.get("Contents", []):
                    yield str(entry["Key"])
        except (BotoCoreError, ClientError) as exc:
            raise SourceUnavailable(f"cannot list {self.uri(self.cfg.prefix)}: {exc}") from exc

    def items(self, ledger: Ledger) -> Iterator[Item]:
        queued = self.queued(ledger)
        for key in queued:
            if ledger.get_value(self.seen_key(key)) is not None:
                self._unqueue(ledger, key)  # the sweep took it first
                continue
            # A released key stays queued for the next run; done records it and unqueues it.
            item = self._item(ledger, key, key.rsplit("/", 1)[-1], advance=False)
            if item is not None:
                yield item
        announced = ledger.get_value(self.announced_key) is not None
        if announced:
            ledger.delete_value(self.announced_key)
        if self.sweep_due(ledger, queued=bool(queued) or announced):
            ledger.set_value(self.swept_key, dt.datetime.now(dt.UTC).isoformat())
            yield from self._listed(ledger)

    def _listed(self, ledger: Ledger) -> Iterator[Item]:
        blocked = False  # a released key stops the cursor: later keys wait for the next run

        for key in self.keys(ledger.cursor(self.cursor_key)):
            if blocked:
                return
            if not self.takes(key):
                continue
            if ledger.get_value(self.seen_key(key)) is not None:
                self._advance(ledger, key)
                continue
            item = self._item(ledger, key, key.rsplit("/", 1)[-1])
            if item is None:  # only queued keys are dropped when gone
                continue
            original_release = item.release

            def release(original: Any = original_release) -> None:
                nonlocal blocked
                blocked = True
                original()

            item.release = release
            yield item

    def _advance(self, ledger: Ledger, key: str) -> None:
        current = ledger.cursor(self.cursor_key)
        if current is None or key > current:
            ledger.set_cursor(self.cursor_key, key)

    def _get(self, key: str) -> tuple[bytes, dict[str, str]]:
        response = self.client.get_object(Bucket=self.cfg.bucket, Key=key)
        data: bytes = response["Body"].read()
        meta = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        return data, {str(k).lower(): str(v) for k, v in meta.items()}

    def _item(self, ledger: Ledger, key: str, name: str, *, advance: bool = True) -> Item | None:
        from botocore.exceptions import BotoCoreError, ClientError

        def done() -> None:
            ledger.set_value(self.seen_key(key), "1")
            if advance:
                self._advance(ledger, key)
            else:
                self._unqueue(ledger, key)

        sidecar_key = key[: len(key) - len(name)] + sidecar_name(name)
        try:
            data, headers = self._get(key)
        except ClientError as exc:
            if not advance and exc.response.get("Error", {}).get("Code") in MISSING:
                # Announced, then deleted before this run: S3 is the truth, nothing to ingest.
                self._unqueue(ledger, key)
                return None
            return Item(self.uri(key), self.name, "page", outcome="error", reason=str(exc))
        except BotoCoreError as exc:
            return Item(self.uri(key), self.name, "page", outcome="error", reason=str(exc))
        sidecar: bytes | None
        try:
            sidecar, _ = self._get(sidecar_key)
        except ClientError:
            sidecar = None
        except BotoCoreError as exc:
            return Item(self.uri(key), self.name, "page", outcome="error", reason=str(exc))
        return Item(
            uri=self.uri(key),
            source=self.name,
            kind="page",
            data=data,
            headers=headers,
            media_type=headers.get("content-type"),
            filename=name,
            sidecar=sidecar,
            publication=self.cfg.publication,
            done=done,
        )
