"""Secrets from Airflow Connections: a `distro.secrets` resolver backed by Airflow's backends."""

from __future__ import annotations

import json
import logging
from typing import Any

from distro import secrets

log = logging.getLogger(__name__)


def lookup(conn_id: str) -> secrets.Connection | None:
    """The Airflow Connection ``conn_id`` as a ``distro.secrets.Connection``, or None."""
    from airflow.sdk import BaseHook

    try:
        found: Any = BaseHook.get_connection(conn_id)
    except Exception as exc:
        # Airflow raises AirflowNotFoundException (or a runtime error outside a task); the
        # environment fallback in distro.secrets then decides.
        log.debug("no Airflow connection %s: %s", conn_id, exc)
        return None
    extra = found.extra_dejson if hasattr(found, "extra_dejson") else {}
    if isinstance(extra, str):
        extra = json.loads(extra) if extra else {}
    return secrets.Connection(
        conn_id=conn_id,
        conn_type=found.conn_type,
        host=found.host,
        login=found.login,
        password=found.password,
        port=found.port,
        schema=found.schema,
        extra=dict(extra or {}),
    )


def install() -> None:
    """Make ``distro.secrets.connection`` ask Airflow first (idempotent)."""
    secrets.register_resolver(lookup)
