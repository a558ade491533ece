"""Incremental app feeds: one more article rewrites the head page, not the archive, and after any
sequence of additions, corrections, kills, holds and backdated arrivals every feed still lists
exactly the live articles, newest first, across its pages."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from distro.channels.app import feeds, pages, publish
from distro.config import Config, Settings, StatePaths
from distro.models import Article
from distro.ninjs import URI_PREFIX
from distro.store.ledger import Ledger
from tests.channels.app.conftest import make_article

NOON = dt.datetime(2021, 7, 5, 4, 0, tzinfo=dt.UTC)
BASE = "https://news.example.cn/app/"
START = dt.datetime(2021, 7, 1, tzinfo=dt.UTC)


def settings(tmp_path: Path, **app: Any) -> Settings:
    data = {"channels": {"app": {"base_url": BASE, **app}}}
    return Settings(Config.model_validate(data), StatePaths(tmp_path / "state"))


def add(ledger: Ledger, article: Article) -> Article:
    _outcome, stored = ledger.put(article)
    ledger.enqueue(stored.id, stored.version, "app")
    return stored


def at(minutes: int) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes)


def read(root: Path, key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / key).read_text(encoding="utf-8"))
    return data


def chain(root: Path, key: str) -> list[dict[str, Any]]:
    """Every page of a feed, following next_url from its head."""
    out = []
    seen = set()
    while True:
        assert key not in seen, "next_url loops"
        seen.add(key)
        page = read(root, key)
        assert unquote(page["feed_url"]) == BASE + key
        out.append(page)
        if "next_url" not in page:
            return out
        key = unquote(page["next_url"]).removeprefix(BASE)


def ids_of(root: Path, key: str) -> list[str]:
    """The article ids of a chain's items (each item's id is the article's URN)."""
    ids = [item["id"] for page in chain(root, key) for item in page["items"]]
    assert all(i.startswith(URI_PREFIX) for i in ids), ids
    return [i.removeprefix(URI_PREFIX) for i in ids]


def written(report: Any) -> int:
    """How many files the run wrote (the report's first message)."""
    [line] = [m for m in report.messages if m.startswith("app files:")]
    return int(line.split()[2])


def test_adding_in_order_gives_the_bytes_a_rebuild_gives(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path, page_size=3)
    stored = []
    for n in range(14):
        stored.append(add(ledger, make_article(section="要闻", published_at=at(n))))
        publish(cfg, ledger, now=NOON)
    expected = feeds.render(stored, title=cfg.config.channels.web.title, base_url=BASE,
                            page_size=3)  # fmt: skip
    root = cfg.state.app
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*.json")}
    assert on_disk == set(expected.objects)
    for key, obj in expected.objects.items():
        assert (root / key).read_bytes() == obj.data, key
    assert [len(p["items"]) for p in chain(root, "feed.json")] == [5, 3, 3, 3]


def test_one_more_article_rewrites_a_few_files_whatever_the_archive(
    tmp_path: Path, ledger: Ledger
) -> None:
    cfg = settings(tmp_path, page_size=5)
    for n in range(120):
        add(ledger, make_article(section="要闻" if n % 2 else "体育", published_at=at(n)))
    first = publish(cfg, ledger, now=NOON)
    assert "rebuilt from the archive" in first.messages[0] and written(first) > 100
    add(ledger, make_article(section="要闻", published_at=at(500)))
    second = publish(cfg, ledger, now=NOON)
    assert "rebuilt" not in second.messages[0]
    # The document, the global head and the section head (and at most one new archive page
    # each when a head splits), and sections.json for the new count.
    assert written(second) <= 6, second.messages
    assert len(ids_of(cfg.state.app, "feed.json")) == 121


def test_a_save_cut_short_leads_to_a_rebuild(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path, page_size=2)
    for n in range(5):
        add(ledger, make_article(published_at=at(n)))
    publish(cfg, ledger, now=NOON)
    ledger.set_value(pages.LAYOUT, pages.WRITING)  # what a kill -9 inside save() leaves
    extra = add(ledger, make_article(published_at=at(9)))
    report = publish(cfg, ledger, now=NOON)
    assert "rebuilt from the archive" in report.messages[0]
    assert ids_of(cfg.state.app, "feed.json")[0] == extra.id
    assert len(ids_of(cfg.state.app, "feed.json")) == 6


def test_random_histories_keep_every_feed_exact(tmp_path: Path, ledger: Ledger) -> None:
    rng = random.Random(20211205)
    cfg = settings(tmp_path, page_size=2)
    sections = ["要闻", "体育", "经济"]
    live: dict[str, Article] = {}
    held: set[str] = set()
    for step in range(70):
        roll = rng.random()
        if roll < 0.55 or not live:
            minutes = rng.randrange(0, 3000) if rng.random() < 0.3 else 3000 + step
            article = add(ledger, make_article(section=rng.choice(sections),
                                               published_at=at(minutes)))  # fmt: skip
            live[article.id] = article
        elif roll < 0.7:
            victim = rng.choice(sorted(live))
            killed = ledger.kill(victim, "legal")
            ledger.enqueue(victim, killed.version, "app")
            del live[victim]
        elif roll < 0.85:
            target = rng.choice(sorted(live))
            revised = ledger.revise(target, correction=f"更正{step}", reason="editor")
            revised = ledger.put(revised.model_copy(update={"section": rng.choice(sections)}))[1]
            ledger.enqueue(target, revised.version, "app")
            live[target] = revised
        else:
            target = rng.choice(sorted(live))
            revised = ledger.revise(target, correction=f"待审{step}", reason="editor")
            ledger.enqueue(target, revised.version, "app")
            [d] = [
                d
                for d in ledger.pending("app")
                if d.article_id == target and d.version == revised.version
            ]
            ledger.hold(d, "waits for an editor")
            held.add(target)
            del live[target]
        if rng.random() < 0.5:
            continue  # let changes pile up between runs too
        publish(cfg, ledger, now=NOON)
        check(cfg.state.app, live, page_size=2)
    publish(cfg, ledger, now=NOON)
    check(cfg.state.app, live, page_size=2)
    for article_id in held:
        assert not (cfg.state.app / f"articles/{article_id}.json").exists()


def check(root: Path, live: dict[str, Article], *, page_size: int) -> None:
    def order(ids: list[str]) -> list[str]:
        return sorted(ids, key=lambda i: feeds.published_key(live[i]), reverse=True)

    assert ids_of(root, "feed.json") == order(list(live))
    head = chain(root, "feed.json")
    if len(live) >= page_size:
        assert page_size <= len(head[0]["items"]) < 2 * page_size
    assert all(page["items"] for page in head[1:])
    index = read(root, "sections.json")
    names = {a.section for a in live.values() if a.section}
    assert {s["name"] for s in index["sections"]} == names
    for entry in index["sections"]:
        key = feeds.section_feed(entry["name"])
        members = [i for i, a in live.items() if a.section == entry["name"]]
        assert ids_of(root, key) == order(members) and entry["count"] == len(members)
    documents = {p.stem for p in (root / "articles").glob("*.json")}
    assert documents == set(live)
    for article_id, article in live.items():
        doc = read(root, f"articles/{article_id}.json")
        assert doc["version"] == str(article.version)
