"""The demo job: bundled sample wire copy into the inbox, then ingest and every channel."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

from distro.config import Settings
from distro.parse.meta import is_sidecar

SAMPLE_PACKAGE = "distro.samples"


def samples() -> list[tuple[str, bytes]]:
    """The bundled sample files (pages and their sidecars), by name."""
    folder = resources.files(SAMPLE_PACKAGE) / "pages"
    found = [(item.name, item.read_bytes()) for item in folder.iterdir() if item.is_file()]
    return sorted(found)


def drop_samples(inbox: Path) -> list[str]:
    """Write the samples the way producers must: sidecars first, each written then renamed."""
    inbox.mkdir(parents=True, exist_ok=True)
    ordered = sorted(samples(), key=lambda item: not is_sidecar(item[0]))
    names = []
    for name, data in ordered:
        partial = inbox / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(inbox / name)
        names.append(name)
    return names


def reset(settings: Settings) -> None:
    """Remove what an earlier demo left in the state folder (outputs, store, inbox)."""
    state = settings.state
    for path in (state.inbox, state.archive, state.site, state.app, state.outbox):
        shutil.rmtree(path, ignore_errors=True)
    state.database.unlink(missing_ok=True)


def run_inline(settings: Settings) -> list[tuple[str, str, dict[str, Any]]]:
    """Ingest, then publish every enabled channel, in this process without Airflow."""
    from distro import channels, pipeline
    from distro.store.ledger import Ledger

    ledger = Ledger.open(settings)
    try:
        report = pipeline.ingest(settings, ledger=ledger)
        steps: list[tuple[str, str, dict[str, Any]]] = [
            ("ingest", "success" if not report.errors else "failed", report.as_json())
        ]
        for name in channels.enabled(settings):
            published = channels.publish(name, settings, ledger)
            state = "failed" if published.failed else "success"
            steps.append((f"publish {name}", state, asdict(published)))
    finally:
        ledger.close()
    return steps


def story(settings: Settings) -> list[str]:
    """What the demo did, in plain words: each item stored, what it became and where it went."""
    import datetime as dt

    from distro.models import Kind
    from distro.store.ledger import Ledger

    state = settings.state
    lines: list[str] = []
    with Ledger.open(settings) as ledger:
        items = ledger.articles()
        quarantined = ledger.quarantined()
    old = 0
    for item in items:
        if item.kind is Kind.TEASER:
            lines.append(
                f"- teaser \u201c{item.headline}\u201d: a pointer to a story on another page,"
                " not an article: stored, but no channel publishes it as a story"
            )
            continue
        page = state.site / "articles" / f"{item.id}.html"
        where = f"web page {page}" if page.exists() else "no web page yet"
        lines.append(f"- article \u201c{item.headline}\u201d: {where}, app JSON, WeChat edition")
        published = item.published_at
        if published is not None and dt.datetime.now(dt.UTC) - published > dt.timedelta(days=2):
            old += 1
    if quarantined:
        lines.append(f"- {len(quarantined)} item(s) quarantined: see `distro quarantine list`")
    if old:
        lines.append(
            f"- the news sitemap lists only the last two days (Google News's rule): {old}"
            " article(s) of an old issue are on the site and in the feeds, not in sitemap-news.xml"
        )
    return lines


def outputs(settings: Settings) -> dict[str, int]:
    """How many files each output folder of the state holds now."""
    state = settings.state
    folders = {
        "site": state.site,
        "app": state.app,
        "outbox/wechat": state.outbox / "wechat",
        "outbox/push": state.outbox / "push",
    }
    return {
        name: sum(1 for path in folder.rglob("*") if path.is_file())
        for name, folder in folders.items()
        if folder.is_dir()
    }
