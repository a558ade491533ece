"""A small client for Airflow's REST API v2: token login and idempotent DAG-run triggers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import requests

from distro.errors import ChannelAuthError, ConfigError, DistroError, StoreUnavailable


class AirflowUnavailable(StoreUnavailable):
    """The Airflow API server cannot be reached or answered 5xx: try again."""


class AirflowRefused(DistroError):
    """Airflow refused the request (bad conf, unknown DAG)."""


def run_id(prefix: str, request: dict[str, Any]) -> str:
    """A DAG-run id derived from the request, so repeating it (a double click) is one run."""
    digest = hashlib.sha256(
        json.dumps(request, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ).hexdigest()
    return f"{prefix}__{digest[:20]}"


@dataclass
class Triggered:
    """The outcome of a trigger: the run, and whether this call created it."""

    dag_id: str
    dag_run_id: str
    created: bool
    state: str | None = None


@dataclass
class AirflowClient:
    """Airflow's REST API at ``base_url`` with a fixed login (token fetched on first use)."""

    base_url: str
    username: str
    password: str = field(repr=False)
    timeout: float = 20.0
    _token: str | None = field(default=None, repr=False)
    _session: requests.Session = field(default_factory=requests.Session, repr=False)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self._session.request(method, self.url(path), timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise AirflowUnavailable(f"cannot reach Airflow at {self.base_url}: {exc}") from exc

    def token(self) -> str:
        """A JWT from POST /auth/token (cached)."""
        if self._token is None:
            response = self._send(
                "POST", "/auth/token", json={"username": self.username, "password": self.password}
            )
            if response.status_code in (401, 403):
                raise ChannelAuthError(f"Airflow refused the login for {self.username!r}")
            self.check(response)
            self._token = str(response.json()["access_token"])
        return self._token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """An authenticated call; one token refresh when the token expired."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token()}"}
            response = self._send(method, path, headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self._token = None
                continue
            return response
        raise ChannelAuthError("Airflow refused a fresh token")  # pragma: no cover - loop ends

    @staticmethod
    def check(response: requests.Response) -> None:
        if response.status_code >= 500:
            raise AirflowUnavailable(f"Airflow answered {response.status_code}")
        if response.status_code >= 400:
            detail = response.text[:500]
            raise AirflowRefused(f"Airflow answered {response.status_code}: {detail}")

    def trigger(self, dag_id: str, conf: dict[str, Any], dag_run_id: str) -> Triggered:
        """Start a run; a 409 (that run id exists) means an earlier call already did: success."""
        body = {"logical_date": None, "dag_run_id": dag_run_id, "conf": conf}
        response = self.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)
        if response.status_code == 409:
            return Triggered(dag_id, dag_run_id, created=False)
        self.check(response)
        data = response.json()
        return Triggered(dag_id, str(data["dag_run_id"]), created=True, state=data.get("state"))

    def dag_run(self, dag_id: str, dag_run_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}")
        self.check(response)
        found: dict[str, Any] = response.json()
        return found

    def health(self) -> dict[str, Any]:
        """GET /api/v2/monitor/health (no login needed)."""
        response = self._send("GET", "/api/v2/monitor/health")
        self.check(response)
        found: dict[str, Any] = response.json()
        return found


def client(base_url: str, username: str, password: str | None) -> AirflowClient:
    if not password:
        raise ConfigError("no Airflow password: set DISTRO_AIRFLOW_PASSWORD or run `distro up`")
    return AirflowClient(base_url, username, password)
