"""New keys under an S3 prefix, in key order after a cursor kept in the ledger.

Keys are listed with ``StartAfter=<cursor>``, so writers must name keys so that new ones sort
after old ones (the usual ``YYYY/MM/DD/HHMMSS-name.txt`` drop layout). The cursor advances only
past keys that were processed, and each processed key is also recorded, so a reset or moved
cursor never ingests a key twice. Partial uploads (``.part``/``.tmp``, dot names) and sidecars
(``x.meta.json``, fetched with their page) are not pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from distro.errors import SourceUnavailable
from distro.sources.base import Item
from distro.sources.inbox import IGNORED_SUFFIXES, SIDECAR_SUFFIX
from distro.store.objects import s3_client

if TYPE_CHECKING:
    from distro.config import S3SourceConfig
    from distro.store.ledger import Ledger


class S3Source:
    """Pages dropped under ``s3://bucket/prefix``."""

    def __init__(self, cfg: S3SourceConfig, *, client: Any = None) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.client = client or s3_client(
            endpoint_url=cfg.endpoint_url, region=cfg.region, conn_id=cfg.conn_id
        )
        self.cursor_key = f"s3:{cfg.name}"
        self.location = f"s3://{cfg.bucket}/{cfg.prefix}"

    def seen_key(self, key: str) -> str:
        return f"s3-seen:{self.cfg.name}:{self.cfg.bucket}/{key}"

    def uri(self, key: str) -> str:
        return f"s3://{self.cfg.bucket}/{key}"

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
        blocked = False  # a released key stops the cursor: later keys wait for the next run

        for key in self.keys(ledger.cursor(self.cursor_key)):
            if blocked:
                return
            name = key.rsplit("/", 1)[-1]
            if not name or name.startswith(".") or name.endswith(IGNORED_SUFFIXES):
                continue
            if ledger.get_value(self.seen_key(key)) is not None:
                self._advance(ledger, key)
                continue
            item = self._item(ledger, key, name)
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

    def _item(self, ledger: Ledger, key: str, name: str) -> Item:
        from botocore.exceptions import BotoCoreError, ClientError

        def done() -> None:
            ledger.set_value(self.seen_key(key), "1")
            self._advance(ledger, key)

        stem = name.rsplit(".", 1)[0]
        sidecar_key = key[: len(key) - len(name)] + stem + SIDECAR_SUFFIX
        try:
            data, headers = self._get(key)
        except (BotoCoreError, ClientError) as exc:
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
