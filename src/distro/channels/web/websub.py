"""WebSub publishing: tell the site's hubs which of its feeds changed, and remember who missed it.

The feeds name their hubs (``channels.web.hubs``) beside their self link, so subscribers ask a
hub, not the site. W3C WebSub (§5, "Publishing") leaves the publisher's ping to what the hub
accepts; every public hub (Google's, Superfeedr, websub.rocks) takes the PubSubHubbub form sent
here: a form-encoded ``POST hub.mode=publish&hub.url=<feed URL>`` answered with a 2xx, one per
changed feed.

Only feeds the run rewrote are announced (unchanged bytes are not rewritten, so a rerun pings
nothing). The feeds about to change are noted as pending for every hub before they are written
(``ledger.kv("web")``, key ``websub:pending``), so a crash between the write and the ping
announces them on the next run rather than never. A hub that fails does not fail the publish:
the run report carries a warning and its feeds stay pending until a later run gets through.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from distro.errors import ChannelRejected, ChannelUnavailable

if TYPE_CHECKING:
    from distro.channels import PublishReport
    from distro.config import Settings
    from distro.net import HttpClient
    from distro.store.kv import KeyValue
    from distro.store.ledger import Ledger

log = logging.getLogger(__name__)

NAMESPACE = "web"
PENDING = "pending"  # in NAMESPACE's child "websub": hub URL -> feed URLs not yet announced
#: The file names of the site's feeds (home and every section).
FEEDS = ("feed.xml", "atom.xml", "feed.json")
FORM = "application/x-www-form-urlencoded"
#: Tries of one ping within a run (a hub's 5xx, 429 or timeout), and the backoff factor.
ATTEMPTS = 2
BACKOFF = 0.5

Pending = dict[str, list[str]]


def is_feed(key: str) -> bool:
    """Whether an object key of the site is one of its feeds (not a page or a sitemap)."""
    return key.rsplit("/", 1)[-1] in FEEDS


def client(settings: Settings) -> HttpClient:
    # Imported here: a site without hubs never loads the HTTP layer (requests) in a publish.
    from distro.net import CHANNEL as HTTP_ERRORS
    from distro.net import HttpClient, Limits, RetryPolicy

    return HttpClient(
        limits=Limits.of(settings.config.limits),
        retry=RetryPolicy(attempts=ATTEMPTS, base_delay=BACKOFF),
        errors=HTTP_ERRORS,
        name="websub",
    )


def ping(http: HttpClient, hub: str, feed_url: str) -> int:
    """Tell ``hub`` that ``feed_url`` changed; its 2xx status, else the HTTP layer's error."""
    body = urlencode([("hub.mode", "publish"), ("hub.url", feed_url)]).encode("ascii")
    return http.post(hub, data=body, headers={"Content-Type": FORM}).status


def _store(ledger: Ledger) -> KeyValue:
    return ledger.kv(NAMESPACE).child("websub")


def pending(ledger: Ledger) -> Pending:
    """The feeds each hub has not been told about yet."""
    text = _store(ledger).get(PENDING)
    return dict(json.loads(text)) if text else {}


def _save(ledger: Ledger, todo: Pending) -> None:
    store = _store(ledger)
    if todo:
        store.set(PENDING, json.dumps(todo, ensure_ascii=False, sort_keys=True))
    else:
        store.delete(PENDING)


def remember(settings: Settings, ledger: Ledger, changed: Iterable[str]) -> None:
    """Note that every hub is to hear of ``changed`` (feed URLs), before they are written: a
    crash between the write and the ping then still pings on the next run."""
    hubs = settings.config.channels.web.hubs
    fresh = set(changed)
    if not hubs or not fresh:
        return
    before = pending(ledger)
    todo = {hub: sorted(fresh | set(before.get(hub, []))) for hub in hubs}
    if todo != before:
        _save(ledger, todo)


def announce(
    settings: Settings, ledger: Ledger, report: PublishReport, *, http: HttpClient | None = None
) -> int:
    """Ping every hub for the feeds it has not heard of; the number of pings that went through.
    A failing hub is a warning in ``report``, never an error; its feeds stay pending."""
    hubs = settings.config.channels.web.hubs
    if not hubs:
        return 0
    before = pending(ledger)
    todo = {hub: before[hub] for hub in hubs if before.get(hub)}
    if todo != before:
        _save(ledger, todo)  # a hub dropped from the config takes its backlog with it
    if not todo:
        return 0
    done = 0
    left: Pending = {}
    agent = http or client(settings)
    try:
        for hub, urls in todo.items():
            for n, url in enumerate(urls):
                try:
                    ping(agent, hub, url)
                except (ChannelUnavailable, ChannelRejected) as exc:
                    # One failure and the hub is left for this run: a dead hub costs one wait.
                    left[hub] = urls[n:]
                    warning = (
                        f"warning: WebSub hub {agent.redact(hub)} not told: {exc.message}; "
                        f"{len(urls) - n} feed(s) announced on a later run"
                    )
                    log.warning("%s", warning)
                    report.messages.append(warning)
                    break
                done += 1
    finally:
        if http is None:
            agent.close()
    _save(ledger, left)
    if done:
        report.messages.append(f"WebSub: {done} ping(s) to {len(todo)} hub(s)")
    return done
