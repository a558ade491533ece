"""The REST client and `distro republish` against an HTTP server on 127.0.0.1 that answers
like Airflow's API v2 (token, dag runs, 409 on a repeated run id)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from distro import config
from distro.channels.app.rules import choice_key
from distro.cli import main
from distro.errors import InputError
from distro.store.ledger import Ledger
from tests.airflow.conftest import article


class FakeAirflow(ThreadingHTTPServer):
    """Airflow's API v2, as far as distro uses it."""

    password = "s3cret"

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.runs: dict[str, dict[str, Any]] = {}
        self.tokens = 0
        self.expire_next = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeAirflow

    def log_message(self, *args: Any) -> None:
        pass

    def reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/auth/token":
            if body != {"username": "admin", "password": self.server.password}:
                return self.reply(401, {"detail": "Invalid credentials"})
            self.server.tokens += 1
            return self.reply(201, {"access_token": f"token-{self.server.tokens}"})
        if self.headers.get("Authorization") != f"Bearer token-{self.server.tokens}":
            return self.reply(401, {"detail": "Not authenticated"})
        if self.server.expire_next:
            self.server.expire_next = False
            return self.reply(401, {"detail": "Token expired"})
        if self.path == "/api/v2/dags/republish/dagRuns":
            if "logical_date" not in body or not body["conf"].get("reason"):
                return self.reply(400, {"detail": "conf does not match the params"})
            run_id = body["dag_run_id"]
            if run_id in self.server.runs:
                return self.reply(409, {"detail": "DAG run already exists"})
            self.server.runs[run_id] = body["conf"]
            return self.reply(200, {"dag_run_id": run_id, "state": "queued"})
        return self.reply(404, {"detail": "Not Found"})


@pytest.fixture
def airflow_api() -> Iterator[FakeAirflow]:
    server = FakeAirflow()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_trigger_is_idempotent_by_run_id(airflow_api: FakeAirflow) -> None:
    from distro.airflow.rest import AirflowClient, run_id

    client = AirflowClient(airflow_api.url, "admin", airflow_api.password)
    conf = {"article_ids": ["a-1"], "channels": ["web"], "reason": "更正", "note": None}
    key = run_id("republish", conf)
    assert key == run_id("republish", dict(reversed(conf.items())))
    first = client.trigger("republish", conf, key)
    airflow_api.expire_next = True  # the second call must refresh its token and go on
    second = client.trigger("republish", conf, key)
    assert (first.created, second.created) == (True, False)
    assert airflow_api.runs == {key: conf} and airflow_api.tokens == 2


def test_refusals_and_outages_are_told_apart(airflow_api: FakeAirflow) -> None:
    from distro.airflow.rest import AirflowClient, AirflowRefused, AirflowUnavailable
    from distro.errors import ChannelAuthError, is_transient

    client = AirflowClient(airflow_api.url, "admin", airflow_api.password)
    with pytest.raises(AirflowRefused, match="400"):
        client.trigger("republish", {"reason": ""}, "republish__x")
    with pytest.raises(ChannelAuthError):
        AirflowClient(airflow_api.url, "admin", "wrong").trigger("republish", {}, "r")
    closed = AirflowClient("http://127.0.0.1:9", "admin", "pw", timeout=2)
    with pytest.raises(AirflowUnavailable) as caught:
        closed.trigger("republish", {}, "r")
    assert is_transient(caught.value)


def test_cli_republish_goes_through_the_api(
    airflow_api: FakeAirflow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "distro.toml"
    path.write_text(f'[airflow]\napi_url = "{airflow_api.url}"\n', encoding="utf-8")
    monkeypatch.setenv("DISTRO_AIRFLOW_PASSWORD", airflow_api.password)
    # The ids are checked in the ledger before any run is triggered.
    with Ledger.open(config.load(path, tmp_path / "state")) as ledger:
        _, stored = ledger.put(article("全区观摩会举行", "本报讯 全区现场观摩会举行。"))
    argv = [
        "republish",
        stored.id,
        "--channel",
        "web",
        "--reason",
        "更正",
        "--config",
        str(path),
        "--state",
        str(tmp_path / "state"),
        "--json",
    ]
    assert main(argv) == 0
    assert main(argv) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (first["created"], second["created"]) == (True, False)
    assert first["dag_run_id"] == second["dag_run_id"]
    (conf,) = airflow_api.runs.values()
    assert conf["channels"] == ["web"] and conf["article_ids"] == [stored.id]
    unknown = [*argv[:1], "a-0123456789abcdef0123", *argv[2:]]
    assert main(unknown) == 1  # an unknown id fails in one line, and no run is triggered
    assert "no such article(s): a-0123456789abcdef0123" in capsys.readouterr().err
    assert len(airflow_api.runs) == 1


def test_cli_republish_local_publishes_version_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.load(None, tmp_path / "state")
    with Ledger.open(settings) as ledger:
        _, stored = ledger.put(article("全区观摩会举行", "本报讯 全区现场观摩会举行。"))
    argv = [
        "republish",
        stored.id,
        "--channel",
        "web",
        "--reason",
        "更正职务",
        "--note",
        "此前版本职务有误",
        "--push",
        "notify",
        "--local",
        "--state",
        str(tmp_path / "state"),
        "--json",
    ]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"] == [{"id": stored.id, "version": 2, "queued": 1, "held": 0}]
    with Ledger.open(settings) as ledger:
        (sent,) = [d for d in ledger.deliveries(article_id=stored.id) if d.version == 2]
        # The push choice concerns the app channel only, which this request did not choose.
        assert ledger.get_value(choice_key(stored.id, 2)) is None
    assert (sent.channel, sent.state.value) == ("web", "sent")
    page = settings.state.site / "articles" / f"{stored.id}.html"
    assert "此前版本职务有误" in page.read_text(encoding="utf-8")


def test_republish_records_the_editors_push_choice_for_the_app(tmp_path: Path) -> None:
    from distro.airflow import tasks

    settings = config.load(None, tmp_path / "state")
    with Ledger.open(settings) as ledger:
        _, stored = ledger.put(article("全区观摩会举行", "本报讯 全区现场观摩会举行。"))
    result = tasks.republish([stored.id], ["app"], "重要更正", push="notify", settings=settings)
    assert result["articles"] == [{"id": stored.id, "version": 2, "queued": 1, "held": 0}]
    with Ledger.open(settings) as ledger:
        assert ledger.get_value(choice_key(stored.id, 2)) == "notify"
    with pytest.raises(InputError, match="push must be"):
        tasks.republish([stored.id], ["app"], "重要更正", push="loud", settings=settings)


def test_an_editor_embargo_holds_the_new_version_until_its_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    settings = config.load(None, tmp_path / "state")
    with Ledger.open(settings) as ledger:
        _, stored = ledger.put(article("全区观摩会举行", "本报讯 全区现场观摩会举行。"))
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).astimezone(
        dt.timezone(dt.timedelta(hours=8))
    )
    local = tomorrow.replace(tzinfo=None).isoformat(timespec="minutes")  # the newsroom's clock
    argv = ["republish", stored.id, "--channel", "web", "--reason", "定时发布", "--local"]
    argv += ["--embargo-until", local, "--state", str(tmp_path / "state"), "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["embargo_until"] == tomorrow.replace(second=0, microsecond=0).isoformat()
    with Ledger.open(settings) as ledger:
        (waiting,) = [d for d in ledger.deliveries(article_id=stored.id) if d.version == 2]
        assert waiting.state.value == "scheduled"
        # the time passes: the web takes it
        due = tomorrow + dt.timedelta(minutes=1)
        assert ledger.release_due(channel="web", at=due) == 1
    bad = ["republish", stored.id, "--reason", "x", "--local", "--embargo-until", "明天早上"]
    assert main([*bad, "--state", str(tmp_path / "state")]) == 1
    assert "is not an ISO 8601 time" in capsys.readouterr().err
