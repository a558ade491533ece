"""群发 editions held for an editor: drafted and previewed, sent only once someone approves.

An account with ``approve = "editor"`` stops a mass edition after its previews: its deliveries
stay ``sending`` at step ``approval`` in the ledger (so the hold survives restarts) and no run
calls ``sendall`` for it. ``approve_edition`` records the editor's yes on every member; the next
run sends the edition, once. ``held_editions`` lists what waits, for the CLI and REST surfaces.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from distro.channels.wechat.accounts import WeChatAccount
from distro.channels.wechat.editions import CHANNEL
from distro.errors import InputError
from distro.models import Delivery, DeliveryState

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

#: The step of a mass edition previewed and waiting for an editor.
APPROVAL = "approval"
#: What an approval writes on each member (cleared with the edition when it is drafted again).
APPROVAL_KEYS = ("edition_approved_by", "edition_approved_at")
EDITOR = "editor"


def approved(deliveries: Sequence[Delivery]) -> bool:
    """Whether an editor approved the edition these deliveries make up."""
    return bool(deliveries) and all(d.detail.get("edition_approved_at") for d in deliveries)


def needs_editor(account: WeChatAccount, deliveries: Sequence[Delivery]) -> bool:
    """Whether the edition must still wait: the account asks for an editor, none approved."""
    return account.approve == EDITOR and not approved(deliveries)


def held_editions(ledger: Ledger, account: WeChatAccount) -> dict[str, list[Delivery]]:
    """The account's mass editions waiting for an editor, by edition id (members in order)."""
    found: dict[str, list[Delivery]] = {}
    for d in ledger.pending(CHANNEL, target=account.name):
        if d.state == DeliveryState.SENDING and d.detail.get("step") == APPROVAL:
            found.setdefault(d.detail.get("edition", ""), []).append(d)
    for members in found.values():
        members.sort(key=lambda d: d.detail_int("idx"))
    return found


def approve_edition(
    ledger: Ledger,
    account: WeChatAccount,
    edition: str,
    *,
    by: str = EDITOR,
    at: dt.datetime | None = None,
) -> list[Delivery]:
    """Approve a held mass edition of ``account``: the next run sends it (``sendall``, once).

    Raises ``InputError`` when no edition of that id waits for an editor on the account.
    """
    members = held_editions(ledger, account).get(edition)
    if not members:
        waiting = ", ".join(sorted(held_editions(ledger, account))) or "none"
        raise InputError(
            f"no 群发 edition {edition!r} waits for approval on WeChat account {account.name!r}"
            f" (waiting: {waiting})"
        )
    when = (at or dt.datetime.now(dt.UTC)).isoformat()
    return [
        ledger.update_detail(d, edition_approved_by=by or EDITOR, edition_approved_at=when)
        for d in members
    ]


def waiting(settings: Settings, ledger: Ledger) -> list[dict[str, Any]]:
    """Every held edition of every enabled account, as the CLI and the desk show it."""
    from distro.channels.wechat.accounts import enabled

    found = []
    for account in enabled(settings):
        for edition, members in sorted(held_editions(ledger, account).items()):
            articles = []
            for d in members:
                article = ledger.get(d.article_id, d.version)
                articles.append(
                    {
                        "article_id": d.article_id,
                        "version": d.version,
                        "headline": article.headline if article else "",
                    }
                )
            found.append(
                {
                    "account": account.name,
                    "edition": edition,
                    "previewed_to": list(account.preview_to),
                    "articles": articles,
                }
            )
    return found


def approve(
    settings: Settings,
    ledger: Ledger,
    edition: str,
    *,
    account: str | None = None,
    by: str = EDITOR,
) -> tuple[WeChatAccount, list[Delivery]]:
    """Approve ``edition`` of ``account`` (or of whichever account holds it, when only one does)."""
    from distro.channels.wechat.accounts import account as account_named
    from distro.channels.wechat.accounts import enabled

    if account is not None:
        chosen = account_named(settings, account)
        return chosen, approve_edition(ledger, chosen, edition, by=by)
    holders = [a for a in enabled(settings) if edition in held_editions(ledger, a)]
    if len(holders) > 1:
        names = ", ".join(a.name for a in holders)
        raise InputError(f"edition {edition!r} waits on several accounts ({names}): name one")
    if not holders:
        waiting_ids = sorted(e["edition"] for e in waiting(settings, ledger)) or ["none"]
        raise InputError(
            f"no 群发 edition {edition!r} waits for approval (waiting: {', '.join(waiting_ids)})"
        )
    return holders[0], approve_edition(ledger, holders[0], edition, by=by)
