"""百度普通收录 (Baidu's URL push): new, changed and withdrawn article pages are pushed after a web
publish (a killed article's URL is pushed again, so Baidu recrawls it and finds the ``noindex``
tombstone: the API has no delete call).

The API (百度搜索资源平台, 普通收录 › API提交): ``POST http://data.zz.baidu.com/urls?site=<site>
&token=<token>`` with a ``text/plain`` body of at most 2,000 URLs, one per line. It answers
``{"success": N, "remain": M}`` (``remain``: how many more it takes today, Beijing time), with
``not_same_site`` / ``not_valid`` lists for URLs it did not count, or ``{"error": 400|401|404|500,
"message": …}``: ``site error`` (the site is not verified), ``token is not valid``, ``empty
content``, ``only 2000 urls are allowed once``, ``over quota`` (nothing more counts today).

So distro keeps, in ``ledger.kv("web")`` under ``baidu:``, a ``queue`` of the article pages a
publish made (an article's URL is queued when it reaches a version Baidu has not taken:
``sent:<article id>`` holds the last version accepted, so an unchanged URL is never pushed again)
and the ``quota`` the API last reported for the day. A day's first push sends one URL to learn
``remain``; later ones send at most ``remain`` (and 2,000) at a time, and nothing once it is 0,
until Beijing's midnight. What does not go out (quota, a refusal, Baidu down) waits for the next
run; a failed push is a warning in the run report, never a failed publish. The token is read
from its reference (``[channels.web.baidu] token``, a Connection's password by default) and is
masked in every log line and error by the HTTP layer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from distro import secrets
from distro.errors import ChannelRejected, ChannelUnavailable

if TYPE_CHECKING:
    from distro.channels import PublishReport
    from distro.config import BaiduPushConfig, Settings
    from distro.net import HttpClient, Reply
    from distro.store.kv import KeyValue
    from distro.store.ledger import Ledger

log = logging.getLogger(__name__)

NAMESPACE = "web"
#: The API's limit per request.
MAX_BATCH = 2000
#: URLs kept waiting at most; past it the oldest go (a site far over its quota pushes its news).
MAX_QUEUE = 10_000
BEIJING = ZoneInfo("Asia/Shanghai")
OVER_QUOTA = "over quota"
#: Statuses whose JSON body says what went wrong (the rest are the HTTP layer's to judge).
ANSWERED = (400, 401, 403, 404)

#: URL -> (article id, version), oldest first.
Queue = dict[str, tuple[str, int]]


@dataclass(frozen=True)
class Page:
    """An article page a publish wrote: its public URL and the version it shows."""

    url: str
    article_id: str
    version: int


def _store(ledger: Ledger) -> KeyValue:
    return ledger.kv(NAMESPACE).child("baidu")


def queued(ledger: Ledger) -> Queue:
    """The URLs waiting to be pushed, oldest first."""
    text = _store(ledger).get("queue")
    stored: dict[str, list[Any]] = json.loads(text) if text else {}
    return {url: (str(entry[0]), int(entry[1])) for url, entry in stored.items()}


def _save_queue(store: KeyValue, queue: Queue) -> None:
    if queue:
        store.set("queue", json.dumps({u: list(e) for u, e in queue.items()}, ensure_ascii=False))
    else:
        store.delete("queue")


def enqueue(settings: Settings, ledger: Ledger, pages: Iterable[Page]) -> int:
    """Queue the pages whose version Baidu has not taken yet; how many were queued."""
    if settings.config.channels.web.baidu is None:
        return 0
    store = _store(ledger)
    queue = queued(ledger)
    added = 0
    for page in pages:
        taken = store.get(f"sent:{page.article_id}")
        if taken is not None and int(taken) >= page.version:
            continue  # Baidu has this version: the URL did not change
        queue.pop(page.url, None)  # a newer version goes to the back, once
        queue[page.url] = (page.article_id, page.version)
        added += 1
    if len(queue) > MAX_QUEUE:
        queue = dict(list(queue.items())[-MAX_QUEUE:])
    if added:
        _save_queue(store, queue)
    return added


def today(now: dt.datetime | None = None) -> str:
    """Baidu's day (Beijing), as the quota counts it."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(BEIJING).date().isoformat()


def remaining(ledger: Ledger, day: str) -> int | None:
    """What the API said is left of ``day``'s quota; None when it has not said yet today."""
    text = _store(ledger).get("quota")
    quota = json.loads(text) if text else {}
    return int(quota["remain"]) if quota.get("day") == day else None


def client(settings: Settings, token: str) -> HttpClient:
    # Imported here: a site without the push never loads the HTTP layer (requests) in a publish.
    from distro.net import CHANNEL as HTTP_ERRORS
    from distro.net import HttpClient, Limits, RetryPolicy

    return HttpClient(
        limits=Limits.of(settings.config.limits),
        retry=RetryPolicy(attempts=2, base_delay=0.5),
        errors=HTTP_ERRORS,
        name="baidu",
        secrets=[token],
    )


def push(http: HttpClient, cfg: BaiduPushConfig, token: str, urls: list[str]) -> Reply:
    """POST one batch of URLs, one per line; the reply of a 200 or of an answered error."""
    return http.post(
        cfg.endpoint_url,
        params={"site": cfg.site, "token": token},
        data="\n".join(urls).encode("utf-8"),
        headers={"Content-Type": "text/plain"},
        handled=ANSWERED,
    )


def _answer(reply: Reply) -> dict[str, Any]:
    try:
        body = reply.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def drain(
    settings: Settings,
    ledger: Ledger,
    report: PublishReport,
    *,
    now: dt.datetime | None = None,
    http: HttpClient | None = None,
) -> int:
    """Push what waits, within today's quota; the number of URLs Baidu counted."""
    cfg = settings.config.channels.web.baidu
    if cfg is None:
        return 0
    store = _store(ledger)
    queue = queued(ledger)
    if not queue:
        return 0
    day = today(now)
    remain = remaining(ledger, day)
    if remain is not None and remain <= 0:
        report.messages.append(f"Baidu: today's quota is used; {len(queue)} URL(s) wait")
        return 0
    token = secrets.resolve(cfg.token)
    agent = http or client(settings, token)
    agent.add_secret(token)
    counted = 0

    def warn(text: str) -> None:
        warning = f"warning: Baidu push: {agent.redact(text)}; {len(queue)} URL(s) wait"
        log.warning("%s", warning)
        report.messages.append(warning)

    try:
        while queue and (remain is None or remain > 0):
            # The day's first push learns what is left: one URL, never more than the quota.
            batch = list(queue)[: 1 if remain is None else min(MAX_BATCH, remain)]
            try:
                reply = push(agent, cfg, token, batch)
            except (ChannelUnavailable, ChannelRejected) as exc:
                warn(exc.message)
                break
            answer = _answer(reply)
            if reply.status == 200 and "success" in answer:
                skipped = {*answer.get("not_same_site", []), *answer.get("not_valid", [])}
                for url in batch:
                    article_id, version = queue.pop(url)
                    if url not in skipped:
                        store.set(f"sent:{article_id}", str(version))
                counted += int(answer["success"])
                remain = int(answer.get("remain", 0))
                store.set("quota", json.dumps({"day": day, "remain": remain}))
                _save_queue(store, queue)
                if skipped:
                    shown = ", ".join(sorted(skipped)[:3])
                    warn(f"{len(skipped)} URL(s) not of site {cfg.site} or not valid: {shown}")
                continue
            message = str(answer.get("message") or reply.excerpt() or "no reason given")
            if message == OVER_QUOTA:
                remain = 0
                store.set("quota", json.dumps({"day": day, "remain": 0}))
                report.messages.append(f"Baidu: today's quota is used; {len(queue)} URL(s) wait")
                break
            warn(f"HTTP {reply.status}: {message}")
            break
    finally:
        if http is None:
            agent.close()
    if counted:
        report.messages.append(f"Baidu: {counted} URL(s) pushed, {remain} left today")
    return counted
