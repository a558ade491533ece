"""Push notifications: one provider interface, adapters for FCM, SNS and JPush, and an outbox.

Credentials come from the provider's Airflow Connection (``conn_id``), read again after an
authentication failure so a rotated secret is picked up without a restart:

- fcm: ``extra.keyfile_dict`` (service-account JSON, object or string) or ``extra.key_path``;
  the project is ``extra.project_id`` or the service account's; the OAuth token URI is the one in
  the service-account JSON.
- sns: ``login``/``password`` = access key id/secret (optional: the default AWS chain otherwise),
  ``extra.region_name``, ``extra.endpoint_url``.
- jpush: ``login`` = appKey, ``password`` = masterSecret, ``extra.apns_production`` (default true).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from distro.channels.app.push.notification import (
    Notification,
    PushProvider,
    PushResult,
    Reached,
    ReachedInMemory,
    check_size,
)
from distro.channels.app.push.outbox import OutboxProvider
from distro.config import PushProviderConfig
from distro.errors import ConfigError
from distro.net import RetryPolicy, retry_after
from distro.secrets import Connection, connection

__all__ = [
    "Notification",
    "OutboxProvider",
    "PushProvider",
    "PushResult",
    "Reached",
    "ReachedInMemory",
    "RetryPolicy",
    "check_size",
    "open_provider",
    "provider_name",
    "retry_after",
]


def provider_name(cfg: PushProviderConfig) -> str:
    """The provider's name in ledger targets (``push:<name>``): its ``name``, else its kind."""
    return cfg.name or cfg.kind


def _connection(cfg: PushProviderConfig, *, required: bool) -> Connection | None:
    if cfg.conn_id is None:
        if required:
            raise ConfigError(f"push provider {provider_name(cfg)}: conn_id is required")
        return None
    conn = connection(cfg.conn_id)
    if conn is None and required:
        raise ConfigError(f"push provider {provider_name(cfg)}: no connection {cfg.conn_id!r}")
    return conn


def _service_account(conn: Connection) -> dict[str, Any]:
    info: Any = conn.extra.get("keyfile_dict")
    if info is None and conn.extra.get("key_path"):
        info = Path(str(conn.extra["key_path"])).read_text(encoding="utf-8")
    if info is None:
        info = conn.password
    if isinstance(info, str):
        try:
            info = json.loads(info)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"connection {conn.conn_id}: service account is not JSON") from exc
    if not isinstance(info, dict):
        raise ConfigError(f"connection {conn.conn_id}: no service account (extra.keyfile_dict)")
    return info


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    return str(value).strip().lower() not in {"0", "false", "no", "off"}


def open_provider(
    cfg: PushProviderConfig,
    *,
    policy: RetryPolicy | None = None,
    is_dropped: Callable[[str], bool] | None = None,
    reached: Reached | None = None,
    timeout: float = 20.0,
) -> PushProvider:
    """The adapter for one configured provider; ``timeout`` is the deadline of each call."""
    name = provider_name(cfg)
    try:
        if cfg.kind == "fcm":
            from distro.channels.app.push.fcm import FcmProvider

            conn = _connection(cfg, required=True)
            assert conn is not None
            return FcmProvider(
                _service_account(conn),
                audience=cfg.audience,
                name=name,
                project_id=conn.extra.get("project_id"),
                endpoint_url=cfg.endpoint_url or conn.extra.get("endpoint_url"),
                policy=policy,
                timeout=timeout,
                is_dropped=is_dropped,
                reached=reached,
            )
        if cfg.kind == "jpush":
            from distro.channels.app.push.jpush import JPushProvider

            def credentials() -> tuple[str, str]:
                conn = _connection(cfg, required=True)
                if conn is None or not conn.login or not conn.password:
                    raise ConfigError(f"{name}: connection needs login=appKey, password=secret")
                return conn.login, conn.password

            first = _connection(cfg, required=True)
            assert first is not None
            return JPushProvider(
                credentials,
                audience=cfg.audience,
                name=name,
                endpoint_url=cfg.endpoint_url or first.base_url,
                apns_production=_flag(first.extra.get("apns_production"), True),
                policy=policy,
                timeout=timeout,
            )
        from distro.channels.app.push.sns import SnsProvider

        def make_client() -> Any:
            from distro.channels.app.push.sns import client_factory

            conn = _connection(cfg, required=False)
            extra = conn.extra if conn else {}
            return client_factory(
                endpoint_url=cfg.endpoint_url or extra.get("endpoint_url"),
                region=extra.get("region_name"),
                access_key=conn.login if conn else None,
                secret_key=conn.password if conn else None,
                timeout=timeout,
            )()

        return SnsProvider(make_client, audience=cfg.audience, name=name, policy=policy)
    except ValueError as exc:
        raise ConfigError(f"push provider {name}: {exc}") from exc
