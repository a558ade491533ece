"""End to end on a real local Airflow (`distro up`): a file dropped into the inbox reaches the
web output, then a republish through the REST API delivers version 2."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest

from distro import config
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.channels.wechat.server import WeChatServer, WeChatState
from tests.conftest import SEED

T = TypeVar("T")
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    seconds: float,
    stack: config.Settings | None = None,
) -> T:
    """Poll ``probe`` until it returns something; fail with ``what`` when time runs out (and,
    given the ``stack``'s settings, with what Airflow did meanwhile)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    told = f"\n{task_instances(stack)}" if stack is not None else ""
    pytest.fail(f"gave up after {seconds:.0f} s waiting for {what}{told}")


def task_instances(settings: config.Settings) -> str:
    """The stack's task instances, oldest first: what ran, how often, how it ended."""
    import sqlite3

    from distro.airflow.stack import Stack

    database = Stack(settings).home / "airflow.db"
    query = (
        "select dag_id, run_id, task_id, map_index, state, try_number, start_date, end_date"
        " from task_instance order by coalesce(start_date, queued_dttm, '9')"
    )
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute(query).fetchall()
    except sqlite3.Error as error:
        return f"(no task instances: {error})"
    return "\n".join(" ".join(str(value) for value in row) for row in rows)


@pytest.fixture
def extra() -> str:
    """More config for the stack (a test overrides this fixture)."""
    return ""


@pytest.fixture
def running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str
) -> Iterator[config.Settings]:
    """A local Airflow for this test only (app channel off to spare the CPU)."""
    from distro.airflow import stack

    monkeypatch.delenv("DISTRO_AIRFLOW_PASSWORD", raising=False)
    path = tmp_path / "distro.toml"
    path.write_text(
        f'[airflow]\napi_url = "http://127.0.0.1:{free_port()}"\n\n'
        "[channels.app]\nenabled = false\n" + extra,
        encoding="utf-8",
    )
    settings = config.load(path, tmp_path / "state")
    told: list[str] = []
    stack.up(settings, timeout=150, progress=told.append)
    # `distro up` says what it is doing while the minute passes
    assert any(line.startswith("started scheduler") for line in told), told
    assert "Airflow is healthy" in told and any(line.startswith("DAGs loaded:") for line in told)
    try:
        yield settings
    finally:
        stack.down(settings)


def test_drop_reaches_the_web_then_republish_delivers_version_2(
    running: config.Settings,
) -> None:
    from distro.airflow import rest
    from distro.airflow.stack import Stack

    settings = running
    inbox, site = settings.state.inbox, settings.state.site / "articles"
    partial = inbox / ".seed.part"
    partial.write_bytes(SEED.read_bytes())
    partial.replace(inbox / SEED.name)

    pages = wait_for(
        "the web output to hold the dropped page's articles",
        lambda: sorted(site.glob("a-*.html")),
        90,
    )
    article_id = pages[0].stem
    with Ledger.open(settings) as ledger:
        assert ledger.get(article_id) is not None, f"{article_id} published but not stored"

    client = Stack(settings).client()
    conf = {"article_ids": [article_id], "channels": ["web"], "reason": "更正", "note": "已更正"}
    run_id = rest.run_id("republish", conf)
    first = client.trigger("republish", conf, run_id)
    again = client.trigger("republish", conf, run_id)
    assert (first.created, again.created) == (True, False)

    def delivered() -> bool:
        with Ledger.open(settings) as ledger:
            return any(
                d.version == 2 and d.state is DeliveryState.SENT
                for d in ledger.deliveries(article_id=article_id, channel="web")
            )

    wait_for("version 2 to be delivered to the web channel", delivered, 60)
    # The run's own state is written after its task ends, which can trail the delivery.
    state = wait_for(
        "the republish run to finish",
        lambda: (
            (found := client.dag_run("republish", run_id)["state"]) in ("success", "failed")
            and found
        ),
        30,
    )
    assert state == "success"
    assert "已更正" in (site / f"{article_id}.html").read_text(encoding="utf-8")
    with Ledger.open(settings) as ledger:
        others = {d.channel for d in ledger.deliveries(article_id=article_id) if d.version == 2}
    assert others == {"web"}

    # An editor's republish from the command line that waits and says how each channel went.
    outcome = waited(settings, "republish", article_id, "--channel", "web", "--reason", "再次更正")
    assert outcome["state"] == "success"
    assert [(d["channel"], d["version"], d["state"]) for d in outcome["deliveries"]] == [
        ("web", 3, "sent")
    ]

    # A kill through Airflow's `kill` DAG: a tombstone, and gone from every list and feed.
    assert article_id in listed(settings.state.site)
    outcome = waited(settings, "kill", article_id, "--reason", "法务要求撤稿")
    assert outcome["state"] == "success"
    web = [d["state"] for d in outcome["deliveries"] if d["channel"] == "web"]
    assert web == ["sent"], outcome
    assert article_id not in listed(settings.state.site)
    tombstone = (site / f"{article_id}.html").read_text(encoding="utf-8")
    assert "撤" in tombstone and "noindex" in tombstone


def waited(settings: config.Settings, *args: str) -> dict[str, Any]:
    """An editor's `distro … --wait --json` on the test's config and state: what it printed."""
    command = str(Path(sys.executable).with_name("distro"))
    where = ["--config", str(settings.config_path), "--state", str(settings.state.root)]
    done = subprocess.run(
        [command, *args, "--wait", "150", "--json", *where],
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def listed(site: Path) -> str:
    """Every list, feed and sitemap of the site (not the article pages themselves)."""
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted(site.rglob("*"))
        if path.is_file()
        and path.suffix in {".xml", ".json", ".html"}
        and "articles" not in path.parts
    )


# No clock run: one would ask about the article still held, and the cleared request (one open
# request per gate) would wait behind it for an answer this test never gives.
HELD_WEB = '\n[channels.web]\nreview = "always"\n\n[review]\nschedule = "0 3 1 1 *"\n'


@pytest.mark.parametrize("extra", [HELD_WEB])
def test_a_held_page_waits_for_the_editor_on_required_actions(
    running: config.Settings, extra: str
) -> None:
    """`always` review on the web: nothing goes out until the editor answers through REST."""
    from distro import review
    from distro.airflow.stack import Stack

    settings = running
    inbox, site = settings.state.inbox, settings.state.site / "articles"
    partial = inbox / ".seed.part"
    partial.write_bytes(SEED.read_bytes())
    partial.replace(inbox / SEED.name)

    def held() -> list[str]:
        with Ledger.open(settings) as ledger:
            return sorted({d.article_id for d in ledger.held(channel="web")})

    first, second = wait_for("both articles held at the web gate", held, 90)
    client = Stack(settings).client()

    def asked() -> dict[str, object] | None:
        response = client.call(
            "GET",
            "/api/v2/dags/review_web/dagRuns/~/hitlDetails",
            params={"response_received": "false"},
        )
        client.check(response)
        # Only a parked request can take an answer: a failed one stays listed, and on SQLite an
        # answer that lands while the task is still parking does not wake it.
        found = [
            detail
            for detail in response.json()["hitl_details"]
            if detail["task_instance"].get("state") in ("awaiting_input", "deferred")
        ]
        return found[0] if found else None

    def answer(request: dict[str, object], option: str, **params: object) -> None:
        ti = request["task_instance"]
        assert isinstance(ti, dict)
        # Airflow takes an answer only with every field of the form in it.
        given = {"only": [], "reason": "", "corrections": "", **params}
        client.check(
            client.call(
                "PATCH",
                f"/api/v2/dags/review_web/dagRuns/{ti['dag_run_id']}/taskInstances/ask_editor/-1"
                "/hitlDetails",
                json={"chosen_options": [option], "params_input": given},
            )
        )

    request = wait_for("the review request on Required Actions", asked, 90)
    assert "2 articles wait for review" in str(request["subject"])
    assert first in str(request["body"]) and second in str(request["body"])
    assert not list(site.glob("a-*.html")), "a held article reached the gated channel"

    # Correct: the editor's version of the second is held again and asked about in a new request.
    answer(request, "Correct", corrections=f"{second} headline: 编辑改过的标题")
    def asked_again() -> dict[str, object] | None:
        found = asked()
        return found if found and found["task_instance"] != request["task_instance"] else None

    again = wait_for("the corrected version asked about", asked_again, 120)
    assert "编辑改过的标题" in str(again["body"]) and first in str(again["body"])
    with Ledger.open(settings) as ledger:
        assert [d.version for d in ledger.held(channel="web") if d.article_id == second] == [2]
    assert not list(site.glob("a-*.html")), "a corrected article skipped the gate"

    answer(again, "Approve", only=[first])
    page = site / f"{first}.html"
    wait_for("the approved article on the web", page.exists, 180)
    assert not (site / f"{second}.html").exists()

    def sent() -> list[DeliveryState]:
        with Ledger.open(settings) as ledger:
            found = [d.state for d in ledger.deliveries(article_id=first, channel="web")]
        return found if DeliveryState.SENT in found else []

    assert wait_for("the approved delivery marked sent", sent, 30) == [DeliveryState.SENT]

    # A later try of the answered request (Airflow's retry after it lost a resume, or a clear)
    # takes the answer it holds, read in the real triggerer, and asks nobody again.
    run = again["task_instance"]["dag_run_id"]  # type: ignore[index]
    ask = f"/api/v2/dags/review_web/dagRuns/{run}/taskInstances/ask_editor"
    client.check(
        client.call(
            "POST",
            "/api/v2/dags/review_web/clearTaskInstances",
            json={"dry_run": False, "dag_run_id": run, "task_ids": ["ask_editor"],
                  "only_failed": False, "include_downstream": False},
        )
    )

    def retried() -> dict[str, object] | None:
        response = client.call("GET", ask)
        client.check(response)
        found: dict[str, object] = response.json()
        return found if found["state"] == "success" and found["try_number"] >= 2 else None

    wait_for("the cleared request finished on its earlier answer", retried, 120, settings)
    detail = client.call("GET", f"{ask}/-1/hitlDetails")
    client.check(detail)
    assert detail.json()["chosen_options"] == ["Approve"], detail.json()
    # this run asks nobody again
    pending = {"response_received": "false"}
    listed = client.call("GET", "/api/v2/dags/review_web/dagRuns/~/hitlDetails", params=pending)
    client.check(listed)
    details = listed.json()["hitl_details"]
    again_asked = [d for d in details if d["task_instance"]["dag_run_id"] == run]
    assert again_asked == [], "a later try asked the editors again"
    assert sent() == [DeliveryState.SENT]

    with Ledger.open(settings) as ledger:
        (rejected,) = review.reject(ledger, [second], "标题是署名行")
        assert rejected.state is DeliveryState.QUARANTINED and rejected.version == 2
        reasons = [q.reason for q in ledger.quarantined() if q.stage == "review"]
    assert reasons == ["rejected by editor: 标题是署名行"]




MASS_EDITOR = """
[channels.web]
enabled = false

[channels.wechat]
mode = "mass"
approve = "editor"
preview_to = ["editor-wang"]
schedules = ["0 7 * * *"]

[review]
schedule = "* * * * *"
"""


@pytest.fixture
def wechat(monkeypatch: pytest.MonkeyPatch) -> Iterator[WeChatState]:
    """The WeChat contract server, and the stack's connection to it (set before `distro up`)."""
    server = WeChatServer().start()
    connection = {
        "conn_type": "http",
        "login": server.state.appid,
        "password": server.state.secret,
        "host": server.base_url,
    }
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_WECHAT", json.dumps(connection))
    try:
        yield server.state
    finally:
        server.stop()


@pytest.mark.parametrize("extra", [MASS_EDITOR])
def test_a_mass_edition_waits_on_required_actions_then_goes_out_once(
    wechat: WeChatState, running: config.Settings
) -> None:
    """群发 held for an editor: previewed, asked on Required Actions, sent once on approval."""
    from distro.airflow.stack import Stack
    from distro.channels.wechat.accounts import DEFAULT, account
    from distro.channels.wechat.approvals import held_editions

    settings = running
    inbox = settings.state.inbox
    partial = inbox / ".seed.part"
    partial.write_bytes(SEED.read_bytes())
    partial.replace(inbox / SEED.name)

    def queued() -> int:
        with Ledger.open(settings) as ledger:
            return len(ledger.pending("wechat", target=DEFAULT))

    wait_for("the page's WeChat deliveries queued", queued, 90)
    client = Stack(settings).client()
    client.trigger("publish_wechat", {}, "edition-now")  # the editor starts an edition by hand

    def held() -> list[str]:
        with Ledger.open(settings) as ledger:
            return sorted(held_editions(ledger, account(settings, DEFAULT)))

    [edition] = wait_for("the edition drafted, previewed and held", held, 150, settings)
    assert [recipient for _, recipient, _ in wechat.previews] == ["editor-wang"]
    assert wechat.calls_of("message/mass/sendall") == []

    def asked() -> dict[str, object] | None:
        response = client.call(
            "GET",
            "/api/v2/dags/review_wechat_editions/dagRuns/~/hitlDetails",
            params={"response_received": "false"},
        )
        client.check(response)
        # Answer a parked request only: on SQLite an answer that lands while the task is still
        # parking is recorded but does not wake it (Airflow's two transactions race).
        found = [
            detail
            for detail in response.json()["hitl_details"]
            if detail["task_instance"].get("state") in ("awaiting_input", "deferred")
        ]
        return found[0] if found else None

    request = wait_for("the edition's request on Required Actions", asked, 150, settings)
    assert edition in str(request["subject"]) and "editor-wang" in str(request["body"])
    assert wechat.calls_of("message/mass/sendall") == [], "sent before the editor answered"
    ti = request["task_instance"]
    assert isinstance(ti, dict)
    path = f"/api/v2/dags/review_wechat_editions/dagRuns/{ti['dag_run_id']}"
    answer = client.call(
        "PATCH",
        f"{path}/taskInstances/ask_editor/-1/hitlDetails",
        json={"chosen_options": ["Approve"], "params_input": {"only": [], "reason": ""}},
    )
    client.check(answer)
    sends = wait_for(
        "the approved edition sent", lambda: wechat.ok_calls("message/mass/sendall"), 180, settings
    )
    assert len(sends) == 1
    time.sleep(5)  # a second send would come from the same triggered run or a retry of it
    assert len(wechat.calls_of("message/mass/sendall")) == 1
    assert len(wechat.previews) == 1  # previewed once, not again when sent


def test_the_stack_restarts_on_the_same_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stop → start → stop on one state: the second start finds the pool and resizes it, and
    an embargo set before the stop lets its page out after the start, not before."""
    import datetime as dt

    from distro.airflow import stack

    monkeypatch.delenv("DISTRO_AIRFLOW_PASSWORD", raising=False)
    path = tmp_path / "distro.toml"
    head = f'[airflow]\napi_url = "http://127.0.0.1:{free_port()}"\n\n'
    head += "[channels.app]\nenabled = false\n\n[channels.wechat]\n"
    slots = []
    embargo = dt.datetime.max.replace(tzinfo=dt.UTC)
    for size in (1, 2):
        path.write_text(head + f"pool_slots = {size}\n", encoding="utf-8")
        settings = config.load(path, tmp_path / "state")
        if size == 2:  # the embargo ends while the stack is down: `up`'s own sweep lets it out
            time.sleep(max(0.0, (embargo - dt.datetime.now(dt.UTC)).total_seconds() + 1))
        started = stack.up(settings, timeout=150)
        site = settings.state.site / "articles"
        try:
            client = started.client()
            response = client.call("GET", "/api/v2/pools/wechat_api")
            client.check(response)
            slots.append(response.json()["slots"])
            if size == 1:
                sidecar = {"issue_date": "2021-07-05", "page": "1"}
                # set from when the stack is up: a slow start must not use up the embargo
                embargo = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=45)
                sidecar["embargo_until"] = {"*": embargo.isoformat()}  # type: ignore[assignment]
                inbox = settings.state.inbox
                meta = json.dumps(sidecar, ensure_ascii=False)
                (inbox / f"{SEED.stem}.meta.json").write_text(meta, encoding="utf-8")
                (inbox / ".seed.part").write_bytes(SEED.read_bytes())
                (inbox / ".seed.part").replace(inbox / SEED.name)
                held = partial(scheduled_on_web, settings)
                assert wait_for("the page ingested and held to its embargo", held, 90, settings)
                assert dt.datetime.now(dt.UTC) < embargo and not list(site.glob("a-*.html"))
            else:
                wait_for("the embargoed page on the web", partial(pages_of, site), 90, settings)
        finally:
            stack.down(settings)
    assert slots == [1, 2]


def scheduled_on_web(settings: config.Settings) -> list[str]:
    """Articles whose web delivery waits for its embargo time."""
    with Ledger.open(settings) as ledger:
        web = ledger.deliveries(channel="web")
    return [d.article_id for d in web if d.state is DeliveryState.SCHEDULED]


def pages_of(site: Path) -> list[Path]:
    """The article pages the web output holds."""
    return sorted(site.glob("a-*.html"))
