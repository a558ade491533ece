"""The WeChat API calls distro makes (drafts, 发布, 群发, media), over one account's session."""

from __future__ import annotations

from typing import Any

from distro.channels.wechat.errcodes import ALREADY_SENT, INVALID_MEDIA_ID, errcode, errcode_of
from distro.channels.wechat.quotas import DAILY_QUOTAS, WECHAT_TZ, KeyValue, next_midnight
from distro.channels.wechat.session import DEFAULT_BASE_URL, SystemBusy, WeChatSession, redact
from distro.errors import ChannelRejected, ChannelUnavailable

__all__ = [
    "DAILY_QUOTAS",
    "DEFAULT_BASE_URL",
    "WECHAT_TZ",
    "KeyValue",
    "SystemBusy",
    "WeChatClient",
    "is_openid",
    "next_midnight",
    "redact",
]


class WeChatClient(WeChatSession):
    """One Official Account: the calls distro makes, each through the session's ``call``."""

    def upload_image(self, data: bytes, filename: str, content_type: str) -> str:
        """``media/uploadimg``: an image for article bodies; returns its mmbiz URL."""
        answer = self.call("media/uploadimg", files={"media": (filename, data, content_type)})
        url = answer.get("url")
        if not isinstance(url, str) or not url:
            raise ChannelUnavailable("media/uploadimg: answer without a url")
        return url

    def add_thumb(self, data: bytes, filename: str = "cover.jpg") -> str:
        """``material/add_material?type=thumb``: a permanent cover; returns its media_id."""
        answer = self.call(
            "material/add_material",
            params={"type": "thumb"},
            files={"media": (filename, data, "image/jpeg")},
        )
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise ChannelUnavailable("material/add_material: answer without a media_id")
        return media_id

    def add_draft(self, articles: list[dict[str, Any]]) -> str:
        """``draft/add``: one edition of up to 8 articles; returns the draft's media_id."""
        answer = self.call("draft/add", body={"articles": articles})
        return str(answer["media_id"])

    def _batchget(self, api: str, offset: int, count: int) -> list[dict[str, Any]]:
        answer = self.call(api, body={"offset": offset, "count": count, "no_content": 1})
        items = answer.get("item") or []
        return [item for item in items if isinstance(item, dict)]

    def drafts(self, offset: int = 0, count: int = 20) -> list[dict[str, Any]]:
        """``draft/batchget`` without content: the newest drafts (for crash reconciliation)."""
        return self._batchget("draft/batchget", offset, count)

    def draft_exists(self, media_id: str) -> bool:
        """``draft/get``: whether the draft is still in the draft box."""
        try:
            self.call("draft/get", body={"media_id": media_id})
        except ChannelRejected as exc:
            if errcode(exc) == INVALID_MEDIA_ID:
                return False
            raise
        return True

    def submit(self, media_id: str) -> str:
        """``freepublish/submit``: accepted for publishing (not yet published); the publish_id."""
        answer = self.call("freepublish/submit", body={"media_id": media_id})
        return str(answer["publish_id"])  # WeChat sends it as a number or a string

    def publish_status(self, publish_id: str) -> dict[str, Any]:
        """``freepublish/get``: the publish job's status and, on success, the article URLs."""
        return self.call("freepublish/get", body={"publish_id": publish_id})

    def published(self, offset: int = 0, count: int = 20) -> list[dict[str, Any]]:
        """``freepublish/batchget`` without content: the newest successful publications."""
        return self._batchget("freepublish/batchget", offset, count)

    def delete(self, article_id: str, index: int = 0) -> None:
        """``freepublish/delete``: irreversibly remove article ``index`` (1-based; 0 = all)."""
        self.call("freepublish/delete", body={"article_id": article_id, "index": index})

    # -- 群发 (mass send) ------------------------------------------------------------------

    def preview(self, media_id: str, recipient: str) -> None:
        """``message/mass/preview``: the draft to one editor's chat (OpenID, else 微信号)."""
        body: dict[str, Any] = {"msgtype": "mpnews", "mpnews": {"media_id": media_id}}
        body["touser" if is_openid(recipient) else "towxname"] = recipient
        self.call("message/mass/preview", body=body)

    def sendall(
        self, media_id: str, clientmsgid: str, *, ignore_reprint: bool = False
    ) -> tuple[str, str, bool]:
        """``message/mass/sendall`` to every follower: (msg_id, msg_data_id, already_sent).

        A 45065 answer means a send with this clientmsgid exists: its msg_id, never a new send.
        """
        answer = self.call(
            "message/mass/sendall",
            body={
                "filter": {"is_to_all": True},
                "mpnews": {"media_id": media_id},
                "msgtype": "mpnews",
                "send_ignore_reprint": 1 if ignore_reprint else 0,
                "clientmsgid": clientmsgid,
            },
            accept=frozenset({ALREADY_SENT}),
        )
        msg_id = str(answer.get("msg_id") or "")
        already = errcode_of(answer) == ALREADY_SENT
        if not msg_id and not already:  # 45065 without a msg_id is still "sent": never resend
            raise ChannelUnavailable("message/mass/sendall: answer without a msg_id")
        return msg_id, str(answer.get("msg_data_id") or ""), already

    def mass_status(self, msg_id: str) -> str:
        """``message/mass/get``: SEND_SUCCESS, SENDING, SEND_FAIL or DELETE."""
        answer = self.call("message/mass/get", body={"msg_id": msg_id})
        return str(answer.get("msg_status", ""))

    def mass_delete(self, msg_id: str, article_idx: int = 0) -> None:
        """``message/mass/delete``: invalidate a sent article page (1-based; 0 = all)."""
        self.call("message/mass/delete", body={"msg_id": msg_id, "article_idx": article_idx})


def is_openid(recipient: str) -> bool:
    """OpenIDs are 28 characters; a 微信号 is at most 20, so the length tells them apart."""
    return len(recipient) == 28
