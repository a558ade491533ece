"""The partner endpoint on 127.0.0.1: tokens (bearer, basic, rotation), no listing, ETag, paging."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from distro.channels import partner_tokens, partners
from distro.channels.partner_gateway import Gateway, serve
from distro.config import Settings
from distro.store.ledger import Ledger
from tests.channels.web.stories import article, settings

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
TOKEN = "tok-Archive-7c3a1e9f2d4b"
OTHER = "tok-Portal-9e2d7c1b4a6f"
CONFIG = """
[channels.web]
base_url = "https://news.example.cn/"
title = "西海岸新闻"

[partner_feeds]
base_url = "https://feeds.example.cn/"

[[partners]]
name = "archive"
token = "env:DISTRO_TOKEN_ARCHIVE"
format = "ninjs"

[[partners]]
name = "portal"
token = "env:DISTRO_TOKEN_PORTAL"
format = "jsonfeed"
"""


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DISTRO_TOKEN_ARCHIVE", TOKEN)
    monkeypatch.setenv("DISTRO_TOKEN_PORTAL", OTHER)
    return settings(tmp_path / "state", CONFIG)


@pytest.fixture
def ledger(cfg: Settings) -> Iterator[Ledger]:
    with Ledger(cfg.store_url) as opened:
        for n in range(1, 6):
            _outcome, stored = opened.put(article(n, NOW - dt.timedelta(hours=n)))
            opened.enqueue(stored.id, stored.version, "partners", "archive")
            opened.enqueue(stored.id, stored.version, "partners", "portal")
        partners.publish(cfg, opened)
        yield opened


@pytest.fixture
def base(cfg: Settings, ledger: Ledger) -> Iterator[str]:
    server = serve(Gateway(cfg, ledger), "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_partner_fetches_its_feed_with_its_token(base: str) -> None:
    answer = requests.get(f"{base}/partners/archive/ninjs.json", headers=bearer(TOKEN), timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert "private" in answer.headers["Cache-Control"]
    feed = answer.json()
    assert len(feed["items"]) == 5 and feed["next"] is None
    basic = base64.b64encode(f"archive:{TOKEN}".encode()).decode()
    again = requests.get(
        f"{base}/partners/archive/ninjs.json",
        headers={"Authorization": f"Basic {basic}"},
        timeout=5,
    )
    assert again.status_code == 200 and again.content == answer.content


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-0123456789"},
        {"Authorization": f"Bearer {OTHER}"},  # another partner's token
        {"Authorization": "Basic " + base64.b64encode(f"portal:{TOKEN}".encode()).decode()},
        {"Authorization": "Basic !!notbase64"},
        {"Authorization": f"Token {TOKEN}"},
    ],
)
def test_anything_but_the_partners_own_token_is_refused(base: str, headers: dict[str, str]) -> None:
    answer = requests.get(f"{base}/partners/archive/ninjs.json", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert "Bearer" in answer.headers["WWW-Authenticate"]
    assert "item" not in answer.text


def test_nothing_lists_and_unknown_partners_look_like_bad_tokens(base: str) -> None:
    for path in ("/", "/partners/", "/partners/archive/", "/partners/../distro.db"):
        assert requests.get(base + path, headers=bearer(TOKEN), timeout=5).status_code == 404
    unknown = requests.get(f"{base}/partners/nobody/feed.xml", headers=bearer(TOKEN), timeout=5)
    wrong = requests.get(f"{base}/partners/archive/ninjs.json", timeout=5)
    assert (unknown.status_code, unknown.content) == (wrong.status_code, wrong.content)
    other_format = requests.get(
        f"{base}/partners/archive/feed.xml", headers=bearer(TOKEN), timeout=5
    )
    assert other_format.status_code == 404
    assert requests.post(f"{base}/partners/archive/ninjs.json", timeout=5).status_code == 405


def test_etag_answers_not_modified(base: str) -> None:
    url = f"{base}/partners/portal/feed.json"
    first = requests.get(url, headers=bearer(OTHER), timeout=5)
    etag = first.headers["ETag"]
    again = requests.get(url, headers={**bearer(OTHER), "If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b""


def test_json_feeds_page_and_filter_by_since(base: str) -> None:
    url = f"{base}/partners/archive/ninjs.json"
    pages, next_url = [], f"{url}?limit=2"
    while next_url:
        # the next link names the public base URL; follow it on the test server
        local = next_url.replace("https://feeds.example.cn", base)
        doc = requests.get(local, headers=bearer(TOKEN), timeout=5).json()
        pages.append([item["uri"] for item in doc["items"]])
        next_url = doc["next"]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert len({uri for p in pages for uri in p}) == 5
    whole = requests.get(url, headers=bearer(TOKEN), timeout=5).json()["items"]
    stamps = sorted(item["versionCreated"] for item in whole)
    since = {"since": stamps[-1]}  # what changed since the newest version the partner saw
    recent = requests.get(url, params=since, headers=bearer(TOKEN), timeout=5).json()["items"]
    assert recent and all(item["versionCreated"] >= stamps[-1] for item in recent)
    future = {"since": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()}
    assert requests.get(url, params=future, headers=bearer(TOKEN), timeout=5).json()["items"] == []
    feed = requests.get(
        f"{base}/partners/portal/feed.json", params={"limit": 3}, headers=bearer(OTHER), timeout=5
    ).json()
    assert len(feed["items"]) == 3 and "offset=3" in feed["next_url"]
    bad = requests.get(url, params={"limit": "0"}, headers=bearer(TOKEN), timeout=5)
    assert bad.status_code == 400 and "limit" in bad.json()["error"]
    assert (
        requests.get(
            url, params={"since": "yesterday"}, headers=bearer(TOKEN), timeout=5
        ).status_code
        == 400
    )


def test_rotation_keeps_the_old_token_for_the_overlap_only(cfg: Settings, ledger: Ledger) -> None:
    (archive, _portal) = cfg.config.partners
    gateway = Gateway(cfg, ledger)
    start = dt.datetime.now(dt.UTC)
    new, until = partner_tokens.rotate(ledger, archive, overlap=dt.timedelta(hours=1), now=start)
    assert until == start + dt.timedelta(hours=1)
    assert partner_tokens.check(ledger, archive, TOKEN, now=start + dt.timedelta(minutes=59))
    assert partner_tokens.check(ledger, archive, new, now=start + dt.timedelta(minutes=59))
    later = start + dt.timedelta(hours=1, seconds=1)
    assert not partner_tokens.check(ledger, archive, TOKEN, now=later)
    assert partner_tokens.check(ledger, archive, new, now=later)
    headers = {"authorization": f"Bearer {new}"}
    assert gateway.answer("GET", "/partners/archive/ninjs.json", headers).status == 200
    # only digests are kept: the ledger never holds a working token
    stored = ledger.get_value(partner_tokens.KEY_PREFIX + "archive") or ""
    assert new not in stored and TOKEN not in stored
    assert json.loads(stored)[-1]["sha256"] == partner_tokens.digest(new)
    # a second rotation ends the first new token's overlap, never extends the oldest
    newer, _ = partner_tokens.rotate(ledger, archive, overlap=dt.timedelta(hours=2), now=later)
    assert partner_tokens.check(ledger, archive, new, now=later + dt.timedelta(hours=1))
    assert not partner_tokens.check(ledger, archive, new, now=later + dt.timedelta(hours=3))
    assert not partner_tokens.check(ledger, archive, TOKEN, now=later)
    assert partner_tokens.check(ledger, archive, newer, now=later + dt.timedelta(days=30))
