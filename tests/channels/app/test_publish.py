"""The app channel end to end: ledger in, files and notifications out, exactly once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from distro import channels
from distro.channels.app import publish, record_choice
from distro.channels.app.publish import dropped_key
from distro.channels.app.push import RetryPolicy
from distro.config import Config, Settings, StatePaths
from distro.errors import ChannelUnavailable
from distro.models import Article, DeliveryState
from distro.ninjs import uri
from distro.store.ledger import Ledger
from tests.channels.app.conftest import make_article
from tests.channels.app.servers import FcmServer, JPushServer

NOON = dt.datetime(2021, 7, 5, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
NIGHT = dt.datetime(2021, 7, 5, 16, 30, tzinfo=dt.UTC)  # 00:30 in Shanghai


def settings(tmp_path: Path, **app: Any) -> Settings:
    data = {"channels": {"app": {"base_url": "https://news.example.cn/app/", **app}}}
    return Settings(Config.model_validate(data), StatePaths(tmp_path / "state"))


def ingest(ledger: Ledger, article: Article) -> Article:
    """What the pipeline does for the app channel: store, then enqueue the version."""
    _outcome, stored = ledger.put(article)
    ledger.enqueue(stored.id, stored.version, "app")
    return stored


def revise(ledger: Ledger, article_id: str, note: str) -> Article:
    revised = ledger.revise(article_id, correction=note, reason="editor republished")
    ledger.enqueue(revised.id, revised.version, "app")
    return revised


def deliveries(ledger: Ledger, article_id: str) -> dict[tuple[int, str], Any]:
    return {(d.version, d.target): d for d in ledger.deliveries(article_id=article_id)}


@pytest.fixture
def fcm_conn(fcm_server: FcmServer, monkeypatch: pytest.MonkeyPatch) -> str:
    connection = {"conn_type": "google_cloud_platform", "extra": {
        "keyfile_dict": json.dumps(fcm_server.service_account())}}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_FCM", json.dumps(connection))
    return "distro_fcm"


@pytest.fixture
def jpush_conn(jpush_server: JPushServer, monkeypatch: pytest.MonkeyPatch) -> str:
    connection = {"conn_type": "http", "host": jpush_server.url, "login": jpush_server.app_key,
                  "password": jpush_server.secret}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_JPUSH", json.dumps(connection))
    return "distro_jpush"


def fcm_settings(tmp_path: Path, fcm_server: FcmServer, conn: str, **app: Any) -> Settings:
    provider = {"kind": "fcm", "conn_id": conn, "endpoint_url": fcm_server.url, "audience": "news"}
    return settings(tmp_path, providers=[provider], **app)


def quick() -> RetryPolicy:
    return RetryPolicy(attempts=2, base_delay=0.01, max_delay=1.0, sleep=lambda _s: None)


def test_no_provider_writes_the_outbox_and_says_so(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path)
    urgent = ingest(ledger, make_article(urgency=1))
    calm = ingest(ledger, make_article(urgency=6, section="体育"))
    report = publish(cfg, ledger, now=NOON)
    assert report.sent == 3 and report.failed == 0  # two versions, one push
    assert any("no push provider configured" in m for m in report.messages)
    app = cfg.state.app
    feed = json.loads((app / "feed.json").read_text(encoding="utf-8"))
    assert {i["id"] for i in feed["items"]} == {uri(urgent.id), uri(calm.id)}
    assert (app / "articles" / f"{urgent.id}.json").is_file()
    assert (app / "sections" / "体育" / "feed.json").is_file()
    [note] = sorted((cfg.state.outbox / "push").iterdir())
    assert note.name == f"{urgent.id}-v1.json"
    assert json.loads(note.read_text(encoding="utf-8"))["notification"]["title"] == urgent.headline
    pushed = deliveries(ledger, urgent.id)
    assert pushed[(1, "default")].detail["push"] == "rule"
    assert pushed[(1, "push:outbox")].state is DeliveryState.SENT
    assert deliveries(ledger, calm.id)[(1, "default")].detail["push"] == "no-rule"
    assert (1, "push:outbox") not in deliveries(ledger, calm.id)

    again = publish(cfg, ledger, now=NOON)
    assert again.sent == 0 and again.messages == []
    assert len(list((cfg.state.outbox / "push").iterdir())) == 1


def test_channel_registry_reaches_the_app_channel(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path)
    ingest(ledger, make_article(urgency=6))
    assert channels.publish("app", cfg, ledger).sent == 1


def test_fcm_notifies_once_per_version_and_audience(
    tmp_path: Path, ledger: Ledger, fcm_server: FcmServer, fcm_conn: str
) -> None:
    cfg = fcm_settings(tmp_path, fcm_server, fcm_conn)
    article = ingest(ledger, make_article(urgency=1))
    publish(cfg, ledger, now=NOON, policy=quick())
    publish(cfg, ledger, now=NOON, policy=quick())
    assert [m["data"]["article_id"] for m in fcm_server.messages] == [article.id]
    sent = deliveries(ledger, article.id)[(1, "push:fcm")]
    assert sent.state is DeliveryState.SENT
    assert sent.remote_id == f"projects/{fcm_server.project}/messages/2"
    assert sent.detail["collapse_key"] == article.id

    # a correction replaces the document but does not notify a second time
    revise(ledger, article.id, "更正：人名有误")
    publish(cfg, ledger, now=NOON, policy=quick())
    assert len(fcm_server.messages) == 1
    document = json.loads((cfg.state.app / "articles" / f"{article.id}.json").read_text("utf-8"))
    assert document["version"] == "2" and "更正" in document["edNote"]
    assert deliveries(ledger, article.id)[(2, "default")].detail["push"] == "already-notified"

    # unless the editor asks for it: same collapse key, so phones replace the first one
    third = revise(ledger, article.id, "更正：地名有误")
    record_choice(ledger, article.id, third.version, "notify")
    publish(cfg, ledger, now=NOON, policy=quick())
    publish(cfg, ledger, now=NOON, policy=quick())
    assert len(fcm_server.messages) == 2
    second = fcm_server.messages[1]
    assert second["android"]["collapse_key"] == article.id
    assert second["notification"]["body"] == "更正：地名有误"
    assert second["data"]["version"] == "3"


def test_every_audience_gets_one(
    tmp_path: Path,
    ledger: Ledger,
    fcm_server: FcmServer,
    fcm_conn: str,
    jpush_server: JPushServer,
    jpush_conn: str,
) -> None:
    providers = [
        {"kind": "fcm", "conn_id": fcm_conn, "endpoint_url": fcm_server.url, "audience": "news"},
        {"kind": "jpush", "name": "jpush-cn", "conn_id": jpush_conn, "audience": "tag:要闻"},
    ]
    cfg = settings(tmp_path, providers=providers)
    article = ingest(ledger, make_article(urgency=1))
    for _ in range(2):
        publish(cfg, ledger, now=NOON, policy=quick())
    assert len(fcm_server.messages) == 1 and len(jpush_server.pushes) == 1
    assert jpush_server.pushes[0]["audience"] == {"tag": ["要闻"]}
    targets = {t for (_v, t) in deliveries(ledger, article.id)}
    assert targets == {"default", "push:fcm", "push:jpush-cn"}


def test_throttled_provider_keeps_the_push_pending_and_raises(
    tmp_path: Path, ledger: Ledger, fcm_server: FcmServer, fcm_conn: str
) -> None:
    cfg = fcm_settings(tmp_path, fcm_server, fcm_conn)
    article = ingest(ledger, make_article(urgency=1))
    fcm_server.fail(429, retry_after="120")
    with pytest.raises(ChannelUnavailable) as caught:
        publish(cfg, ledger, now=NOON, policy=quick())
    assert caught.value.retry_after == 120.0
    assert (cfg.state.app / "feed.json").is_file()
    waiting = deliveries(ledger, article.id)[(1, "push:fcm")]
    assert waiting.state is DeliveryState.PENDING and "429" in (waiting.last_error or "")
    report = publish(cfg, ledger, now=NOON, policy=quick())
    assert report.sent == 1 and len(fcm_server.messages) == 1


def test_refused_notification_is_quarantined(
    tmp_path: Path, ledger: Ledger, fcm_server: FcmServer, fcm_conn: str
) -> None:
    cfg = fcm_settings(tmp_path, fcm_server, fcm_conn)
    article = ingest(ledger, make_article(urgency=1))
    fcm_server.fail(400)
    report = publish(cfg, ledger, now=NOON, policy=quick())
    assert report.quarantined == 1
    assert deliveries(ledger, article.id)[(1, "push:fcm")].state is DeliveryState.QUARANTINED
    assert any(e.stage == "deliver" for e in ledger.quarantined())


def test_interrupted_send_is_not_repeated(
    tmp_path: Path, ledger: Ledger, fcm_server: FcmServer, fcm_conn: str
) -> None:
    cfg = fcm_settings(tmp_path, fcm_server, fcm_conn)
    article = ingest(ledger, make_article(urgency=1))
    ledger.mark_sent(ledger.pending("app")[0], push="rule")
    ledger.enqueue(article.id, 1, "app", target="push:fcm")
    ledger.mark_sending(ledger.pending("app")[0])  # a crash right after recording the intent
    report = publish(cfg, ledger, now=NOON, policy=quick())
    assert report.failed == 1 and fcm_server.messages == []
    assert deliveries(ledger, article.id)[(1, "push:fcm")].state is DeliveryState.FAILED


def test_unregistered_tokens_are_remembered(
    tmp_path: Path, ledger: Ledger, fcm_server: FcmServer, fcm_conn: str
) -> None:
    fcm_server.unregistered.add("dead")
    provider = {"kind": "fcm", "conn_id": fcm_conn, "endpoint_url": fcm_server.url,
                "audience": "token:live,token:dead"}  # fmt: skip
    cfg = settings(tmp_path, providers=[provider])
    first = ingest(ledger, make_article(urgency=1))
    publish(cfg, ledger, now=NOON, policy=quick())
    assert ledger.get_value(dropped_key("fcm", "dead")) == "unregistered"
    assert deliveries(ledger, first.id)[(1, "push:fcm")].detail["dropped"] == "1"
    ingest(ledger, make_article(urgency=1))
    publish(cfg, ledger, now=NOON, policy=quick())
    sends = [json.loads(body)["message"]["token"] for path, _h, body in fcm_server.requests
             if path.endswith(":send")]  # fmt: skip
    assert sends == ["live", "dead", "live"]


def test_a_push_that_fails_part_way_resumes_with_the_tokens_not_reached(
    tmp_path: Path, ledger: Ledger, fcm_server: FcmServer, fcm_conn: str
) -> None:
    provider = {"kind": "fcm", "conn_id": fcm_conn, "endpoint_url": fcm_server.url,
                "audience": "token:t1,token:t2,token:t3"}  # fmt: skip
    cfg = settings(tmp_path, providers=[provider])
    article = ingest(ledger, make_article(urgency=1))
    fcm_server.unavailable["t2"] = 2  # both attempts of the first run fail at t2
    with pytest.raises(ChannelUnavailable):
        publish(cfg, ledger, now=NOON, policy=quick())
    assert deliveries(ledger, article.id)[(1, "push:fcm")].state is DeliveryState.PENDING
    report = publish(cfg, ledger, now=NOON, policy=quick())
    assert report.sent == 1
    sends = [json.loads(body)["message"]["token"] for path, _h, body in fcm_server.requests
             if path.endswith(":send")]  # fmt: skip
    assert sends == ["t1", "t2", "t2", "t2", "t3"]  # t1 is not sent again on the rerun
    assert [m["token"] for m in fcm_server.messages] == ["t1", "t2", "t3"]  # each phone once
    sent = deliveries(ledger, article.id)[(1, "push:fcm")]
    assert sent.detail["delivered"] == "3"
    assert sent.remote_id is not None and sent.remote_id.count("messages/") == 3


def test_quiet_hours_hold_rule_pushes(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path, quiet_hours=[23, 7])
    article = ingest(ledger, make_article(urgency=1))
    publish(cfg, ledger, now=NIGHT)
    assert deliveries(ledger, article.id)[(1, "default")].detail["push"] == "quiet-hours"
    assert not (cfg.state.outbox / "push").exists()


def test_killed_article_leaves_the_feeds_and_its_push_is_cancelled(
    tmp_path: Path, ledger: Ledger
) -> None:
    cfg = settings(tmp_path, page_size=1)
    keep = ingest(ledger, make_article(urgency=6))
    gone = ingest(ledger, make_article(urgency=1))
    publish(cfg, ledger, now=NOON)
    assert (cfg.state.app / "feed-2.json").is_file()
    killed = ledger.kill(gone.id, "legal")
    ledger.enqueue(gone.id, killed.version, "app")
    ledger.enqueue(gone.id, 1, "app", target="push:late")  # a push that never went out
    report = publish(cfg, ledger, now=NOON)
    assert not (cfg.state.app / "articles" / f"{gone.id}.json").exists()
    assert not (cfg.state.app / "feed-2.json").exists()
    feed = json.loads((cfg.state.app / "feed.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in feed["items"]] == [uri(keep.id)]
    assert deliveries(ledger, gone.id)[(2, "default")].detail["push"] == "killed"
    assert deliveries(ledger, gone.id)[(1, "push:late")].state is DeliveryState.FAILED
    assert report.skipped == 1


def test_sns_provider_from_config(
    tmp_path: Path, ledger: Ledger, sns_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    sns = boto3.client("sns", endpoint_url=sns_endpoint, region_name="ap-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    app_arn = sns.create_platform_application(
        Name="distro-publish", Platform="GCM", Attributes={"PlatformCredential": "{}"}
    )["PlatformApplicationArn"]
    for token in ("phone-1", "phone-2"):
        sns.create_platform_endpoint(PlatformApplicationArn=app_arn, Token=token)
    connection = {"conn_type": "aws", "login": "testing", "password": "testing",
                  "extra": {"region_name": "ap-east-1", "endpoint_url": sns_endpoint}}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_SNS", json.dumps(connection))
    cfg = settings(
        tmp_path, providers=[{"kind": "sns", "conn_id": "distro_sns", "audience": app_arn}]
    )
    article = ingest(ledger, make_article(urgency=1))
    publish(cfg, ledger, now=NOON, policy=quick())
    publish(cfg, ledger, now=NOON, policy=quick())
    pushed = deliveries(ledger, article.id)[(1, "push:sns")]
    assert pushed.state is DeliveryState.SENT and pushed.detail["delivered"] == "2"
    assert len((pushed.remote_id or "").split(",")) == 2
