"""What WeChat says became of an edition, recorded for its deliveries: 发布's publish_status
(``freepublish/get`` or ``PUBLISHJOBFINISH``) and 群发's msg_status (``mass/get`` or
``MASSSENDJOBFINISH``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from distro.channels import PublishReport
from distro.channels.wechat.editions import CLEARED, MASS_CLEARED, Member, requeue
from distro.faults import fault

if TYPE_CHECKING:
    from distro.store.ledger import Ledger

PUBLISHED, PUBLISHING = 0, 1
REJECTED = frozenset({2, 4})  # originality check failed, refused by review: fail_idx says which
GONE = {5: "deleted by the account after publishing", 6: "banned by WeChat after publishing"}
SUCCESS, SENDING, FAIL, DELETED = "SEND_SUCCESS", "SENDING", "SEND_FAIL", "DELETE"
EVENT_ERROR = re.compile(r"err\((\d+)\)")
EVENT_REASONS = {
    10001: "advertising",
    20001: "politics",
    20002: "pornography",
    20004: "society",
    20006: "crime",
    20008: "fraud",
    20013: "copyright",
    21000: "other",
    22000: "mutual promotion",
    30001: "originality check error",
    30002: "refused by the originality check",
    30003: "reprint, may not be sent",
    40001: "API mass-send protection: not confirmed by an admin",
    40002: "API mass-send protection: refused by an admin",
}


def _sent(
    ledger: Ledger,
    members: Sequence[Member],
    remote_id: str,
    urls: Mapping[int, str],
    **detail: object,
) -> int:
    """Every member marked sent, with its article's URL by position; how many."""
    fault("wechat.published")  # WeChat says published or sent; no delivery marked sent yet
    for member in members:
        idx = member.delivery.detail_int("idx")
        ledger.mark_sent(member.delivery, remote_id=remote_id, url=urls.get(idx, ""), **detail)
    return len(members)


def _waiting(members: Sequence[Member], report: PublishReport, message: str) -> int:
    report.skipped += len(members)
    report.messages.append(message)
    return 0


def _gone(ledger: Ledger, members: Sequence[Member], report: PublishReport, why: str) -> None:
    for member in members:
        ledger.mark_failed(member.delivery, why, terminal=True)
    report.failed += len(members)


def _retried(
    ledger: Ledger,
    members: Sequence[Member],
    report: PublishReport,
    why: str,
    cleared: dict[str, str],
) -> None:
    requeue(ledger, members, why, cleared)
    report.failed += len(members)


def record_publish(
    ledger: Ledger, members: Sequence[Member], status: Mapping[str, Any], report: PublishReport
) -> int:
    """Record a publish job's status for the edition's deliveries; the number now published."""
    code = int(status.get("publish_status", PUBLISHING))
    publish_id = str(status.get("publish_id", ""))
    if code == PUBLISHING:
        return _waiting(members, report, f"publish {publish_id}: still publishing")
    if code == PUBLISHED:
        article_id = str(status.get("article_id", ""))
        detail = status.get("article_detail") or {}
        items = detail.get("item") if isinstance(detail, dict) else None
        urls = {
            int(i.get("idx", 0)): str(i.get("article_url", ""))
            for i in items or []
            if isinstance(i, dict)
        }
        sent = _sent(
            ledger, members, article_id, urls, wechat_article_id=article_id, step="published"
        )
        report.messages.append(f"publish {publish_id}: {len(members)} article(s) published")
        return sent
    if code in REJECTED:
        failed = {int(i) for i in status.get("fail_idx") or []}
        why = "originality check failed" if code == 2 else "rejected by review"
        clean = []
        for member in members:
            idx = member.delivery.detail_int("idx")
            if not failed or idx in failed:
                ledger.mark_quarantined(member.delivery, f"WeChat: {why} (publish_status {code})")
                report.quarantined += 1
            else:
                clean.append(member)
        requeue(ledger, clean, f"edition {why} because of another article")
        report.messages.append(
            f"publish {publish_id}: {why}; {len(members) - len(clean)} quarantined, "
            f"{len(clean)} requeued"
        )
        return 0
    if code in GONE:
        _gone(ledger, members, report, f"WeChat: {GONE[code]}")
        report.messages.append(f"publish {publish_id}: {GONE[code]}")
        return 0
    # 3 (ordinary failure) and anything new: try again with a fresh draft.
    _retried(ledger, members, report, f"WeChat publish_status {code}", CLEARED)
    report.messages.append(f"publish {publish_id}: failed (publish_status {code}); requeued")
    return 0


def record_mass(
    ledger: Ledger,
    members: Sequence[Member],
    msg_id: str,
    status: str,
    report: PublishReport,
    urls: Mapping[int, str] | None = None,
) -> int:
    """Record a mass send's status (mass/get or the event) for its deliveries; how many sent."""
    normal = status.strip().upper().replace(" ", "_")
    if normal == SENDING:
        return _waiting(members, report, f"mass {msg_id}: still sending")
    if normal == SUCCESS:
        sent = _sent(ledger, members, msg_id, urls or {}, step="sent")
        report.messages.append(f"mass {msg_id}: {len(members)} article(s) sent")
        return sent
    if normal == DELETED:
        _gone(ledger, members, report, "WeChat: mass send deleted")
        report.messages.append(f"mass {msg_id}: deleted")
        return 0
    found = EVENT_ERROR.fullmatch(status.strip())
    if found:
        code = int(found.group(1))
        why = f"WeChat refused the mass send: err({code}) {EVENT_REASONS.get(code, '')}".strip()
        for member in members:
            ledger.mark_quarantined(member.delivery, why)
        report.quarantined += len(members)
        report.messages.append(f"mass {msg_id}: {why}")
        return 0
    # SEND_FAIL and anything new: a fresh draft and a new clientmsgid round next time.
    round_key = members[0].delivery.detail.get("round_key", "")
    if round_key:
        ledger.set_value(round_key, str(int(ledger.get_value(round_key) or 0) + 1))
    _retried(ledger, members, report, f"WeChat mass send status {status!r}", MASS_CLEARED)
    report.messages.append(f"mass {msg_id}: failed ({status}); requeued")
    return 0
