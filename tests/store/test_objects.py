"""The object stores (a folder, moto's S3 over HTTP) and the content-addressed archive."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from distro.config import ObjectStoreConfig
from distro.errors import ConfigError, StoreError
from distro.store.archive import Archive
from distro.store.objects import (
    LocalObjectStore,
    MissingObject,
    ObjectStore,
    S3ObjectStore,
    open_objects,
)
from tests.servers.s3 import S3Server


@pytest.fixture(params=["local", "s3"])
def objects(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield LocalObjectStore(tmp_path / "objects")
        return
    server: S3Server = request.getfixturevalue("s3_env")
    yield S3ObjectStore(server.bucket(), "pre/fix", endpoint_url=server.endpoint_url)


def test_put_get_exists_delete_keys(objects: ObjectStore) -> None:
    assert isinstance(objects, ObjectStore)
    uri = objects.put("a/b/新闻.json", "新闻".encode(), content_type="application/json")
    objects.put("a/c.txt", b"c")
    objects.put("z.txt", b"z")
    assert uri == objects.uri("a/b/新闻.json")
    assert objects.get("a/b/新闻.json") == "新闻".encode()
    assert objects.exists("a/c.txt")
    assert not objects.exists("a/missing")
    assert sorted(objects.keys("a/")) == ["a/b/新闻.json", "a/c.txt"]
    assert sorted(objects.keys()) == ["a/b/新闻.json", "a/c.txt", "z.txt"]
    objects.put("a/c.txt", b"replaced")
    assert objects.get("a/c.txt") == b"replaced"
    objects.delete("a/c.txt")
    assert not objects.exists("a/c.txt")
    with pytest.raises(MissingObject):
        objects.get("a/c.txt")


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a/./b", "a\\b", "a/.tmp-x"])
def test_bad_keys_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(StoreError):
        LocalObjectStore(tmp_path).put(key, b"x")


def test_local_writes_leave_no_temp_files(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    for i in range(20):
        store.put("same", str(i).encode())
    assert [p.name for p in tmp_path.iterdir()] == ["same"]
    assert store.get("same") == b"19"
    assert store.uri("same") == (tmp_path / "same").as_uri()


def test_s3_uri_and_prefix(s3_env: S3Server) -> None:
    bucket = s3_env.bucket()
    store = S3ObjectStore(bucket, "/raw/", endpoint_url=s3_env.endpoint_url)
    assert store.put("k", b"v") == f"s3://{bucket}/raw/k"
    listed = s3_env.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in listed] == ["raw/k"]


def test_s3_credentials_from_connection(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    extra = {"region_name": "us-east-1", "endpoint_url": s3_server.endpoint_url}
    monkeypatch.setenv(
        "AIRFLOW_CONN_ARCHIVE_S3",
        json.dumps({"conn_type": "aws", "login": "k", "password": "s", "extra": extra}),
    )
    bucket = s3_server.bucket()
    cfg = ObjectStoreConfig(kind="s3", bucket=bucket, conn_id="archive_s3")
    store = open_objects(cfg, Path("unused"))
    store.put("x", b"y")
    assert store.get("x") == b"y"


def test_open_objects(tmp_path: Path) -> None:
    local = open_objects(ObjectStoreConfig(), tmp_path)
    assert isinstance(local, LocalObjectStore) and local.root == tmp_path
    with pytest.raises(ConfigError):
        open_objects(ObjectStoreConfig(kind="s3"), tmp_path)
    with pytest.raises(ConfigError):
        open_objects(ObjectStoreConfig(kind="s3", bucket="b", conn_id="nope_missing"), tmp_path)


def test_archive_stores_once_with_first_receipt(objects: ObjectStore) -> None:
    archive = Archive(objects)
    data = "第一版".encode("gb18030")
    first = archive.put(
        data, origin="https://a/feed", source="feed", headers={"ETag": '"1"'}, media_type="text/xml"
    )
    second = archive.put(data, origin="file:///other", source="inbox")
    assert first.sha256 == second.sha256 == hashlib.sha256(data).hexdigest()
    assert second.uri == "file:///other"
    assert archive.get(first.sha256) == data
    meta = archive.meta(first.sha256)
    assert (meta.uri, meta.source, meta.headers, meta.media_type, meta.size) == (
        "https://a/feed", "feed", {"ETag": '"1"'}, "text/xml", len(data),
    )  # fmt: skip
    assert len([k for k in objects.keys("raw/") if not k.endswith(".json")]) == 1
    with pytest.raises(MissingObject):
        archive.get("0" * 64)
