"""Bylines as newspapers print them: `□记者 宋迎迎 报道`, `□本报评论员`, `记者 X 通讯员 Y`.

A byline is a short line of role words and names, optionally marked with a box (□■) and closed
by a work word (`报道`, `摄`) or a place and `报道` (`上海报道`). Roles come out without the
outlet prefix (`本报记者` → `记者`), because the outlet is the publication's, not the person's.
"""

from __future__ import annotations

import re

from distro.models import Byline, Credit
from distro.parse.typography import both_widths

#: Box marks that typesetters put before a byline.
MARKS = "□■◇◆●○◎★☆▲△▇█▍▌|｜"

_ROLE = re.compile(
    r"(?:本报|本台|本刊|本网|新华社|中新社|人民日报)?"
    r"(?:驻[\u4e00-\u9fff]{1,8}?)?"
    r"(?P<role>特约评论员|评论员|特约通讯员|通讯员|见习记者|实习记者|首席记者|特派记者|摄影记者"
    r"|全媒体记者|融媒体记者|特约记者|记者|实习生|摄影|编译)"
)
_SEPARATORS = re.compile(r"[\s、，,/／]+")
#: Words that say what the people did, not who they are.
_WORK = frozenset(("报道", "摄", "摄影报道", "供稿", "整理", "文", "图", "文/图", "综合报道"))
_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]+[·・][\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z.'\-]*")
#: A byline never carries sentence punctuation; a sentence that starts `记者从…获悉，` is body.
_SENTENCE = both_widths("。，；：！？“”《》()（）")
MAX_LENGTH = 40


def _name(token: str) -> str | None:
    if _NAME.fullmatch(token) is not None or _LATIN.fullmatch(token) is not None:
        return token
    return None


#: A credit for the writing before the names (`文/刘刚`, `文·图／邹德浩`, `图文：某某`, `撰文 某某`;
#: not `图：`, which opens a caption): it marks a byline as a box does.
_WORK_HEAD = re.compile(
    r"(?:撰文|文字|文图|图文|文(?:\s*[/／·・、]\s*图)?|图\s*[/／·・、]\s*文)"
    r"\s*(?:[/／:：|｜]|\s)\s*"
)


def credited(line: str) -> str | None:
    """What follows a credit for the work that opens `line` (`文/刘刚` → `刘刚`), or None."""
    head = _WORK_HEAD.match(line)
    return line[head.end() :] if head is not None and head.end() < len(line) else None


def parse_byline(line: str) -> Byline | None:
    """The byline `line` is, or None when it is not one (`line` is already normalized)."""
    marked = line[:1] in MARKS
    body = line.lstrip(MARKS).strip()
    names = credited(body)
    if names is not None:
        marked, body = True, names
    if not body or len(body) > MAX_LENGTH or any(ch in _SENTENCE for ch in body):
        return None
    roles: list[str] = []
    credits: list[Credit] = []
    role: str | None = None
    pos = 0
    named_since_role = 0
    chunks: list[tuple[str | None, str]] = []
    for found in _ROLE.finditer(body):
        chunks.append((None, body[pos : found.start()]))
        chunks.append((found.group("role"), ""))
        pos = found.end()
    chunks.append((None, body[pos:]))
    for chunk_role, text in chunks:
        if chunk_role is not None:
            role = chunk_role
            roles.append(role)
            named_since_role = 0
            continue
        for token in _SEPARATORS.split(text):
            if not token or token in _WORK:
                continue
            if token.endswith("报道") or token.startswith("发自"):
                stem = token[2:] if token.startswith("发自") else token[:-2]
                if named_since_role or not stem:
                    continue  # `王丹 上海报道`: a place, not a person
                token = stem
            elif token.endswith("摄") and len(token) > 2:
                token = token[:-1]
            name = _name(token)
            if name is None or (role is None and not marked):
                return None
            credits.append(Credit(name=name, role=role))
            named_since_role += 1
    if not roles and not (marked and credits):
        return None
    return Byline(
        raw=line,
        role=roles[0] if roles else None,
        roles=roles,
        names=[credit.name for credit in credits],
        credits=credits,
    )


_PADDED = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]) ([\u4e00-\u9fff])(?![\u4e00-\u9fff])")
_CREDIT_WORK = re.compile(r"(?:[/／ ]?(?:整理|报道|综合报道|供稿|摄))+$")
_CREDIT_ONLY_NAMES = re.compile(r"[\u4e00-\u9fff]{2,4}(?:[ 、][\u4e00-\u9fff]{2,4}){0,3}")


def credit_byline(line: str) -> Byline | None:
    """A credit the usual byline grammar misses, or None.

    Three shapes: a credit in brackets after the body (`（本报记者某某整理）`,
    `（记者 某某/报道）`),
    a two-character name padded to the width of three (`本报记者 常  钦`, normalized to `常 钦`),
    and names with no role at all (`王某某 李某`), which county papers print.
    """
    body = line.strip()
    if body[:1] in "（(" and body[-1:] in "）)":
        body = body[1:-1].strip()
    body = body.lstrip(MARKS).strip()
    if body.startswith(("文/图", "文／图")):
        body = body[3:].strip()
    body = _CREDIT_WORK.sub("", body).strip(" /／")
    body = _PADDED.sub(r"\1\2", body)
    if not body or len(body) > MAX_LENGTH:
        return None
    found = parse_byline(body)
    if found is not None:
        return Byline(
            raw=line, role=found.role, roles=found.roles, names=found.names, credits=found.credits
        )
    if _CREDIT_ONLY_NAMES.fullmatch(body) is None:
        return None
    names = re.split(r"[ 、]", body)
    return Byline(raw=line, names=names, credits=[Credit(name=n) for n in names])


def merge_bylines(first: Byline, second: Byline) -> Byline:
    """A byline printed over two lines (`记者 X` / `通讯员 Y`) as one."""
    return Byline(
        raw=f"{first.raw} {second.raw}",
        role=first.role or second.role,
        roles=[*first.roles, *second.roles],
        names=[*first.names, *second.names],
        credits=[*first.credits, *second.credits],
    )
