"""One id per article: the web's feeds, the app's files, partner feeds and webhooks all agree."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest

from distro.channels import app, partners, web
from distro.store.ledger import Ledger
from tests.channels.web.stories import seed_article, settings
from tests.servers.webhooks import SECRET, TOKENS, Receiver

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
CHANNELS = ("web", "app")
PARTNERS = {"xinhua": "rss", "portal": "atom", "apps": "jsonfeed", "archive": "ninjs"}


@pytest.fixture(autouse=True)
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DISTRO_HOOK_SECRET", SECRET)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as opened:
        yield opened


def config_text(hook_url: str) -> str:
    text = """
[channels.web]
base_url = "https://news.example.cn/"
title = "西海岸新闻"

[channels.app]
base_url = "https://news.example.cn/app/"
"""
    for name, fmt in PARTNERS.items():
        text += f"""
[[partners]]
name = "{name}"
token = "env:DISTRO_TOKEN_{name.upper()}"
format = "{fmt}"

[partners.webhook]
url = "{hook_url}"
secret = "env:DISTRO_HOOK_SECRET"
"""
    return text


def enqueue(ledger: Ledger, article_id: str, version: int) -> None:
    for channel in CHANNELS:
        ledger.enqueue(article_id, version, channel)
    for name in PARTNERS:
        ledger.enqueue(article_id, version, "partners", name)


def json_of(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def entry_id(path: Path) -> str:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    [entry] = parsed.entries
    return str(entry.id)


def ids_everywhere(state: Path, receiver: Receiver, version: int) -> dict[str, str]:
    """The id the one article carries in each output, by where it was read."""
    site, files, shelf = state / "site", state / "app", state / "partners"
    [feed_item] = json_of(files / "feed.json")["items"]
    [section_item] = json_of(files / "sections" / "要闻" / "feed.json")["items"]
    [document] = [json_of(p) for p in (files / "articles").glob("*.json")]
    [ninjs_item] = json_of(shelf / "archive" / "ninjs.json")["items"]
    [json_feed_item] = json_of(shelf / "apps" / "feed.json")["items"]
    found = {
        "web rss guid": entry_id(site / "feed.xml"),
        "web atom id": entry_id(site / "atom.xml"),
        "web json feed id": json_of(site / "feed.json")["items"][0]["id"],
        "web section rss guid": entry_id(site / "sections" / "要闻" / "feed.xml"),
        "app json feed id": feed_item["id"],
        "app section feed id": section_item["id"],
        "app ninjs uri": document["uri"],
        "partner rss guid": entry_id(shelf / "xinhua" / "feed.xml"),
        "partner atom id": entry_id(shelf / "portal" / "atom.xml"),
        "partner json feed id": json_feed_item["id"],
        "partner ninjs uri": ninjs_item["uri"],
    }
    hooks = [r["body"] for r in receiver.accepted if r["body"]["version"] == version]
    assert sorted(h["partner"] for h in hooks) == sorted(PARTNERS)
    for hook in hooks:
        found[f"webhook id ({hook['partner']})"] = hook["id"]
        item = hook["item"]
        found[f"webhook item ({hook['partner']})"] = item.get("uri") or item["id"]
    return found


def test_one_article_has_one_id_in_every_feed_file_and_webhook(
    tmp_path: Path, ledger: Ledger, receiver: Receiver
) -> None:
    cfg = settings(tmp_path / "state", config_text(receiver.url))
    _outcome, stored = ledger.put(seed_article(NOW))
    enqueue(ledger, stored.id, stored.version)
    reports = [web.publish(cfg, ledger), app.publish(cfg, ledger), partners.publish(cfg, ledger)]
    for report in reports:
        assert report.failed == report.quarantined == 0, report.messages
    first = ids_everywhere(cfg.state.root, receiver, 1)
    urn = f"urn:distro:article:{stored.id}"
    assert set(first.values()) == {urn}, first
    assert len(first) == 11 + 2 * len(PARTNERS)

    # The bare id stays where a field wants it: the webhook's article_id, ninjs altIds, the
    # delivery header, and the file names.
    for record in receiver.accepted:
        assert record["body"]["article_id"] == stored.id
        assert record["headers"]["x-distro-delivery"].startswith(f"{stored.id}/v1/")
    document = json_of(cfg.state.app / "articles" / f"{stored.id}.json")
    assert {"role": "distroId", "value": stored.id} in document["altIds"]

    # A correction is a new version of the same story: every id stays as it was.
    revised = ledger.revise(stored.id, correction="更正：标题有误", reason="editor")
    enqueue(ledger, revised.id, revised.version)
    web.publish(cfg, ledger)
    app.publish(cfg, ledger)
    partners.publish(cfg, ledger)
    second = ids_everywhere(cfg.state.root, receiver, 2)
    assert second == first
    assert {r["headers"]["x-distro-event"] for r in receiver.accepted} == {"published", "updated"}
