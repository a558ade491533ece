"""The ingest pipeline end to end: inbox pages, feeds over HTTP, quarantine and retry."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from distro import channels, config
from distro.config import Settings
from distro.errors import StoreError
from distro.models import DeliveryState
from distro.pipeline import ingest, retry
from distro.sources.transport import Transport
from distro.store.archive import Archive
from distro.store.ledger import Ledger
from distro.store.objects import LocalObjectStore
from tests.servers.feeds import FeedServer
from tests.sources.feeds import BILLION_LAUGHS, BOZO, rss

SHANGHAI = ZoneInfo("Asia/Shanghai")
SIDECAR = json.dumps({"issue_date": "2021-07-05", "page": "1", "section": "要闻"}).encode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return config.load(None, tmp_path / "state")


@pytest.fixture
def ledger(settings: Settings) -> Ledger:
    return Ledger.open(settings)


def snapshot(ledger: Ledger) -> tuple[int, int, int, int]:
    return (
        ledger.article_count(versions=True),
        len(ledger.deliveries()),
        len(ledger.quarantined()),
        len(ledger.pending("web")),
    )


def drop(inbox: Path, name: str, data: bytes, sidecar: bytes | None = SIDECAR) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    if sidecar is not None:
        (inbox / (Path(name).stem + ".meta.json")).write_bytes(sidecar)
    (inbox / name).write_bytes(data)


def test_inbox_page_to_articles_and_deliveries(
    settings: Settings, ledger: Ledger, seed_bytes: bytes
) -> None:
    inbox = settings.state.inbox
    drop(inbox, "page.txt", seed_bytes)
    report = ingest(settings, ledger=ledger)
    [source] = report.sources
    assert (source.outcome, source.uri) == ("ok", (inbox / "page.txt").as_uri())
    assert report.accepted == source.articles > 0 and report.quarantined == 0
    articles = ledger.articles()
    assert {a.issue_date.isoformat() for a in articles if a.issue_date} == {"2021-07-05"}
    pairs = channels.targets(settings)
    assert len(ledger.deliveries()) == report.accepted * len(pairs)
    assert all(d.state == DeliveryState.PENDING for d in ledger.deliveries())
    # The page left the inbox with its sidecar, and the archive holds both.
    assert sorted(p.name for p in inbox.iterdir()) == [".claimed", ".done"]
    done = sorted(p.name for p in (inbox / ".done").rglob("*") if p.is_file())
    assert done == ["page.meta.json", "page.txt"]
    archive = Archive(LocalObjectStore(settings.state.archive))
    sha = articles[0].provenance.sha256
    assert archive.get(sha) == seed_bytes
    assert archive.meta(sha).headers["x-distro-kind"] == "page"
    # Idempotent: the same page again changes nothing.
    before = snapshot(ledger)
    drop(inbox, "page.txt", seed_bytes)
    again = ingest(settings, ledger=ledger)
    assert (again.accepted, again.new_versions, again.duplicates) == (0, 0, report.accepted)
    assert snapshot(ledger) == before
    assert ingest(settings, ledger=ledger).sources == []


def test_the_logs_say_which_file_article_and_headline_each_step_handled(
    settings: Settings, ledger: Ledger, seed_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = settings.state.inbox
    drop(inbox, "page.txt", seed_bytes)
    drop(inbox, "empty.txt", b"")
    with caplog.at_level(logging.INFO, logger="distro"):
        ingest(settings, ledger=ledger)
        channels.publish("web", settings, ledger)
    lines = [r.getMessage() for r in caplog.records]
    page = (inbox / "page.txt").as_uri()
    for article in ledger.articles():
        assert f"{page}: accepted {article.id} v1 《{article.headline}》" in lines, lines
        assert any(line.startswith(f"web/default: {article.id} v1 sent") for line in lines)
    assert any(
        line.startswith(f"{(inbox / 'empty.txt').as_uri()}: quarantined at ") for line in lines
    ), lines


def test_same_page_in_three_encodings_is_one_set_of_articles(
    settings: Settings, ledger: Ledger, seed_bytes: bytes
) -> None:
    text = seed_bytes.decode("utf-8")
    for name, encoded in (
        ("a-utf8.txt", text.encode("utf-8")),
        ("b-gb18030.txt", text.encode("gb18030")),
        ("c-utf16.txt", text.encode("utf-16")),
    ):
        drop(settings.state.inbox, name, encoded)
    report = ingest(settings, ledger=ledger)
    assert [s.outcome for s in report.sources] == ["ok", "ok", "ok"]
    first, second, third = report.sources
    assert first.accepted == first.articles > 0
    assert second.duplicates == third.duplicates == first.accepted
    assert report.new_versions == 0
    assert ledger.article_count(versions=True) == first.accepted
    encodings = {a.provenance.encoding for a in ledger.articles()}
    assert len(encodings) == 1  # the first receipt's provenance stays


def test_unparseable_files_are_quarantined_and_leave_the_inbox(
    settings: Settings, ledger: Ledger
) -> None:
    drop(settings.state.inbox, "binary.txt", b"\x00\x01\x02\xff" * 50, sidecar=None)
    drop(settings.state.inbox, "bad-sidecar.txt", "标题\n\n正文。".encode(), sidecar=b"{nope")
    (settings.state.inbox / "writing.txt.part").write_bytes(b"half")
    (settings.state.inbox / ".hidden.txt").write_bytes(b"x")
    report = ingest(settings, ledger=ledger)
    assert sorted((s.uri.rsplit("/", 1)[-1], s.outcome) for s in report.sources) == [
        ("bad-sidecar.txt", "quarantined"),
        ("binary.txt", "quarantined"),
    ]
    entries = ledger.quarantined()
    assert len(entries) == 2 and all(e.stage == "parse" and e.reason for e in entries)
    assert any("meta.json" in e.reason for e in entries)
    left = sorted(p.name for p in settings.state.inbox.iterdir() if p.is_file())
    assert left == [".hidden.txt", "writing.txt.part"]
    # Retrying a payload that is still broken keeps the entry open.
    entry = next(e for e in entries if "meta.json" not in e.reason)
    assert retry(settings, ledger, entry.id).outcome == "quarantined"
    assert ledger.get_quarantine(entry.id) in ledger.quarantined()


def feed_ingest(settings: Settings, ledger: Ledger, *urls: str) -> list[tuple[str, int]]:
    with Transport(settings.config.limits, backoff_factor=0.01) as http:
        report = ingest(settings, ledger=ledger, feeds=urls, transport=http)
    return [(s.outcome, s.articles) for s in report.sources]


def test_feed_conditional_get_and_versions(
    settings: Settings, ledger: Ledger, feed_server: FeedServer
) -> None:
    url = feed_server.add("/rss.xml", rss(("g1", "一号", "正文一"), ("g2", "二号", "正文二")))
    assert feed_ingest(settings, ledger, url) == [("ok", 2)]
    before = snapshot(ledger)
    assert feed_ingest(settings, ledger, url) == [("not_modified", 0)]
    assert snapshot(ledger) == before
    assert feed_server.requests[-1]["if-none-match"]
    # Same guid, changed content: a new version, delivered again.
    feed_server.add("/rss.xml", rss(("g1", "一号", "更正后的正文一"), ("g2", "二号", "正文二")))
    assert feed_ingest(settings, ledger, url) == [("ok", 2)]
    versions = {a.headline: a.version for a in ledger.articles()}
    assert versions == {"一号": 2, "二号": 1}
    changed = next(a for a in ledger.articles() if a.version == 2)
    assert len(ledger.deliveries(article_id=changed.id)) == 2 * len(channels.targets(settings))


def test_a_feed_item_carries_its_embargo_and_a_bad_one_is_quarantined(
    settings: Settings, ledger: Ledger, feed_server: FeedServer
) -> None:
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).astimezone(SHANGHAI)
    naive = later.replace(tzinfo=None).isoformat(timespec="seconds")  # Beijing wall clock
    feed = rss(("g1", "一号", "正文一"), ("g2", "二号", "正文二"), ("g3", "三号", "正文三"))
    dcterms = b' xmlns:dcterms="http://purl.org/dc/terms/"'
    feed = feed.replace(b'<rss version="2.0">', b'<rss version="2.0"' + dcterms + b">")
    for guid, value in (("g1", naive), ("g3", "2026-12-02/2026-12-09")):
        feed = feed.replace(
            f"<guid>{guid}</guid>".encode(),
            f"<guid>{guid}</guid><dcterms:available>{value}</dcterms:available>".encode(),
        )
    url = feed_server.add("/rss.xml", feed)
    assert feed_ingest(settings, ledger, url) == [("ok", 2)]
    by_headline = {a.headline: a for a in ledger.articles()}
    assert by_headline["一号"].embargo_until == later.replace(microsecond=0)
    assert by_headline["二号"].embargo_until is None
    waiting = {d.state for d in ledger.deliveries(article_id=by_headline["一号"].id)}
    assert waiting == {DeliveryState.SCHEDULED}
    assert channels.publish("web", settings, ledger).sent == 1  # 二号 only, not before its time
    [entry] = ledger.quarantined()
    assert "dcterms:available '2026-12-02/2026-12-09' is not an ISO 8601 time" in entry.reason


def test_hostile_and_broken_feeds_end_in_quarantine(
    settings: Settings, ledger: Ledger, feed_server: FeedServer
) -> None:
    settings = Settings(
        settings.config.model_copy(
            update={"limits": settings.config.limits.model_copy(update={"max_payload_bytes": 4096})}
        ),
        settings.state,
    )
    bozo = feed_server.add("/bozo.xml", BOZO)
    bomb = feed_server.add("/bomb.xml", BILLION_LAUGHS)
    big = feed_server.add("/big.xml", b"<rss>" + b" " * 10_000 + b"</rss>")
    endless = feed_server.add("/endless.xml", b"<item>x</item>" * 100, endless=True)
    missing = feed_server.base_url + "/gone.xml"
    down = feed_server.add("/down.xml", b"", statuses=[503] * 10)
    outcomes = feed_ingest(settings, ledger, bozo, bomb, big, endless, missing, down)
    assert outcomes == [
        ("ok", 2),  # feedparser recovers both entries of the unclosed feed
        ("quarantined", 0),
        ("quarantined", 0),
        ("quarantined", 0),
        ("quarantined", 0),
        ("error", 0),
    ]
    reasons = {e.origin: e.reason for e in ledger.quarantined()}
    assert reasons[bozo].startswith("malformed feed (bozo)")
    assert "entity declarations are refused" in reasons[bomb]
    assert "limit" in reasons[big] and "limit" in reasons[endless]
    assert "404" in reasons[missing]
    assert down not in reasons
    # The gone feed comes back: retrying its entry ingests it and resolves the entry.
    feed_server.add("/gone.xml", rss(("g", "回来了", "正文")))
    entry = next(e for e in ledger.quarantined() if e.origin == missing)
    assert retry(settings, ledger, entry.id).outcome == "ok"
    assert ledger.is_resolved(entry.id)
    assert any(a.headline == "回来了" for a in ledger.articles())


def test_delivery_quarantine_retry_reopens_the_delivery(
    settings: Settings, ledger: Ledger, feed_server: FeedServer
) -> None:
    url = feed_server.add("/rss.xml", rss(("g1", "一号", "正文一")))
    feed_ingest(settings, ledger, url)
    delivery = ledger.pending("web")[0]
    ledger.mark_quarantined(delivery, "渠道拒收")
    [entry] = ledger.quarantined()
    assert retry(settings, ledger, entry.id).outcome == "ok"
    assert ledger.pending("web")[0].state == DeliveryState.PENDING
    assert ledger.quarantined() == []


def test_store_failure_puts_the_file_back(
    settings: Settings, ledger: Ledger, seed_bytes: bytes
) -> None:
    settings.state.root.mkdir(parents=True, exist_ok=True)
    settings.state.archive.write_bytes(b"not a folder")  # the archive cannot be written
    drop(settings.state.inbox, "page.txt", seed_bytes)
    with pytest.raises(StoreError):
        ingest(settings, ledger=ledger)
    assert sorted(p.name for p in settings.state.inbox.iterdir() if p.is_file()) == [
        "page.meta.json",
        "page.txt",
    ]
    assert ledger.article_count() == 0
