"""An HTTP server on 127.0.0.1 that misbehaves on purpose: stalls, trickles, loops, echoes secrets.

Paths:

- ``/stall``: reads the request and never answers (not even a status line);
- ``/trickle``: headers at once (Content-Length 100000), then one body byte per second;
- ``/trickle-headers``: the status line and headers one byte every 0.2 s;
- ``/loop``: 302 to ``/loop-back``, which redirects back to ``/loop``;
- ``/hops/<n>``: 302 to ``/hops/<n-1>`` until ``/hops/0``, which answers 200;
- ``/to-file``: 302 to ``file:///etc/passwd``;
- any of these in absolute form (``GET http://host/stall``), as a client sends to a proxy;
- ``/echo``: 401 with the query string and the Authorization header in the body, as some APIs
  do in their error messages.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

from tests.servers.feeds import QuietServer


class HostileServer:
    """Serve the misbehaving paths above; ``stop()`` releases every stalled handler."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                # Absolute-form targets too: the server then stands in for a proxy.
                target = urlsplit(self.path)
                path, query = target.path, target.query
                server.hits.append(path)
                try:
                    self._answer(path, query)
                except OSError:
                    return  # the client hung up: that is what the deadline is for

            def do_POST(self) -> None:
                self.do_GET()

            def _answer(self, path: str, query: str) -> None:
                if path == "/stall":
                    server.stopping.wait()
                elif path == "/trickle":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.flush()
                    while not server.stopping.wait(1.0):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                elif path == "/trickle-headers":
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 1000:
                        if server.stopping.wait(0.2):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                elif path in ("/loop", "/loop-back"):
                    self._redirect("/loop-back" if path == "/loop" else "/loop")
                elif path.startswith("/hops/"):
                    left = int(path.rsplit("/", 1)[1])
                    if left:
                        self._redirect(f"/hops/{left - 1}")
                    else:
                        self._send(200, b"arrived")
                elif path == "/to-file":
                    self._redirect("file:///etc/passwd")
                elif path == "/echo":
                    auth = self.headers.get("Authorization", "")
                    body = f"invalid credential {unquote(query)} (you sent {auth!r})"
                    self._send(401, body.encode())
                else:
                    self._send(404, b"")

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> HostileServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"
