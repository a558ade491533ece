"""The S3 source against moto's server over HTTP: cursor, sidecars, never twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distro import config
from distro.config import S3SourceConfig, Settings
from distro.pipeline import ingest
from distro.sources.s3 import S3Source
from distro.store.ledger import Ledger
from tests.servers.s3 import S3Server

SIDECAR = json.dumps({"issue_date": "2021-07-05", "page": "1", "section": "要闻"}).encode()


def s3_settings(tmp_path: Path, cfg: S3SourceConfig) -> Settings:
    base = config.load(None, tmp_path / "state")
    return Settings(base.config.model_copy(update={"sources": [cfg]}), base.state)


def test_s3_pages_once_in_key_order(
    s3_server: S3Server, tmp_path: Path, seed_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_WIRE_S3",
        json.dumps(
            {
                "login": "testing",
                "password": "testing",
                "extra": {"region_name": "us-east-1", "endpoint_url": s3_server.endpoint_url},
            }
        ),
    )
    bucket = s3_server.bucket()
    client = s3_server.client()
    client.put_object(Bucket=bucket, Key="wire/2021/07/05/0800-p1.meta.json", Body=SIDECAR)
    client.put_object(Bucket=bucket, Key="wire/2021/07/05/0800-p1.txt", Body=seed_bytes)
    client.put_object(Bucket=bucket, Key="wire/2021/07/05/0900-p2.txt.part", Body=b"half")
    client.put_object(Bucket=bucket, Key="other/ignored.txt", Body=b"x")
    cfg = S3SourceConfig(name="wire-s3", bucket=bucket, prefix="wire/", conn_id="wire_s3")
    settings = s3_settings(tmp_path, cfg)
    with Ledger.open(settings) as ledger:
        first = ingest(settings, ledger=ledger)
        [report] = first.sources
        assert report.outcome == "ok" and report.uri == f"s3://{bucket}/wire/2021/07/05/0800-p1.txt"
        assert first.accepted > 0
        assert {a.issue_date.isoformat() for a in ledger.articles() if a.issue_date} == {
            "2021-07-05"
        }
        assert ledger.cursor("s3:wire-s3") == "wire/2021/07/05/0800-p1.txt"
        assert ingest(settings, ledger=ledger).sources == []
        # A new key after the cursor is taken; processed keys never again, even if the
        # cursor is moved back.
        client.put_object(Bucket=bucket, Key="wire/2021/07/06/0800-p1.txt", Body=b"\x00\xff" * 9)
        ledger.set_cursor("s3:wire-s3", "")
        second = ingest(settings, ledger=ledger)
        assert [(r.uri.rsplit("/", 4)[-4:], r.outcome) for r in second.sources] == [
            (["2021", "07", "06", "0800-p1.txt"], "quarantined")
        ]
        assert ledger.cursor("s3:wire-s3") == "wire/2021/07/06/0800-p1.txt"


def test_unreachable_bucket_is_an_error_report(tmp_path: Path, s3_env: S3Server) -> None:
    cfg = S3SourceConfig(name="gone", bucket="no-such-bucket", endpoint_url=s3_env.endpoint_url)
    settings = s3_settings(tmp_path, cfg)
    with Ledger.open(settings) as ledger:
        [report] = ingest(settings, ledger=ledger).sources
        assert report.outcome == "error" and report.reason
        assert report.uri == "s3://no-such-bucket/"
        assert S3Source(cfg).name == "gone"
