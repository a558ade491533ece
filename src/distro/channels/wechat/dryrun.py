"""The embedded default with no WeChat credentials: write the exact requests to the outbox instead.

Nothing is marked sent: once a connection is configured, the same deliveries go out for real.
Rewriting an edition's file on every run is idempotent (its name is the edition's id).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distro.channels import PublishReport
from distro.channels.wechat import render
from distro.channels.wechat.client import DEFAULT_BASE_URL, is_openid
from distro.channels.wechat.cover import default_cover
from distro.channels.wechat.editions import CHANNEL, clientmsgid, edition_id, plan

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

#: Stand-ins for values only WeChat can hand out.
TOKEN = "ACCESS_TOKEN"
THUMB = "THUMB_MEDIA_ID_FROM_material/add_material"
DRAFT = "MEDIA_ID_FROM_draft/add"
APPID = "APPID"  # the real clientmsgid also hashes the account's AppID


def _upload(url: str, name: str, data: bytes, content_type: str) -> dict[str, Any]:
    return {
        "method": "POST",
        "url": url,
        "multipart": {
            "media": {
                "filename": name,
                "content_type": content_type,
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        },
    }


def publish(settings: Settings, ledger: Ledger) -> PublishReport:
    """Write what ``publish`` would send for every pending delivery; send nothing."""
    cfg = settings.config.channels.wechat
    report = PublishReport(channel=CHANNEL, dry_run=True)
    outbox = settings.state.outbox / "wechat"
    outbox.mkdir(parents=True, exist_ok=True)
    base = DEFAULT_BASE_URL
    cover = default_cover()
    cover_path = outbox / "cover.jpg"
    if not cover_path.exists() or cover_path.read_bytes() != cover:
        cover_path.write_bytes(cover)
    planned = plan(ledger, ledger.pending(CHANNEL), cfg.edition_size)
    for note in planned.notes:
        report.messages.append(f"dry run: {note}")
    for edition in planned.editions:
        requests: list[dict[str, Any]] = [
            _upload(
                f"{base}material/add_material?access_token={TOKEN}&type=thumb",
                "cover.jpg",
                cover,
                "image/jpeg",
            )
        ]
        articles = []
        for member in edition:
            for src in render.image_sources(member.article):
                requests.append(
                    {
                        "method": "POST",
                        "url": f"{base}media/uploadimg?access_token={TOKEN}",
                        "multipart": {"media": {"source": src}},
                    }
                )
            try:
                articles.append(
                    render.render(
                        member.article,
                        base_url=settings.config.channels.web.base_url,
                        thumb_media_id=THUMB,
                    )
                )
            except ValueError as exc:
                report.quarantined += 1
                report.messages.append(f"dry run: {member.article.id} would be refused: {exc}")
        if not articles:
            continue
        requests.append(
            {
                "method": "POST",
                "url": f"{base}draft/add?access_token={TOKEN}",
                "json": {"articles": articles},
            }
        )
        name = edition_id([m.delivery for m in edition])
        if cfg.mode == "mass":
            requests.extend(_mass_requests(base, cfg.preview_to, name, cfg.send_ignore_reprint))
        else:
            requests.append(
                {
                    "method": "POST",
                    "url": f"{base}freepublish/submit?access_token={TOKEN}",
                    "json": {"media_id": DRAFT},
                }
            )
        path = outbox / f"{name}.json"
        document = {
            "channel": CHANNEL,
            "dry_run": True,
            "edition": name,
            "deliveries": [f"{m.delivery.article_id}/v{m.delivery.version}" for m in edition],
            "requests": requests,
        }
        _write(path, document)
        report.outputs.append(str(path))
        report.skipped += len(articles)
    for member in planned.kills:
        report.skipped += 1
        report.messages.append(f"dry run: would withdraw {member.article.id} if it was published")
    report.messages.insert(
        0,
        f"no connection {cfg.conn_id!r}: dry run, nothing sent; "
        f"{len(report.outputs)} edition(s) of requests written to {outbox}",
    )
    return report


def _mass_requests(
    base: str, editors: Sequence[str], edition: str, ignore_reprint: bool
) -> list[dict[str, Any]]:
    """The previews and the 群发 that ``mode = "mass"`` makes of the draft."""
    url = f"{base}message/mass/{{}}?access_token={TOKEN}"
    mpnews = {"msgtype": "mpnews", "mpnews": {"media_id": DRAFT}}
    found: list[dict[str, Any]] = [
        {
            "method": "POST",
            "url": url.format("preview"),
            "json": {"touser" if is_openid(e) else "towxname": e, **mpnews},
        }
        for e in editors
    ]
    found.append(
        {
            "method": "POST",
            "url": url.format("sendall"),
            "json": {
                "filter": {"is_to_all": True},
                **mpnews,
                "send_ignore_reprint": 1 if ignore_reprint else 0,
                "clientmsgid": clientmsgid(APPID, edition),
            },
        }
    )
    return found


def _write(path: Path, document: dict[str, Any]) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
