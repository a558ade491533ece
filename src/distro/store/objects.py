"""Object stores: a local folder (atomic writes) or an S3 bucket, behind one small protocol."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from distro.errors import ConfigError, StoreError, StoreUnavailable
from distro.secrets import connection

if TYPE_CHECKING:
    from distro.config import ObjectStoreConfig

#: Temporary files of in-flight writes start with this; `keys()` never lists them.
TEMP_PREFIX = ".tmp-"


class MissingObject(StoreError):
    """The key does not exist in the store."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no object {key!r}")
        self.key = key


@runtime_checkable
class ObjectStore(Protocol):
    """Bytes under slash-separated keys."""

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        cache_control: str | None = None,
    ) -> str: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def uri(self, key: str) -> str: ...


def check_key(key: str) -> str:
    """A key as stored: relative, slash-separated, no `..`, no empty parts."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or any(part in {"", "..", "."} or part.startswith(TEMP_PREFIX) for part in parts)
    ):
        raise StoreError(f"invalid object key {key!r}")
    return key


class LocalObjectStore:
    """A folder; writes go to a temp file in the same folder, then `os.replace`.

    Readers never see a partial object, even when a worker is killed mid-write. There is no
    fsync per object: like the ledger (SQLite ``synchronous=NORMAL``), the store survives process
    crashes, and leaves power-loss durability to the file system, for throughput.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        cache_control: str | None = None,
    ) -> str:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                Path(tmp).chmod(0o644)
                Path(tmp).replace(path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc.strerror}") from exc
        return self.uri(key)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise MissingObject(key) from exc
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        found = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if not d.startswith(TEMP_PREFIX)]
            base = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                if name.startswith(TEMP_PREFIX):
                    continue
                key = name if base == "." else f"{base}/{name}"
                if key.startswith(prefix):
                    found.append(key)
        yield from sorted(found)

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()


def s3_client(
    *, endpoint_url: str | None = None, region: str | None = None, conn_id: str | None = None
) -> Any:
    """A boto3 S3 client: keys from an Airflow Connection, else boto3's default chain.

    The connection's login is the access key id, its password the secret; its extra may carry
    ``region_name``, ``endpoint_url`` and ``aws_session_token``. Explicit arguments win.
    """
    import boto3
    from botocore.config import Config as BotoConfig

    kwargs: dict[str, Any] = {}
    if conn_id:
        conn = connection(conn_id)
        if conn is None:
            raise ConfigError(f"S3: no connection {conn_id!r} (set AIRFLOW_CONN_{conn_id.upper()})")
        if conn.login:
            kwargs["aws_access_key_id"] = conn.login
        if conn.password:
            kwargs["aws_secret_access_key"] = conn.password
        extra = conn.extra or {}
        if extra.get("aws_session_token"):
            kwargs["aws_session_token"] = str(extra["aws_session_token"])
        region = region or extra.get("region_name")
        endpoint_url = endpoint_url or extra.get("endpoint_url")
    if region:
        kwargs["region_name"] = region
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    config = BotoConfig(
        retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=30
    )
    return boto3.session.Session().client("s3", config=config, **kwargs)


def s3_failure(exc: Exception, what: str) -> StoreError:
    """Translate a boto error: throttling, 5xx and connection trouble are transient."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if status >= 500 or code in {"SlowDown", "Throttling", "RequestTimeout"}:
            return StoreUnavailable(f"{what}: {code or status}")
        return StoreError(f"{what}: {code or status}: {exc}")
    if isinstance(exc, BotoCoreError):
        return StoreUnavailable(f"{what}: {exc}")
    return StoreError(f"{what}: {exc}")


class S3ObjectStore:
    """An S3 (or S3-compatible) bucket, keys under an optional prefix."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        conn_id: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = s3_client(endpoint_url=endpoint_url, region=region, conn_id=conn_id)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        cache_control: str | None = None,
    ) -> str:
        extra: dict[str, str] = {}
        if content_type:
            extra["ContentType"] = content_type
        if cache_control:
            extra["CacheControl"] = cache_control
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **extra)
        except Exception as exc:
            raise s3_failure(exc, f"put s3://{self.bucket}/{self._key(key)}") from exc
        return self.uri(key)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            data: bytes = response["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise MissingObject(key) from exc
            raise s3_failure(exc, f"get {self.uri(key)}") from exc
        except Exception as exc:
            raise s3_failure(exc, f"get {self.uri(key)}") from exc
        return data

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                return False
            raise s3_failure(exc, f"head {self.uri(key)}") from exc
        except Exception as exc:
            raise s3_failure(exc, f"head {self.uri(key)}") from exc
        return True

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            raise s3_failure(exc, f"delete {self.uri(key)}") from exc

    def keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    yield str(item["Key"])[len(self.prefix) :]
        except Exception as exc:
            raise s3_failure(exc, f"list s3://{self.bucket}/{self.prefix}{prefix}") from exc

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"


def open_objects(cfg: ObjectStoreConfig, default_root: Path) -> ObjectStore:
    """The store a config section describes; a local folder defaults to ``default_root``."""
    if cfg.kind == "s3":
        if not cfg.bucket:
            raise ConfigError("object store kind=s3 needs a bucket")
        return S3ObjectStore(
            cfg.bucket,
            cfg.prefix,
            endpoint_url=cfg.endpoint_url,
            region=cfg.region,
            conn_id=cfg.conn_id,
        )
    root = Path(cfg.path) if cfg.path else default_root
    return LocalObjectStore(root / cfg.prefix if cfg.prefix else root)
