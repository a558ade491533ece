"""百度普通收录 API push on 127.0.0.1, answering as Baidu's documentation says it does.

``POST /urls?site=<site>&token=<token>`` with a ``text/plain`` body of URLs, one per line
(Baidu's own example: ``curl -H 'Content-Type:text/plain' --data-binary @urls.txt``). Answers:

- ``200 {"remain": M, "success": N}``, plus ``not_same_site`` and ``not_valid`` (lists) when some
  URLs are on another host or are not URLs; those are not counted;
- ``400 {"error": 400, "message": "site error"}``: a site that is not verified (not registered);
- ``400 … "empty content"``: no URL in the body;
- ``400 … "only 2000 urls are allowed once"``: more than 2,000 lines;
- ``400 … "over quota"``: the day's quota is used up (or the batch is larger than what is left):
  nothing of it is accepted;
- ``401 … "token is not valid"``: a token that is not the site's;
- ``404 … "not found"``: another path;
- ``500 … "internal error, please try later"``: scripted with ``statuses``.

``quota`` is each site's daily allowance; ``new_day()`` resets it, as Beijing's midnight does.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_URLS = 2000
MESSAGES = {
    400: "site error",
    401: "token is not valid",
    404: "not found",
    500: "internal error, please try later",
}


@dataclass
class Push:
    """One request: its query, content type, URL lines, and the answer."""

    query: dict[str, list[str]]
    content_type: str
    urls: list[str]
    status: int
    answer: dict[str, Any]


@dataclass
class BaiduServer:
    """The push API for the sites in ``tokens`` (site -> token), each with ``quota`` a day."""

    tokens: dict[str, str]
    quota: int = 10
    statuses: list[int] = field(default_factory=list)  # answered first, one per request
    pushes: list[Push] = field(default_factory=list)
    remain: dict[str, int] = field(default_factory=dict)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def accepted(self) -> list[str]:
        """The URLs Baidu counted, in order."""
        out = []
        for push in self.pushes:
            if push.status == 200:
                skipped = set(push.answer.get("not_same_site", []))
                skipped |= set(push.answer.get("not_valid", []))
                out += [u for u in push.urls if u not in skipped]
        return out

    def new_day(self) -> None:
        with self.lock:
            self.remain = {site: self.quota for site in self.tokens}

    def answer(self, path: str, query: dict[str, list[str]], urls: list[str]) -> tuple[int, Any]:
        if path != "/urls":
            return 404, {"error": 404, "message": MESSAGES[404]}
        if self.statuses:
            status = self.statuses.pop(0)
            return status, {"error": status, "message": MESSAGES.get(status, "error")}
        site = (query.get("site") or [""])[0]
        token = (query.get("token") or [""])[0]
        if site not in self.tokens:
            return 400, {"error": 400, "message": "site error"}
        if token != self.tokens[site]:
            return 401, {"error": 401, "message": "token is not valid"}
        if not urls:
            return 400, {"error": 400, "message": "empty content"}
        if len(urls) > MAX_URLS:
            return 400, {"error": 400, "message": f"only {MAX_URLS} urls are allowed once"}
        host = urlsplit(site if "://" in site else f"http://{site}").hostname
        not_valid = [u for u in urls if urlsplit(u).scheme not in ("http", "https")]
        not_same = [u for u in urls if u not in not_valid and urlsplit(u).hostname != host]
        counted = len(urls) - len(not_valid) - len(not_same)
        left = self.remain.get(site, self.quota)
        if counted > left:
            return 400, {"error": 400, "message": "over quota"}
        self.remain[site] = left - counted
        body: dict[str, Any] = {"remain": self.remain[site], "success": counted}
        if not_same:
            body["not_same_site"] = not_same
        if not_valid:
            body["not_valid"] = not_valid
        return 200, body

    def start(self) -> BaiduServer:
        server = self
        self.new_day()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                urls = [line.strip() for line in body.decode("utf-8").splitlines() if line.strip()]
                with server.lock:
                    status, answer = server.answer(parts.path, query, urls)
                    server.pushes.append(
                        Push(query, self.headers.get("Content-Type", ""), urls, status, answer)
                    )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/urls"
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
