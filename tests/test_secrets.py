"""Secret references resolve from the environment and Airflow-style connections."""

from __future__ import annotations

import json

import pytest

from distro import secrets
from distro.errors import ConfigError


def test_env_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNER_TOKEN", "t0k3n")
    assert secrets.resolve("env:PARTNER_TOKEN") == "t0k3n"
    monkeypatch.delenv("PARTNER_TOKEN")
    with pytest.raises(ConfigError, match="not set"):
        secrets.resolve("env:PARTNER_TOKEN")


def test_json_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_DISTRO_WECHAT",
        json.dumps(
            {
                "conn_type": "http",
                "host": "http://127.0.0.1:8901",
                "login": "wx123",
                "password": "app-secret",
                "extra": {"timeout": 5},
            }
        ),
    )
    conn = secrets.connection("distro_wechat")
    assert conn is not None
    assert (conn.login, conn.password, conn.extra) == ("wx123", "app-secret", {"timeout": 5})
    assert conn.base_url == "http://127.0.0.1:8901/"
    assert "app-secret" not in repr(conn)
    assert secrets.resolve("conn:distro_wechat") == "app-secret"


def test_uri_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_S3", "aws://AKIA%2FX:se%2Fcret@/?region_name=cn-north-1")
    conn = secrets.connection("s3")
    assert conn is not None
    assert conn.login == "AKIA/X"
    assert conn.password == "se/cret"
    assert conn.extra == {"region_name": "cn-north-1"}
    assert conn.host is None


def test_missing_connection() -> None:
    assert secrets.connection("nobody_defined_this") is None
    with pytest.raises(ConfigError, match="no connection"):
        secrets.resolve("conn:nobody_defined_this")
    with pytest.raises(ConfigError, match="not a secret reference"):
        secrets.resolve("plain-secret")


def test_registered_resolver_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_PUSH", '{"password": "from-env"}')
    found = secrets.Connection(conn_id="push", password="from-airflow")

    def resolver(conn_id: str) -> secrets.Connection | None:
        return found if conn_id == "push" else None

    monkeypatch.setattr(secrets, "_resolvers", [])
    secrets.register_resolver(resolver)
    assert secrets.resolve("conn:push") == "from-airflow"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ('{"host": "h", "password": ', "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"port": "eighty"}', "port is not a number"),
        ('{"port": 99999}', "out of range"),
        ('{"extra": "{not json"}', "extra is not valid JSON"),
        ('{"extra": [1]}', "extra must be a JSON object"),
        ('{"password": 12345}', "password must be a string"),
        ("https://user:pw@host:notaport/x", "not a valid connection URI"),
        ("http://[::1/x", "not a valid connection URI"),
        ("just-a-secret-value", "not a connection URI"),
    ],
)
def test_malformed_connections_are_one_line_config_errors(
    monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_BROKEN", value)
    with pytest.raises(ConfigError) as caught:
        secrets.connection("broken")
    assert says in caught.value.message
    assert "\n" not in caught.value.message
    assert "pw" not in caught.value.message and "secret-value" not in caught.value.message
