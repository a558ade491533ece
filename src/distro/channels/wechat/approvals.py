"""群发 editions held for an editor: drafted and previewed, sent only once someone approves.

An account with ``approve = "editor"`` stops a mass edition after its previews: its deliveries
stay ``sending`` at step ``approval`` in the ledger (so the hold survives restarts) and no run
calls ``sendall`` for it. ``approve_edition`` records the editor's yes on every member; the next
run sends the edition, once. ``reject_edition`` quarantines every member with the editor's reason
(a quarantine retry drafts and previews it again). ``held_editions`` lists what waits, for the
CLI, the REST surfaces and the Airflow review request (``request``/``apply_answer``).
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
    """The account's mass editions waiting for an editor, by edition id (members in order).

    An edition an editor approved is not among them: it waits only for the account's next run.
    """
    found: dict[str, list[Delivery]] = {}
    for d in ledger.pending(CHANNEL, target=account.name):
        if d.state == DeliveryState.SENDING and d.detail.get("step") == APPROVAL:
            found.setdefault(d.detail.get("edition", ""), []).append(d)
    for members in found.values():
        members.sort(key=lambda d: d.detail_int("idx"))
    # An approved edition waits for its run, no longer for an editor: a late answer from another
    # surface must not undo the first one.
    return {edition: members for edition, members in found.items() if not approved(members)}


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
    members = _members(ledger, account, edition)
    when = (at or dt.datetime.now(dt.UTC)).isoformat()
    return [
        ledger.update_detail(d, edition_approved_by=by or EDITOR, edition_approved_at=when)
        for d in members
    ]


def reject_edition(
    ledger: Ledger,
    account: WeChatAccount,
    edition: str,
    reason: str,
    *,
    by: str = EDITOR,
) -> list[Delivery]:
    """Refuse a held mass edition: every member is quarantined with the editor's reason.

    Nothing is sent; the draft stays in the account's 草稿箱. Retrying the quarantine entries puts
    the articles back into the next edition, drafted and previewed again. Raises ``InputError``
    when no edition of that id waits on the account, or when the reason is empty.
    """
    if not reason.strip():
        raise InputError("a rejection needs a reason")
    members = _members(ledger, account, edition)
    why = f"edition {edition} rejected by editor ({by or EDITOR}): {reason.strip()}"
    return [ledger.mark_quarantined(d, why) for d in members]


def _members(ledger: Ledger, account: WeChatAccount, edition: str) -> list[Delivery]:
    members = held_editions(ledger, account).get(edition)
    if not members:
        waiting = ", ".join(sorted(held_editions(ledger, account))) or "none"
        raise InputError(
            f"no 群发 edition {edition!r} waits for approval on WeChat account {account.name!r}"
            f" (waiting: {waiting})"
        )
    return members


def editions_of(ledger: Ledger, account: WeChatAccount) -> list[dict[str, Any]]:
    """The account's held editions, each with its articles (headline, confidence, flags)."""
    found = []
    for edition, members in sorted(held_editions(ledger, account).items()):
        articles = []
        for d in members:
            article = ledger.get(d.article_id, d.version)
            articles.append(
                {
                    "article_id": d.article_id,
                    "version": d.version,
                    "headline": article.headline if article else "",
                    "confidence": article.confidence if article else 1.0,
                    "flags": list(article.flags) if article else [],
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


def waiting(settings: Settings, ledger: Ledger) -> list[dict[str, Any]]:
    """Every held edition of every enabled account, as the CLI and the desk show it."""
    from distro.channels.wechat.accounts import enabled

    return [doc for account in enabled(settings) for doc in editions_of(ledger, account)]


def holder(settings: Settings, ledger: Ledger, edition: str, account: str | None) -> WeChatAccount:
    """The account ``edition`` waits on: ``account`` when named, else the only one holding it."""
    from distro.channels.wechat.accounts import account as account_named
    from distro.channels.wechat.accounts import enabled

    if account is not None:
        return account_named(settings, account)
    holders = [a for a in enabled(settings) if edition in held_editions(ledger, a)]
    if len(holders) > 1:
        names = ", ".join(a.name for a in holders)
        raise InputError(f"edition {edition!r} waits on several accounts ({names}): name one")
    if not holders:
        waiting_ids = sorted(e["edition"] for e in waiting(settings, ledger)) or ["none"]
        raise InputError(
            f"no 群发 edition {edition!r} waits for approval (waiting: {', '.join(waiting_ids)})"
        )
    return holders[0]


def approve(
    settings: Settings,
    ledger: Ledger,
    edition: str,
    *,
    account: str | None = None,
    by: str = EDITOR,
) -> tuple[WeChatAccount, list[Delivery]]:
    """Approve ``edition`` of ``account`` (or of whichever account holds it, when only one does)."""
    chosen = holder(settings, ledger, edition, account)
    return chosen, approve_edition(ledger, chosen, edition, by=by)


def reject(
    settings: Settings,
    ledger: Ledger,
    edition: str,
    reason: str,
    *,
    account: str | None = None,
    by: str = EDITOR,
) -> tuple[WeChatAccount, list[Delivery]]:
    """Reject ``edition`` of ``account`` (or of whichever account holds it) with ``reason``."""
    chosen = holder(settings, ledger, edition, account)
    return chosen, reject_edition(ledger, chosen, edition, reason, by=by)
