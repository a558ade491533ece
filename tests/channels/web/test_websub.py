"""WebSub: feeds name their hubs; a publish pings real hubs on 127.0.0.1 for the changed feeds."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from distro.channels import web
from distro.channels.web import websub
from distro.config import Settings
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.channels.web.stories import (
    article,
    check_atom,
    check_json_feed,
    check_rss,
    settings,
    store,
)
from tests.servers.websub import Hub

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
BASE = "http://127.0.0.1:8000/"
HOME_FEEDS = {BASE + name for name in websub.FEEDS}


def section_feeds(section: str) -> set[str]:
    return {BASE + quote(f"sections/{section}/{name}") for name in websub.FEEDS}


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as opened:
        yield opened


@pytest.fixture
def hubs() -> Iterator[tuple[Hub, Hub]]:
    first, second = Hub().start(), Hub().start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(websub, "BACKOFF", 0.01)


def configured(tmp_path: Path, *urls: str) -> Settings:
    listed = ", ".join(f'"{url}"' for url in urls)
    text = f'[channels.web]\nbase_url = "{BASE}"\ntitle = "西海岸新闻"\nhubs = [{listed}]\n'
    return settings(tmp_path / "state", text)


def test_every_site_feed_names_its_hubs_and_itself(tmp_path: Path, ledger: Ledger) -> None:
    hubs = ("https://pubsubhubbub.appspot.com/", "https://websub.example.cn/hub")
    cfg = configured(tmp_path, *hubs)
    store(ledger, article(1, NOW, section="要闻"))
    web.publish(cfg, ledger)
    site = cfg.state.site
    for folder, prefix in [(site, BASE), (site / "sections" / "要闻", None)]:
        rss = check_rss((folder / "feed.xml").read_bytes())
        atom = check_atom((folder / "atom.xml").read_bytes())
        doc = check_json_feed((folder / "feed.json").read_bytes())
        for parsed, name in [(rss, "feed.xml"), (atom, "atom.xml")]:
            links = [(link.rel, link.href) for link in parsed.feed.links]
            assert [href for rel, href in links if rel == "hub"] == list(hubs)
            [own] = [href for rel, href in links if rel == "self"]
            assert own.endswith(name) and (prefix is None or own == prefix + name)
        assert doc["hubs"] == [{"type": "WebSub", "url": hub} for hub in hubs]
        assert doc["feed_url"].endswith("feed.json")
        assert list(doc).index("hubs") < list(doc).index("items")


def test_a_site_without_hubs_names_none(tmp_path: Path, ledger: Ledger) -> None:
    cfg = configured(tmp_path)
    store(ledger, article(1, NOW))
    report = web.publish(cfg, ledger)
    site = cfg.state.site
    assert 'rel="hub"' not in (site / "feed.xml").read_text(encoding="utf-8")
    assert 'rel="hub"' not in (site / "atom.xml").read_text(encoding="utf-8")
    assert "hubs" not in json.loads((site / "feed.json").read_text(encoding="utf-8"))
    assert not any("WebSub" in m for m in report.messages)


def test_hubs_hear_of_each_changed_feed_once(
    tmp_path: Path, ledger: Ledger, hubs: tuple[Hub, Hub]
) -> None:
    first, second = hubs
    cfg = configured(tmp_path, first.url, second.url)
    store(ledger, article(1, NOW, section="要闻"))
    report = web.publish(cfg, ledger)
    expected = HOME_FEEDS | section_feeds("要闻")
    for hub in hubs:
        # Each ping was well formed (the hub answers 400 otherwise), one feed per ping.
        assert [p.status for p in hub.pings] == [204] * len(expected)
        assert all(p.form["hub.mode"] == ["publish"] for p in hub.pings)
        assert sorted(hub.announced) == sorted(expected)
    assert f"WebSub: {2 * len(expected)} ping(s) to 2 hub(s)" in report.messages

    # Nothing new: no feed changed, no ping.
    web.publish(cfg, ledger)
    assert len(first.pings) == len(second.pings) == len(expected)

    # A story in another section changes the home feeds and that section's, not 要闻's.
    store(ledger, article(2, NOW + dt.timedelta(minutes=1), section="经济"))
    web.publish(cfg, ledger)
    for hub in hubs:
        later = hub.announced[len(expected) :]
        assert sorted(later) == sorted(HOME_FEEDS | section_feeds("经济"))
    assert websub.pending(ledger) == {}


def test_a_hub_that_answers_500_then_204_is_told_in_the_same_run(
    tmp_path: Path, ledger: Ledger, hubs: tuple[Hub, Hub]
) -> None:
    flaky, _steady = hubs
    flaky.statuses = [500]
    cfg = configured(tmp_path, flaky.url)
    store(ledger, article(1, NOW, section="要闻"))
    report = web.publish(cfg, ledger)
    assert [p.status for p in flaky.pings[:2]] == [500, 204]
    assert flaky.pings[0].form == flaky.pings[1].form  # the retry repeats the same ping
    assert sorted(flaky.announced) == sorted(HOME_FEEDS | section_feeds("要闻"))
    assert not any(m.startswith("warning:") for m in report.messages)
    assert websub.pending(ledger) == {}


def test_a_failing_hub_is_a_warning_and_is_told_on_the_next_run(
    tmp_path: Path, ledger: Ledger, hubs: tuple[Hub, Hub]
) -> None:
    down, up = hubs
    down.statuses = [500] * websub.ATTEMPTS  # 500 for the whole first run, then 204
    cfg = configured(tmp_path, down.url, up.url)
    for n in range(3):
        store(ledger, article(n + 1, NOW + dt.timedelta(minutes=n), section="要闻"))
    report = web.publish(cfg, ledger)
    expected = HOME_FEEDS | section_feeds("要闻")
    # The publish went through; the hub's failure is a warning, its feeds are pending.
    assert (report.sent, report.failed) == (3, 0)
    assert all(d.state is DeliveryState.SENT for d in ledger.deliveries(channel="web"))
    [warning] = [m for m in report.messages if m.startswith("warning:")]
    assert "WebSub hub http://127.0.0.1:" in warning and "HTTP 500" in warning
    assert f"{len(expected)} feed(s) announced on a later run" in warning
    assert down.announced == [] and len(down.pings) == websub.ATTEMPTS  # one feed tried only
    assert sorted(up.announced) == sorted(expected)
    assert sorted(websub.pending(ledger)[down.url]) == sorted(expected)

    # The next run has nothing to publish, but tells the hub what it missed; then nothing more.
    again = web.publish(cfg, ledger)
    assert sorted(down.announced) == sorted(expected)
    assert len(up.pings) == len(expected)
    assert websub.pending(ledger) == {}
    assert f"WebSub: {len(expected)} ping(s) to 1 hub(s)" in again.messages
    web.publish(cfg, ledger)
    assert len(down.pings) == websub.ATTEMPTS + len(expected)


def test_a_hub_that_is_not_listening_does_not_stop_the_publish(
    tmp_path: Path, ledger: Ledger, hubs: tuple[Hub, Hub]
) -> None:
    gone, _up = hubs
    url = gone.url
    gone.stop()
    cfg = configured(tmp_path, url)
    store(ledger, article(1, NOW))
    report = web.publish(cfg, ledger)
    assert (report.sent, report.failed) == (1, 0)
    assert any(m.startswith("warning: WebSub hub") for m in report.messages)
    assert set(websub.pending(ledger)[url]) >= HOME_FEEDS
    # Dropping the hub from the config drops its backlog too.
    web.publish(configured(tmp_path), ledger)
    store(ledger, article(2, NOW))
    web.publish(configured(tmp_path, "http://127.0.0.1:9/never"), ledger)
    assert url not in websub.pending(ledger)


def test_a_crash_between_writing_the_feeds_and_the_ping_pings_on_the_next_run(
    tmp_path: Path, ledger: Ledger, hubs: tuple[Hub, Hub], monkeypatch: pytest.MonkeyPatch
) -> None:
    hub, _other = hubs
    cfg = configured(tmp_path, hub.url)
    store(ledger, article(1, NOW, section="要闻"))

    class Died(Exception):
        pass

    def die(*args: object, **kwargs: object) -> int:
        raise Died

    monkeypatch.setattr(websub, "announce", die)
    with pytest.raises(Died):
        web.publish(cfg, ledger)  # the feeds are written, then the process "dies"
    assert hub.pings == []
    monkeypatch.undo()
    monkeypatch.setattr(websub, "BACKOFF", 0.01)
    # The rerun has nothing to publish and the feeds are as written, yet the hub hears of them.
    web.publish(cfg, ledger)
    assert sorted(hub.announced) == sorted(HOME_FEEDS | section_feeds("要闻"))
