"""An example distro channel: each delivered article version as one JSON file per target."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from distro.channels import ChannelSpec, PublishReport, claim_by_article, registry
from distro.config import Settings
from distro.models import PubStatus
from distro.store.ledger import Ledger

NAME = "example"


class ExampleOptions(BaseModel):
    """``[channels.example]``."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    path: str = Field(description="Folder of one sub-folder per target.")
    targets: list[str] = Field(default_factory=lambda: ["default"], min_length=1)
    schedule: str | None = None
    review: str | float = "auto"


def options(settings: Settings) -> ExampleOptions:
    found = registry.options(settings, NAME)
    assert isinstance(found, ExampleOptions)
    return found


def publish(settings: Settings, ledger: Ledger, target: str | None = None) -> PublishReport:
    """Write each pending version into its target's folder, once."""
    report = PublishReport(channel=NAME)
    folder = Path(options(settings).path)
    folder.mkdir(parents=True, exist_ok=True)
    pending = [d for d in ledger.pending(NAME) if target is None or d.target == target]
    for _article_id, deliveries in claim_by_article(ledger, pending):
        for delivery in deliveries:
            article = ledger.get(delivery.article_id, delivery.version)
            if article is None:
                ledger.mark_quarantined(delivery, "article version missing")
                report.quarantined += 1
                continue
            line = {
                "id": article.id,
                "version": article.version,
                "headline": article.headline,
                "status": "canceled" if article.pub_status is PubStatus.CANCELED else "usable",
            }
            # One file per version, written whole: a retry after a crash rewrites, never repeats.
            out = folder / delivery.target / f"{article.id}.v{article.version}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            part = out.with_suffix(".part")
            part.write_text(json.dumps(line, ensure_ascii=False), encoding="utf-8")
            part.replace(out)
            ledger.mark_sent(delivery, remote_id=f"{delivery.target}:{article.id}")
            report.sent += 1
    return report


SPEC = ChannelSpec(
    name=NAME,
    publish=publish,
    options=ExampleOptions,
    targets=lambda settings: list(options(settings).targets),
    description="One JSON file per article version, one folder per target.",
    order=90,
)
