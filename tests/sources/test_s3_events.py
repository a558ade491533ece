"""S3 event notifications from moto's bucket → SQS path: decoding, key filtering, and the S3 source
taking announced keys without listing, once, alongside the cursor sweep."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from distro import config
from distro.config import S3SourceConfig, Settings
from distro.pipeline import Ingestor, SourceReport, run_source
from distro.sources import s3_events
from distro.sources.s3 import S3Source
from distro.store.archive import Archive
from distro.store.ledger import Ledger
from distro.store.objects import open_objects
from tests.servers.s3 import S3Server
from tests.sources.s3_notifications import NotifiedBucket

SIDECAR = json.dumps({"issue_date": "2021-07-05", "page": "1", "section": "要闻"}).encode()
ODD_KEY = "wire/2021/07/05/0800 头版+A (1).txt"


@pytest.fixture
def notified(s3_env: S3Server) -> NotifiedBucket:
    return NotifiedBucket.make(s3_env)


def settings_for(tmp_path: Path, cfg: S3SourceConfig) -> Settings:
    base = config.load(None, tmp_path / "state")
    return Settings(base.config.model_copy(update={"sources": [cfg]}), base.state)


def source_cfg(notified: NotifiedBucket, **changes: Any) -> S3SourceConfig:
    return S3SourceConfig(
        name="wire-s3",
        bucket=notified.bucket,
        prefix=notified.prefix,
        endpoint_url=notified.server.endpoint_url,
        queue_url=notified.queue_url,
        **changes,
    )


class Listings:
    """An S3 client that counts its ListObjectsV2 calls."""

    def __init__(self, server: S3Server) -> None:
        self.client = server.client()
        self.calls = 0
        self.client.meta.events.register("before-call.s3.ListObjectsV2", self._count)

    def _count(self, **_: Any) -> None:
        self.calls += 1


def run(settings: Settings, ledger: Ledger, source: S3Source) -> list[SourceReport]:
    archive = Archive(open_objects(settings.config.archive, settings.state.archive))
    return list(run_source(Ingestor(settings, ledger, archive), source, None))


def test_bucket_notifications_decode_to_the_keys_put(notified: NotifiedBucket) -> None:
    notified.drop(ODD_KEY, b"page")
    notified.drop("wire/2021/07/05/0800 头版+A (1).meta.json", SIDECAR)
    notified.drop("other/2021/07/05/ignored.txt", b"x")  # outside the notification's filter
    received = notified.receive()
    notices = [s3_events.read(message) for message in received]
    # Setting up the notification sent S3's test event first; it is no problem and no key.
    assert [n.test for n in notices] == [True, False, False]
    assert all(n.problem is None for n in notices)
    assert [n.message_id for n in notices] == [m["MessageId"] for m in received]
    # The raw bodies carry the keys URL-encoded; decoded, they are the keys as put.
    assert ODD_KEY not in received[1]["Body"]
    assert [ref.key for n in notices for ref in n.objects] == [
        ODD_KEY,
        "wire/2021/07/05/0800 头版+A (1).meta.json",
    ]
    assert {ref.bucket for n in notices for ref in n.objects} == {notified.bucket}
    assert s3_events.keys_under(notices, notified.bucket, "wire/") == [
        ODD_KEY,
        "wire/2021/07/05/0800 头版+A (1).meta.json",
    ]
    assert s3_events.keys_under(notices, notified.bucket, "wire/2022/") == []
    assert s3_events.keys_under(notices, "another-bucket", "wire/") == []


def test_sns_envelopes_removals_and_poison_never_raise(notified: NotifiedBucket) -> None:
    notified.drop("wire/a.txt", b"page")
    real = notified.receive()[-1]["Body"]
    envelope = json.dumps({"Type": "Notification", "MessageId": "sns-1", "Message": real})
    assert [r.key for r in s3_events.decode(envelope).objects] == ["wire/a.txt"]

    records = json.loads(real)["Records"]
    removed = json.dumps({"Records": [{**records[0], "eventName": "ObjectRemoved:Delete"}]})
    gone = s3_events.decode(removed)
    assert (gone.problem, gone.objects, gone.skipped) == (None, (), 1)

    no_key = {**records[0], "s3": {"bucket": {"name": "b"}, "object": {}}}
    bad = {
        "not json": "{{",
        "a list": "[1, 2]",
        "empty object": "{}",
        "no records": json.dumps({"Records": []}),
        "record without key": json.dumps({"Records": [no_key]}),
        "record not an object": json.dumps({"Records": ["x"]}),
        "envelope without message": json.dumps({"Type": "Notification", "Message": 7}),
        "envelope of junk": json.dumps({"Type": "Notification", "Message": "junk"}),
        "too big": json.dumps({"Records": [records[0]] * 1000}),
    }
    problems = {name: s3_events.decode(body, name).problem for name, body in bad.items()}
    assert all(problems.values()), problems
    assert s3_events.read({"MessageId": "m-1"}).problem == "message has no Body string"
    long_body = "x" * 5000
    assert len(s3_events.decode(long_body).quote) == s3_events.QUOTE_CHARS


def test_announced_keys_are_taken_without_listing_and_never_move_the_cursor(
    notified: NotifiedBucket, tmp_path: Path, seed_bytes: bytes
) -> None:
    cfg = source_cfg(notified)
    settings = settings_for(tmp_path, cfg)
    listings = Listings(notified.server)
    source = S3Source(cfg, client=listings.client)
    notified.drop("wire/2021/07/05/0900-p2.txt", seed_bytes)
    with Ledger.open(settings) as ledger:
        # A clock run lists and moves the cursor as before.
        [first] = run(settings, ledger, source)
        assert first.outcome == "ok" and listings.calls == 1
        assert ledger.cursor("s3:wire-s3") == "wire/2021/07/05/0900-p2.txt"
        # A key that sorts before the cursor (a late writer): the listing can never see it,
        # its notification can.
        notified.drop("wire/2021/07/05/0830-late.meta.json", SIDECAR)
        notified.drop("wire/2021/07/05/0830-late.txt", seed_bytes)
        notices = [s3_events.read(m) for m in notified.receive()]
        keys = s3_events.keys_under(notices, cfg.bucket, cfg.prefix)
        # The sidecar and the page already taken are not queued; the page is, once.
        assert source.queue(ledger, [*keys, "wire/2021/07/05/0900-p2.txt", "wire/x.part"]) == [
            "wire/2021/07/05/0830-late.txt"
        ]
        assert source.queue(ledger, keys) == []
        [late] = run(settings, ledger, source)
        assert late.uri.endswith("0830-late.txt") and late.outcome == "ok"
        assert listings.calls == 1, "an event run with a recent sweep lists nothing"
        assert ledger.cursor("s3:wire-s3") == "wire/2021/07/05/0900-p2.txt"
        assert source.queued(ledger) == []
        assert ledger.get_value(source.seen_key("wire/2021/07/05/0830-late.txt")) == "1"
        # The next clock run lists (nothing queued) and finds nothing new.
        assert run(settings, ledger, source) == []
        assert listings.calls == 2


def test_a_run_started_by_a_sidecar_or_a_taken_key_lists_nothing(
    notified: NotifiedBucket, tmp_path: Path, seed_bytes: bytes
) -> None:
    """A producer puts the sidecar first: its notification starts a run with nothing to take,
    which must not list the whole prefix (one listing per drop would undo the queue)."""
    cfg = source_cfg(notified)
    settings = settings_for(tmp_path, cfg)
    listings = Listings(notified.server)
    source = S3Source(cfg, client=listings.client)
    with Ledger.open(settings) as ledger:
        assert run(settings, ledger, source) == [] and listings.calls == 1  # the first sweep
        notified.drop("wire/2021/07/05/1200-p5.meta.json", SIDECAR)
        assert source.queue(ledger, ["wire/2021/07/05/1200-p5.meta.json"]) == []
        assert run(settings, ledger, source) == [] and listings.calls == 1
        notified.drop("wire/2021/07/05/1200-p5.txt", seed_bytes)
        source.queue(ledger, ["wire/2021/07/05/1200-p5.txt"])
        assert [r.outcome for r in run(settings, ledger, source)] == ["ok"]
        # a duplicate notification of the page taken: still an event run, still no listing
        assert source.queue(ledger, ["wire/2021/07/05/1200-p5.txt"]) == []
        assert run(settings, ledger, source) == [] and listings.calls == 1
        # keys of another prefix say nothing of this source: that run is the clock's, it lists
        source.queue(ledger, ["elsewhere/1200.txt"])
        assert run(settings, ledger, source) == [] and listings.calls == 2


def test_a_key_taken_by_either_path_is_not_taken_by_the_other(
    notified: NotifiedBucket, tmp_path: Path, seed_bytes: bytes
) -> None:
    cfg = source_cfg(notified)
    settings = settings_for(tmp_path, cfg)
    source = S3Source(cfg)
    with Ledger.open(settings) as ledger:
        # The event path first: the sweep afterwards skips the key and moves the cursor past it.
        notified.drop("wire/2021/07/05/1000-p3.txt", seed_bytes)
        assert source.queue(ledger, ["wire/2021/07/05/1000-p3.txt"]) == [
            "wire/2021/07/05/1000-p3.txt"
        ]
        assert [r.outcome for r in run(settings, ledger, source)] == ["ok"]
        ledger.set_value(source.swept_key, "2000-01-01T00:00:00+00:00")
        assert run(settings, ledger, source) == []
        assert ledger.cursor("s3:wire-s3") == "wire/2021/07/05/1000-p3.txt"
        # The sweep first: a late notification for the key queues nothing.
        notified.drop("wire/2021/07/05/1100-p4.txt", seed_bytes)
        assert [r.uri.rsplit("/", 1)[-1] for r in run(settings, ledger, source)] == ["1100-p4.txt"]
        assert source.queue(ledger, ["wire/2021/07/05/1100-p4.txt"]) == []


def test_an_overdue_sweep_still_lists_on_an_event_run(
    notified: NotifiedBucket, tmp_path: Path, seed_bytes: bytes
) -> None:
    cfg = source_cfg(notified, sweep_seconds=60)
    settings = settings_for(tmp_path, cfg)
    listings = Listings(notified.server)
    source = S3Source(cfg, client=listings.client)
    with Ledger.open(settings) as ledger:
        now = dt.datetime.now(dt.UTC)
        ledger.set_value(source.swept_key, (now - dt.timedelta(seconds=30)).isoformat())
        assert not source.sweep_due(ledger, queued=True, now=now)
        assert source.sweep_due(ledger, queued=False, now=now)
        assert source.sweep_due(ledger, queued=True, now=now + dt.timedelta(seconds=31))
        # A key whose notification was lost is found by the sweep of a later event run.
        notified.drop("wire/2021/07/05/0700-lost.txt", b"\x00\xff" * 9)
        notified.drop("wire/2021/07/05/0800-announced.txt", seed_bytes)
        source.queue(ledger, ["wire/2021/07/05/0800-announced.txt"])
        ledger.set_value(source.swept_key, (now - dt.timedelta(seconds=61)).isoformat())
        reports = run(settings, ledger, source)
        assert [(r.uri.rsplit("/", 1)[-1], r.outcome) for r in reports] == [
            ("0800-announced.txt", "ok"),
            ("0700-lost.txt", "quarantined"),
        ]
        assert listings.calls == 1


def test_an_announced_key_deleted_before_the_run_is_dropped(
    notified: NotifiedBucket, tmp_path: Path, seed_bytes: bytes
) -> None:
    cfg = source_cfg(notified)
    settings = settings_for(tmp_path, cfg)
    source = S3Source(cfg)
    with Ledger.open(settings) as ledger:
        ledger.set_value(source.swept_key, dt.datetime.now(dt.UTC).isoformat())
        notified.drop("wire/gone.txt", seed_bytes)
        notified.s3.delete_object(Bucket=cfg.bucket, Key="wire/gone.txt")
        source.queue(ledger, ["wire/gone.txt"])
        assert run(settings, ledger, source) == []
        assert source.queued(ledger) == []
        assert ledger.get_value(source.seen_key("wire/gone.txt")) is None


def test_the_config_in_deploy_aws_loads_with_a_queue() -> None:
    from tests.conftest import REPO

    text = (REPO / "deploy" / "aws" / "README.md").read_text(encoding="utf-8")
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    [cfg] = config.parse(block, origin="deploy/aws/README.md").sources
    assert isinstance(cfg, S3SourceConfig)
    assert cfg.queue_url and cfg.queue_url.endswith("/distro-inbox")
    assert (cfg.queue_wait_seconds, cfg.sweep_seconds, cfg.schedule) == (20, 300, "*/5 * * * *")
    tf = (REPO / "deploy" / "aws" / "s3-events.tf").read_text(encoding="utf-8")
    # The notification sends what the source takes: new objects under its prefix.
    assert 'events        = ["s3:ObjectCreated:*"]' in tf and "filter_prefix = var.prefix" in tf
