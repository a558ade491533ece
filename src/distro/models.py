"""The pydantic models every stage exchanges: the single source of truth for schemas/."""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Bumped whenever a model changes shape; schemas/ files carry it in their names.
SCHEMA_VERSION = "1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Kind(StrEnum):
    """What an item on a page is."""

    ARTICLE = "article"
    TEASER = "teaser"


class PubStatus(StrEnum):
    """Publication status, with ninjs's vocabulary."""

    USABLE = "usable"
    WITHHELD = "withheld"
    CANCELED = "canceled"


class Credit(_Model):
    """One person credited on an item, with the role printed before the name."""

    name: str = Field(description="The person's name as printed, role words removed.")
    role: str | None = Field(
        default=None,
        description="Role word printed with the name (记者, 通讯员, 实习生, 评论员 …), if any.",
    )


class Byline(_Model):
    """The credit line of an item, such as `□记者 宋迎迎 报道` or `□本报评论员`."""

    raw: str = Field(description="The byline exactly as printed (after whitespace trimming).")
    role: str | None = Field(
        default=None, description="The first role printed (记者, 评论员 …), or null."
    )
    roles: list[str] = Field(default_factory=list, description="Every role printed, in order.")
    names: list[str] = Field(
        default_factory=list,
        description="Every credited person, in printed order; empty for an unsigned 本报评论员.",
    )
    credits: list[Credit] = Field(default_factory=list, description="Names paired with roles.")


class Dateline(_Model):
    """The dateline formula that opens (or closes) a story: outlet, place, date, 电/讯."""

    raw: str = Field(description="The dateline exactly as printed.")
    span: tuple[int, int] = Field(
        description="Start and end offsets of `raw` in the text it was found in."
    )
    date: dt.date | None = Field(
        default=None,
        description="The date the dateline states (ISO 8601), year from the issue date; "
        "null when the dateline carries no date.",
    )
    date_reason: str | None = Field(
        default=None, description="Why `date` is null, when it is (never guessed)."
    )
    outlet: str | None = Field(default=None, description="Agency or paper (新华社, 本报 …).")
    location: str | None = Field(default=None, description="Place, without a qualifier.")
    location_qualifier: str | None = Field(
        default=None, description="Country or region qualifying the place (委内瑞拉)."
    )
    reporters: list[str] = Field(
        default_factory=list, description="Every credited name, role words removed."
    )
    position: Literal["lead", "trailer"] = Field(
        default="lead", description="`lead` when it opens the text, `trailer` when it closes it."
    )


class Provenance(_Model):
    """Where an article came from, down to the raw bytes."""

    origin: str = Field(description="URI of the raw payload (file://, s3://, https://).")
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the raw bytes as received."
    )
    received_at: dt.datetime = Field(description="When the payload was received (timezone-aware).")
    source: str = Field(default="inbox", description="Name of the configured source.")
    encoding: str | None = Field(default=None, description="Encoding the bytes were decoded as.")


class Article(_Model):
    """One news item: an article with a body, or a teaser pointing to another page."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{5,63}$",
        description="Stable identity: the same item from the same source keeps its id.",
    )
    version: Annotated[int, Field(ge=1)] = Field(
        default=1, description="1 for the first text; +1 each time the text changes."
    )
    kind: Kind = Field(default=Kind.ARTICLE, description="`article` or `teaser`.")
    genre: str = Field(
        default="news", description="news, commentary (本报评论员), feature (侧记), brief …"
    )
    section: str | None = Field(default=None, description="Section or page name, if known.")
    kicker: str | None = Field(default=None, description="The line above the headline (引题).")
    headline: str = Field(min_length=1, description="The main headline (主题).")
    subheadline: str | None = Field(
        default=None, description="The line below the headline (副题), `——` stripped."
    )
    byline: Byline | None = Field(default=None, description="The credit line, if any.")
    dateline: Dateline | None = Field(default=None, description="The dateline, if any.")
    paragraphs: list[str] = Field(
        default_factory=list, description="Body paragraphs, repaired and normalized."
    )
    body_html: str | None = Field(
        default=None, description="Sanitized HTML body, for items that arrive as HTML (feeds)."
    )
    summary: str | None = Field(default=None, description="A short plain-text summary.")
    link: str | None = Field(default=None, description="Original URL, for feed items.")
    continued_on_page: str | None = Field(
        default=None, description="Page the body continues on (`(下转第二版)` → `2`)."
    )
    page_ref: str | None = Field(
        default=None, description="For a teaser: the page it points to (`3版` → `3`)."
    )
    page: str | None = Field(default=None, description="Page the item was printed on.")
    issue_date: dt.date | None = Field(default=None, description="Date of the issue (ISO 8601).")
    issue_date_inferred: bool = Field(
        default=False, description="True when the issue date was inferred from the text."
    )
    published_at: dt.datetime | None = Field(
        default=None, description="Publication time, Asia/Shanghai (feeds, or issue date)."
    )
    language: str = Field(default="zh-CN", description="BCP 47 language tag.")
    keywords: list[str] = Field(default_factory=list, description="Keywords and tags.")
    urgency: Annotated[int, Field(ge=1, le=9)] = Field(
        default=5, description="IPTC urgency, 1 (flash) to 9 (low)."
    )
    pub_status: PubStatus = Field(default=PubStatus.USABLE, description="usable or canceled.")
    correction: str | None = Field(
        default=None, description="Editor's correction note for versions after the first."
    )
    provenance: Provenance = Field(description="Origin and hash of the raw bytes.")
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        default=1.0,
        description="How sure the parser is that every field is right, 0-1; below the "
        "parser's threshold (distro.parse.confidence.THRESHOLD) an editor should look.",
    )
    flags: list[str] = Field(
        default_factory=list,
        description="What looked wrong: headline_like_credit, unjoined_fragment, "
        "missing_dateline, short_body, low_margin …",
    )

    def content_hash(self) -> str:
        """SHA-256 over the editorial content, ignoring id, version, provenance and confidence."""
        # A retrained parser model moves confidence and flags, not the copy: no new version.
        doc = self.model_dump_json(
            exclude={
                "id", "version", "provenance", "correction", "pub_status", "confidence", "flags"
            }
        )
        return hashlib.sha256(doc.encode()).hexdigest()


def make_id(*key: str) -> str:
    """Derive a stable article id from the parts of an item's identity."""
    digest = hashlib.sha256("\x1f".join(key).encode()).hexdigest()
    return f"a-{digest[:20]}"


class RawItem(_Model):
    """A payload as a source received it: bytes live in the archive, this is the reference."""

    uri: str = Field(description="Where the payload came from.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the bytes.")
    size: int = Field(ge=0, description="Size in bytes.")
    received_at: dt.datetime = Field(description="When it was received.")
    source: str = Field(description="Name of the configured source.")
    media_type: str | None = Field(default=None, description="Content-Type, if known.")
    headers: dict[str, str] = Field(default_factory=dict, description="Response headers.")


class DeliveryState(StrEnum):
    """Where a delivery of one article version to one channel target stands."""

    PENDING = "pending"
    SENDING = "sending"  # intent recorded before the remote call: reconcile if found
    SENT = "sent"
    FAILED = "failed"
    QUARANTINED = "quarantined"


class Delivery(_Model):
    """One article version to one channel target, as the ledger records it."""

    article_id: str
    version: int = Field(ge=1)
    channel: str
    target: str = Field(default="default", description="Partner, audience or account.")
    state: DeliveryState = DeliveryState.PENDING
    remote_id: str | None = None
    attempts: int = Field(default=0, ge=0)
    last_error: str | None = None
    detail: dict[str, str] = Field(
        default_factory=dict, description="Channel bookkeeping: draft ids, URLs, collapse keys."
    )
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class QuarantineEntry(_Model):
    """Input that could not become an article, with why: nothing is dropped silently."""

    id: str
    raw_ref: str = Field(description="sha256 of the raw payload in the archive, or a URI.")
    stage: str = Field(description="ingest, parse, validate, render, send …")
    reason: str
    created_at: dt.datetime
    origin: str | None = None
