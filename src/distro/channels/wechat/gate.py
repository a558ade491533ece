"""The 群发 edition gate as Airflow asks an editor: which accounts ask, the request, the answer.

A channel declares this module as its ``editions`` capability (``ChannelSpec.editions``); the DAG
factory lays out one ``review_<channel>_editions`` DAG per account that ``gated`` names, whose
human-in-the-loop task shows ``collect``'s subject and body on Airflow's Required Actions page
and hands the answer to ``decide``. The CLI (``distro review approve-edition``) and the desk's
REST API end in the same ``approvals`` functions, so whichever surface answers first decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from distro.errors import InputError

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

APPROVE = "Approve"
REJECT = "Reject"
OPTIONS = [APPROVE, REJECT]


def gated(settings: Settings) -> list[str]:
    """The enabled 群发 accounts whose editions wait for an editor (``approve = "editor"``)."""
    from distro.channels.wechat.accounts import enabled

    return [a.name for a in enabled(settings) if a.mode == "mass" and a.approve == "editor"]


def subject(target: str, docs: Sequence[dict[str, Any]]) -> str:
    """The one line Required Actions shows for the request."""
    who = "" if target == "default" else f" ({target})"
    if len(docs) == 1:
        count = len(docs[0]["articles"])
        return f"WeChat 群发{who}: edition {docs[0]['edition']} ({count} articles) waits to be sent"
    return f"WeChat 群发{who}: {len(docs)} editions wait to be sent"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def body(docs: Sequence[dict[str, Any]]) -> str:
    """Markdown for the request: each edition, who got its preview, its articles and flags."""
    lines = [
        f"**{APPROVE}** sends the edition to every follower with `message/mass/sendall` (once);"
        f" **{REJECT}** sends nothing and quarantines its articles with your reason. To decide"
        " only some editions, list them under *Only these editions*.",
        "",
    ]
    for doc in docs:
        editors = ", ".join(doc["previewed_to"]) or "nobody (no `preview_to` configured)"
        lines.append(f"### Edition `{doc['edition']}`: preview sent to {_cell(editors)}")
        lines.append("")
        lines.append("| # | id | headline | confidence | flags |")
        lines.append("|---|---|---|---|---|")
        for n, item in enumerate(doc["articles"], 1):
            lines.append(
                f"| {n} | `{item['article_id']}` v{item['version']} | {_cell(item['headline'])}"
                f" | {item['confidence']:.2f} | {_cell(', '.join(item['flags']) or '-')} |"
            )
        lines.append("")
    lines.append(
        "The same from a shell: `distro review editions`, `distro review approve-edition E`,"
        " `distro review reject-edition E --reason R`."
    )
    return "\n".join(lines)


def collect(settings: Settings, ledger: Ledger, target: str) -> dict[str, Any]:
    """What waits on account ``target``: the batch one review request shows."""
    from distro.channels.wechat.accounts import account
    from distro.channels.wechat.approvals import editions_of

    docs = editions_of(ledger, account(settings, target))
    return {
        "channel": "wechat",
        "target": target,
        "count": len(docs),
        "editions": [doc["edition"] for doc in docs],
        "subject": subject(target, docs) if docs else "",
        "body": body(docs) if docs else "",
    }


def decide(
    settings: Settings,
    ledger: Ledger,
    target: str,
    batch: dict[str, Any],
    answer: dict[str, Any],
) -> dict[str, Any]:
    """Apply an answer from Airflow (``chosen_options``, ``params_input``) to the batch it asked.

    Only editions the request listed and that still wait are decided: one approved meanwhile
    from the CLI or the desk stays as decided.
    """
    from distro.channels.wechat.accounts import account
    from distro.channels.wechat.approvals import approve_edition, held_editions, reject_edition

    chosen = list(answer.get("chosen_options") or [])
    params = dict(answer.get("params_input") or {})
    user = answer.get("responded_by_user") or {}
    by = str(user.get("name") or user.get("id") or "airflow")
    listed = [str(e) for e in batch.get("editions", [])]
    only = {str(e).strip() for e in params.get("only") or [] if str(e).strip()}
    if only:
        listed = [e for e in listed if e in only]
    reason = str(params.get("reason") or "").strip() or "(no reason given)"
    chosen_account = account(settings, target)
    still = held_editions(ledger, chosen_account)
    approved: list[str] = []
    rejected: list[str] = []
    for edition in listed:
        if edition not in still:
            continue
        try:
            if REJECT in chosen:
                reject_edition(ledger, chosen_account, edition, reason, by=by)
                rejected.append(edition)
            elif APPROVE in chosen:
                approve_edition(ledger, chosen_account, edition, by=by)
                approved.append(edition)
        except InputError:
            continue  # decided from another surface between the two reads
    return {
        "channel": "wechat",
        "target": target,
        "approved": approved,
        "rejected": rejected,
        "by": by,
    }
