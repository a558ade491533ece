"""The raw archive: every payload received, stored once under its sha256 with where it came from.

Layout in the object store: ``raw/<aa>/<sha256>`` holds the bytes and ``raw/<aa>/<sha256>.json``
the first receipt (origin, time, source, headers, media type). The JSON is written after the
bytes, so a readable sidecar always has its payload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from distro.errors import StoreError
from distro.models import RawItem
from distro.store.objects import MissingObject, ObjectStore


def now() -> dt.datetime:
    """The current time, UTC."""
    return dt.datetime.now(dt.UTC)


class Archive:
    """Content-addressed payloads in an object store."""

    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects

    @staticmethod
    def key(sha256: str) -> str:
        return f"raw/{sha256[:2]}/{sha256}"

    def put(
        self,
        data: bytes,
        *,
        origin: str,
        source: str,
        headers: dict[str, str] | None = None,
        media_type: str | None = None,
    ) -> RawItem:
        """Keep ``data`` (once) and return this receipt of it."""
        sha = hashlib.sha256(data).hexdigest()
        item = RawItem(
            uri=origin,
            sha256=sha,
            size=len(data),
            received_at=now(),
            source=source,
            media_type=media_type,
            headers={str(k): str(v) for k, v in (headers or {}).items()},
        )
        key = self.key(sha)
        if not self.objects.exists(key + ".json"):
            if not self.objects.exists(key):
                self.objects.put(key, data, content_type="application/octet-stream")
            sidecar = json.dumps(item.model_dump(mode="json"), ensure_ascii=False, indent=1)
            self.objects.put(key + ".json", sidecar.encode(), content_type="application/json")
        return item

    def get(self, sha256: str) -> bytes:
        """The payload's bytes; MissingObject when it was never archived."""
        return self.objects.get(self.key(sha256))

    def meta(self, sha256: str) -> RawItem:
        """The first receipt of the payload."""
        raw = self.objects.get(self.key(sha256) + ".json")
        try:
            return RawItem.model_validate_json(raw)
        except ValueError as exc:
            raise StoreError(f"archive sidecar for {sha256} is unreadable: {exc}") from exc

    def has(self, sha256: str) -> bool:
        return self.objects.exists(self.key(sha256) + ".json")


__all__ = ["Archive", "MissingObject"]
