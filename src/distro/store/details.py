"""Typed views of a delivery's ``detail``: what the ledger and each channel keep there.

The ledger stores ``detail`` as a JSON object of strings (``Delivery.detail``) so every
channel can add bookkeeping without a migration. These models read it typed:
``d.detail_as(WeChatDetail).idx`` is an ``int`` (0 when absent or empty), ``not_before`` a
UTC datetime. Unknown keys are kept (``extra="allow"``), so a reader never drops what a newer
writer added.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class DeliveryDetail(BaseModel):
    """What the ledger itself writes: the review gate, the embargo and how a delivery closed."""

    model_config = ConfigDict(extra="allow", frozen=True)

    review: str = ""
    not_before: dt.datetime | None = None
    approved_by: str = ""
    approved_at: dt.datetime | None = None
    rejected_by: str = ""
    rejected_at: dt.datetime | None = None
    outcome: str = ""


class PartnerDetail(DeliveryDetail):
    """Partner deliveries: whether the signed webhook went out, and the HTTP status it got."""

    webhook: str = ""
    status: str = ""


class WeChatDetail(DeliveryDetail):
    """WeChat deliveries: the edition (发布 or 群发) a member rides in and how far it got."""

    edition: str = ""
    step: str = ""
    idx: int = 0
    title: str = ""
    draft_media_id: str = ""
    publish_id: str = ""
    wechat_article_id: str = ""
    msg_id: str = ""
    msg_data_id: str = ""
    clientmsgid: str = ""
    round_key: str = ""
    sendall_at: dt.datetime | None = None
    url: str = ""
    deleted: str = ""
