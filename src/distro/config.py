"""The config file's pydantic models, its loader, and the state folder's layout.

One TOML file (``--config`` or ``DISTRO_CONFIG``) declares sources, channels, partners and
schedules; with no file, the embedded defaults run everything on one machine under the state
folder. Secrets never appear inline: a field that holds one takes a reference, ``env:VAR`` or
``conn:CONNECTION_ID`` (an Airflow Connection, or ``AIRFLOW_CONN_<ID>`` outside Airflow).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from distro import cron
from distro.errors import ConfigError

DEFAULT_STATE = Path("var")
DEFAULT_TIMEZONE = "Asia/Shanghai"
SECRET_REF = r"^(env:[A-Za-z_][A-Za-z0-9_]*|conn:[A-Za-z0-9_.-]+)$"

SecretRef = Annotated[
    str,
    Field(
        pattern=SECRET_REF,
        description="A reference to a secret: env:VAR or conn:CONNECTION_ID, never the secret.",
    ),
]
Cron = Annotated[
    str,
    Field(
        description="Cron expression (5 fields or @daily …), evaluated in the config's time "
        "zone; checked by `distro config check` and per DAG when the DAGs are built."
    ),
]


def _timezone(name: str) -> str:
    """An IANA time zone name that exists (``Asia/Shangai`` does not)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name, e.g. Asia/Shanghai)") from None
    return name


TimeZone = Annotated[str, AfterValidator(_timezone)]
Review = Annotated[
    Literal["auto", "always"] | Annotated[float, Field(gt=0, le=1)],
    Field(
        description="The review gate: auto (publish what passes), always (an editor approves"
        " every article), or a confidence threshold such as 0.8 (articles below it, or with"
        " parser flags, wait for an editor)."
    ),
]


def _label(text: str) -> str:
    """Text that ends up in every page and feed: no control characters, bounded."""
    from distro.models import CONTROL

    found = CONTROL.search(text)
    if found is not None:
        raise ValueError(f"control character U+{ord(found.group()):04X} at offset {found.start()}")
    if len(text) > 200:
        raise ValueError("longer than 200 characters")
    return text


#: A title or name printed in every page and feed.
Label = Annotated[str, AfterValidator(_label)]


def _section_name(text: str | None) -> str | None:
    """A section given to every item of a feed obeys the article model's section rules."""
    if text is None:
        return None
    from pydantic import TypeAdapter

    from distro.models import Section

    try:
        TypeAdapter(Section).validate_python(text)
    except ValidationError as exc:
        raise ValueError("; ".join(e["msg"] for e in exc.errors())) from None
    return text


SectionName = Annotated[str | None, AfterValidator(_section_name)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreConfig(_Section):
    """Article store and delivery ledger (SQLAlchemy URL)."""

    url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<state>/distro.db."
    )


class ObjectStoreConfig(_Section):
    """Where raw payloads (and published files) are kept: a folder or an S3 bucket."""

    kind: Literal["local", "s3"] = "local"
    path: str | None = Field(default=None, description="Folder for kind=local.")
    bucket: str | None = None
    prefix: str = ""
    endpoint_url: str | None = Field(default=None, description="Any S3-compatible endpoint.")
    region: str | None = None
    conn_id: str | None = Field(default=None, description="Airflow Connection with AWS keys.")


class InboxSourceConfig(_Section):
    """A folder that wire copy files are dropped into."""

    kind: Literal["inbox"] = "inbox"
    name: str = "inbox"
    group: str = Field(default="wire", description="Sources in one group share an ingest DAG.")
    path: str | None = Field(default=None, description="Default <state>/inbox.")
    publication: Label = Field(default="本报", description="Paper the pages come from.")
    pattern: str = Field(default="*.txt", description="Glob of files to take.")
    settle_seconds: float = Field(
        default=0.0, ge=0, description="Size-stable wait for writers that cannot rename."
    )
    schedule: Cron | None = Field(default=None, description="Periodic sweep besides events.")


class S3SourceConfig(_Section):
    """New keys under an S3 prefix."""

    kind: Literal["s3"] = "s3"
    name: str
    group: str = "wire"
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    conn_id: str | None = None
    publication: Label = "本报"
    schedule: Cron | None = "*/5 * * * *"
    queue_url: str | None = Field(
        default=None,
        description="SQS queue that receives the bucket's s3:ObjectCreated:* notifications: the "
        "triggerer long-polls it, a drop starts the group's ingest within seconds and its keys "
        "come from the message; the schedule stays as the sweep.",
    )
    queue_wait_seconds: int = Field(
        default=20, ge=1, le=20, description="Long-poll time of each SQS receive."
    )
    sweep_seconds: int = Field(
        default=300,
        ge=0,
        description="An event run also lists after the cursor when the last listing is this old.",
    )


class FeedSourceConfig(_Section):
    """An RSS or Atom feed fetched with conditional GET."""

    kind: Literal["feed"] = "feed"
    name: str
    group: str = "feeds"
    url: str
    publication: Label | None = None
    section: SectionName = None
    schedule: Cron | None = "*/10 * * * *"


SourceConfig = Annotated[
    InboxSourceConfig | S3SourceConfig | FeedSourceConfig, Field(discriminator="kind")
]


class LimitsConfig(_Section):
    """Guards against hostile or broken input."""

    max_payload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    http_timeout_seconds: float = Field(default=20.0, gt=0)
    http_retries: int = Field(default=3, ge=0)
    publish_parallelism: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Shards (e.g. partners) of one channel published at once.",
    )
    publish_shards: int = Field(
        default=64,
        ge=1,
        le=1024,
        description="Most shards (mapped tasks) one channel run is split into: past it, whole"
        " targets share shards, published one after another (a split target's buckets still"
        " get one each).",
    )
    user_agent: str = "distro/0.1 (+https://github.com/distro-news/distro)"


class BaiduPushConfig(_Section):
    """百度普通收录: new, changed and killed article URLs pushed to Baidu after a web publish."""

    site: str = Field(description="The site as verified on 百度搜索资源平台 (https://www.….cn).")
    token: SecretRef = Field(
        default="conn:distro_baidu", description="The push token: env:VAR or conn:ID (password)."
    )
    endpoint_url: str = Field(
        default="http://data.zz.baidu.com/urls", description="The push API (or a proxy of it)."
    )


class WebChannelConfig(_Section):
    """Static site and feeds."""

    enabled: bool = True
    base_url: str = "http://127.0.0.1:8000/"
    title: Label = "distro"
    publication: Label | None = Field(
        default=None,
        description="The publication's name: news:name in the news sitemap, the publisher in "
        "the pages' JSON-LD; the title when unset.",
    )
    description: Label | None = Field(
        default=None, description="The home page's meta description; from the name when unset."
    )
    output: ObjectStoreConfig = Field(default_factory=ObjectStoreConfig)
    schedule: Cron | None = Field(default="*/15 * * * *", description="Sweep besides events.")
    review: Review = "auto"
    hubs: list[Annotated[str, Field(pattern=r"^https?://")]] = Field(
        default_factory=list,
        description="WebSub hubs: named in the feeds, told (hub.mode=publish) when a feed changes.",
    )
    baidu: BaiduPushConfig | None = Field(
        default=None, description="百度普通收录 push: a [channels.web.baidu] table (site, token)."
    )


class PushProviderConfig(_Section):
    """One push provider; with none configured, notifications go to <state>/outbox/push/."""

    kind: Literal["fcm", "sns", "jpush"]
    name: str | None = None
    conn_id: str | None = Field(default=None, description="Airflow Connection with credentials.")
    endpoint_url: str | None = Field(default=None, description="Override the API base URL.")
    audience: str = Field(default="all", description="Topic, tag or platform application.")


class PushRuleConfig(_Section):
    """Which articles notify: any listed section/genre matches, urgency at most max_urgency."""

    sections: list[str] = Field(default_factory=list)
    genres: list[str] = Field(default_factory=list)
    max_urgency: int = Field(default=3, ge=1, le=9)


class AppChannelConfig(_Section):
    """JSON feeds and documents for apps, and push notifications."""

    enabled: bool = True
    base_url: str = "http://127.0.0.1:8000/app/"
    page_size: int = Field(default=50, ge=1, le=1000)
    output: ObjectStoreConfig = Field(default_factory=ObjectStoreConfig)
    providers: list[PushProviderConfig] = Field(default_factory=list)
    rules: list[PushRuleConfig] = Field(default_factory=lambda: [PushRuleConfig()])
    quiet_hours: tuple[int, int] | None = Field(
        default=None, description="Local hours [start, end) with no push, e.g. [23, 7]."
    )
    schedule: Cron | None = "*/15 * * * *"
    review: Review = "auto"


class WeChatAccountConfig(_Section):
    """One more WeChat Official Account; an unset field takes the top-level account's value.

    Not inherited: the connection (another account), ``account_type`` (a property of the account)
    and ``preview_to`` (editors follow the account that previews to them).
    """

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="The account's id (URL-safe): the deliveries' target, part of its DAG id.",
    )
    enabled: bool = True
    conn_id: str = Field(
        min_length=1, max_length=250, description="login=AppID, password=AppSecret."
    )
    schedules: list[Cron] | None = None
    edition_size: int | None = Field(default=None, ge=1, le=8)
    pool: str | None = None
    pool_slots: int | None = Field(default=None, ge=1)
    review: Review | None = None
    mode: Literal["publish", "mass"] | None = None
    account_type: Literal["subscription", "service"] = "subscription"
    preview_to: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list
    )
    send_ignore_reprint: bool | None = None
    approve: Literal["auto", "editor"] | None = None
    cover_image: str | None = Field(default=None, min_length=1, max_length=2048)

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name == "default":
            raise ValueError('"default" is the top-level [channels.wechat] account')
        return name


class WeChatChannelConfig(_Section):
    """A WeChat Official Account: drafts, then free publish or mass send, in editions."""

    enabled: bool = True
    conn_id: str = Field(default="distro_wechat", description="login=AppID, password=AppSecret.")
    schedules: list[Cron] = Field(
        default_factory=lambda: ["0 7 * * *", "0 18 * * *"],
        description="Editions: morning and evening by default.",
    )
    edition_size: int = Field(default=8, ge=1, le=8)
    pool: str = "wechat_api"
    pool_slots: int = Field(default=1, ge=1)
    review: Review = "auto"
    mode: Literal["publish", "mass"] = Field(
        default="publish",
        description="publish: freepublish/submit (发布; a permanent link, no follower is"
        " notified). mass: message/mass/sendall to all followers (群发), after a preview.",
    )
    account_type: Literal["subscription", "service"] = Field(
        default="subscription",
        description="Sets the 群发 quota: subscription 1 a day; service 1 a day and 4 a month.",
    )
    preview_to: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        description="Editors who get each mass edition by message/mass/preview first: a 28-char"
        " OpenID, or else a 微信号 (sent as towxname). They must follow the account.",
    )
    send_ignore_reprint: bool = Field(
        default=False,
        description="Mass send: go on when an article is judged a reprint the original allows.",
    )
    approve: Literal["auto", "editor"] = Field(
        default="auto",
        description="Mass send: auto sends each edition after its preview; editor holds it"
        " after the preview until an editor approves it (distro review approve-edition).",
    )
    cover_image: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="An image (path or http(s) URL) used as every article's cover instead of"
        " the drawn ones (headline over the paper's name and date).",
    )
    accounts: list[WeChatAccountConfig] = Field(
        default_factory=list,
        description="More Official Accounts (a district's, a magazine's): each its own"
        " connection, token, quotas and editions. The fields above are the default account.",
    )

    @model_validator(mode="after")
    def _distinct_accounts(self) -> WeChatChannelConfig:
        names = [a.name for a in self.accounts]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"account names must be unique: {', '.join(twice)} given twice")
        conns = [self.conn_id, *(a.conn_id for a in self.accounts)]
        shared = sorted({c for c in conns if conns.count(c) > 1})
        if shared:
            # Two entries on one connection are one account: every edition would go out twice.
            raise ValueError(f"each account needs its own conn_id: {', '.join(shared)} is shared")
        return self

    def account_schedules(self) -> list[tuple[str, str]]:
        """(dotted path, cron) of the extra accounts' own schedules, for ``config check``."""
        return [
            (f"channels.wechat.accounts.{n}.schedules.{i}", expression)
            for n, entry in enumerate(self.accounts)
            for i, expression in enumerate(entry.schedules or ())
        ]

    def account_conn_ids(self) -> list[tuple[str, str]]:
        """(dotted path, conn_id) of the extra accounts that publish, for ``config check``."""
        if not self.enabled:
            return []
        return [
            (f"channels.wechat.accounts.{n}.conn_id", entry.conn_id)
            for n, entry in enumerate(self.accounts)
            if entry.enabled
        ]


class ChannelsConfig(_Section):
    """Every channel; each can be switched off.

    distro's own channels have typed sections here; a plugin channel's ``[channels.<name>]`` table
    is kept as written and validated by the options model its ``ChannelSpec`` declares
    (``distro.channels.registry.problems``), so installing a plugin needs no change here.
    """

    model_config = ConfigDict(extra="allow")

    web: WebChannelConfig = Field(default_factory=WebChannelConfig)
    app: AppChannelConfig = Field(default_factory=AppChannelConfig)
    wechat: WeChatChannelConfig = Field(default_factory=WeChatChannelConfig)


class PartnerFilterConfig(_Section):
    """An item goes to the partner when every non-empty filter matches."""

    sections: list[str] = Field(default_factory=list)
    genres: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


class WebhookConfig(_Section):
    """Push new items to a partner, signed with HMAC-SHA256."""

    url: str
    secret: SecretRef
    concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Pushes to this webhook in flight at once in each task (one per item;"
        " every version of one item goes in one push, in order).",
    )


class PartnerConfig(_Section):
    """A channel partner and the feed made for it."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="Partner id (URL-safe).")
    token: SecretRef = Field(
        description="The partner's first access token (by reference); `distro partners rotate`"
        " issues later ones."
    )
    format: Literal["rss", "atom", "jsonfeed", "ninjs"] = "rss"
    full_text: bool = True
    filters: PartnerFilterConfig = Field(default_factory=PartnerFilterConfig)
    webhook: WebhookConfig | None = None
    review: Review = "auto"
    buckets: int = Field(
        default=1,
        ge=1,
        le=256,
        description="Split this partner's pending work into this many tasks by a hash of the"
        " article id (webhook pushes in parallel; the feed is written once after them).",
    )


class PartnerFeedsConfig(_Section):
    """Where partner feeds are kept and how partners reach them: never inside the public site."""

    output: ObjectStoreConfig = Field(
        default_factory=ObjectStoreConfig,
        description="Private store of partner feeds; default <state>/partners (kind=local).",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8790/",
        description="The URL partners fetch from: the authenticated endpoint"
        " (`distro partners serve`) or a proxy in front of it.",
    )
    host: str = Field(default="127.0.0.1", description="Address `distro partners serve` binds.")
    port: int = Field(default=8790, ge=1, le=65535, description="Port it listens on.")
    rotation_overlap_hours: float = Field(
        default=168.0,
        ge=0,
        description="After a rotation, how long the old token keeps working.",
    )
    presign_seconds: int = Field(
        default=604800,
        ge=60,
        le=604800,
        description="Lifetime of presigned S3 feed URLs (kind=s3; S3 allows 7 days at most).",
    )


class ReviewConfig(_Section):
    """How editors are asked: who may answer in Airflow, how long a request waits."""

    editors: list[str] = Field(
        default_factory=list,
        description="Airflow user ids that may answer review requests; empty means any user"
        " with access to the DAG.",
    )
    response_timeout_hours: float | None = Field(
        default=None,
        gt=0,
        description="Close an unanswered request after this long (the articles stay held and"
        " the next review run asks again); none waits until answered.",
    )
    schedule: Cron = Field(
        default="*/10 * * * *",
        description="How often the review DAGs look for held articles no event announced.",
    )


class JumpsConfig(_Section):
    """Stories continued on another page of the issue (`（下转第二版）`): what goes out before
    the continuation is in (`distro.jumps`)."""

    start: Literal["publish", "hold"] = Field(
        default="publish",
        description="A jump's start before its continuation is in: `publish` it at once, marked"
        " continued (下转第N版), or `hold` it for `hold_minutes` (it goes out then, continued,"
        " if the continuation still has not come).",
    )
    hold_minutes: float = Field(
        default=30,
        ge=0,
        le=24 * 60,
        description="How long a held start, and a continuation that came before its start,"
        " wait for the other half before going out alone.",
    )


class AirflowConfig(_Section):
    """How `distro up` and `distro republish` reach Airflow."""

    api_url: str = "http://127.0.0.1:28080"
    username: str = "admin"
    password: SecretRef = "env:DISTRO_AIRFLOW_PASSWORD"


def _default_sources() -> list[SourceConfig]:
    return [InboxSourceConfig()]


class Config(_Section):
    """The whole config file."""

    timezone: TimeZone = DEFAULT_TIMEZONE
    store: StoreConfig = Field(default_factory=StoreConfig)
    archive: ObjectStoreConfig = Field(default_factory=ObjectStoreConfig)
    sources: list[SourceConfig] = Field(default_factory=_default_sources)
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    partners: list[PartnerConfig] = Field(default_factory=list)
    partner_feeds: PartnerFeedsConfig = Field(default_factory=PartnerFeedsConfig)
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    jumps: JumpsConfig = Field(default_factory=JumpsConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    airflow: AirflowConfig = Field(default_factory=AirflowConfig)


def schedules(cfg: Config) -> list[tuple[str, str]]:
    """Every cron of the config with its dotted path."""
    found = [
        (f"sources.{n}.schedule", source.schedule)
        for n, source in enumerate(cfg.sources)
        if source.schedule is not None
    ]
    if cfg.channels.web.schedule is not None:
        found.append(("channels.web.schedule", cfg.channels.web.schedule))
    if cfg.channels.app.schedule is not None:
        found.append(("channels.app.schedule", cfg.channels.app.schedule))
    found.extend(
        (f"channels.wechat.schedules.{n}", expression)
        for n, expression in enumerate(cfg.channels.wechat.schedules)
    )
    found.extend(cfg.channels.wechat.account_schedules())
    return found


def schedule_problems(cfg: Config, paths: tuple[str, ...] | None = None) -> list[str]:
    """``path: what is wrong`` for each invalid cron (under one of ``paths``, when given)."""
    problems = []
    for path, expression in schedules(cfg):
        if paths is not None and not any(path == p or path.startswith(p + ".") for p in paths):
            continue
        found = cron.problem(expression)
        if found is not None:
            problems.append(f"{path}: {found}")
    return problems


def secret_refs(cfg: Config) -> list[tuple[str, str]]:
    """Every secret reference of the config with its dotted path."""
    refs = [("airflow.password", cfg.airflow.password)]
    for n, partner in enumerate(cfg.partners):
        refs.append((f"partners.{n}.token", partner.token))
        if partner.webhook is not None:
            refs.append((f"partners.{n}.webhook.secret", partner.webhook.secret))
    if cfg.channels.web.baidu is not None:
        refs.append(("channels.web.baidu.token", cfg.channels.web.baidu.token))
    return refs


def conn_ids(cfg: Config) -> list[tuple[str, str]]:
    """Every Airflow Connection the enabled parts of the config name, with its dotted path."""
    found = []
    if cfg.channels.wechat.enabled:
        found.append(("channels.wechat.conn_id", cfg.channels.wechat.conn_id))
        found.extend(cfg.channels.wechat.account_conn_ids())
    if cfg.channels.app.enabled:
        found.extend(
            (f"channels.app.providers.{n}.conn_id", p.conn_id)
            for n, p in enumerate(cfg.channels.app.providers)
            if p.conn_id
        )
    for path, store in (
        ("archive", cfg.archive),
        ("channels.web.output", cfg.channels.web.output),
        ("channels.app.output", cfg.channels.app.output),
    ):
        if store.kind == "s3" and store.conn_id:
            found.append((f"{path}.conn_id", store.conn_id))
    found.extend(
        (f"sources.{n}.conn_id", source.conn_id)
        for n, source in enumerate(cfg.sources)
        if isinstance(source, S3SourceConfig) and source.conn_id
    )
    return found


#: References whose absence has a fallback (`distro up` makes the Airflow password).
OPTIONAL_SECRETS = frozenset({"airflow.password"})


def secret_problems(
    cfg: Config, environ: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """(errors, warnings) about secrets: ``env:`` variables unset, connections not defined.

    A connection may live in Airflow's own store, which only Airflow sees, so one missing from
    the environment is a warning; an unset ``env:`` variable is an error unless it has a fallback.
    """
    env = os.environ if environ is None else environ
    errors: list[str] = []
    warnings: list[str] = []
    for path, ref in secret_refs(cfg):
        kind, _, name = ref.partition(":")
        if kind == "env" and not env.get(name):
            line = f"{path}: {ref} is not set in the environment"
            (warnings if path in OPTIONAL_SECRETS else errors).append(line)
        elif kind == "conn" and not env.get(conn_variable(name)):
            warnings.append(f"{path}: connection {name!r} is not in the environment "
                            f"({conn_variable(name)}); fine if Airflow defines it")  # fmt: skip
    for path, conn_id in conn_ids(cfg):
        if not env.get(conn_variable(conn_id)):
            warnings.append(f"{path}: connection {conn_id!r} is not in the environment "
                            f"({conn_variable(conn_id)}); fine if Airflow defines it")  # fmt: skip
    return errors, warnings


def conn_variable(conn_id: str) -> str:
    """The environment variable that defines a connection outside Airflow."""
    return f"AIRFLOW_CONN_{conn_id.upper()}"


@dataclass(frozen=True)
class StatePaths:
    """The state folder's layout: everything one machine keeps."""

    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def database(self) -> Path:
        return self.root / "distro.db"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def app(self) -> Path:
        return self.root / "app"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def partners(self) -> Path:
        return self.root / "partners"


@dataclass(frozen=True)
class Settings:
    """A loaded config with the state folder it applies to."""

    config: Config
    state: StatePaths
    config_path: Path | None = None

    @property
    def store_url(self) -> str:
        return self.config.store.url or f"sqlite:///{self.state.database}"


def describe(error: ValidationError) -> list[str]:
    """One line per error, each with its dotted path in the file."""
    from distro import configdoc

    lines = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(root)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = configdoc.suggest(tuple(item["loc"]))
        lines.append(f"{path}: {message}")
    return lines


def parse(text: str, *, origin: str = "<config>") -> Config:
    """Validate TOML text as a config; ConfigError lists every problem with its path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: " + "; ".join(describe(exc))) from exc
    plugins = plugin_problems(cfg)
    if plugins:
        raise ConfigError(f"{origin}: " + "; ".join(p for lines in plugins.values() for p in lines))
    return cfg


def plugin_problems(cfg: Config) -> dict[str, list[str]]:
    """``channels.<name> -> problems`` of plugin channel sections (unknown or invalid)."""
    if not cfg.channels.model_extra:
        return {}
    from distro.channels import registry

    return registry.problems(cfg)


def _read(config: str | Path | None, state: str | Path | None) -> tuple[Path | None, Path, str]:
    config_path = config or os.environ.get("DISTRO_CONFIG") or None
    state_root = Path(state or os.environ.get("DISTRO_STATE") or DEFAULT_STATE).absolute()
    if config_path is None:
        return None, state_root, ""
    path = Path(config_path)
    try:
        return path, state_root, path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from exc


def load(config: str | Path | None = None, state: str | Path | None = None) -> Settings:
    """Load the config file (flag, then DISTRO_CONFIG, then embedded defaults) and the state."""
    path, state_root, text = _read(config, state)
    if path is None:
        return Settings(Config(), StatePaths(state_root))
    return Settings(parse(text, origin=str(path)), StatePaths(state_root), path)


#: Config sections whose mistakes stay with the DAGs that use them (see ``load_lenient``).
CHANNEL_SECTIONS = ("web", "app", "wechat")


def _scope(loc: tuple[int | str, ...]) -> str | None:
    """The part of the config an error belongs to, when it is not global."""
    if len(loc) >= 2 and loc[0] == "channels" and loc[1] in CHANNEL_SECTIONS:
        return f"channels.{loc[1]}"
    if len(loc) >= 2 and loc[0] in ("sources", "partners") and isinstance(loc[1], int):
        return f"{loc[0]}.{loc[1]}"
    return None


def load_lenient(
    config: str | Path | None = None, state: str | Path | None = None
) -> tuple[Settings, dict[str, list[str]]]:
    """Like ``load``, but a mistake inside one channel, source or partner stays there.

    Returns the settings with each broken part set aside, and ``scope -> problems`` for those
    parts (``channels.app``, ``sources:<group>``, ``partners``): a broken channel section takes its
    defaults (so ingest still queues its deliveries for when it is fixed), a broken source or
    partner is left out. The DAG factory turns each scope into one import error of the DAGs it
    feeds, and every other DAG keeps running. A global mistake (store, limits, time zone …)
    still raises ConfigError.
    """
    path, state_root, text = _read(config, state)
    if path is None:
        return Settings(Config(), StatePaths(state_root)), {}
    origin = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc
    broken: dict[str, list[str]] = {}
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        for item in exc.errors():
            scope = _scope(tuple(item["loc"]))
            if scope is None:
                raise ConfigError(f"{origin}: " + "; ".join(describe(exc))) from exc
            where = ".".join(str(part) for part in item["loc"])
            broken.setdefault(scope, []).append(f"{where}: {item['msg']}")
    else:
        cfg, plugins = _set_plugins_aside(cfg, data)
        return Settings(cfg, StatePaths(state_root), path), plugins
    kept = dict(data)
    named: dict[str, list[str]] = {}
    for scope, problems in broken.items():
        kind, _, key = scope.partition(".")
        if kind == "channels":
            section = dict(kept.get("channels") or {})
            enabled = (section.get(key) or {}).get("enabled", True)
            section[key] = {"enabled": enabled} if isinstance(enabled, bool) else {}
            kept["channels"] = section
            named.setdefault(scope, []).extend(problems)
        elif kind == "sources":
            entries = data.get("sources")
            entry = (
                entries[int(key)] if isinstance(entries, list) and int(key) < len(entries) else None
            )
            named.setdefault(f"sources:{source_group(entry)}", []).extend(problems)
        else:
            named.setdefault("partners", []).extend(problems)
    for kind in ("sources", "partners"):
        gone = {int(s.partition(".")[2]) for s in broken if s.startswith(kind + ".")}
        if gone and isinstance(kept.get(kind), list):
            kept[kind] = [entry for n, entry in enumerate(kept[kind]) if n not in gone]
    try:
        cfg = Config.model_validate(kept)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: " + "; ".join(describe(exc))) from exc
    cfg, plugins = _set_plugins_aside(cfg, kept)
    return Settings(cfg, StatePaths(state_root), path), named | plugins


def _set_plugins_aside(cfg: Config, data: dict[str, Any]) -> tuple[Config, dict[str, list[str]]]:
    """The config without its broken plugin sections (each switches that channel off)."""
    plugins = plugin_problems(cfg)
    if not plugins:
        return cfg, {}
    table = dict(data.get("channels") or {})
    for scope in plugins:
        table.pop(scope.partition(".")[2], None)
    return Config.model_validate({**data, "channels": table}), plugins


def source_group(text_or_entry: object, default: str = "wire") -> str:
    """The group a (possibly invalid) source entry of the file names."""
    if isinstance(text_or_entry, dict):
        group = text_or_entry.get("group")
        if isinstance(group, str) and group:
            return group
        return "feeds" if text_or_entry.get("kind") == "feed" else default
    return default
