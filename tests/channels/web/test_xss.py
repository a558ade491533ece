"""XSS vectors pushed through the whole path (ledger, publish, pages, feeds) never survive."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser

from distro.channels import web
from distro.models import Byline
from distro.store.ledger import Ledger
from tests.channels.web.stories import ATOM, article, settings, store, text_files
from tests.channels.web.xss import VECTORS, executable

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def test_the_checker_sees_every_vector() -> None:
    for vector in VECTORS:
        if vector.startswith("<!--"):
            continue  # a comment is inert by itself; the sanitizer still strips it
        assert executable(vector), vector


def hostile(n: int, vector: str) -> object:
    return article(
        n,
        NOW - dt.timedelta(minutes=n),
        headline=f"标题{n}{vector}",
        kicker=f"引题{vector}",
        subheadline=f"副题{vector}",
        summary=f"摘要{vector}",
        section="要闻",
        keywords=[f"关键词{vector}"],
        byline=Byline(raw=f"□记者 {vector}", names=[f"记者{vector}"]),
        paragraphs=[],
        body_html=f"<p>正文第{n}段。</p>{vector}<p>结尾。</p>",
        link="javascript:alert(1)" if n % 2 else "https://example.cn/ok",
    )


def test_no_vector_survives_into_any_page_or_feed(tmp_path: Path) -> None:
    cfg = settings(tmp_path / "state")
    with Ledger(cfg.store_url) as ledger:
        for n, vector in enumerate(VECTORS, start=1):
            store(ledger, hostile(n, vector))  # type: ignore[arg-type]
        report = web.publish(cfg, ledger)
    assert report.sent == len(VECTORS) and report.failed == 0
    site = tmp_path / "state" / "site"
    checked = 0
    for path in text_files(site):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            ld = 1 if path.parent.name == "articles" and "本文已撤回" not in text else 0
            assert executable(text, style_blocks=1, data_blocks=ld) == [], path
            checked += 1
        elif path.name in {"feed.xml", "atom.xml"}:
            root = ET.fromstring(text)
            for element in root.iter():
                if element.tag in {"title", "description", CONTENT}:
                    # RSS readers may take any of these as HTML: none may hold markup that runs.
                    assert executable(element.text or "") == [], (path, element.tag)
                elif element.tag in {f"{ATOM}content", f"{ATOM}summary", f"{ATOM}title"}:
                    kind = element.get("type", "text")
                    assert kind in {"text", "html"}, (path, element.tag, kind)
                    if kind == "html":
                        assert executable(element.text or "") == [], (path, element.tag)
            parsed = feedparser.parse(text.encode())
            assert parsed.bozo == 0
            checked += 1
        elif path.name == "feed.json":
            doc = json.loads(text)
            for item in doc["items"]:
                assert executable(item.get("content_html", "")) == [], path
                for key in ("url", "external_url"):
                    assert item.get(key, "https://").startswith(("https://", "http://"))
            checked += 1
    assert checked >= len(VECTORS) + 2 * 4
    # the words around each vector are still there: sanitizing removed code, not the copy
    page = (site / "articles" / f"a-{3:020x}.html").read_text(encoding="utf-8")
    assert "正文第3段。" in page and "结尾。" in page
    assert "标题3&lt;img src=x onerror=alert(1)&gt;" in page
