"""A slow feed costs the group at most its deadline: the feeds after it are still fetched."""

from __future__ import annotations

import time
from pathlib import Path

from distro import config
from distro.pipeline import ingest
from distro.store.ledger import Ledger
from tests.servers.feeds import FeedServer
from tests.servers.hostile import HostileServer
from tests.sources.feeds import rss


def test_stalling_and_trickling_feeds_do_not_stall_the_group(
    tmp_path: Path, hostile_server: HostileServer, feed_server: FeedServer
) -> None:
    settings = config.load(None, tmp_path / "state")
    limits = settings.config.limits.model_copy(
        update={"http_timeout_seconds": 1.0, "http_retries": 1}
    )
    settings = config.Settings(
        settings.config.model_copy(update={"limits": limits}), settings.state
    )
    good = feed_server.add("/good.xml", rss(("g1", "一号", "正文一")))
    slow = [hostile_server.base_url + p for p in ("/stall", "/trickle", "/trickle-headers")]
    start = time.monotonic()
    with Ledger.open(settings) as ledger:
        report = ingest(settings, ledger=ledger, feeds=[*slow, good], configured=False)
    seconds = time.monotonic() - start
    outcomes = [(s.outcome, s.articles) for s in report.sources]
    assert outcomes == [("error", 0), ("error", 0), ("error", 0), ("ok", 1)]
    assert seconds < 3 * 1.0 + 1.5  # each slow feed costs its 1 s deadline, retries included
    reasons = [s.reason or "" for s in report.sources[:3]]
    assert all("DeadlineExceeded" in r and "\n" not in r for r in reasons)
