"""The review gate: which article versions wait for an editor before a channel target sends them.

Each channel target has a policy (``review`` in its config): ``auto`` sends what passes,
``always`` holds every article, and a number is a confidence threshold: an article below it, or
with parser flags, is held. A held delivery is a ledger state, so what waits survives restarts;
nothing held is ever sent. Editors decide from the CLI (``distro review``), from Airflow's
Required Actions page (the ``review_<channel>`` DAGs) or through Airflow's REST API; every path
ends in ``approve`` or ``reject`` here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distro.errors import InputError
from distro.models import Article, Byline, Delivery, Kind
from distro.store.ledger import DeliveryConflict

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

Policy = str | float
AUTO = "auto"
ALWAYS = "always"


def policy(settings: Settings, channel: str, target: str) -> Policy:
    """The review policy of one channel target, as its channel declares it."""
    from distro.channels import registry

    return registry.policy(settings, registry.get(channel), target)


def reasons(article: Article, rule: Policy) -> list[str]:
    """Why ``article`` must wait for an editor under ``rule``; empty when it may go out."""
    if rule == AUTO or article.kind is Kind.TEASER:
        return []
    if rule == ALWAYS:
        return ["every article is reviewed on this channel"]
    threshold = float(rule)
    confidence = article.confidence
    flags = list(article.flags)
    found = []
    if confidence < threshold:
        found.append(f"confidence {confidence:.2f} below {threshold:.2f}")
    found.extend(f"flag: {flag}" for flag in flags)
    return found


def gate(
    settings: Settings, article: Article, targets: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The targets ``article`` is held for, each with why (one line)."""
    held = {}
    for channel, target in targets:
        why = reasons(article, policy(settings, channel, target))
        if why:
            held[(channel, target)] = "; ".join(why)
    return held


def gated(settings: Settings, channel: str) -> bool:
    """Whether any target of ``channel`` can hold an article (then it gets a review DAG)."""
    from distro.channels import registry

    spec = registry.get(channel)
    return any(
        registry.policy(settings, spec, target) != AUTO
        for target in registry.targets(settings, spec)
    )


@dataclass(frozen=True)
class Waiting:
    """One held delivery, with what an editor needs to decide on it."""

    delivery: Delivery
    headline: str
    confidence: float
    flags: list[str]
    reason: str

    def as_json(self) -> dict[str, Any]:
        d = self.delivery
        return {
            "article_id": d.article_id,
            "version": d.version,
            "channel": d.channel,
            "target": d.target,
            "headline": self.headline,
            "confidence": self.confidence,
            "flags": self.flags,
            "reason": self.reason,
            "held_since": d.created_at.isoformat() if d.created_at else None,
        }


def waiting(
    ledger: Ledger, *, channel: str | None = None, article_ids: Sequence[str] = ()
) -> list[Waiting]:
    """What waits for an editor, oldest first."""
    found = []
    wanted = set(article_ids)
    for d in ledger.held(channel=channel):
        if wanted and d.article_id not in wanted:
            continue
        article = ledger.get(d.article_id, d.version)
        found.append(
            Waiting(
                delivery=d,
                headline=article.headline if article else "(missing article)",
                confidence=article.confidence if article else 1.0,
                flags=list(article.flags) if article else [],
                reason=d.detail.get("review", ""),
            )
        )
    return found


def _chosen(
    ledger: Ledger, article_ids: Sequence[str], channels: Sequence[str] | None
) -> list[Delivery]:
    ids = list(dict.fromkeys(a.strip() for a in article_ids if a.strip()))
    if not ids:
        raise InputError("name at least one article id")
    unknown = [a for a in ids if ledger.get(a) is None]
    if unknown:
        raise InputError(f"no such article(s): {', '.join(unknown)}")
    held = [
        d for a in ids for d in ledger.held(article_id=a) if not channels or d.channel in channels
    ]
    if not held:
        where = f" on {', '.join(channels)}" if channels else ""
        raise InputError(f"nothing held for review{where} for {', '.join(ids)}")
    return held


def approve(
    ledger: Ledger,
    article_ids: Sequence[str],
    *,
    channels: Sequence[str] | None = None,
    by: str | None = None,
) -> list[Delivery]:
    """Release the held deliveries of these articles (on ``channels``): they go out next run."""
    done = []
    for d in _chosen(ledger, article_ids, channels):
        try:
            done.append(ledger.release(d, by=by))
        except DeliveryConflict:
            continue  # another editor (or the other surface) decided it first
    return done


def reject(
    ledger: Ledger,
    article_ids: Sequence[str],
    reason: str,
    *,
    channels: Sequence[str] | None = None,
    by: str | None = None,
) -> list[Delivery]:
    """Quarantine the held deliveries of these articles with the editor's reason."""
    if not reason.strip():
        raise InputError("a rejection needs a reason")
    done = []
    for d in _chosen(ledger, article_ids, channels):
        try:
            done.append(ledger.reject(d, reason.strip(), by=by))
        except DeliveryConflict:
            continue
    return done


#: The fields an editor may correct at the gate (a byline is given as printed, then parsed).
EDITABLE = ("kicker", "headline", "subheadline", "byline", "summary", "section", "paragraphs")


def correct(
    settings: Settings,
    ledger: Ledger,
    article_id: str,
    fields: dict[str, Any],
    *,
    by: str | None = None,
) -> dict[str, Any]:
    """An editor's corrected fields become a new version, which goes through every gate again.

    Empty optional fields are cleared (``subheadline = ""``: there is none). The editor vouches
    for the copy, so the version carries confidence 1.0 and no parser flags: a threshold gate
    lets it pass, an ``always`` gate holds it for the editor's yes. What waited of the older
    version closes (superseded). Raises ``InputError`` for an unknown article, an unknown field
    or a value the article model refuses.
    """
    from pydantic import ValidationError

    from distro import channels, embargo
    from distro.parse.byline import parse_byline
    from distro.store.articles import MissingArticle

    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise InputError(f"cannot correct {', '.join(unknown)}: editable are {', '.join(EDITABLE)}")
    if not fields:
        raise InputError("a correction names at least one field")
    changes: dict[str, Any] = {"confidence": 1.0, "flags": []}
    for name, value in fields.items():
        if name == "paragraphs":
            given = value if isinstance(value, list) else str(value).split("\n")
            changes[name] = [str(p).strip() for p in given if str(p).strip()]
        elif name == "byline":
            text = str(value or "").strip()
            changes[name] = (parse_byline(text) or Byline(raw=text)) if text else None
        else:
            text = str(value if value is not None else "").strip()
            changes[name] = text or (None if name != "headline" else text)
    latest = ledger.get(article_id)
    if latest is None:
        raise InputError(f"no article {article_id}")
    try:  # checked here for a one-line answer; the store validates again in its transaction
        Article.model_validate({**latest.model_dump(), **changes})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise InputError(f"{article_id}: the correction is refused: {problems}") from None
    who = by or "editor"
    try:
        revised = ledger.correct(article_id, changes, reason=f"corrected at review by {who}")
    except MissingArticle:
        raise InputError(f"no article {article_id}") from None
    pairs = channels.targets(settings)
    held = gate(settings, revised, pairs)
    queued = ledger.enqueue_many(
        revised.id, revised.version, pairs, held, embargo.not_before(revised, pairs)
    )
    return {
        "article_id": revised.id,
        "version": revised.version,
        "fields": sorted(fields),
        "queued": queued,
        "held": sorted(f"{c}/{t}" for c, t in held),
    }


#: How an Airflow review request offers the choice, and what each option means.
APPROVE = "Approve"
REJECT = "Reject"
CORRECT = "Correct"
OPTIONS = [APPROVE, REJECT, CORRECT]
EXCERPT = 120


def subject(channel: str, docs: Sequence[dict[str, Any]]) -> str:
    """The one line Airflow's Required Actions page shows for a review request."""
    if len(docs) == 1:
        return f"{channel}: review 「{docs[0]['headline']}」 before it goes out"
    return f"{channel}: {len(docs)} articles wait for review before they go out"


def excerpts(ledger: Ledger, items: Sequence[Waiting]) -> dict[str, str]:
    """The opening of each held article version, for the request's body."""
    found = {}
    for item in items:
        d = item.delivery
        article = ledger.get(d.article_id, d.version)
        if article is not None and article.paragraphs:
            text = article.paragraphs[0]
            found[f"{d.article_id}/{d.version}"] = (
                text if len(text) <= EXCERPT else text[:EXCERPT] + "……"
            )
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def body(channel: str, docs: Sequence[dict[str, Any]], openings: dict[str, str]) -> str:
    """Markdown for the request: each article with its flags, confidence and opening."""
    lines = [
        f"Held at the **{channel}** review gate. **{APPROVE}** sends them; **{REJECT}**"
        " quarantines them with your reason. To decide only some, list their ids under"
        f" *Only these ids*; the rest stay held for the next request. **{CORRECT}** makes a new"
        " version of each article named under *Corrections*, one field per line:"
        " `ID headline: 新标题` (the id may be left out when one article is listed; a blank"
        " value clears an optional field; each `paragraphs:` line is one paragraph). The new"
        " version is asked about again.",
        "",
        "| id | version | target | headline | confidence | flags | why held |",
        "|---|---|---|---|---|---|---|",
    ]
    for doc in docs:
        lines.append(
            f"| `{doc['article_id']}` | {doc['version']} | {doc['target']} |"
            f" {_cell(doc['headline'])} | {doc['confidence']:.2f} |"
            f" {_cell(', '.join(doc['flags']) or '-')} | {_cell(doc['reason'])} |"
        )
    lines.append("")
    for doc in docs:
        opening = openings.get(f"{doc['article_id']}/{doc['version']}")
        if opening:
            lines.append(f"- **{_cell(doc['headline'])}**: {_cell(opening)}")
    lines.append("")
    lines.append("The same from a shell: `distro review list`, `distro review approve ID…`.")
    return "\n".join(lines)


def apply_answer(
    ledger: Ledger,
    channel: str,
    batch: dict[str, Any],
    answer: dict[str, Any],
    settings: Settings | None = None,
) -> dict[str, Any]:
    """An answer from Airflow (``chosen_options``, ``params_input``) applied to its batch.

    Only the deliveries the request listed are decided, and only those still held: what an
    editor decided meanwhile from the CLI stays as decided. **Correct** makes a new version of
    each article named under *Corrections* (``{"a-…": {"headline": "…"}}``), which goes through
    the gates again; the older version's held deliveries close with it.
    """
    chosen = list(answer.get("chosen_options") or [])
    params = dict(answer.get("params_input") or {})
    user = answer.get("responded_by_user") or {}
    by = str(user.get("name") or user.get("id") or "airflow")
    if CORRECT in chosen:
        return _apply_corrections(ledger, channel, batch, params, by, settings)
    only = {str(i).strip() for i in params.get("only") or [] if str(i).strip()}
    listed = {(d["article_id"], int(d["version"]), d["target"]) for d in batch.get("items", [])}
    if only:
        listed = {key for key in listed if key[0] in only}
    still = [
        d for d in ledger.held(channel=channel) if (d.article_id, d.version, d.target) in listed
    ]
    approved: list[str] = []
    rejected: list[str] = []
    reason = str(params.get("reason") or "").strip() or "(no reason given)"
    for d in still:
        try:
            if REJECT in chosen:
                ledger.reject(d, reason, by=by)
                rejected.append(d.article_id)
            elif APPROVE in chosen:
                ledger.release(d, by=by)
                approved.append(d.article_id)
        except DeliveryConflict:
            continue
    return {"channel": channel, "approved": approved, "rejected": rejected, "by": by}


def _apply_corrections(
    ledger: Ledger,
    channel: str,
    batch: dict[str, Any],
    params: dict[str, Any],
    by: str,
    settings: Settings | None,
) -> dict[str, Any]:
    if settings is None:
        raise InputError("corrections need the settings (which channels the new version goes to)")
    listed = {d["article_id"] for d in batch.get("items", [])}
    given = params.get("corrections") or {}
    refused: list[str] = []
    if isinstance(given, str):
        given, refused = read_corrections(given, sorted(listed))
    if not isinstance(given, dict):
        raise InputError("corrections must map article ids to the fields to correct")
    corrected: list[dict[str, Any]] = []
    for article_id, fields in given.items():
        if article_id not in listed or not isinstance(fields, dict):
            refused.append(f"{article_id}: not in this request, or no fields given")
            continue
        try:
            corrected.append(correct(settings, ledger, article_id, fields, by=by))
        except InputError as exc:  # one bad correction must not lose the others
            refused.append(exc.message)
    from distro import channels

    held = {pair for done in corrected for pair in done["held"]}
    return {
        "channel": channel,
        "approved": [],
        "rejected": [],
        "corrected": corrected,
        "refused": refused,
        "by": by,
        # Where the new versions go out now, and the gates that hold them for another look.
        "wake": sorted({c for c, t in channels.targets(settings) if f"{c}/{t}" not in held})
        if corrected
        else [],
        "gates": sorted({pair.split("/")[0] for pair in held}),
    }


_CORRECTION = re.compile(
    r"^(?:(?P<id>a-[0-9A-Za-z]+)\s+)?(?P<field>[a-z]+)\s*[:：]\s?(?P<value>.*)$"
)


def read_corrections(
    text: str, listed: Sequence[str]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Corrections as typed in the review form, and the lines that could not be read.

    One field per line, ``ID FIELD: value`` (a full-width colon is as good); the id may be left
    out when the request lists one article. Each ``paragraphs`` line is one paragraph, in order.
    A JSON object (``{"a-…": {"headline": "…"}}``) is read as it is.
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            loaded = json.loads(stripped)
        except json.JSONDecodeError as exc:
            return {}, [f"corrections are not valid JSON: {exc.msg} (line {exc.lineno})"]
        if not isinstance(loaded, dict):
            return {}, ["corrections must map article ids to the fields to correct"]
        return loaded, []
    found: dict[str, dict[str, Any]] = {}
    refused: list[str] = []
    only = listed[0] if len(listed) == 1 else None
    for number, line in enumerate(stripped.splitlines(), 1):
        if not line.strip():
            continue
        match = _CORRECTION.match(line.strip())
        if match is None:
            refused.append(f"line {number}: not `ID field: value`: {line.strip()}")
            continue
        article_id, field = match["id"] or only, match["field"]
        if article_id is None:
            refused.append(f"line {number}: name the article id: several are listed")
            continue
        if field not in EDITABLE:
            editable = ", ".join(EDITABLE)
            refused.append(f"line {number}: cannot correct {field}: editable are {editable}")
            continue
        fields = found.setdefault(article_id, {})
        if field == "paragraphs":
            fields.setdefault("paragraphs", []).append(match["value"])
        else:
            fields[field] = match["value"]
    return found, refused
