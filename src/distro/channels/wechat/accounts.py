"""WeChat accounts: the top-level ``[channels.wechat]`` one (``default``) and each extra account.

An account is the delivery target (``channel="wechat", target=<name>``) and the namespace of its
key/values (token, quota counters, covers, 群发 rounds). The default account keeps the key strings
of a single-account ledger (``wechat:…``), so an existing ledger keeps its token, quotas and
editions; another account's keys start ``wechat@<name>:``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from distro.errors import ConfigError

if TYPE_CHECKING:
    from distro.config import Review, Settings, WeChatAccountConfig, WeChatChannelConfig

DEFAULT = "default"

T = TypeVar("T")


def pick(own: T | None, inherited: T) -> T:
    """An account's own setting, or the top-level one it inherits."""
    return inherited if own is None else own


@dataclass(frozen=True)
class WeChatAccount:
    """One Official Account with every setting resolved (inherited ones filled in)."""

    name: str
    conn_id: str
    schedules: tuple[str, ...]
    edition_size: int
    pool: str
    pool_slots: int
    review: Review
    mode: Literal["publish", "mass"]
    account_type: Literal["subscription", "service"]
    preview_to: tuple[str, ...]
    send_ignore_reprint: bool
    enabled: bool = True
    #: A cover image (path or http(s) URL) for every article instead of drawn ones.
    cover_image: str | None = None
    #: 群发: ``auto`` sends after the previews; ``editor`` holds the edition until approved.
    approve: Literal["auto", "editor"] = "auto"

    @property
    def namespace(self) -> str:
        """The prefix of this account's ledger keys (``wechat`` for the default account)."""
        return "wechat" if self.name == DEFAULT else f"wechat@{self.name}"

    @property
    def outbox(self) -> str:
        """The dry run's folder under the state's outbox."""
        return "wechat" if self.name == DEFAULT else f"wechat-{self.name}"

    @property
    def label(self) -> str:
        """How reports name the account: nothing for the default, so one account reads as today."""
        return "" if self.name == DEFAULT else f"account {self.name}: "


def default_account(cfg: WeChatChannelConfig) -> WeChatAccount:
    return WeChatAccount(
        name=DEFAULT,
        conn_id=cfg.conn_id,
        schedules=tuple(cfg.schedules),
        edition_size=cfg.edition_size,
        pool=cfg.pool,
        pool_slots=cfg.pool_slots,
        review=cfg.review,
        mode=cfg.mode,
        account_type=cfg.account_type,
        preview_to=tuple(cfg.preview_to),
        send_ignore_reprint=cfg.send_ignore_reprint,
        enabled=cfg.enabled,
        cover_image=cfg.cover_image,
        approve=cfg.approve,
    )


def extra_account(cfg: WeChatChannelConfig, entry: WeChatAccountConfig) -> WeChatAccount:
    """``entry`` with its unset fields taken from the top-level account."""

    return WeChatAccount(
        name=entry.name,
        conn_id=entry.conn_id,
        schedules=tuple(pick(entry.schedules, cfg.schedules)),
        edition_size=pick(entry.edition_size, cfg.edition_size),
        pool=pick(entry.pool, cfg.pool),
        pool_slots=pick(entry.pool_slots, cfg.pool_slots),
        review=pick(entry.review, cfg.review),
        mode=pick(entry.mode, cfg.mode),
        account_type=entry.account_type,
        preview_to=tuple(entry.preview_to),
        send_ignore_reprint=pick(entry.send_ignore_reprint, cfg.send_ignore_reprint),
        enabled=cfg.enabled and entry.enabled,
        cover_image=pick(entry.cover_image, cfg.cover_image),
        approve=pick(entry.approve, cfg.approve),
    )


def accounts(settings: Settings) -> list[WeChatAccount]:
    """Every configured account, default first, switched on or not."""
    cfg = settings.config.channels.wechat
    return [default_account(cfg), *(extra_account(cfg, entry) for entry in cfg.accounts)]


def enabled(settings: Settings) -> list[WeChatAccount]:
    """The accounts that publish: none when ``[channels.wechat] enabled = false``."""
    if not settings.config.channels.wechat.enabled:
        return []
    return [a for a in accounts(settings) if a.enabled]


def targets(settings: Settings) -> list[str]:
    """The delivery targets of the enabled accounts (``default`` for the top-level one)."""
    return [a.name for a in enabled(settings)]


def account(settings: Settings, name: str) -> WeChatAccount:
    """The account named ``name`` (``default`` for the top-level one)."""
    for found in accounts(settings):
        if found.name == name:
            return found
    known = ", ".join(a.name for a in accounts(settings))
    raise ConfigError(f"no WeChat account {name!r} in [channels.wechat] (known: {known})")
