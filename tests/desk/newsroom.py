"""A newsroom's ledger for the desk tests, made by the real pipeline from the real seed page."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from distro import channels, config, pipeline, service
from distro.desk import PREFIX
from distro.desk.app import create_app
from distro.models import DeliveryState, Kind
from distro.store.ledger import Ledger
from tests.conftest import SEED

CONFIG = """
[channels.web]
base_url = "http://127.0.0.1:8000/"
title = "西海岸新闻"

[channels.wechat]
review = "always"
"""
#: A file the parser cannot take: it ends in the quarantine (stage parse).
BAD_PAGE = b"\xff\xfe\x00 not a page at all"
REFUSAL = "app refused the document: 413 payload too large"


@dataclass(frozen=True)
class Newsroom:
    """The seeded state: what each test looks for is read back from the ledger, not assumed."""

    settings: config.Settings
    lead: str  # the front page's lead story, republished once (v2)
    second: str  # the second story; its app delivery was refused (quarantined)
    teaser: str
    parse_entry: str  # the bad page's quarantine entry
    refusal_entry: str  # the refused app delivery's entry


def seed(state: Path) -> Newsroom:
    """Ingest the seed page and a bad file, publish every channel, then an editor's edits."""
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    path = state / "distro.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = config.load(path, state)
    inbox = settings.state.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, inbox / "2021-07-05_01.txt")
    (inbox / "2021-07-05_02.txt").write_bytes(BAD_PAGE)
    with Ledger.open(settings) as ledger:
        pipeline.ingest(settings, ledger=ledger)
        for name in ("web", "app"):
            channels.publish(name, settings, ledger)
        stories = [a for a in ledger.articles() if a.kind is Kind.ARTICLE]
        teasers = [a for a in ledger.articles() if a.kind is Kind.TEASER]
        lead = next(a for a in stories if "高质量发展" in a.headline)
        second = next(a for a in stories if a.id != lead.id)
        service.republish(settings, ledger, [lead.id], ["web"], "错字", note="更正：标题错字")
        app = next(d for d in ledger.deliveries(article_id=second.id, channel="app"))
        ledger.mark_quarantined(app.model_copy(update={"state": DeliveryState.SENT}), REFUSAL)
        entries = {e.stage: e.id for e in ledger.quarantined()}
    return Newsroom(
        settings=settings,
        lead=lead.id,
        second=second.id,
        teaser=teasers[0].id,
        parse_entry=entries["parse"],
        refusal_entry=entries["deliver"],
    )


def root_app(settings: config.Settings) -> FastAPI:
    """The desk mounted under its prefix, as Airflow's api-server mounts it."""
    root = FastAPI()
    root.mount(PREFIX, create_app(lambda: settings))
    return root


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """``app`` on a real uvicorn server on 127.0.0.1; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", ws="none", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            threading.Event().wait(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
