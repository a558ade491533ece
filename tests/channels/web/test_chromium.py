"""The published site in a real headless Chromium: the DOM shows the story, a screenshot is kept."""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from distro.channels import web
from distro.store.ledger import Ledger
from tests.channels.web.stories import article, seed_article, settings, store
from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static server on 127.0.0.1 over the state folder's site/."""
    site = tmp_path / "state" / "site"
    site.mkdir(parents=True)
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", site
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: scripts/test.sh installs it (apt chromium)")
    profile = tmp_path / "chromium-profile"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


class Text(HTMLParser):
    """The text of the rendered <h1>, the story's paragraphs, and the index's links."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.h1 = ""
        self.paragraphs: list[str] = []
        self.in_body = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        if tag == "div" and ("class", "body") in attrs:
            self.in_body = len(self.stack)
        if tag == "p" and self.in_body:
            self.paragraphs.append("")

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            top = self.stack.pop()
            if self.in_body and len(self.stack) < self.in_body:
                self.in_body = 0
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if "h1" in self.stack:
            self.h1 += data
        if self.in_body and self.paragraphs:
            self.paragraphs[-1] += data
        if self.stack and self.stack[-1] == "a" and "h2" in self.stack:
            self.links.append(data)


def test_article_page_renders_in_chromium(tmp_path: Path, served: tuple[str, Path]) -> None:
    base_url, site = served
    cfg = settings(
        tmp_path / "state", f'[channels.web]\nbase_url = "{base_url}"\ntitle = "西海岸新闻"\n'
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    story = seed_article(now)
    with Ledger(cfg.store_url) as ledger:
        store(ledger, story)
        store(ledger, article(2, now - dt.timedelta(hours=1), section="经济"))
        assert web.publish(cfg, ledger).sent == 2
    assert (site / "articles" / f"{story.id}.html").is_file()
    page_url = f"{base_url}articles/{story.id}.html"

    dom = chromium(tmp_path, "--dump-dom", page_url).stdout
    text = Text()
    text.feed(dom)
    assert text.h1 == story.headline
    assert len(text.paragraphs) == len(story.paragraphs)
    # The dateline the parser cut off is back at the head of the lead, as printed.
    assert story.dateline is not None
    assert text.paragraphs[0] == f"{story.dateline.raw} {story.paragraphs[0]}"
    assert text.paragraphs[-1].strip() == story.paragraphs[-1]

    home = Text()
    home.feed(chromium(tmp_path, "--dump-dom", base_url).stdout)
    assert home.links == [story.headline, "第2条 新区观摩会举行"]
    assert home.h1 == "西海岸新闻 · 最新稿件"

    shanghai = ZoneInfo("Asia/Shanghai")
    day = now.astimezone(shanghai).date().isoformat()
    archive = chromium(tmp_path, "--dump-dom", f"{base_url}archive/{day}/").stdout
    assert story.headline in archive and f'href="{page_url}"' in archive
    earlier = (now - dt.timedelta(hours=1)).astimezone(shanghai).date().isoformat()
    assert ("第2条 新区观摩会举行" in archive) is (earlier == day)  # same Shanghai day or not

    ARTIFACTS.mkdir(exist_ok=True)
    for name, size in [
        ("web-article-desktop.png", "1280,1400"),
        ("web-article-mobile.png", "390,1600"),
    ]:
        shot = ARTIFACTS / name
        shot.unlink(missing_ok=True)
        chromium(
            tmp_path, f"--screenshot={shot}", f"--window-size={size}", "--hide-scrollbars", page_url
        )
        assert shot.is_file() and shot.read_bytes().startswith(b"\x89PNG")
        assert shot.stat().st_size > 20_000  # a blank page compresses to far less
