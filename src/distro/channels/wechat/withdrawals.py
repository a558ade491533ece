"""Killed articles taken back from WeChat: each sent version deleted once, the intent first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from distro.channels import PublishReport
from distro.channels.wechat.client import WeChatClient
from distro.channels.wechat.editions import CHANNEL, Member
from distro.channels.wechat.errcodes import INVALID_MEDIA_ID, UNKNOWN_MSG_ID, errcode
from distro.errors import ChannelError
from distro.faults import fault
from distro.models import Delivery, DeliveryState

if TYPE_CHECKING:
    from distro.store.ledger import Ledger


@dataclass(frozen=True)
class Removal:
    """One way a sent version is taken back: the detail holding its id, the call that deletes
    it, the errcode meaning "already gone", and what the report says."""

    key: str
    intent: str
    delete: Callable[[WeChatClient, str, int], None]
    gone: int
    kind: str
    done: str


#: 发布: ``freepublish/delete`` removes the article for good.
FREE_PUBLISHED = Removal(
    key="wechat_article_id",
    intent="target_article",
    delete=lambda client, article_id, index: client.delete(article_id, index),
    gone=INVALID_MEDIA_ID,
    kind="",
    done="withdrawn from WeChat (freepublish/delete)",
)
#: 群发: ``message/mass/delete`` invalidates the article pages; the chat cards stay.
MASS_SENT = Removal(
    key="msg_id",
    intent="target_msg",
    delete=lambda client, msg_id, index: client.mass_delete(msg_id, index),
    gone=UNKNOWN_MSG_ID,
    kind="mass ",
    done=(
        "article page withdrawn (message/mass/delete); the card stays in followers' chats, "
        "WeChat offers no way to recall it"
    ),
)


class Withdrawals:
    """One account's kills: the article's earlier sent versions deleted, each recorded."""

    def __init__(
        self,
        ledger: Ledger,
        client: WeChatClient,
        report: PublishReport,
        note: Callable[[str], None],
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.report = report
        self._note = note

    def sent_versions(self, member: Member, key: str) -> list[Delivery]:
        """The account's earlier versions of the article that went out and are not deleted."""
        return [
            d
            for d in self.ledger.deliveries(article_id=member.article.id, channel=CHANNEL)
            if d.target == member.delivery.target
            and d.state == DeliveryState.SENT
            and d.detail.get(key)
            and d.version < member.article.version
            and not d.detail.get("deleted")
        ]

    def withdraw(self, member: Member, removals: Sequence[Removal]) -> None:
        """Delete every sent version of a killed article, in the first way that finds some."""
        for removal in removals:
            sent = self.sent_versions(member, removal.key)
            if sent:
                self._remove(member, sent, removal)
                return
        self.ledger.mark_sent(member.delivery, action="none", reason="never published on WeChat")
        self.report.skipped += 1

    def _remove(self, member: Member, sent: list[Delivery], removal: Removal) -> None:
        d = member.delivery
        for old in sent:
            remote = old.detail[removal.key]
            index = old.detail_int("idx")
            d = self.ledger.mark_sending(d, step="delete", **{removal.intent: remote}, index=index)
            try:
                removal.delete(self.client, remote, index)
            except ChannelError as exc:
                if errcode(exc) != removal.gone:
                    raise
                self._note(f"{member.article.id}: {removal.kind}{remote}#{index} was already gone")
            fault("wechat.deleted")  # deleted at WeChat; not recorded
            self.ledger.update_detail(old, deleted="1")
        self.ledger.mark_sent(
            d, remote_id=sent[-1].detail[removal.key], action="deleted", step="deleted"
        )
        self.report.sent += 1
        self._note(f"{member.article.id}: {removal.done}")
