"""The desk's JSON API on a real uvicorn server, over a ledger the real pipeline filled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi import FastAPI, Header, HTTPException
from fastapi.params import Depends

from distro import config, review
from distro.channels.app import feeds
from distro.channels.web.render import article_key
from distro.desk import PREFIX, queries
from distro.desk.app import create_app
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.channels.web.stories import article
from tests.desk.newsroom import REFUSAL, Newsroom, root_app, seed, serve

DAY = "2021-07-05"


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Newsroom:
    return seed(tmp_path_factory.mktemp("desk") / "state")


@pytest.fixture(scope="module")
def desk(newsroom: Newsroom) -> Iterator[str]:
    """The desk's API root on a real server."""
    with serve(root_app(newsroom.settings)) as base:
        yield base + PREFIX


@pytest.fixture
def ledger(newsroom: Newsroom) -> Iterator[Ledger]:
    with Ledger.open(newsroom.settings) as opened:
        yield opened


def get(url: str, **params: str) -> Any:
    """A JSON document the desk answers with 200."""
    response = requests.get(url, params=params, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def by_id(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc["id"]: doc for doc in docs}


def test_the_articles_of_a_day_are_every_article_of_its_issue(
    desk: str, newsroom: Newsroom, ledger: Ledger
) -> None:
    found = by_id(get(f"{desk}/api/articles", date=DAY)["articles"])
    stored = {
        a.id for a in ledger.articles(include_killed=True) if a.issue_date == dt.date(2021, 7, 5)
    }
    assert set(found) == stored and {newsroom.lead, newsroom.second, newsroom.teaser} <= stored
    assert get(f"{desk}/api/articles", date="2021-07-06")["count"] == 0
    bad = requests.get(f"{desk}/api/articles", params={"date": "5 July"}, timeout=30)
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["detail"]


def test_an_article_shows_its_versions_and_each_channels_delivery(
    desk: str, newsroom: Newsroom, ledger: Ledger
) -> None:
    doc = get(f"{desk}/api/articles/{newsroom.lead}")
    versions = ledger.versions(newsroom.lead)
    assert [v["version"] for v in doc["versions"]] == [v.version for v in versions] == [1, 2]
    assert doc["versions"][1]["correction"] == versions[1].correction == "更正：标题错字"
    assert doc["confidence"] == versions[-1].confidence and doc["flags"] == versions[-1].flags
    assert doc["paragraphs"] == versions[-1].paragraphs
    shown = {(d["channel"], d["target"]): d for d in doc["channels"]}
    recorded = ledger.deliveries(article_id=newsroom.lead)
    assert set(shown) == {(d.channel, d.target) for d in recorded}
    web, app, wechat = shown["web", "default"], shown["app", "default"], shown["wechat", "default"]
    # The republish queued v2 for the web only; the app still has v1, sent; WeChat holds v1.
    assert (web["version"], web["state"]) == (2, "pending") and web["link"] is None
    assert (app["version"], app["state"]) == (1, "sent")
    app_base = newsroom.settings.config.channels.app.base_url
    assert app["link"] == feeds.url(app_base, feeds.document_key(newsroom.lead))
    assert wechat["state"] == "held"
    assert wechat["detail"]["review"] == review.reasons(versions[0], "always")[0]
    # Every delivery, v1's web page included, with its time in Asia/Shanghai.
    sent_web = [d for d in doc["deliveries"] if d["channel"] == "web" and d["version"] == 1]
    page = newsroom.settings.config.channels.web.base_url + article_key(newsroom.lead)
    assert sent_web[0]["state"] == "sent" and sent_web[0]["link"] == page
    assert sent_web[0]["updated_at"].endswith("+08:00")
    assert (
        requests.get(f"{desk}/api/articles/a-00000000000000000000", timeout=30).status_code == 404
    )


def test_a_refused_delivery_shows_its_error(desk: str, newsroom: Newsroom) -> None:
    doc = get(f"{desk}/api/articles/{newsroom.second}")
    app = next(d for d in doc["channels"] if d["channel"] == "app")
    assert (app["state"], app["error"]) == ("quarantined", REFUSAL)


@pytest.mark.parametrize("how", ["words", "id", "url", "two words"])
def test_search_finds_an_article_by_headline_words_id_or_url(
    desk: str, newsroom: Newsroom, ledger: Ledger, how: str
) -> None:
    second = ledger.get(newsroom.second)
    assert second is not None
    query = {
        "words": second.headline[2:6],
        "id": second.id,
        "url": newsroom.settings.config.channels.web.base_url + article_key(second.id),
        "two words": f"{second.headline[:2]} {second.headline[-2:]}",
    }[how]
    found = by_id(get(f"{desk}/api/articles", q=query)["articles"])
    assert newsroom.second in found
    assert newsroom.lead not in found, query


def test_search_by_section_and_within_a_day() -> None:
    when = dt.datetime(2021, 7, 5, 8, tzinfo=dt.UTC)
    politics = article(1, when, section="要闻", headline="新区观摩会举行")
    assert queries.matches(politics, "要闻") and queries.matches(politics, "观摩")
    assert not queries.matches(politics, "体育") and not queries.matches(politics, "a-" + "0" * 20)
    assert queries.matches(politics, f"see https://example.com/articles/{politics.id}.html")


def test_previews_come_from_each_channels_renderer(
    desk: str, newsroom: Newsroom, ledger: Ledger
) -> None:
    lead = ledger.get(newsroom.lead)
    assert lead is not None and lead.byline is not None
    web = get(f"{desk}/api/articles/{newsroom.lead}/preview/web")
    heading = FirstH1()
    heading.feed(str(web["html"]))
    assert lead.headline.split()[0] in heading.text
    draft = get(f"{desk}/api/articles/{newsroom.lead}/preview/wechat")["draft"]
    assert isinstance(draft, dict)
    assert draft["author"] in lead.byline.names and lead.paragraphs[1] in draft["content"]
    app = get(f"{desk}/api/articles/{newsroom.lead}/preview/app")
    document = app["document"]
    assert isinstance(document, dict) and document["version"] == str(lead.version)
    assert document["edNote"].endswith(str(lead.correction))
    teaser = requests.get(f"{desk}/api/articles/{newsroom.teaser}/preview/web", timeout=30)
    assert teaser.status_code == 409 and "teaser" in teaser.json()["detail"]
    unknown = requests.get(f"{desk}/api/articles/{newsroom.lead}/preview/fax", timeout=30)
    assert unknown.status_code == 409


def test_the_quarantine_lists_every_open_entry_with_its_reason(
    desk: str, newsroom: Newsroom, ledger: Ledger
) -> None:
    entries = by_id(get(f"{desk}/api/quarantine")["entries"])
    assert set(entries) == {e.id for e in ledger.quarantined()}
    for entry in ledger.quarantined():
        assert entries[entry.id]["reason"] == entry.reason
    assert entries[newsroom.refusal_entry]["article_id"] == newsroom.second
    assert entries[newsroom.parse_entry]["stage"] == "parse"
    assert all(e["retryable"] for e in entries.values())


def test_the_review_queue_is_what_the_gate_holds(
    desk: str, newsroom: Newsroom, ledger: Ledger
) -> None:
    body = get(f"{desk}/api/review")
    held = body["held"]
    assert isinstance(held, list)
    assert [(h["article_id"], h["channel"]) for h in held] == [
        (w.delivery.article_id, w.delivery.channel) for w in review.waiting(ledger)
    ]
    assert {h["article_id"] for h in held} == {newsroom.lead, newsroom.second}
    assert {h["dag_id"] for h in held} == {"review_wechat"}
    assert body["required_actions"] == "/required_actions?response_received=false"


def test_a_held_article_is_corrected_over_rest_and_waits_again(tmp_path: Path) -> None:
    fresh = seed(tmp_path / "state")
    with Ledger.open(fresh.settings) as ledger:
        before = ledger.get(fresh.lead)
    assert before is not None
    with serve(root_app(fresh.settings)) as base:
        url = f"{base}{PREFIX}/api/articles/{fresh.lead}/correct"
        done = requests.post(url, json={"subheadline": "——副题更正"}, params={"by": "王编辑"},
                             timeout=30)  # fmt: skip
        assert done.status_code == 200, done.text
        now = before.version + 1
        assert (done.json()["version"], done.json()["held"]) == (now, ["wechat/default"])
        refused = requests.post(url, json={"headline": ""}, timeout=30)
        assert refused.status_code == 422 and "headline" in refused.text
        unknown = requests.post(
            f"{base}{PREFIX}/api/articles/a-ffffffffffffffffffff/correct",
            json={"headline": "标题"},
            timeout=30,
        )
        assert unknown.status_code == 404
        held = {(h["article_id"], h["version"]) for h in get(f"{base}{PREFIX}/api/review")["held"]}
    assert (fresh.lead, now) in held and (fresh.lead, before.version) not in held
    with Ledger.open(fresh.settings) as ledger:
        fixed = ledger.get(fresh.lead)
    assert fixed is not None and fixed.subheadline == "——副题更正"


def test_editor_forms_get_the_run_conf_and_airflow_links(desk: str, newsroom: Newsroom) -> None:
    body = get(f"{desk}/api/trigger/republish", ids=f"{newsroom.lead},{newsroom.second}")
    assert body["conf"] == {
        "article_ids": [newsroom.lead, newsroom.second],
        "channels": None,
        "reason": "",
        "note": None,
        "embargo_until": None,
        "push": "auto",
    }
    assert body["links"]["trigger_api"] == "/api/v2/dags/republish/dagRuns"
    kill = get(f"{desk}/api/trigger/kill", ids=newsroom.lead)
    assert kill["conf"] == {"article_ids": [newsroom.lead], "reason": ""}
    assert requests.get(f"{desk}/api/trigger/ingest_wire", timeout=30).status_code == 404


def test_airflow_links_keep_the_path_airflow_is_served_under(newsroom: Newsroom) -> None:
    outer = FastAPI()
    outer.mount("/airflow", root_app(newsroom.settings))
    with serve(outer) as base:
        body = get(f"{base}/airflow{PREFIX}/api/trigger/kill", ids=newsroom.lead)
        links = body["links"]
        assert isinstance(links, dict)
        assert links["dag"] == "/airflow/dags/kill"
        assert links["trigger_api"] == "/airflow/api/v2/dags/kill/dagRuns"
        html = requests.get(f"{base}/airflow{PREFIX}/review", timeout=30).text
        assert 'href="/airflow/required_actions?response_received=false"' in html
        assert f'href="/airflow{PREFIX}/quarantine"' in html


def test_every_route_runs_the_guard_it_is_given(newsroom: Newsroom) -> None:
    def editor(x_editor: str | None = Header(default=None)) -> None:
        if x_editor != "yes":
            raise HTTPException(401, "log in first")

    root = FastAPI()
    root.mount(PREFIX, create_app(lambda: newsroom.settings, dependencies=[Depends(editor)]))
    with serve(root) as base:
        for path in ("/", "/quarantine", "/review", "/api/articles", "/api/quarantine"):
            assert requests.get(base + PREFIX + path, timeout=30).status_code == 401, path
            allowed = requests.get(base + PREFIX + path, headers={"X-Editor": "yes"}, timeout=30)
            assert allowed.status_code == 200, path
        refused = requests.post(
            f"{base}{PREFIX}/api/quarantine/{newsroom.parse_entry}/retry", timeout=30
        )
        assert refused.status_code == 401


def test_retry_puts_a_refused_delivery_back_and_reparses_a_bad_page(tmp_path: Path) -> None:
    fresh = seed(tmp_path / "state")
    with serve(root_app(fresh.settings)) as base, Ledger.open(fresh.settings) as ledger:
        url = f"{base}{PREFIX}/api/quarantine"
        again = requests.post(f"{url}/{fresh.refusal_entry}/retry", timeout=60)
        assert again.status_code == 200 and again.json()["resolved"] is True
        app = ledger.deliveries(article_id=fresh.second, channel="app")
        assert [d.state for d in app] == [DeliveryState.PENDING]
        # The same bytes still do not parse: the entry stays, with the parser's reason.
        bad = requests.post(f"{url}/{fresh.parse_entry}/retry", timeout=60)
        assert bad.status_code == 200 and bad.json()["resolved"] is False
        entry = ledger.get_quarantine(fresh.parse_entry)
        assert entry is not None and bad.json()["reason"] == entry.reason
        left = {e["id"] for e in get(url)["entries"]}
        assert left == {fresh.parse_entry}
        assert requests.post(f"{url}/q-missing/retry", timeout=60).status_code == 404


class FirstH1(HTMLParser):
    """The text of the first <h1>."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.done = False
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1" and not self.done:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self.depth:
            self.depth -= 1
            self.done = True

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text += data


def test_the_front_page_falls_back_to_the_newest_on_a_quiet_day(
    desk: str, newsroom: Newsroom, ledger: Ledger
) -> None:
    today = queries.Clock.of(newsroom.settings).today()
    assert not queries.find(newsroom.settings, ledger, day=today)  # the seed page is from 2021
    html = requests.get(f"{desk}/", timeout=30).text
    assert f"Nothing on {today.isoformat()}: the newest articles." in html
    for stored in ledger.articles(include_killed=True):
        assert f'id="{stored.id}"' in html


def test_a_teaser_is_marked_and_links_to_no_page_of_its_own(desk: str, newsroom: Newsroom) -> None:
    doc = get(f"{desk}/api/articles/{newsroom.teaser}")
    web = next(d for d in doc["channels"] if d["channel"] == "web")
    assert doc["kind"] == "teaser" and web["state"] == "sent" and web["link"] is None


def test_a_ledger_that_cannot_be_reached_is_a_503_with_why(tmp_path: Path) -> None:
    path = tmp_path / "distro.toml"
    path.write_text('[store]\nurl = "postgresql://desk@127.0.0.1:9/ledger"\n', encoding="utf-8")
    unreachable = config.load(path, tmp_path / "state")
    with serve(root_app(unreachable)) as base:
        for url in (f"{base}{PREFIX}/", f"{base}{PREFIX}/api/quarantine"):
            response = requests.get(url, timeout=60)
            assert response.status_code == 503, response.text
            assert "ledger" in response.json()["detail"]


def test_a_held_mass_edition_is_listed_and_approved_over_rest(tmp_path: Path) -> None:
    fresh = seed(tmp_path / "state")
    with Ledger.open(fresh.settings) as ledger:
        pending = ledger.pending("wechat", target="default")
        assert pending
        for idx, d in enumerate(pending, start=1):
            # As the 群发 publisher leaves an edition previewed for an editor (approve = editor).
            ledger.mark_sending(d, step="approval", edition="ed-desk", idx=str(idx))
    with serve(root_app(fresh.settings)) as base:
        held = get(base + PREFIX + "/api/editions")
        assert held["count"] == 1
        [edition] = held["editions"]
        assert (edition["account"], edition["edition"]) == ("default", "ed-desk")
        assert [a["article_id"] for a in edition["articles"]] == [d.article_id for d in pending]
        assert all(a["headline"] for a in edition["articles"])
        unknown = requests.post(
            f"{base}{PREFIX}/api/editions/default/ed-none/approve", timeout=30
        )
        assert unknown.status_code == 404 and "ed-desk" in unknown.text
        approved = requests.post(
            f"{base}{PREFIX}/api/editions/default/ed-desk/approve", params={"by": "王编辑"},
            timeout=30,
        )  # fmt: skip
        assert approved.status_code == 200, approved.text
        assert len(approved.json()["approved"]) == len(pending)
    with Ledger.open(fresh.settings) as ledger:
        marks = {d.detail.get("edition_approved_by") for d in ledger.deliveries(channel="wechat")
                 if d.detail.get("edition") == "ed-desk"}  # fmt: skip
        assert marks == {"王编辑"}


def test_a_held_mass_edition_is_rejected_over_rest_with_a_reason(tmp_path: Path) -> None:
    fresh = seed(tmp_path / "state")
    with Ledger.open(fresh.settings) as ledger:
        pending = ledger.pending("wechat", target="default")
        for idx, d in enumerate(pending, start=1):
            ledger.mark_sending(d, step="approval", edition="ed-no", idx=str(idx))
    with serve(root_app(fresh.settings)) as base:
        shown = requests.get(f"{base}{PREFIX}/review", timeout=30)
        assert shown.status_code == 200
        assert 'data-edition="ed-no"' in shown.text and "review_wechat_editions" in shown.text
        url = f"{base}{PREFIX}/api/editions/default/ed-no/reject"
        unreasoned = requests.post(url, timeout=30)
        assert unreasoned.status_code == 422 and "reason" in unreasoned.text
        rejected = requests.post(url, params={"reason": "头条有误", "by": "王编辑"}, timeout=30)
        assert rejected.status_code == 200, rejected.text
        assert len(rejected.json()["rejected"]) == len(pending)
        rejected_ids = {a["article_id"] for a in rejected.json()["rejected"]}
        assert get(base + PREFIX + "/api/editions")["count"] == 0
        assert "data-edition" not in requests.get(f"{base}{PREFIX}/review", timeout=30).text
        again = requests.post(url, params={"reason": "头条有误"}, timeout=30)
        assert again.status_code == 404
    with Ledger.open(fresh.settings) as ledger:
        members = [d for d in ledger.deliveries(channel="wechat") if d.article_id in rejected_ids]
        reasons = {q.reason for q in ledger.quarantined() if "ed-no" in q.reason}
    assert {d.state.value for d in members} == {"quarantined"}
    assert reasons == {"edition ed-no rejected by editor (王编辑): 头条有误"}
