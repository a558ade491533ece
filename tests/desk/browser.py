"""Real headless Chromium driven through chromedriver's W3C WebDriver HTTP API (requests only)."""

from __future__ import annotations

import base64
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(AssertionError):
    """chromedriver answered with an error."""


class Browser:
    """One WebDriver session: navigate, find, click, type, run script, take screenshots."""

    def __init__(self, driver: str, session: str) -> None:
        self.base = f"{driver}/session/{session}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(method, self.base + path, json=body, timeout=60)
        value = response.json().get("value")
        if response.status_code != 200:
            raise WebDriverError(f"{method} {path}: {value}")
        return value

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def find(self, css: str) -> str:
        return str(self._call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT])

    def find_all(self, css: str) -> list[str]:
        found = self._call("POST", "/elements", {"using": "css selector", "value": css})
        return [str(e[ELEMENT]) for e in found]

    def text(self, css: str) -> str:
        return str(self._call("GET", f"/element/{self.find(css)}/text"))

    def texts(self, css: str) -> list[str]:
        return [str(self._call("GET", f"/element/{e}/text")) for e in self.find_all(css)]

    def value(self, css: str) -> str:
        return str(self._call("GET", f"/element/{self.find(css)}/property/value"))

    def attribute(self, css: str, name: str) -> str | None:
        found = self._call("GET", f"/element/{self.find(css)}/attribute/{name}")
        return None if found is None else str(found)

    def click(self, css: str) -> None:
        self._call("POST", f"/element/{self.find(css)}/click", {})

    def type(self, css: str, text: str) -> None:
        self._call("POST", f"/element/{self.find(css)}/value", {"text": text})

    def run(self, script: str, *args: Any) -> Any:
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script: str, *args: Any, timeout: float = 20.0) -> Any:
        """Poll ``script`` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.run(script, *args)
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def url(self) -> str:
        return str(self._call("GET", "/url"))

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))
        return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def chromium(profile: Path, *, width: int = 1280, height: int = 1400) -> Iterator[Browser]:
    """A headless Chromium session; chromedriver listens on 127.0.0.1 only."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not binary.exists():
            pytest.fail(f"{binary} is missing: scripts/test.sh installs chromium and its driver")
    port = free_port()
    driver = subprocess.Popen(
        [str(CHROMEDRIVER), f"--port={port}", "--allowed-ips=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/status", timeout=2).json()["value"]["ready"]:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or driver.poll() is not None:
                pytest.fail("chromedriver did not start")
            time.sleep(0.1)
        options = {
            "binary": str(CHROMIUM),
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                f"--user-data-dir={profile}",
            ],
        }
        body = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
        created = requests.post(f"{url}/session", json=body, timeout=60).json()["value"]
        if "sessionId" not in created:
            pytest.fail(f"no Chromium session: {created}")
        session = created["sessionId"]
        try:
            yield Browser(url, session)
        finally:
            requests.delete(f"{url}/session/{session}", timeout=30)
    finally:
        driver.terminate()
        driver.wait(timeout=30)
