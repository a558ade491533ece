"""Resolve secret references (``env:VAR``, ``conn:ID``) without ever storing a secret.

Connections come from ``AIRFLOW_CONN_<ID>`` (JSON or URI form), as Airflow itself reads them;
inside Airflow, ``distro.airflow`` installs a resolver that asks Airflow's secrets backends, so the
same config works in tasks, in the CLI and in tests.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from distro.errors import ConfigError


@dataclass(frozen=True)
class Connection:
    """The parts of an Airflow Connection that adapters use. ``repr`` hides the password."""

    conn_id: str
    conn_type: str | None = None
    host: str | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    port: int | None = None
    schema: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str | None:
        """``host`` as a URL (with port and schema path), when the host is set."""
        if not self.host:
            return None
        host = self.host if "://" in self.host else f"https://{self.host}"
        if self.port and urlsplit(host).port is None:
            host = f"{host.rstrip('/')}:{self.port}"
        return host.rstrip("/") + "/"


ConnectionResolver = Callable[[str], Connection | None]
_resolvers: list[ConnectionResolver] = []


def register_resolver(resolver: ConnectionResolver) -> None:
    """Ask ``resolver`` before the environment (used by the Airflow adapter)."""
    if resolver not in _resolvers:
        _resolvers.insert(0, resolver)


def _text(data: dict[str, Any], key: str, name: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(f"{name}: {key} must be a string")


def _port(value: object, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        port = int(str(value))
    except ValueError:
        raise ConfigError(f"{name}: port is not a number") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{name}: port {port} is out of range")
    return port


def _extra(value: object, name: str) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise ConfigError(f"{name}: extra is not valid JSON") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: extra must be a JSON object")
    return value


def _from_json(conn_id: str, value: str, name: str) -> Connection:
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        raise ConfigError(f"{name} is not valid JSON") from None  # never echo the value
    if not isinstance(data, dict):
        raise ConfigError(f"{name} must be a JSON object")
    return Connection(
        conn_id=conn_id,
        conn_type=_text(data, "conn_type", name),
        host=_text(data, "host", name),
        login=_text(data, "login", name),
        password=_text(data, "password", name),
        port=_port(data.get("port"), name),
        schema=_text(data, "schema", name),
        extra=_extra(data.get("extra"), name),
    )


def _from_uri(conn_id: str, value: str, name: str) -> Connection:
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:  # a port that is not a number, a bad IPv6 host
        raise ConfigError(f"{name} is not a valid connection URI ({exc})") from None
    if not parts.scheme:
        raise ConfigError(f"{name} is not a connection URI (type://login:password@host:port)")
    extra = dict(parse_qsl(parts.query))
    host = unquote(parts.hostname or "") or None
    # Airflow URIs spell a URL host as `http://...` after the type: `http://host` keeps `host`.
    return Connection(
        conn_id=conn_id,
        conn_type=parts.scheme.replace("-", "_") or None,
        host=host,
        login=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        port=port,
        schema=unquote(parts.path.lstrip("/")) or None,
        extra=extra,
    )


def _from_env(conn_id: str) -> Connection | None:
    name = f"AIRFLOW_CONN_{conn_id.upper()}"
    value = os.environ.get(name)
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.startswith(("{", "[")):
        return _from_json(conn_id, value, name)
    return _from_uri(conn_id, value, name)


def connection(conn_id: str) -> Connection | None:
    """The connection ``conn_id``, or None when nothing defines it."""
    for resolver in _resolvers:
        found = resolver(conn_id)
        if found is not None:
            return found
    return _from_env(conn_id)


def resolve(ref: str) -> str:
    """The secret a reference points to: ``env:VAR`` or ``conn:ID`` (its password)."""
    kind, _, name = ref.partition(":")
    if kind == "env":
        value = os.environ.get(name)
        if value is None:
            raise ConfigError(f"secret {ref} is not set in the environment")
        return value
    if kind == "conn":
        conn = connection(name)
        if conn is None or conn.password is None:
            raise ConfigError(f"secret {ref}: no connection {name!r} with a password")
        return conn.password
    raise ConfigError(f"{ref!r} is not a secret reference (env:VAR or conn:ID)")
