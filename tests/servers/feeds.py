"""A static HTTP server for feeds: ETag, Last-Modified, 304, scripted statuses, endless bodies."""

from __future__ import annotations

import hashlib
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Resource:
    """What the server answers on one path."""

    body: bytes
    content_type: str = "application/xml"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True
    last_modified: str | None = formatdate(1_700_000_000, usegmt=True)
    statuses: list[int] = field(default_factory=list)  # answered first, one per request
    endless: bool = False  # stream `body` forever with no Content-Length
    declare_length: bool = True


class QuietServer(ThreadingHTTPServer):
    """Clients that hang up on purpose (the size cap) are not errors worth a traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class FeedServer:
    """Serve `resources[path]`; `hits[path]` counts requests."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms stalls

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] += 1
                server.requests.append({k.lower(): v for k, v in self.headers.items()})
                resource = server.resources.get(path)
                if resource is None:
                    self._empty(404)
                    return
                if resource.statuses:
                    self._empty(resource.statuses.pop(0))
                    return
                etag = '"' + hashlib.sha256(resource.body).hexdigest()[:16] + '"'
                if resource.etag and self.headers.get("If-None-Match") == etag:
                    self._empty(304)
                    return
                if (
                    resource.last_modified
                    and not resource.etag
                    and self.headers.get("If-Modified-Since") == resource.last_modified
                ):
                    self._empty(304)
                    return
                self.send_response(200)
                self.send_header("Content-Type", resource.content_type)
                if resource.etag:
                    self.send_header("ETag", etag)
                if resource.last_modified:
                    self.send_header("Last-Modified", resource.last_modified)
                for name, value in resource.headers.items():
                    self.send_header(name, value)
                if resource.endless:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        while True:
                            self.wfile.write(resource.body)
                    except OSError:
                        return
                if resource.declare_length:
                    self.send_header("Content-Length", str(len(resource.body)))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self.wfile.write(resource.body)
                except OSError:
                    return

            def _empty(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, path: str, body: bytes, **options: object) -> str:
        """Serve ``body`` at ``path``; its URL."""
        self.resources[path] = Resource(body, **options)  # type: ignore[arg-type]
        return self.base_url + path
