"""A small client for Airflow's REST API v2 over ``distro.net``: token login, idempotent triggers.

Each call has a deadline; 5xx and unreachable servers are retried by the one policy, then raise
``AirflowUnavailable`` (transient); 4xx come back to the caller (409 means "that run exists").
The password and the JWT are masked in every message.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from requests.adapters import BaseAdapter

from distro.errors import ChannelAuthError, ConfigError, DistroError, StoreUnavailable
from distro.net import ONCE, Errors, HttpClient, Limits, Reply, RetryPolicy


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


#: Statuses the REST client hands back: Airflow says what it refused in a 4xx.
HANDLED = range(400, 500)


@dataclass
class AirflowClient:
    """Airflow's REST API at ``base_url`` with a fixed login (token fetched on first use)."""

    base_url: str
    username: str
    password: str = field(repr=False)
    timeout: float = 20.0
    transport: BaseAdapter | None = field(default=None, repr=False)
    _token: str | None = field(default=None, repr=False)
    _http: HttpClient = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._http = HttpClient(
            limits=Limits(deadline=self.timeout, connect_timeout=min(10.0, self.timeout)),
            retry=RetryPolicy(attempts=3, base_delay=0.5, max_delay=5.0),
            errors=Errors(AirflowUnavailable, AirflowRefused),
            name="airflow",
            secrets=[self.password],
            transport=self.transport,
        )

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def _send(self, method: str, path: str, **kwargs: Any) -> Reply:
        return self._http.request(method, self.url(path), handled=HANDLED, **kwargs)

    def token(self) -> str:
        """A JWT from POST /auth/token (cached)."""
        if self._token is None:
            response = self._send(
                "POST", "/auth/token", json={"username": self.username, "password": self.password}
            )
            if response.status in (401, 403):
                raise ChannelAuthError(f"Airflow refused the login for {self.username!r}")
            self.check(response)
            self._token = str(response.json()["access_token"])
            self._http.add_secret(self._token)
        return self._token

    def call(self, method: str, path: str, **kwargs: Any) -> Reply:
        """An authenticated call; one token refresh when the token expired."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token()}"}
            response = self._send(method, path, headers=headers, **kwargs)
            if response.status == 401 and attempt == 1:
                self._token = None
                continue
            return response
        raise ChannelAuthError("Airflow refused a fresh token")  # pragma: no cover - loop ends

    @staticmethod
    def check(response: Reply) -> None:
        """Raise for a 4xx the caller did not expect (5xx never get here: they raise)."""
        if response.status >= 500:
            raise AirflowUnavailable(f"Airflow answered {response.status}")
        if response.status >= 400:
            raise AirflowRefused(f"Airflow answered {response.status}: {response.excerpt(500)}")

    def trigger(self, dag_id: str, conf: dict[str, Any], dag_run_id: str) -> Triggered:
        """Start a run; a 409 (that run id exists) means an earlier call already did: success."""
        body = {"logical_date": None, "dag_run_id": dag_run_id, "conf": conf}
        response = self.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)
        if response.status == 409:
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
        # No retries: whoever waits for health polls again on its own clock.
        response = self._send("GET", "/api/v2/monitor/health", retry=ONCE)
        self.check(response)
        found: dict[str, Any] = response.json()
        return found


def client(base_url: str, username: str, password: str | None) -> AirflowClient:
    if not password:
        raise ConfigError("no Airflow password: set DISTRO_AIRFLOW_PASSWORD or run `distro up`")
    return AirflowClient(base_url, username, password)
