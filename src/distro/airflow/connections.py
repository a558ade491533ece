"""Secrets from Airflow Connections: a `distro.secrets` resolver that fails loudly.

Airflow's own lookup turns a failing secrets backend (Vault sealed, the metadata database or the
Execution API down) into "not found", and distro would then run WeChat dry and silently stop
publishing. So a "not found" is checked backend by backend:

- a connection found anywhere is returned;
- every backend answered "no such connection": None, and the log says so (the caller's dry run
  or error follows from a connection that truly does not exist);
- any backend failed: ``SecretsUnavailable`` (transient): the task fails and Airflow retries it;
- a backend denied access: ``ConfigError`` (terminal): a retry will be denied again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from distro import secrets
from distro.errors import ConfigError, SecretsUnavailable

log = logging.getLogger(__name__)

Backends = Callable[[], Iterable[Any]]


def _backends() -> Iterable[Any]:
    from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

    return ensure_secrets_backend_loaded()


def _via_supervisor(conn_id: str) -> Any:
    """The Execution API's answer for ``conn_id`` with its error kept (its backend drops it)."""
    from airflow.sdk.exceptions import ErrorType
    from airflow.sdk.execution_time.comms import ErrorResponse, GetConnection
    from airflow.sdk.execution_time.context import _process_connection_result_conn
    from airflow.sdk.execution_time.task_runner import SUPERVISOR_COMMS

    answer = SUPERVISOR_COMMS.send(GetConnection(conn_id=conn_id))
    if isinstance(answer, ErrorResponse):
        if answer.error == ErrorType.CONNECTION_NOT_FOUND:
            return None
        if answer.error == ErrorType.PERMISSION_DENIED:
            raise ConfigError(f"connection {conn_id}: access denied by the Execution API")
        raise SecretsUnavailable(f"Execution API answered {answer.error.value}")
    return _process_connection_result_conn(answer)


def _probe(conn_id: str, backends: Backends) -> Any:
    """Ask each backend; the connection, or None when every one says it has none."""
    from airflow.sdk.exceptions import AirflowSecretsBackendAccessDenied
    from airflow.sdk.execution_time.secrets import ExecutionAPISecretsBackend

    failures: list[str] = []
    for backend in backends():
        name = type(backend).__name__
        try:
            if isinstance(backend, ExecutionAPISecretsBackend):
                found = _via_supervisor(conn_id)
            else:
                found = backend.get_connection(conn_id=conn_id)
        except AirflowSecretsBackendAccessDenied as exc:
            raise ConfigError(f"connection {conn_id}: {name} denied access: {exc}") from None
        except ConfigError:
            raise
        except Exception as exc:
            # The type only: a backend's message may carry its URL with a token in it.
            failures.append(f"{name}: {getattr(exc, 'message', None) or type(exc).__name__}")
            continue
        if found:
            return found
    if failures:
        raise SecretsUnavailable(
            f"connection {conn_id}: secrets backend failed ({'; '.join(failures)}); "
            "not treated as missing, retry later"
        )
    return None


def lookup(conn_id: str, *, backends: Backends | None = None) -> secrets.Connection | None:
    """The Airflow Connection ``conn_id`` as a ``distro.secrets.Connection``, or None."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSecretsBackendAccessDenied

    try:
        found: Any = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        # Airflow says "not found" also when a backend failed: ask each one before believing it.
        found = _probe(conn_id, backends or _backends)
        if found is None:
            log.info("no Airflow connection %s in any secrets backend", conn_id)
            return None
    except AirflowSecretsBackendAccessDenied as exc:
        raise ConfigError(f"connection {conn_id}: access denied: {exc}") from None
    except Exception as exc:
        raise SecretsUnavailable(
            f"connection {conn_id}: secrets lookup failed ({type(exc).__name__}); retry later"
        ) from None
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
