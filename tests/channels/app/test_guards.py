"""Per-article render guards in the app channel: an article whose data cannot be rendered (a
time that cannot be put in UTC, a field of megabytes, a renderer fault) is
quarantined with its reason, and the rest of the batch is published and the feeds still written.

The poison is written into the stored document directly, as a row stored before today's
validation (or by a bug) would be: validation cannot catch it, so the renderer must.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from distro.channels.app import publish
from distro.config import Config, Settings, StatePaths
from distro.models import CONTROL, DeliveryState
from distro.ninjs import URI_PREFIX
from distro.store import tables
from distro.store.ledger import Ledger
from tests.channels.app.conftest import make_article

NOON = dt.datetime(2021, 7, 5, 4, 0, tzinfo=dt.UTC)
BASE = "https://news.example.cn/app/"


def settings(tmp_path: Path) -> Settings:
    data = {"channels": {"app": {"base_url": BASE, "page_size": 2}}}
    return Settings(Config.model_validate(data), StatePaths(tmp_path / "state"))


def poison(ledger: Ledger, article_id: str, change: dict[str, Any]) -> None:
    """Rewrite the stored JSON of the article's latest version, past every validator."""
    row = tables.articles.c
    stored = ledger.get(article_id)
    assert stored is not None
    document = json.loads(stored.model_dump_json())
    document.update(change)
    text = json.dumps(document, ensure_ascii=True)
    with ledger.engine.begin() as conn:
        conn.execute(update(tables.articles).where(row.id == article_id).values(document=text))


POISONS: dict[str, tuple[dict[str, Any], str]] = {
    # 0001-01-01 in +08:00 is before year 1 in UTC: OverflowError.
    "year one": ({"published_at": "0001-01-01T00:00:00+08:00"}, "OverflowError"),
    # The other end: the last second of 9999 west of Greenwich is year 10000 in UTC.
    "year 10000": ({"published_at": "9999-12-31T23:59:59-08:00"}, "OverflowError"),
    "huge field": ({"paragraphs": ["长" * 1_000_000]}, "over the app's limit"),
}


@pytest.mark.parametrize("rebuild", [True, False], ids=["first run", "incremental"])
def test_poisoned_articles_are_quarantined_and_the_rest_published(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch, rebuild: bool
) -> None:
    cfg = settings(tmp_path)
    if not rebuild:  # the pages exist already: the poison arrives in an incremental run
        _o, old = ledger.put(make_article())
        ledger.enqueue(old.id, 1, "app")
        publish(cfg, ledger, now=NOON)
    good = []
    bad: dict[str, str] = {}
    for name, (change, expected) in POISONS.items():
        _o, article = ledger.put(make_article(headline=f"毒稿 {name}"))
        ledger.enqueue(article.id, 1, "app")
        poison(ledger, article.id, change)
        bad[article.id] = expected
        _o, fine = ledger.put(make_article())
        ledger.enqueue(fine.id, 1, "app")
        good.append(fine.id)
    # Control characters are not poison for the app: they leave as JSON escapes, not raw bytes.
    _o, noisy = ledger.put(make_article())
    ledger.enqueue(noisy.id, 1, "app")
    poison(ledger, noisy.id, {"headline": "控制\x01字符\x7f", "paragraphs": ["正\x0b文。"]})
    good.append(noisy.id)
    _o, faulty = ledger.put(make_article(headline="渲染器出错"))
    ledger.enqueue(faulty.id, 1, "app")
    bad[faulty.id] = "InjectedFault"
    monkeypatch.setenv("DISTRO_BREAK", f"render.app:{faulty.id}")

    report = publish(cfg, ledger, now=NOON)

    assert report.quarantined == len(bad) and report.failed == 0, report.messages
    for article_id, expected in bad.items():
        [d] = ledger.deliveries(article_id=article_id, channel="app")
        assert d.state is DeliveryState.QUARANTINED
        assert d.last_error is not None and expected in d.last_error, d.last_error
        assert article_id in d.last_error
    shown = feed_ids(cfg.state.app)
    assert set(good) <= shown and not set(bad) & shown
    for article_id in good:
        states = {d.target: d.state for d in ledger.deliveries(article_id=article_id)}
        assert states["default"] is DeliveryState.SENT
        assert (cfg.state.app / f"articles/{article_id}.json").is_file()
    for path in cfg.state.app.rglob("*.json"):
        assert not CONTROL.search(path.read_text(encoding="utf-8")), path
    # A quarantined article stays out on the next runs, rebuilt or not.
    monkeypatch.delenv("DISTRO_BREAK")
    _o, later = ledger.put(make_article())
    ledger.enqueue(later.id, 1, "app")
    publish(cfg, ledger, now=NOON)
    shown = feed_ids(cfg.state.app)
    assert later.id in shown and not set(bad) & shown


def feed_ids(root: Path) -> set[str]:
    ids = set()
    key = "feed.json"
    while True:
        page = json.loads((root / key).read_text(encoding="utf-8"))
        # Each item's id is the article's URN; the set holds the bare ids.
        assert all(item["id"].startswith(URI_PREFIX) for item in page["items"])
        ids |= {item["id"].removeprefix(URI_PREFIX) for item in page["items"]}
        if "next_url" not in page:
            return ids
        key = page["next_url"].removeprefix(BASE)


def test_a_push_that_cannot_be_rendered_is_quarantined_alone(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = settings(tmp_path)
    ids = []
    for _ in range(3):
        _o, article = ledger.put(make_article(urgency=1))  # flash: every one is pushed
        ledger.enqueue(article.id, 1, "app")
        ids.append(article.id)
    monkeypatch.setenv("DISTRO_BREAK", f"render.push:{ids[1]}")
    report = publish(cfg, ledger, now=NOON)
    pushes = {
        d.article_id: d for d in ledger.deliveries(channel="app") if d.target.startswith("push:")
    }
    assert set(pushes) == set(ids), report.messages
    assert pushes[ids[1]].state is DeliveryState.QUARANTINED
    assert "InjectedFault" in (pushes[ids[1]].last_error or "")
    assert {pushes[i].state for i in (ids[0], ids[2])} == {DeliveryState.SENT}
    assert report.quarantined == 1
