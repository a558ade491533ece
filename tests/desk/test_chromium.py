"""The desk in real headless Chromium: what an editor sees and clicks; screenshots are kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Body

from distro.desk import PREFIX
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.conftest import REPO
from tests.desk.browser import Browser, chromium
from tests.desk.newsroom import REFUSAL, Newsroom, root_app, seed, serve

ARTIFACTS = REPO / "test-artifacts" / "desk"
DAY = "2021-07-05"


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Newsroom:
    return seed(tmp_path_factory.mktemp("desk-chromium") / "state")


@pytest.fixture(scope="module")
def triggered() -> list[dict[str, Any]]:
    """What the trigger form posted to Airflow's REST API."""
    return []


@pytest.fixture(scope="module")
def site(newsroom: Newsroom, triggered: list[dict[str, Any]]) -> Iterator[str]:
    """The desk at /desk, beside the one Airflow REST route the trigger form calls.

    That route is a contract stand-in (the request Airflow 3.3 documents for
    ``POST /api/v2/dags/{dag_id}/dagRuns`` and the fields of its answer); the conf it receives
    is checked against the real DAG's params in tests/airflow/test_desk_plugin.py.
    """
    root = root_app(newsroom.settings)

    @root.post("/api/v2/dags/{dag_id}/dagRuns")
    def trigger(dag_id: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        triggered.append({"dag_id": dag_id, **body})
        run_id = f"manual__2026-12-01T05:00:00+00:00-{len(triggered)}"
        return {"dag_run_id": run_id, "dag_id": dag_id, "conf": body["conf"], "state": "queued"}

    with serve(root) as base:
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


def rows(browser: Browser, table: str) -> list[dict[str, str]]:
    """The rows of a table as header → cell text."""
    found: list[dict[str, str]] = browser.run(
        """const table = document.querySelector(arguments[0]);
        const heads = [...table.querySelectorAll("th")].map(th => th.textContent.trim());
        return [...table.querySelectorAll("tr")].slice(1).map(tr => Object.fromEntries(
          [...tr.querySelectorAll("td")].map((td, i) => [heads[i], td.innerText.trim()])));""",
        table,
    )
    return found


def test_the_day_shows_each_article_with_its_deliveries(
    site: str, browser: Browser, newsroom: Newsroom
) -> None:
    browser.open(f"{site}{PREFIX}/?date={DAY}")
    with Ledger.open(newsroom.settings) as ledger:
        stored = ledger.articles(include_killed=True)
    shown = browser.run("return [...document.querySelectorAll('section.article')].map(s => s.id)")
    assert sorted(shown) == sorted(a.id for a in stored)
    lead = rows(browser, f"section[id='{newsroom.lead}'] table.deliveries")
    states = {(r["channel"], r["version"]): r["state"].split("\n")[0] for r in lead}
    assert states == {("app", "v1"): "sent", ("web", "v2"): "pending", ("wechat", "v1"): "held"}
    browser.screenshot(ARTIFACTS / "articles.png")


def test_a_search_from_the_box_narrows_the_list(
    site: str, browser: Browser, newsroom: Newsroom
) -> None:
    with Ledger.open(newsroom.settings) as ledger:
        second = ledger.get(newsroom.second)
    assert second is not None
    browser.open(f"{site}{PREFIX}/?date={DAY}")
    browser.run("document.getElementById('date').value = ''")
    browser.type("#q", second.headline[:4])
    browser.click("form.search button[type=submit]")
    browser.wait("return location.search.includes('q=')")
    shown = browser.run("return [...document.querySelectorAll('section.article')].map(s => s.id)")
    assert shown == [newsroom.second]
    assert browser.text(f"section[id='{newsroom.second}'] h2") == second.headline
    app = rows(browser, f"section[id='{newsroom.second}'] table.deliveries")
    refused = next(r for r in app if r["channel"] == "app")
    assert refused["error"] == REFUSAL


def test_an_article_page_shows_versions_deliveries_and_links(
    site: str, browser: Browser, newsroom: Newsroom
) -> None:
    browser.open(f"{site}{PREFIX}/articles/{newsroom.lead}")
    versions = rows(browser, "table.versions")
    with Ledger.open(newsroom.settings) as ledger:
        stored = ledger.versions(newsroom.lead)
        made = ledger.deliveries(article_id=newsroom.lead)
    assert [r["version"] for r in versions] == [f"v{v.version}" for v in stored]
    assert versions[-1]["correction"] == stored[-1].correction
    links = browser.run(
        "return [...document.querySelectorAll('table.deliveries')[1].querySelectorAll('a')]"
        ".map(a => a.href)"
    )
    sent = [d for d in made if d.state is DeliveryState.SENT]
    assert len(links) == len(sent) and all(
        link.startswith("http://127.0.0.1:8000/") for link in links
    )
    browser.screenshot(ARTIFACTS / "article.png")


def test_republish_opens_the_dag_form_prefilled_and_triggers_it(
    site: str, browser: Browser, newsroom: Newsroom, triggered: list[dict[str, Any]]
) -> None:
    browser.open(f"{site}{PREFIX}/articles/{newsroom.lead}")
    browser.click("#republish")
    browser.wait("return location.pathname.endsWith('/trigger/republish')")
    assert browser.value("#article_ids") == newsroom.lead
    assert browser.value("#push") == "auto"
    browser.click("input[name=channels][value=web]")
    browser.type("#reason", "标题错字")
    browser.type("#note", "更正：标题中的错字已改正")
    conf = json.loads(browser.text("#conf"))
    assert conf == {
        "article_ids": [newsroom.lead],
        "channels": ["web"],
        "reason": "标题错字",
        "note": "更正：标题中的错字已改正",
        "embargo_until": None,
        "push": "auto",
    }
    browser.screenshot(ARTIFACTS / "republish-form.png")
    browser.click("#submit")
    assert browser.wait("return document.querySelector('#result a')?.textContent")
    assert triggered[-1] == {"dag_id": "republish", "logical_date": None, "conf": conf}
    run_link = browser.attribute("#result a", "href") or ""
    assert "/dags/republish/runs/manual__" in run_link
    assert browser.attribute("#result a", "target") == "_top"
    browser.screenshot(ARTIFACTS / "republish-triggered.png")


def test_ticked_articles_open_one_form_with_every_id(
    site: str, browser: Browser, newsroom: Newsroom
) -> None:
    browser.open(f"{site}{PREFIX}/?date={DAY}")
    for article_id in (newsroom.lead, newsroom.second):
        browser.click(f"input[name=ids][value='{article_id}']")
    browser.click("#republish-chosen")
    browser.wait("return location.pathname.endsWith('/trigger/republish')")
    ticked = browser.value("#article_ids").split()
    assert sorted(ticked) == sorted([newsroom.lead, newsroom.second])
    assert json.loads(browser.text("#conf"))["article_ids"] == ticked
    browser.screenshot(ARTIFACTS / "republish-ticked.png")


def test_kill_opens_its_own_form_prefilled(site: str, browser: Browser, newsroom: Newsroom) -> None:
    browser.open(f"{site}{PREFIX}/articles/{newsroom.second}")
    browser.click("#kill")
    browser.wait("return location.pathname.endsWith('/trigger/kill')")
    assert browser.value("#article_ids") == newsroom.second
    assert browser.find_all("input[name=channels]") == []
    browser.type("#reason", "legal")
    assert json.loads(browser.text("#conf")) == {
        "article_ids": [newsroom.second],
        "reason": "legal",
    }
    browser.screenshot(ARTIFACTS / "kill-form.png")


def test_the_review_queue_links_to_required_actions(
    site: str, browser: Browser, newsroom: Newsroom
) -> None:
    browser.open(f"{site}{PREFIX}/review")
    held = rows(browser, "table.review")
    with Ledger.open(newsroom.settings) as ledger:
        headlines = {a.id: a.headline for a in ledger.articles()}
    assert {r["channel"] for r in held} == {"wechat"}
    ids = browser.run("return [...document.querySelectorAll('table.review tr[data-article]')]"
                      ".map(tr => tr.dataset.article)")  # fmt: skip
    assert sorted(ids) == sorted([newsroom.lead, newsroom.second])
    assert sorted(r["article"] for r in held) == sorted(f"{headlines[i]} v1" for i in ids)
    assert all(r["why held"] == "every article is reviewed on this channel" for r in held)
    href = browser.run("return document.getElementById('required-actions').href")
    assert href == f"{site}/required_actions?response_received=false"
    assert browser.attribute("#required-actions", "target") == "_top"
    browser.screenshot(ARTIFACTS / "review.png")


def test_the_preview_shows_each_channels_rendering(
    site: str, browser: Browser, newsroom: Newsroom
) -> None:
    with Ledger.open(newsroom.settings) as ledger:
        lead = ledger.get(newsroom.lead)
    assert lead is not None
    browser.open(f"{site}{PREFIX}/articles/{newsroom.lead}/preview")
    web_h1 = browser.wait(
        "const d = document.getElementById('web').contentDocument;"
        "return d && d.querySelector('h1') && d.querySelector('h1').textContent"
    )
    assert lead.headline.split()[0] in web_h1
    wechat_text = browser.run(
        "return document.getElementById('wechat').contentDocument.body.innerText"
    )
    assert lead.paragraphs[1] in wechat_text
    app = json.loads(browser.text("#app"))
    assert app["version"] == str(lead.version)
    browser.screenshot(ARTIFACTS / "preview.png")


def test_the_quarantine_shows_reasons_and_retry_resolves(tmp_path: Path, browser: Browser) -> None:
    fresh = seed(tmp_path / "state")
    with serve(root_app(fresh.settings)) as base:
        browser.open(f"{base}{PREFIX}/quarantine")
        shown = rows(browser, "table.quarantine")
        with Ledger.open(fresh.settings) as ledger:
            entries = ledger.quarantined()
        assert sorted(r["reason"] for r in shown) == sorted(e.reason for e in entries)
        browser.screenshot(ARTIFACTS / "quarantine.png")
        browser.click(f"tr[id='{fresh.refusal_entry}'] button.retry")
        outcome = browser.wait(
            "return document.querySelector(arguments[0]).textContent",
            f"tr[id='{fresh.refusal_entry}'] .outcome",
        )
        assert outcome == "resolved: delivery back to pending"
        browser.screenshot(ARTIFACTS / "quarantine-retried.png")
        with Ledger.open(fresh.settings) as ledger:
            assert ledger.is_resolved(fresh.refusal_entry)
            app = ledger.deliveries(article_id=fresh.second, channel="app")
        assert [d.state for d in app] == [DeliveryState.PENDING]
