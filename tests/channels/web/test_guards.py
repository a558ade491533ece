"""One story that breaks a list renderer costs its own place in the lists, never the site."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from distro.channels import web
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.channels.web.stories import article, settings, store

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as opened:
        yield opened


def listed(site: Path) -> dict[str, str]:
    """Every list output of the site (index pages, feeds, news sitemaps, archive days)."""
    names = ("index.html", "feed.xml", "atom.xml", "feed.json", "sitemap-news.xml")
    return {
        str(path.relative_to(site)): path.read_text(encoding="utf-8")
        for path in site.rglob("*")
        if path.name in names
    }


def test_a_story_no_list_can_render_is_quarantined_and_the_lists_go_on(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = settings(tmp_path / "state")
    site = cfg.state.site
    first = store(ledger, article(1, NOW - dt.timedelta(hours=3)))
    assert web.publish(cfg, ledger).sent == 1  # the lists exist: the poison comes incrementally
    bad = store(ledger, article(2, NOW - dt.timedelta(hours=2), section="经济"))
    good = store(ledger, article(3, NOW - dt.timedelta(hours=1), section="经济"))
    monkeypatch.setenv("DISTRO_BREAK", f"render.web.lists:{bad.id}")

    report = web.publish(cfg, ledger)

    assert (report.sent, report.quarantined, report.failed) == (1, 1, 0), report.messages
    [d] = ledger.deliveries(article_id=bad.id, channel="web")
    assert d.state is DeliveryState.QUARANTINED
    assert d.last_error is not None and f"cannot list {bad.id}: InjectedFault" in d.last_error
    assert any(bad.id in e.reason for e in ledger.quarantined())
    lists = listed(site)
    assert {"index.html", "feed.xml", "sections/经济/feed.json"} <= set(lists), sorted(lists)
    for name, text in lists.items():
        assert bad.headline not in text, name
    assert good.headline in lists["feed.xml"] and first.headline in lists["feed.xml"]
    assert good.headline in lists["sections/经济/index.html"]
    items = json.loads(lists["feed.json"])["items"]
    assert [i["title"] for i in items] == [good.headline, first.headline]

    # Stays out on the next runs, until an editor retries it from the quarantine.
    monkeypatch.delenv("DISTRO_BREAK")
    later = store(ledger, article(4, NOW, section="经济"))
    assert web.publish(cfg, ledger).sent == 1
    lists = listed(site)
    assert later.headline in lists["feed.xml"]
    assert not any(bad.headline in text for text in lists.values())
