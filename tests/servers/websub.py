"""A WebSub hub on 127.0.0.1 that records publish pings, as public hubs take them.

A ping is a ``POST`` of ``application/x-www-form-urlencoded`` with ``hub.mode=publish`` and one
or more ``hub.url`` (PubSubHubbub 0.4, what W3C WebSub §5 leaves publishers and hubs to agree
on). The hub answers ``204 No Content`` to a well-formed ping, ``400`` with a plain-text reason to
any other (another content type, another mode, no URL, a URL that is not http(s)), and answers
``statuses`` first when a test scripts them (a 500 that the publisher must live through).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Ping:
    """One request the hub received, and what it answered."""

    content_type: str
    form: dict[str, list[str]]
    status: int


@dataclass
class Hub:
    """Records every ping; ``announced`` lists the feed URLs of the accepted ones, in order."""

    statuses: list[int] = field(default_factory=list)
    pings: list[Ping] = field(default_factory=list)
    url: str = ""

    @property
    def announced(self) -> list[str]:
        return [url for p in self.pings if p.status == 204 for url in p.form["hub.url"]]

    def start(self) -> Hub:
        hub = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                content_type = self.headers.get("Content-Type", "")
                form = parse_qs(body.decode("ascii", "replace"), keep_blank_values=True)
                with lock:
                    scripted = hub.statuses.pop(0) if hub.statuses else None
                problem = judge(content_type, form)
                status = scripted or (400 if problem else 204)
                with lock:
                    hub.pings.append(Ping(content_type, form, status))
                text = (problem or "hub unavailable").encode() if status != 204 else b""
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hub"
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def judge(content_type: str, form: dict[str, list[str]]) -> str | None:
    """Why a hub refuses a publish ping; None when it is well formed."""
    if content_type.split(";", 1)[0].strip() != "application/x-www-form-urlencoded":
        return f"expected a form, got {content_type or 'no content type'}"
    if form.get("hub.mode") != ["publish"]:
        return f"hub.mode must be publish, not {form.get('hub.mode')}"
    urls = form.get("hub.url", [])
    if not urls:
        return "hub.url is required"
    if not all(url.startswith(("http://", "https://")) for url in urls):
        return "hub.url must be an http(s) URL"
    return None
