"""The provider used when none is configured: each notification becomes a JSON file to inspect."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from distro.channels.app.push.notification import Notification, PushResult


class OutboxProvider:
    """Writes ``<folder>/<collapse key>-v<version>.json``; rewriting one version is harmless."""

    def __init__(self, folder: Path, *, audience: str = "all", name: str = "outbox") -> None:
        self.name = name
        self.audience = audience
        self.folder = folder

    def path(self, notification: Notification) -> Path:
        return self.folder / f"{notification.collapse_key}-v{notification.version}.json"

    def send(self, notification: Notification) -> PushResult:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(notification)
        document = {"audience": self.audience, "notification": notification.as_json()}
        data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".push-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return PushResult(
            provider=self.name, audience=self.audience, remote_ids=[str(path)], delivered=1
        )
