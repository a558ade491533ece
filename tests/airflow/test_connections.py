"""Secrets through Airflow Connections: the resolver distro.airflow installs."""

from __future__ import annotations

import json
import logging

import pytest

from distro import secrets
from distro.errors import ConfigError, SecretsUnavailable, is_transient


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


class Backend:
    """A secrets backend that answers ``answer`` (a connection, None, or an error to raise)."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def get_connection(self, conn_id: str) -> object:
        self.asked.append(conn_id)
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


class Vault(Backend):
    pass


def test_a_failing_backend_is_transient_not_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from distro.airflow import connections

    monkeypatch.setattr(secrets, "_resolvers", [])
    down = Vault(ConnectionError("https://vault.test/v1/secret?token=hvs.SECRET: refused"))
    empty = Backend(None)
    with pytest.raises(SecretsUnavailable) as caught:
        connections.lookup("distro_wechat", backends=lambda: [empty, down])
    assert is_transient(caught.value)
    assert caught.value.message == (
        "connection distro_wechat: secrets backend failed (Vault: ConnectionError); "
        "not treated as missing, retry later"
    )
    assert down.asked == ["distro_wechat"]
    # Through the resolver, a WeChat run fails (and Airflow retries) instead of running dry.
    connections.install()
    monkeypatch.setattr(connections, "_backends", lambda: [down])
    with pytest.raises(SecretsUnavailable):
        secrets.connection("distro_wechat")


def test_only_a_connection_missing_everywhere_is_none(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from distro.airflow import connections

    caplog.set_level(logging.INFO, logger="distro.airflow.connections")
    backends = [Backend(None), Backend(None)]
    assert connections.lookup("distro_wechat", backends=lambda: backends) is None
    assert all(b.asked == ["distro_wechat"] for b in backends)
    assert "no Airflow connection distro_wechat in any secrets backend" in caplog.text


def test_a_denied_backend_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk.exceptions import AirflowSecretsBackendAccessDenied

    from distro.airflow import connections

    denied = Backend(AirflowSecretsBackendAccessDenied("policy says no"))
    with pytest.raises(ConfigError, match="denied access"):
        connections.lookup("distro_wechat", backends=lambda: [denied])


@pytest.mark.parametrize(
    ("error", "outcome"), [("API_SERVER_ERROR", SecretsUnavailable), ("CONNECTION_NOT_FOUND", None)]
)
def test_the_execution_api_error_is_kept(
    monkeypatch: pytest.MonkeyPatch, error: str, outcome: type[Exception] | None
) -> None:
    from airflow.sdk.exceptions import ErrorType
    from airflow.sdk.execution_time import task_runner
    from airflow.sdk.execution_time.comms import ErrorResponse
    from airflow.sdk.execution_time.secrets import ExecutionAPISecretsBackend

    from distro.airflow import connections

    class Comms:
        def send(self, message: object) -> ErrorResponse:
            return ErrorResponse(error=ErrorType(error))

    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", Comms(), raising=False)
    # What Airflow's own lookup says in both cases (its backend turns errors into "not found").
    assert ExecutionAPISecretsBackend().get_connection("distro_wechat") is None
    probe = lambda: [ExecutionAPISecretsBackend()]  # noqa: E731
    if outcome is None:
        assert connections.lookup("distro_nowhere_at_all", backends=probe) is None
    else:
        with pytest.raises(outcome, match="Execution API answered API_SERVER_ERROR"):
            connections.lookup("distro_nowhere_at_all", backends=probe)
