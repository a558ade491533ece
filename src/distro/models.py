"""The pydantic models every stage exchanges: the single source of truth for schemas/."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo

#: Bumped whenever a model changes shape; schemas/ files carry it in their names.
SCHEMA_VERSION = "2"

#: Characters no text field may hold: C0 and C1 controls (tab, line feed and carriage return
#: aside), DEL, lone surrogates and the non-characters XML 1.0 forbids. They break every XML
#: renderer (lxml refuses them), so the models clean them out of every text field: no article
#: can hold one, whichever stage built it (parser, feed, ledger read, republish). So do the
#: bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069: a headline with
#: U+202E shows reversed in a feed reader or a push, "Trojan Source") and a byte order mark
#: inside the text (U+FEFF, left by files joined together); the marks LRM and RLM stay.
CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
    "\u202a-\u202e\u2066-\u2069\ufeff]"
)
#: Dates a paper can carry: older or later ones are typos (``0001-01-01``) and overflow in UTC.
MIN_YEAR, MAX_YEAR = 1900, 2100
#: Bounds on names that become paths, keys, ids and feed titles.
MAX_SECTION = 64
MAX_NAME = 128
#: A headline longer than this is a paragraph a feed or a page put in the title.
MAX_HEADLINE = 500
#: Validation context key: a document read back from the ledger (stored before a rule existed).
STORED = "stored"


def _context(info: ValidationInfo, key: str) -> bool:
    return isinstance(info.context, dict) and bool(info.context.get(key))


def explain(exc: ValidationError) -> str:
    """A validation error as one line: each field's dotted path and what is wrong with it."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'article'}: {e['msg']}" for e in exc.errors()
    )


def clean_text(value: str) -> str:
    """``value`` without the characters ``CONTROL`` matches."""
    return CONTROL.sub("", value)


def _printable(value: str) -> str:
    return CONTROL.sub("", value) if CONTROL.search(value) else value


def _section(value: str | None, info: ValidationInfo) -> str | None:
    if value is None or _context(info, STORED):
        return value
    if value != value.strip() or not value:
        raise ValueError("a section has no leading or trailing spaces")
    if "/" in value or "\\" in value:
        raise ValueError("a section holds no / or \\")
    if not any(ch.isalnum() for ch in value):
        raise ValueError(f"a section needs a letter or a digit, not {value!r}")
    return value


def _in_range(year: int, what: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{what} year {year} is outside {MIN_YEAR}-{MAX_YEAR}")


def _issue_date(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    if value is not None and not _context(info, STORED):
        _in_range(value.year, "issue date")
    return value


def _moment(value: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
    if value is None:
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time needs a time zone")
    if not _context(info, STORED):
        _in_range(value.year, "time")
    return value


#: Text with its control characters removed (see ``CONTROL``).
Text = Annotated[str, AfterValidator(_printable)]


def bounded(limit: int) -> tuple[object, ...]:
    """Annotations for text of at most ``limit`` characters, control characters removed.

    Documents read back from the ledger are not held to the bound (it may be newer than they).
    """

    def check(value: str, info: ValidationInfo) -> str:
        if len(value) > limit and not _context(info, STORED):
            raise ValueError(f"longer than {limit} characters ({len(value)})")
        return value

    return (Field(json_schema_extra={"maxLength": limit}), AfterValidator(_printable),
            AfterValidator(check))  # fmt: skip


def _required(value: str) -> str:
    if not value.strip():
        raise ValueError("empty once control characters and spaces are left out")
    return value


Headline = Annotated[str, Field(min_length=1), *bounded(MAX_HEADLINE), AfterValidator(_required)]
Name = Annotated[str, *bounded(MAX_NAME)]
Section = Annotated[
    Annotated[str, *bounded(MAX_SECTION)] | None,
    AfterValidator(_section),
]
Page = Annotated[str, *bounded(16)]
Keyword = Annotated[str, *bounded(100)]
IssueDate = Annotated[dt.date | None, AfterValidator(_issue_date)]
Moment = Annotated[dt.datetime | None, AfterValidator(_moment)]
_CHANNEL = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


def _channel(value: str, info: ValidationInfo) -> str:
    if not _CHANNEL.fullmatch(value) and not _context(info, STORED):
        raise ValueError(f"{value[:40]!r} is not a channel name")
    return value


#: A channel name as an embargo names it (``web``, ``wechat``).
ChannelName = Annotated[str, Field(max_length=32), AfterValidator(_channel)]
#: An embargo time: aware, 1900 to 2100.
EmbargoTime = Annotated[dt.datetime, AfterValidator(_moment)]


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

    name: Name = Field(description="The person's name as printed, role words removed.")
    role: Name | None = Field(
        default=None,
        description="Role word printed with the name (记者, 通讯员, 实习生, 评论员 …), if any.",
    )


class Byline(_Model):
    """The credit line of an item, such as `□记者 宋迎迎 报道` or `□本报评论员`."""

    raw: Annotated[str, *bounded(500)] = Field(
        description="The byline exactly as printed (after whitespace trimming)."
    )
    role: Text | None = Field(
        default=None, description="The first role printed (记者, 评论员 …), or null."
    )
    roles: list[Name] = Field(default_factory=list, description="Every role printed, in order.")
    names: list[Name] = Field(
        default_factory=list,
        description="Every credited person, in printed order; empty for an unsigned 本报评论员.",
    )
    credits: list[Credit] = Field(default_factory=list, description="Names paired with roles.")


class Dateline(_Model):
    """The dateline formula that opens (or closes) a story: outlet, place, date, 电/讯."""

    raw: Text = Field(description="The dateline exactly as printed.")
    span: tuple[int, int] = Field(
        description="Start and end offsets of `raw` in the text it was found in."
    )
    date: dt.date | None = Field(
        default=None,
        description="The date the dateline states (ISO 8601), year from the issue date; "
        "null when the dateline carries no date.",
    )
    date_reason: Text | None = Field(
        default=None, description="Why `date` is null, when it is (never guessed)."
    )
    outlet: Text | None = Field(default=None, description="Agency or paper (新华社, 本报 …).")
    location: Text | None = Field(default=None, description="Place, without a qualifier.")
    location_qualifier: Text | None = Field(
        default=None, description="Country or region qualifying the place (委内瑞拉)."
    )
    reporters: list[Name] = Field(
        default_factory=list, description="Every credited name, role words removed."
    )
    position: Literal["lead", "trailer"] = Field(
        default="lead", description="`lead` when it opens the text, `trailer` when it closes it."
    )


class Provenance(_Model):
    """Where an article came from, down to the raw bytes."""

    origin: Text = Field(description="URI of the raw payload (file://, s3://, https://).")
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the raw bytes as received."
    )
    received_at: Annotated[dt.datetime, AfterValidator(_moment)] = Field(
        description="When the payload was received (timezone-aware)."
    )
    source: Text = Field(default="inbox", description="Name of the configured source.")
    encoding: Text | None = Field(default=None, description="Encoding the bytes were decoded as.")


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
    genre: Text = Field(
        default="news", description="news, commentary (本报评论员), feature (侧记), brief …"
    )
    section: Section = Field(
        default=None,
        description="Section or page name, if known: at most 64 characters, no / or \\, "
        "at least one letter or digit.",
    )
    kicker: Text | None = Field(default=None, description="The line above the headline (引题).")
    headline: Headline = Field(description="The main headline (主题).")
    subheadline: Text | None = Field(
        default=None, description="The line below the headline (副题), `——` stripped."
    )
    byline: Byline | None = Field(default=None, description="The credit line, if any.")
    dateline: Dateline | None = Field(default=None, description="The dateline, if any.")
    paragraphs: list[Text] = Field(
        default_factory=list, description="Body paragraphs, repaired and normalized."
    )
    body_html: Text | None = Field(
        default=None, description="Sanitized HTML body, for items that arrive as HTML (feeds)."
    )
    summary: Text | None = Field(default=None, description="A short plain-text summary.")
    link: Text | None = Field(default=None, description="Original URL, for feed items.")
    continued_on_page: Text | None = Field(
        default=None, description="Page the body continues on (`(下转第二版)` → `2`)."
    )
    continued_from_page: Page | None = Field(
        default=None,
        description="Page the body continues from (`（上接第一版）` → `1`): a continuation, "
        "which ingest joins to its start (`distro.jumps`).",
    )
    page_ref: Text | None = Field(
        default=None, description="For a teaser: the page it points to (`3版` → `3`)."
    )
    page_ref_id: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]{5,63}$",
        description="For a teaser: the id of the article it points to, once that page of the "
        "same issue is in (matched by page and headline).",
    )
    page: Page | None = Field(
        default=None, description="Page the item was printed on (at most 16 characters)."
    )
    issue_date: IssueDate = Field(
        default=None, description="Date of the issue (ISO 8601), 1900 to 2100."
    )
    issue_date_inferred: bool = Field(
        default=False, description="True when the issue date was inferred from the text."
    )
    published_at: Moment = Field(
        default=None,
        description="Publication time, Asia/Shanghai (feeds, or issue date); "
        "timezone-aware, 1900 to 2100.",
    )
    embargo_until: Moment = Field(
        default=None,
        description="No channel shows this article before this time (timezone-aware).",
    )
    embargo_channels: dict[ChannelName, EmbargoTime] = Field(
        default_factory=dict,
        description="Per-channel embargo times (web at 06:00, the WeChat edition at 07:00);"
        " a channel not named here uses embargo_until.",
    )
    language: Text = Field(default="zh-CN", description="BCP 47 language tag.")
    keywords: list[Keyword] = Field(default_factory=list, description="Keywords and tags.")
    urgency: Annotated[int, Field(ge=1, le=9)] = Field(
        default=5, description="IPTC urgency, 1 (flash) to 9 (low)."
    )
    pub_status: PubStatus = Field(default=PubStatus.USABLE, description="usable or canceled.")
    correction: Text | None = Field(
        default=None, description="Editor's correction note for versions after the first."
    )
    provenance: Provenance = Field(description="Origin and hash of the raw bytes.")
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        default=1.0,
        description="How sure the parser is that every field is right, 0-1; below the "
        "parser's threshold (distro.parse.confidence.THRESHOLD) an editor should look.",
    )
    flags: list[Text] = Field(
        default_factory=list,
        description="What looked wrong: headline_like_credit, unjoined_fragment, "
        "missing_dateline, short_body, low_margin …",
    )

    def content_hash(self) -> str:
        """SHA-256 over the editorial content, ignoring id, version, provenance and confidence."""
        # A retrained parser model moves confidence and flags, not the copy: no new version.
        doc = self.model_dump_json(
            exclude={
                "id",
                "version",
                "provenance",
                "correction",
                "pub_status",
                "confidence",
                "flags",
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
    HELD = "held"  # waits for an editor at the channel target's review gate
    SCHEDULED = "scheduled"  # waits for its embargo time (``detail["not_before"]``)


DetailT = TypeVar("DetailT", bound=BaseModel)


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

    def detail_int(self, key: str, default: int = 0) -> int:
        """A number kept in ``detail`` (``idx``); ``default`` when absent or empty."""
        value = self.detail.get(key)
        return int(value) if value else default

    def detail_as(self, model: type[DetailT]) -> DetailT:
        """``detail`` read into a typed model (``distro.store.details``); empty values default."""
        return model.model_validate({k: v for k, v in self.detail.items() if v != ""})


class QuarantineEntry(_Model):
    """Input that could not become an article, with why: nothing is dropped silently."""

    id: str
    raw_ref: str = Field(description="sha256 of the raw payload in the archive, or a URI.")
    stage: str = Field(description="ingest, parse, validate, render, send …")
    reason: str
    created_at: dt.datetime
    origin: str | None = None
