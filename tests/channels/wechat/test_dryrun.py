"""The dry run is the real publisher over a recording transport: what it writes is what is sent."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from distro.channels.wechat import publish
from distro.channels.wechat.dryrun import BOUNDARY, DRAFT, THUMB
from distro.config import Settings
from distro.models import Article, DeliveryState
from distro.store.ledger import Ledger
from tests.channels.wechat.conftest import article, tiny_png
from tests.channels.wechat.server import WeChatServer

Enqueue = Callable[..., list[Article]]
MULTIPART = re.compile(rb"^--([^\r\n]+)\r\n")


def dry(settings: Settings, ledger: Ledger) -> list[dict[str, Any]]:
    report = publish(settings, ledger)
    assert report.dry_run
    documents = [json.loads(Path(p).read_text(encoding="utf-8")) for p in report.outputs]
    return [r for d in documents for r in d["requests"]]


def api_of(request: dict[str, Any]) -> str:
    return str(request["url"]).split("?")[0].rsplit("/cgi-bin/", 1)[1]


def unbounded(raw: bytes) -> bytes:
    """A multipart body with its (random) boundary replaced by the dry run's fixed one."""
    found = MULTIPART.match(raw)
    assert found is not None, raw[:80]
    return raw.replace(found.group(1), BOUNDARY.encode())


def test_the_outbox_holds_byte_for_byte_what_the_real_publisher_then_sends(
    settings: Settings,
    ledger: Ledger,
    server: WeChatServer,
    enqueue: Enqueue,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    enqueue(1, 2, 3)
    recorded = dry(settings, ledger)
    outbox = settings.state.outbox / "wechat"
    conn = {
        "conn_type": "http",
        "login": server.state.appid,
        "password": server.state.secret,
        "host": server.base_url,
    }
    monkeypatch.setenv("AIRFLOW_CONN_DISTRO_WECHAT", json.dumps(conn))
    assert not publish(settings, ledger).dry_run
    api = server.state
    sent = [c for c in api.calls if c.api != "stable_token"]  # the dry run's token is cached
    assert (
        [api_of(r) for r in recorded]
        == [c.api for c in sent]
        == [
            "material/add_material",  # each article's own cover
            "material/add_material",
            "material/add_material",
            "draft/add",
            "freepublish/submit",
        ]
    )
    # The stand-in ids are the only difference: WeChat hands out the real ones.
    assert len(api.thumbs) == 3
    [job] = api.jobs.values()
    for request, call in zip(recorded, sent, strict=True):
        assert request["method"] == "POST"
        masked = [(k, "***" if k == "access_token" else v) for k, v in call.query.items()]
        assert parse_qsl(urlsplit(request["url"]).query) == masked
        if "body" in request:
            real = call.raw.decode("utf-8").replace(job.media_id, DRAFT)
            for thumb in api.thumbs:
                real = real.replace(thumb, THUMB)
            assert request["body"] == real
            assert request["headers"]["Content-Length"] == str(len(request["body"].encode()))
        else:
            body = (outbox / request["body_file"]).read_bytes()
            assert body == unbounded(call.raw)
            assert request["body_bytes"] == len(body)
    assert "老旧小区" in recorded[3]["body"]  # real characters, not \\u escapes


def test_a_rerun_writes_the_same_files_and_the_ledger_keeps_nothing(
    settings: Settings, ledger: Ledger, enqueue: Enqueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    enqueue(1, 2, 3)
    first = publish(settings, ledger)
    outbox = settings.state.outbox / "wechat"
    files = {p: p.read_bytes() for p in outbox.rglob("*") if p.is_file()}
    second = publish(settings, ledger)
    assert second.outputs == first.outputs and len(first.outputs) == 1
    assert {p: p.read_bytes() for p in outbox.rglob("*") if p.is_file()} == files
    deliveries = ledger.deliveries(channel="wechat")
    assert {(d.state, d.attempts, json.dumps(d.detail)) for d in deliveries} == {
        (DeliveryState.PENDING, 0, "{}")
    }
    assert ledger.get_value("wechat:token:APPID") is None  # no token, quota or cover kept


def test_body_images_are_fetched_and_their_uploads_recorded_with_the_bytes(
    settings: Settings,
    ledger: Ledger,
    enqueue: Enqueue,
    image_host: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    body = f'<p>现场图片</p><img src="{image_host}/photo.png" alt="现场">'
    enqueue(article(1, paragraphs=[], body_html=body))
    recorded = dry(settings, ledger)
    assert [api_of(r) for r in recorded] == [
        "material/add_material",
        "media/uploadimg",
        "draft/add",
        "freepublish/submit",
    ]
    upload = (settings.state.outbox / "wechat" / recorded[1]["body_file"]).read_bytes()
    assert tiny_png() in upload and b'filename="image.png"' in upload
    [content] = [a["content"] for a in recorded[2]["json"]["articles"]]
    assert image_host not in content and 'src="http://mmbiz.qpic.cn/mmbiz_jpg/DRY-RUN-' in content
