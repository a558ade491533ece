"""Secrets through Airflow Connections: the resolver distro.airflow installs."""

from __future__ import annotations

import json

import pytest

from distro import secrets


def test_connections_come_from_airflow(monkeypatch: pytest.MonkeyPatch) -> None:
    from distro.airflow import connections

    # A fresh resolver list, restored afterwards, so other tests keep the plain env lookup.
    monkeypatch.setattr(secrets, "_resolvers", [])
    monkeypatch.setenv(
        "AIRFLOW_CONN_DISTRO_WECHAT_TEST",
        json.dumps(
            {
                "conn_type": "http",
                "host": "api.weixin.qq.com",
                "login": "wx0123456789",
                "password": "应用密钥",
                "extra": {"edition_size": 8, "draft": True},
            },
            ensure_ascii=False,
        ),
    )
    found = connections.lookup("distro_wechat_test")
    assert found is not None
    assert (found.login, found.password) == ("wx0123456789", "应用密钥")
    assert found.extra == {"edition_size": 8, "draft": True}
    assert connections.lookup("distro_nowhere") is None
    connections.install()
    assert secrets.resolve("conn:distro_wechat_test") == "应用密钥"
    assert secrets.connection("distro_wechat_test") == found
