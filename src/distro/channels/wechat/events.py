"""WeChat's event pushes (``PUBLISHJOBFINISH``, ``MASSSENDJOBFINISH``): parsed and recorded."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from defusedxml import ElementTree  # type: ignore[import-untyped]  # ships no stubs

from distro.channels import PublishReport
from distro.channels.wechat.editions import CHANNEL, in_flight
from distro.channels.wechat.outcomes import PUBLISHING, record_mass, record_publish

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger


def event_data(payload: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """An event push (XML as pushed, or JSON) as a dict of its fields."""
    if isinstance(payload, Mapping):
        data: dict[str, Any] = dict(payload)
    else:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        stripped = text.lstrip()
        if stripped.startswith("{"):
            data = json.loads(stripped)
        else:
            root = ElementTree.fromstring(stripped)
            data = _xml_to_dict(root)
    return data


def event_name(data: Mapping[str, Any]) -> str:
    """The pushed event's name, upper case (``PUBLISHJOBFINISH``, ``MASSSENDJOBFINISH`` …)."""
    return str(data.get("Event", data.get("event", ""))).upper()


def _xml_to_dict(element: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in element:
        value: Any = _xml_to_dict(child) if len(child) else (child.text or "").strip()
        if child.tag in out:  # repeated elements (<item>, <fail_idx>) become lists
            if not isinstance(out[child.tag], list):
                out[child.tag] = [out[child.tag]]
            out[child.tag].append(value)
        else:
            out[child.tag] = value
    return out


def _items(value: Any) -> list[dict[str, Any]]:
    """``<ResultList><item>…</item></ResultList>`` as a list, however many items came."""
    found = value.get("item", []) if isinstance(value, dict) else value
    if isinstance(found, dict):
        found = [found]
    return [i for i in found or [] if isinstance(i, dict)]


def parse_event(payload: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """A ``PUBLISHJOBFINISH`` event (XML as pushed, or JSON) as a freepublish/get-like dict."""
    data = event_data(payload)
    event = str(data.get("Event", data.get("event", "")))
    if event.upper() not in ("PUBLISHJOBFINISH", "FREEPUBLISHJOBFINISH"):
        raise ValueError(f"not a publish event: {event!r}")
    info = data.get("PublishEventInfo") or data.get("publish_event_info") or {}
    if not isinstance(info, dict):
        raise ValueError("publish event without PublishEventInfo")
    detail = info.get("article_detail") or {}
    items = detail.get("item", []) if isinstance(detail, dict) else []
    if isinstance(items, dict):
        items = [items]
    fail_idx = info.get("fail_idx") or []
    if not isinstance(fail_idx, list):
        fail_idx = [fail_idx]
    return {
        "publish_id": str(info.get("publish_id", "")),
        "publish_status": int(info.get("publish_status", PUBLISHING)),
        "article_id": info.get("article_id", ""),
        "article_detail": {"item": items},
        "fail_idx": [int(i) for i in fail_idx],
    }


def mass_urls(data: Mapping[str, Any]) -> dict[int, str]:
    """A ``MASSSENDJOBFINISH`` event's article URLs by position (1-based)."""
    urls: dict[int, str] = {}
    result = data.get("ArticleUrlResult")
    if isinstance(result, dict):
        for item in _items(result.get("ResultList")):
            try:
                urls[int(item.get("ArticleIdx", 0))] = str(item.get("ArticleUrl", ""))
            except (TypeError, ValueError):
                continue
    return urls


def handle_mass_event(
    ledger: Ledger, data: Mapping[str, Any], target: str | None = None
) -> PublishReport:
    """Record the outcome a ``MASSSENDJOBFINISH`` push reports (as parsed from XML or JSON)."""
    report = PublishReport(channel=CHANNEL)
    msg_id = str(data.get("MsgID") or data.get("MsgId") or data.get("msg_id") or "")
    status = str(data.get("Status") or data.get("status") or "")
    members = in_flight(ledger, "msg_id", target).get(msg_id)
    if not msg_id or not members:
        report.messages.append(f"mass {msg_id}: nothing of ours is waiting")
        return report
    counts = {k: data.get(k) for k in ("TotalCount", "FilterCount", "SentCount", "ErrorCount")}
    report.messages.append(
        f"mass {msg_id}: {status}; " + ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    )
    report.sent += record_mass(ledger, members, msg_id, status, report, mass_urls(data))
    return report


def handle_event(
    settings: Settings,
    ledger: Ledger,
    payload: str | bytes | Mapping[str, Any],
    target: str | None = None,
) -> PublishReport:
    """Record the outcome a ``PUBLISHJOBFINISH`` or ``MASSSENDJOBFINISH`` push reports
    (to ``target``'s callback; None: whichever account is waiting for that id)."""
    data = event_data(payload)
    if event_name(data) == "MASSSENDJOBFINISH":
        return handle_mass_event(ledger, data, target)
    status = parse_event(data)
    report = PublishReport(channel=CHANNEL)
    members = in_flight(ledger, "publish_id", target).get(status["publish_id"])
    if not members:
        report.messages.append(f"publish {status['publish_id']}: nothing of ours is waiting")
        return report
    report.sent += record_publish(ledger, members, status, report)
    return report
