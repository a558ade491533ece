"""The source interface: a source yields items, the pipeline processes and settles each one.

An item is one input (a file, a key, a feed fetch). It carries its bytes, or an outcome that
needs no processing (``not_modified``) or a failure (``quarantined``/``error`` with a reason).
After processing, the pipeline calls ``done()`` (the inbox file leaves, the S3 cursor advances,
the feed's validators are kept) or ``release()`` (a transient failure: try again next run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from distro.config import Settings, SourceConfig
    from distro.sources.transport import Transport
    from distro.store.ledger import Ledger

PayloadKind = Literal["page", "feed"]
Outcome = Literal["ok", "not_modified", "quarantined", "error"]


def _nothing() -> None:
    return None


@dataclass
class Item:
    """One input from a source."""

    uri: str
    source: str
    kind: PayloadKind
    data: bytes | None = None
    outcome: Outcome | None = None  # preset when there is nothing to process
    reason: str | None = None
    stage: str = "fetch"  # the stage a preset quarantine names (``claim`` for the inbox)
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str | None = None
    filename: str | None = None
    sidecar: bytes | None = None
    publication: str | None = None
    section: str | None = None
    done: Callable[[], None] = _nothing
    release: Callable[[], None] = _nothing


class Source(Protocol):
    """Anything that yields items."""

    name: str
    location: str  # where it reads from, for reports

    def items(self, ledger: Ledger) -> Iterator[Item]: ...


def open_sources(
    settings: Settings,
    configs: list[SourceConfig] | None = None,
    *,
    transport: Transport | None = None,
) -> list[Source]:
    """The sources the config declares (or ``configs``), ready to run."""
    from distro.sources.feed import FeedSource
    from distro.sources.inbox import InboxSource
    from distro.sources.s3 import S3Source
    from distro.sources.transport import Transport

    http = transport or Transport(settings.config.limits)
    sources: list[Source] = []
    for cfg in settings.config.sources if configs is None else configs:
        if cfg.kind == "inbox":
            path = Path(cfg.path) if cfg.path else settings.state.inbox
            sources.append(
                InboxSource(
                    path,
                    name=cfg.name,
                    publication=cfg.publication,
                    pattern=cfg.pattern,
                    settle_seconds=cfg.settle_seconds,
                )
            )
        elif cfg.kind == "s3":
            sources.append(S3Source(cfg))
        else:
            sources.append(
                FeedSource(
                    cfg.url,
                    transport=http,
                    name=cfg.name,
                    publication=cfg.publication,
                    section=cfg.section,
                )
            )
    return sources
