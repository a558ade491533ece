"""Runs over WeChat accounts: publish, poll and probe each account (or one), for the CLI and DAGs.

Each account runs on its own: its connection, its client (token and quotas in its namespace), its
pending deliveries (``target`` = the account's name). An account without a connection runs dry
(the real publisher over a recording transport: see ``dryrun``); the others still publish.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from distro import secrets
from distro.channels import PublishReport
from distro.channels.wechat import accounts, dryrun, mass
from distro.channels.wechat.accounts import WeChatAccount
from distro.channels.wechat.client import WeChatClient
from distro.channels.wechat.editions import CHANNEL, in_flight
from distro.errors import ConfigError, QuotaExhausted

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

log = logging.getLogger(__name__)


def targets(settings: Settings) -> list[str]:
    """The accounts that publish, by delivery target (``default`` is ``[channels.wechat]``)."""
    return accounts.targets(settings)


def client_for(
    settings: Settings, ledger: Ledger, account: WeChatAccount | None = None
) -> WeChatClient | None:
    """A client from the account's Airflow Connection (login = AppID, password = AppSecret).

    None only when the connection truly does not exist; a failing secrets backend raises
    ``SecretsUnavailable`` (transient) instead of turning the run into a silent dry run.
    """
    account = account or accounts.account(settings, accounts.DEFAULT)
    conn = secrets.connection(account.conn_id)
    if conn is None:
        log.warning(
            "wechat: no connection %r in any secrets backend: dry run, nothing is sent to "
            "WeChat (the requests go to the outbox)",
            account.conn_id,
        )
        return None
    if not conn.login or not conn.password:
        raise ConfigError(
            f"connection {account.conn_id!r} needs login (AppID) and password (AppSecret)"
        )
    limits = settings.config.limits
    return WeChatClient(
        conn.login,
        conn.password,
        ledger,
        base_url=conn.base_url,
        timeout=limits.http_timeout_seconds,
        user_agent=limits.user_agent,
        namespace=account.namespace,
    )


def _chosen(
    settings: Settings, target: str | None, client: WeChatClient | None
) -> list[WeChatAccount]:
    """The accounts a run covers: ``target``, or every enabled one (a given client: default)."""
    if target is None and client is not None:
        target = accounts.DEFAULT
    if target is not None:
        return [accounts.account(settings, target)]
    return accounts.enabled(settings)


def merge(reports: Iterable[PublishReport]) -> PublishReport:
    """One report of several accounts' runs; a dry run only when every account ran dry."""
    merged = PublishReport(channel=CHANNEL)
    found = list(reports)
    for report in found:
        merged.sent += report.sent
        merged.skipped += report.skipped
        merged.quarantined += report.quarantined
        merged.failed += report.failed
        merged.outputs.extend(report.outputs)
        merged.messages.extend(report.messages)
    merged.dry_run = bool(found) and all(r.dry_run for r in found)
    return merged


def publish(
    settings: Settings,
    ledger: Ledger,
    target: str | None = None,
    *,
    client: WeChatClient | None = None,
) -> PublishReport:
    """Publish what is pending for one account (``target``) or every enabled one; an account
    with no connection runs dry. A given ``client`` is the default account's unless ``target``
    names another."""
    return _each_account(settings, ledger, target, client, kills_only=False)


def withdraw(
    settings: Settings,
    ledger: Ledger,
    target: str | None = None,
    *,
    client: WeChatClient | None = None,
) -> PublishReport:
    """Take back killed articles now, for one account or every one, and send no edition: the
    next edition keeps its time (an account with no connection runs dry)."""
    return _each_account(settings, ledger, target, client, kills_only=True)


def _each_account(
    settings: Settings,
    ledger: Ledger,
    target: str | None,
    client: WeChatClient | None,
    *,
    kills_only: bool,
) -> PublishReport:
    reports = []
    for account in _chosen(settings, target, client):
        found = client or client_for(settings, ledger, account)
        if found is None:
            dry = dryrun.withdraw if kills_only else dryrun.publish
            reports.append(dry(settings, ledger, account))
            continue
        publisher = mass.publisher(settings, ledger, found, account)
        reports.append(publisher.withdraw_killed() if kills_only else publisher.run())
    return merge(reports)


def outstanding(ledger: Ledger, target: str | None = None) -> list[str]:
    """publish_ids and mass msg_ids not yet settled (what a deferrable wait waits for)."""
    return sorted(in_flight(ledger, "publish_id", target)) + sorted(
        in_flight(ledger, "msg_id", target)
    )


def _poll_one(
    settings: Settings, ledger: Ledger, account: WeChatAccount, client: WeChatClient | None
) -> PublishReport:
    editions = in_flight(ledger, "publish_id", account.name)
    if not editions and not in_flight(ledger, "msg_id", account.name):
        return PublishReport(channel=CHANNEL)
    client = client or client_for(settings, ledger, account)
    if client is None:
        return PublishReport(channel=CHANNEL, dry_run=True)
    # Both kinds: an account switched from publish to mass may have both in flight.
    checker = mass.MassPublisher(settings, ledger, client, account)
    try:
        for publish_id, members in editions.items():
            checker.check(members, publish_id)
        mass.poll(checker)
    except QuotaExhausted as exc:
        checker.report.messages.append(f"{account.label}stopped: {exc.message}")
    return checker.report


def poll(
    settings: Settings,
    ledger: Ledger,
    target: str | None = None,
    *,
    client: WeChatClient | None = None,
) -> PublishReport:
    """Ask ``freepublish/get`` (sparingly: 100 calls a day) or ``message/mass/get`` once per
    edition WeChat accepted and whose outcome is not recorded yet, per account."""
    reports = [
        _poll_one(settings, ledger, account, client)
        for account in _chosen(settings, target, client)
    ]
    merged = merge(reports)
    merged.dry_run = any(r.dry_run for r in reports)
    return merged


check_status = poll


def probe(
    config: str | None = None, state: str | None = None, target: str | None = None
) -> dict[str, Any]:
    """One poll for a deferrable wait (JSON in, JSON out): ``done`` once nothing of ``target``
    (None: of any account) is waiting."""
    from distro import config as config_module
    from distro.store.ledger import Ledger

    settings = config_module.load(config, state)
    ledger = Ledger.open(settings)
    try:
        report = poll(settings, ledger, target)
        waiting = outstanding(ledger, target)
    finally:
        ledger.close()
    return {
        "done": not waiting,
        "waiting": waiting,
        "sent": report.sent,
        "quarantined": report.quarantined,
        "messages": report.messages,
    }
