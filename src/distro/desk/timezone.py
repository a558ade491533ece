"""An ASGI middleware that gives Airflow's UI a default time zone (the config's, not UTC's).

Airflow 3.3's UI has no server-side setting for its display zone: it reads the ``timezone``
key of the browser's localStorage and falls back to the browser's own zone. This middleware
writes that key into the UI's HTML page, only when the editor has not chosen a zone yet, so the
UI opens in Asia/Shanghai and the editor's own choice still wins.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]

#: Paths whose HTML is not the UI's page (the REST API, task execution, plugin apps).
SKIPPED = ("/api/", "/execution/", "/ui/", "/static/")


def snippet(zone: str) -> bytes:
    """The script that sets the UI's zone when none is chosen; JSON-encoded, as the UI reads it."""
    value = json.dumps(json.dumps(zone))
    return (
        "<script>try{if(!window.localStorage.getItem('timezone'))"
        f"window.localStorage.setItem('timezone',{value})}}catch(e){{}}</script>"
    ).encode()


class UiTimezone:
    """Insert ``snippet(zone)`` after ``<head>`` of the HTML pages under ``root``."""

    def __init__(self, app: Any, zone: str, skip: Sequence[str] = ()) -> None:
        self.app = app
        self.script = snippet(zone)
        self.skip = tuple(SKIPPED) + tuple(skip)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        if path.startswith(self.skip):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                if html and b"content-encoding" not in headers:
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks).replace(b"<head>", b"<head>" + self.script, 1)
            kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            kept.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": kept})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
