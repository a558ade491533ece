"""A partner's webhook endpoint on 127.0.0.1: checks distro's signature, answers as scripted."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from distro.channels import partners

SECRET = "whsec-0123456789abcdef"
TOKENS = {
    "DISTRO_TOKEN_XINHUA": "tok-Xinhua-4f1c9a7e2b8d",
    "DISTRO_TOKEN_PORTAL": "tok-Portal-9e2d7c1b4a6f",
    "DISTRO_TOKEN_APPS": "tok-Apps-2b7e9c4d1f3a8",
    "DISTRO_TOKEN_ARCHIVE": "tok-Archive-7c3a1e9f2d4b",
}


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that checks signatures and answers scripted statuses."""

    statuses: list[int] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)  # seconds before answering, per request
    latency: float = 0.0  # seconds every request takes before its answer (a remote receiver)
    peak: int = 0  # most requests in progress at once
    requests: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.flying = 0

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                with receiver.lock:
                    receiver.flying += 1
                    receiver.peak = max(receiver.peak, receiver.flying)
                try:
                    self.answer()
                finally:
                    with receiver.lock:
                        receiver.flying -= 1

            def answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                valid = partners.verify(
                    SECRET,
                    timestamp=headers.get("x-distro-timestamp"),
                    signature=headers.get("x-distro-signature"),
                    body=body,
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                delay = receiver.delays.pop(0) if receiver.delays else 0.0
                if not valid:
                    status = 401
                shown = "timed out" if delay else status
                record = {"headers": headers, "body": json.loads(body), "status": shown}
                receiver.requests.append(record)
                if receiver.latency:
                    time.sleep(receiver.latency)
                if delay:
                    time.sleep(delay)
                elif status == 200:
                    receiver.accepted.append(record)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
