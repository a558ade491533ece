"""Every file of ../shared/corpora, served over HTTP, ingests without an exception escaping.

Each ends as articles, not-modified or a quarantine entry with a reason; a second run changes
nothing. The counts are printed (``pytest -s``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from distro import config
from distro.pipeline import ingest
from distro.sources.transport import Transport
from distro.store.ledger import Ledger
from tests.servers.feeds import FeedServer

HEADER = re.compile(rb"^Header:\s*([A-Za-z-]+):[ \t]*(.*?)\s*$", re.MULTILINE)
TYPES = {".xml": "application/xml", ".html": "text/html", ".json": "application/json"}


def serve_corpora(server: FeedServer, root: Path) -> list[str]:
    """Serve every corpus file, replaying its `Header:` lines as response headers."""
    urls = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        headers = {m[1].decode(): m[2].decode("latin-1") for m in HEADER.finditer(data[:4096])}
        lowered = {k.lower() for k in headers}
        content_type = next(
            (v for k, v in headers.items() if k.lower() == "content-type"),
            TYPES.get(path.suffix, "text/plain"),
        )
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        relative = path.relative_to(root).as_posix()
        urls.append(
            server.add(
                "/" + relative,
                data,
                content_type=content_type,
                headers=headers,
                etag="etag" not in lowered,
                last_modified=None if "last-modified" in lowered else server_date(),
            )
        )
    return urls


def server_date() -> str:
    return "Tue, 14 Nov 2023 22:13:20 GMT"


def test_every_corpus_file_ends_somewhere(
    shared: Path, feed_server: FeedServer, tmp_path: Path
) -> None:
    urls = serve_corpora(feed_server, shared / "corpora")
    assert len(urls) > 3000
    settings = config.load(None, tmp_path / "state")
    ledger_opened = Ledger.open(settings, keep_connections=True)
    with ledger_opened as ledger, Transport(settings.config.limits) as http:
        started = time.perf_counter()
        first = ingest(settings, ledger=ledger, feeds=urls, transport=http)
        first_seconds = time.perf_counter() - started
        assert len(first.sources) == len(urls)
        outcomes = first.outcomes()
        assert set(outcomes) <= {"ok", "not_modified", "quarantined"}, first.errors[:5]
        for report in first.sources:
            if report.outcome == "ok":
                assert report.articles > 0
            if report.outcome == "quarantined":
                assert report.reason, report.uri
        open_entries = ledger.quarantined()
        assert all(entry.reason for entry in open_entries)
        open_ids = {e.id for e in open_entries}
        for report in first.sources:
            if report.outcome == "quarantined":
                assert report.entries and set(report.entries) <= open_ids, report.uri
        counts = (
            ledger.article_count(versions=True),
            len(open_entries),
            len(ledger.pending("web")),
        )
        print(
            f"\ncorpora: {len(urls)} files -> {outcomes.get('ok', 0)} with articles, "
            f"{outcomes.get('not_modified', 0)} not modified, "
            f"{outcomes.get('quarantined', 0)} quarantined; {first.accepted} articles accepted, "
            f"{first.new_versions} new versions, {len(open_entries)} quarantine entries "
            f"({first_seconds:.1f} s)"
        )
        started = time.perf_counter()
        second = ingest(settings, ledger=ledger, feeds=urls, transport=http)
        assert second.accepted == second.new_versions == 0
        again = second.outcomes()
        print(f"corpora, second run: {again} ({time.perf_counter() - started:.1f} s)")
        assert again.get("not_modified", 0) >= outcomes.get("ok", 0)
        assert (
            ledger.article_count(versions=True),
            len(ledger.quarantined()),
            len(ledger.pending("web")),
        ) == counts
