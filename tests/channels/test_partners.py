"""Partner feeds (format, filters, a private store) and signed webhooks against a receiver."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from distro.channels import partners
from distro.errors import ChannelRejected, ConfigError
from distro.models import Byline, DeliveryState
from distro.net import CHANNEL, HttpClient, MockReply, MockTransport
from distro.store.ledger import Ledger
from tests.channels.web.stories import (
    article,
    check_atom,
    check_json_feed,
    check_rss,
    settings,
    store,
)
from tests.conftest import SHARED
from tests.servers.webhooks import SECRET, TOKENS, Receiver

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DISTRO_HOOK_SECRET", SECRET)
    monkeypatch.setattr(partners, "BACKOFF", 0.01)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as opened:
        yield opened


def config_text(
    hook_url: str | None = None, *, timeout: float = 5.0, concurrency: int | None = None
) -> str:
    hook = (
        f'[partners.webhook]\nurl = "{hook_url}"\nsecret = "env:DISTRO_HOOK_SECRET"\n'
        if hook_url
        else ""
    )
    if hook and concurrency is not None:
        hook += f"concurrency = {concurrency}\n"
    return f"""
[channels.web]
base_url = "https://news.example.cn/"
title = "西海岸新闻"

[limits]
http_timeout_seconds = {timeout}

[[partners]]
name = "xinhua"
token = "env:DISTRO_TOKEN_XINHUA"
format = "rss"
filters = {{ sections = ["要闻"] }}
{hook}
[[partners]]
name = "portal"
token = "env:DISTRO_TOKEN_PORTAL"
format = "atom"
filters = {{ genres = ["commentary"] }}

[[partners]]
name = "apps"
token = "env:DISTRO_TOKEN_APPS"
format = "jsonfeed"
full_text = false
filters = {{ keywords = ["港口"] }}

[[partners]]
name = "archive"
token = "env:DISTRO_TOKEN_ARCHIVE"
format = "ninjs"
full_text = false
"""


def seed_articles(ledger: Ledger) -> None:
    """Four articles, each matching a different set of partners."""
    items = [
        article(1, NOW, section="要闻"),
        article(
            2, NOW - dt.timedelta(minutes=1), section="经济", paragraphs=["港口吞吐量创新高。"]
        ),
        article(
            3,
            NOW - dt.timedelta(minutes=2),
            section="评论",
            genre="commentary",
            byline=Byline(raw="□本报评论员", role="评论员", roles=["评论员"]),
        ),
        article(4, NOW - dt.timedelta(minutes=3), section="要闻", keywords=["港口"]),
    ]
    for item in items:
        _outcome, stored = ledger.put(item)
        for name in ("xinhua", "portal", "apps", "archive"):
            ledger.enqueue(stored.id, stored.version, "partners", name)


def ninjs_validator() -> Draft202012Validator:
    shared = SHARED / "ninjs"
    ninjs = json.loads((shared / "ninjs-schema_3.1.json").read_text(encoding="utf-8"))
    geojson = json.loads((shared / "GeoJSON-schema.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(
        "https://geojson.org/schema/GeoJSON.json", Resource.from_contents(geojson)
    )
    return Draft202012Validator(ninjs, registry=registry, format_checker=FormatChecker())


def test_each_partner_gets_its_format_and_its_filtered_items(
    tmp_path: Path, ledger: Ledger
) -> None:
    cfg = settings(tmp_path / "state", config_text())
    seed_articles(ledger)
    report = partners.publish(cfg, ledger)
    assert report.failed == 0 and report.sent + report.skipped == 16
    root = tmp_path / "state" / "partners"
    assert sorted(p.name for p in root.iterdir()) == ["apps", "archive", "portal", "xinhua"]
    assert not (tmp_path / "state" / "site" / "partners").exists()  # never in the public site
    site_files = "\n".join(str(p) for p in (tmp_path / "state").rglob("*"))
    assert not any(token in site_files for token in TOKENS.values())  # no token in any path

    rss = check_rss((root / "xinhua" / "feed.xml").read_bytes())
    assert [e.title for e in rss.entries] == ["第1条 新区观摩会举行", "第4条 新区观摩会举行"]
    assert "本报讯" in rss.entries[0].content[0].value
    self_link = [link.href for link in rss.feed.links if link.rel == "self"]
    assert self_link == ["http://127.0.0.1:8790/partners/xinhua/feed.xml"]

    atom = check_atom((root / "portal" / "atom.xml").read_bytes())
    assert [e.title for e in atom.entries] == ["第3条 新区观摩会举行"]
    assert atom.entries[0].author == "本报评论员"

    doc = check_json_feed((root / "apps" / "feed.json").read_bytes())
    assert [i["title"] for i in doc["items"]] == ["第2条 新区观摩会举行", "第4条 新区观摩会举行"]
    assert all("content_html" not in i and i["content_text"] for i in doc["items"])

    envelope = json.loads((root / "archive" / "ninjs.json").read_text("utf-8"))
    assert envelope["version"] == partners.NINJS_FEED_VERSION and envelope["next"] is None
    docs = envelope["items"]
    assert len(docs) == 4 and all("bodies" not in d for d in docs)
    validator = ninjs_validator()
    for d in docs:
        validator.validate(d)

    outcomes = {(d.article_id, d.target): d.detail["outcome"] for d in ledger.deliveries()}
    assert outcomes[(f"a-{1:020x}", "xinhua")] == "published"
    assert outcomes[(f"a-{2:020x}", "xinhua")] == "filtered"
    assert all(d.state is DeliveryState.SENT for d in ledger.deliveries())
    again = partners.publish(cfg, ledger)
    assert (again.sent, again.skipped, again.outputs) == (0, 0, [])


def test_a_guessable_token_is_refused(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISTRO_TOKEN_XINHUA", "xinhua")
    cfg = settings(tmp_path / "state", config_text())
    seed_articles(ledger)
    with pytest.raises(ConfigError, match="token"):
        partners.publish(cfg, ledger)


def test_feeds_an_older_release_left_in_the_public_site_are_deleted(
    tmp_path: Path, ledger: Ledger
) -> None:
    cfg = settings(tmp_path / "state", config_text())
    legacy = tmp_path / "state" / "site" / "partners" / TOKENS["DISTRO_TOKEN_XINHUA"]
    legacy.mkdir(parents=True)
    (legacy / "feed.xml").write_text("<rss/>", encoding="utf-8")
    (tmp_path / "state" / "site" / "index.html").write_text("home", encoding="utf-8")
    seed_articles(ledger)
    partners.publish(cfg, ledger)
    assert not (legacy / "feed.xml").exists()
    assert (tmp_path / "state" / "site" / "index.html").read_text(encoding="utf-8") == "home"


def test_signatures_and_replay_window() -> None:
    body = b'{"id":"a"}'
    stamp = int(time.time())
    good = partners.sign(SECRET, stamp, body)
    assert partners.verify(SECRET, timestamp=str(stamp), signature=good, body=body)
    assert not partners.verify("other", timestamp=str(stamp), signature=good, body=body)
    assert not partners.verify(SECRET, timestamp=str(stamp), signature=good, body=body + b" ")
    assert not partners.verify(SECRET, timestamp=str(stamp + 1), signature=good, body=body)
    old = stamp - partners.REPLAY_WINDOW - 1
    stale = partners.sign(SECRET, old, body)
    assert not partners.verify(SECRET, timestamp=str(old), signature=stale, body=body)
    assert not partners.verify(SECRET, timestamp=None, signature=good, body=body)


def test_webhook_is_signed_retried_and_sees_each_item_once(
    tmp_path: Path, ledger: Ledger, receiver: Receiver
) -> None:
    cfg = settings(tmp_path / "state", config_text(receiver.url))
    seed_articles(ledger)
    receiver.statuses = [500]  # the first push fails once, then the retry goes through
    report = partners.publish(cfg, ledger)
    assert report.failed == 0
    assert [r["status"] for r in receiver.requests] == [500, 200, 200]
    seen = [r["body"]["article_id"] for r in receiver.accepted]
    assert [r["body"]["id"] for r in receiver.accepted] == [f"urn:distro:article:{s}" for s in seen]
    assert sorted(seen) == [f"a-{1:020x}", f"a-{4:020x}"]  # xinhua's filter: 要闻 only
    # (the two pushes are in flight together: the receiver may take them in either order)
    first = next(r for r in receiver.accepted if r["body"]["article_id"] == f"a-{1:020x}")
    assert first["headers"]["x-distro-event"] == "published"
    assert first["headers"]["x-distro-delivery"] == f"a-{1:020x}/v1/xinhua"
    assert first["headers"]["x-distro-signature"].startswith("sha256=")
    assert first["body"]["item"]["title"] == "第1条 新区观摩会举行"
    # the failed attempt and its retry carried the same delivery id and body
    failed = receiver.requests[0]
    retried = [r for r in receiver.accepted if r["headers"]["x-distro-delivery"]
               == failed["headers"]["x-distro-delivery"]]  # fmt: skip
    assert len(retried) == 1 and retried[0]["body"] == failed["body"]
    hooked = [d for d in ledger.deliveries(channel="partners") if d.target == "xinhua"]
    assert sum(d.detail.get("webhook") == "delivered" for d in hooked) == 2

    # a rerun pushes nothing; a kill pushes one `canceled` event, once
    partners.publish(cfg, ledger)
    assert len(receiver.requests) == 3
    killed = ledger.kill(f"a-{1:020x}", "legal")
    for name in ("xinhua", "portal", "apps", "archive"):
        ledger.enqueue(killed.id, killed.version, "partners", name)
    partners.publish(cfg, ledger)
    partners.publish(cfg, ledger)
    assert [r["headers"]["x-distro-event"] for r in receiver.accepted] == [
        "published",
        "published",
        "canceled",
    ]
    assert receiver.accepted[-1]["body"] == {
        "event": "canceled",
        "partner": "xinhua",
        "id": f"urn:distro:article:a-{1:020x}",
        "article_id": f"a-{1:020x}",
        "version": 2,
    }
    feed = tmp_path / "state" / "partners" / "xinhua" / "feed.xml"
    assert [e.title for e in check_rss(feed.read_bytes()).entries] == ["第4条 新区观摩会举行"]


def test_webhook_down_keeps_the_delivery_pending_until_it_recovers(
    tmp_path: Path, ledger: Ledger, receiver: Receiver
) -> None:
    cfg = settings(tmp_path / "state", config_text(receiver.url))
    store(ledger, article(1, NOW, section="要闻"), "partners", "xinhua")
    receiver.statuses = [503] * (partners.RETRIES + 1)
    report = partners.publish(cfg, ledger)
    assert report.failed == 1 and receiver.accepted == []
    assert len(receiver.requests) == partners.RETRIES + 1
    (delivery,) = ledger.pending("partners", target="xinhua")
    assert delivery.state is DeliveryState.PENDING and "503" in (delivery.last_error or "")
    report = partners.publish(cfg, ledger)
    assert report.sent == 1 and len(receiver.accepted) == 1
    assert ledger.pending("partners") == []


def test_webhook_refusal_is_final_for_the_item(
    tmp_path: Path, ledger: Ledger, receiver: Receiver
) -> None:
    cfg = settings(tmp_path / "state", config_text(receiver.url))
    store(ledger, article(1, NOW, section="要闻"), "partners", "xinhua")
    receiver.statuses = [410]
    report = partners.publish(cfg, ledger)
    assert report.failed == 1 and len(receiver.requests) == 1
    (delivery,) = ledger.deliveries(channel="partners")
    assert delivery.state is DeliveryState.FAILED and "410" in (delivery.last_error or "")


def test_a_timed_out_push_is_retried_with_the_same_delivery_id(
    tmp_path: Path, ledger: Ledger, receiver: Receiver
) -> None:
    cfg = settings(tmp_path / "state", config_text(receiver.url, timeout=0.3))
    item = store(ledger, article(1, NOW, section="要闻"), "partners", "xinhua")
    receiver.delays = [1.0]
    report = partners.publish(cfg, ledger)
    assert report.sent == 1 and report.failed == 0
    assert [r["status"] for r in receiver.requests] == ["timed out", 200]
    ids = {r["headers"]["x-distro-delivery"] for r in receiver.requests}
    assert ids == {f"{item.id}/v1/xinhua"}  # what a receiver dedupes on
    assert len(receiver.accepted) == 1


def test_a_push_recorded_before_a_crash_is_not_repeated(
    tmp_path: Path, ledger: Ledger, receiver: Receiver
) -> None:
    cfg = settings(tmp_path / "state", config_text(receiver.url))
    store(ledger, article(1, NOW, section="要闻"), "partners", "xinhua")
    store(ledger, article(2, NOW, section="要闻"), "partners", "xinhua")
    first, second = ledger.pending("partners", target="xinhua")
    # the last run pushed the first item and recorded it, then died before marking it sent
    ledger.mark_sending(first, webhook="delivered", status=200)
    ledger.mark_sending(second)  # this one died before its push
    report = partners.publish(cfg, ledger)
    assert report.sent == 2
    assert [r["body"]["article_id"] for r in receiver.accepted] == [second.article_id]
    assert ledger.pending("partners") == []


@pytest.mark.parametrize("concurrency", [1, 4])
def test_pushes_wait_on_the_receiver_together_up_to_the_webhooks_concurrency(
    tmp_path: Path, ledger: Ledger, receiver: Receiver, concurrency: int
) -> None:
    cfg = settings(tmp_path / "state", config_text(receiver.url, concurrency=concurrency))
    items = [store(ledger, article(n, NOW, section="要闻"), "partners", "xinhua") for n in range(8)]
    receiver.latency = 0.4  # a remote receiver: the wait, not the CPU, is what concurrency saves
    receiver.statuses = [410]  # whichever push arrives first is refused; the others go through
    report = partners.publish(cfg, ledger)
    assert receiver.peak == concurrency
    assert report.sent == 7 and report.failed == 1
    ids = sorted(r["headers"]["x-distro-delivery"] for r in receiver.requests)
    assert ids == sorted(f"{item.id}/v1/xinhua" for item in items)  # each pushed once
    refused = receiver.requests[0]["body"]["article_id"]
    states = {d.article_id: d.state for d in ledger.deliveries(channel="partners")}
    assert states.pop(refused) is DeliveryState.FAILED
    assert set(states.values()) == {DeliveryState.SENT}
    partners.publish(cfg, ledger)  # nothing left to push
    assert len(receiver.requests) == 8


def test_a_push_that_times_out_among_others_is_retried_alone(
    tmp_path: Path, ledger: Ledger, receiver: Receiver
) -> None:
    cfg = settings(tmp_path / "state", config_text(receiver.url, timeout=0.3, concurrency=3))
    items = [store(ledger, article(n, NOW, section="要闻"), "partners", "xinhua") for n in range(3)]
    receiver.delays = [1.0]  # the first push to arrive hangs past the deadline, once
    report = partners.publish(cfg, ledger)
    assert report.sent == 3 and report.failed == 0
    hung = receiver.requests[0]["headers"]["x-distro-delivery"]
    ids = [r["headers"]["x-distro-delivery"] for r in receiver.accepted]
    assert sorted(ids) == sorted(f"{item.id}/v1/xinhua" for item in items)
    assert [r["headers"]["x-distro-delivery"] for r in receiver.requests].count(hung) == 2


def test_a_receiver_echoing_the_secret_gets_it_masked() -> None:
    def echo(request: requests.PreparedRequest) -> MockReply:
        return MockReply(400, f"bad signature, expected one made with {SECRET}".encode())

    http = HttpClient(transport=MockTransport(echo), errors=CHANNEL, name="webhook")
    with http, pytest.raises(ChannelRejected) as caught:
        partners.push(http, "https://partner.test/hook", SECRET, event="published",
                      delivery_id="a/v1/x", payload={"id": "a"})  # fmt: skip
    assert caught.value.message == (
        "webhook: POST https://partner.test/hook: HTTP 400: "
        "bad signature, expected one made with ***"
    )


POISON_CONFIG = """
[channels.web]
base_url = "https://news.example.cn/"
title = "西海岸新闻"

[[partners]]
name = "xinhua"
token = "env:DISTRO_TOKEN_XINHUA"
format = "rss"
{hook}
[[partners]]
name = "portal"
token = "env:DISTRO_TOKEN_PORTAL"
format = "atom"

[[partners]]
name = "apps"
token = "env:DISTRO_TOKEN_APPS"
format = "jsonfeed"

[[partners]]
name = "archive"
token = "env:DISTRO_TOKEN_ARCHIVE"
format = "ninjs"
"""


def poison_row(ledger: Ledger, article_id: str, change: dict[str, Any]) -> None:
    """Rewrite an article's stored JSON past every validator, as an old or buggy row would be."""
    from sqlalchemy import update

    from distro.store import tables

    stored = ledger.get(article_id)
    assert stored is not None
    document = json.loads(stored.model_dump_json())
    document.update(change)
    with ledger.engine.begin() as conn:
        conn.execute(
            update(tables.articles)
            .where(tables.articles.c.id == article_id)
            .values(document=json.dumps(document))
        )


def partner_feeds(root: Path) -> dict[str, str]:
    names = dict(xinhua="feed.xml", portal="atom.xml", apps="feed.json", archive="ninjs.json")
    return {name: (root / name / file).read_text(encoding="utf-8") for name, file in names.items()}


def test_poisoned_articles_are_quarantined_per_partner_and_the_feeds_still_written(
    tmp_path: Path, ledger: Ledger, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = f'[partners.webhook]\nurl = "{receiver.url}"\nsecret = "env:DISTRO_HOOK_SECRET"\n'
    cfg = settings(tmp_path / "state", POISON_CONFIG.format(hook=hook))
    names = [p.name for p in cfg.config.partners]
    good, bad = [], {}
    poisons = {
        "year one": ({"published_at": "0001-01-01T00:00:00+08:00"}, "OverflowError"),
        "year 10000": ({"published_at": "9999-12-31T23:59:59-08:00"}, "OverflowError"),
    }
    for n, (change, expected) in enumerate(poisons.values()):
        poisoned = ledger.put(article(10 + n, NOW - dt.timedelta(minutes=n)))[1]
        poison_row(ledger, poisoned.id, change)
        bad[poisoned.id] = expected
        good.append(ledger.put(article(20 + n, NOW - dt.timedelta(minutes=n)))[1].id)
    noisy = ledger.put(article(30, NOW))[1]
    poison_row(ledger, noisy.id, {"headline": "控制\x01字符", "paragraphs": ["正\x0b文。"]})
    good.append(noisy.id)  # control characters are cleaned, not refused
    faulty = ledger.put(article(31, NOW))[1]
    bad[faulty.id] = "InjectedFault"
    for article_id in [*good, *bad]:
        for name in names:
            ledger.enqueue(article_id, 1, "partners", name)
    monkeypatch.setenv("DISTRO_BREAK", f"render.partners:{faulty.id}")

    report = partners.publish(cfg, ledger)

    assert report.quarantined == len(bad) * len(names), report.messages
    assert report.failed == 0 and report.sent == len(good) * len(names)
    for article_id, expected in bad.items():
        ds = ledger.deliveries(article_id=article_id, channel="partners")
        assert {d.state for d in ds} == {DeliveryState.QUARANTINED}
        assert all(expected in (d.last_error or "") and d.target in (d.last_error or "")
                   for d in ds)  # fmt: skip
    feeds = partner_feeds(cfg.state.partners)
    for name, text in feeds.items():
        assert all(article_id in text for article_id in good), name
        assert not any(article_id in text for article_id in bad), name
        assert "\x01" not in text and "\x0b" not in text
    check_rss(feeds["xinhua"].encode())
    check_atom(feeds["portal"].encode())
    pushed = {r["body"]["article_id"] for r in receiver.accepted}
    assert pushed == set(good)


def test_a_listed_article_that_stops_rendering_leaves_the_feed_not_the_rest(
    tmp_path: Path, ledger: Ledger
) -> None:
    cfg = settings(tmp_path / "state", POISON_CONFIG.format(hook=""))
    names = [p.name for p in cfg.config.partners]
    first = [ledger.put(article(40 + n, NOW - dt.timedelta(minutes=n)))[1] for n in range(3)]
    for item in first:
        for name in names:
            ledger.enqueue(item.id, 1, "partners", name)
    assert partners.publish(cfg, ledger).sent == 3 * len(names)
    poison_row(ledger, first[1].id, {"published_at": "0001-01-01T00:00:00+08:00"})
    later = ledger.put(article(50, NOW))[1]
    for name in names:
        ledger.enqueue(later.id, 1, "partners", name)
    report = partners.publish(cfg, ledger)
    assert report.sent == len(names) and report.failed == 0
    assert sum("cannot render" in m and first[1].id in m for m in report.messages) == len(names)
    for name, text in partner_feeds(cfg.state.partners).items():
        assert later.id in text and first[0].id in text and first[2].id in text, name
        assert first[1].id not in text, name
