"""Rebuild people_daily.jsonl: real People's Daily stories of January 1998 (the PFR corpus).

    python -m tests.parse.corpus.people_daily GITDIR > tests/parse/corpus/people_daily.jsonl

GITDIR is a bare clone of the repository named in SOURCE (the text is read with
``git show COMMIT:PATH``, so nothing of that repository is copied here but the stories taken).
The source is the PFR corpus (人民日报标注语料库, Peking University / Fujitsu): one paragraph a
line, `19980101-02-003-001/m  党中央/nt  国务院/nt  …`, the id being date, page, article and
paragraph, paragraph 001 the headline. Tags and the `[...]nt` brackets are taken off, which gives
the printed text back (full-width digits as printed).

What a story's fields are is read off the source's own structure, never off the parser:
paragraph 001 is the headline; a short paragraph after it with no sentence end, no dateline and
no byline shape is the subheadline (副题); a paragraph of role words and person names (the corpus
tags names `/nr`) is the byline, its names those tags; everything after is the body. A story is
taken only when every body paragraph ends a sentence (no crossheads, tables or verse), when it
carries no photo (`（附图片…）`, `…摄）`), and when its headline stack fits the shapes a page
prints; photo captions of the skipped stories are kept apart as captions.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from itertools import pairwise
from pathlib import Path
from typing import Any

SOURCE = {
    "repo": "jacken3/BigDataHomeWork",
    "commit": "b9276d8324e72aaa1762234690784fef2a1fa48c",
    "path": "199801.zip",
    "member": "199801.txt",
    "encoding": "gb18030",
}
#: Stories taken per outlet, at most (spread over the month by taking every k-th).
QUOTA = {
    "人民日报本报讯": 70,
    "新华社": 70,
    "人民日报记者": 30,
    "人民日报驻外记者": 25,
    "人民日报评论员": 8,
    "人民日报署名文章": 25,
    "人民日报（未署名）": 15,
}
#: Roles a People's Daily byline line carries (the corpus joins role and names: `本报记者王南`).
_ROLE = re.compile(r"(本报(?:驻[\u4e00-\u9fff]{1,8})?(?:特派)?记者|新华社记者|本报(?:特约)?评论员)")
_PHOTO = re.compile(r"（附图片[０-９0-9一二三四五六七八九十]+张）|（图片）|（附图）")
_ENDS = "。！？”’）…"
_WIRE = re.compile(r"^据?新华社[^，。：]{0,16}?电")
_OWN = re.compile(r"^本报[^，。：]{0,16}?(?:电|讯)")
_LABEL_TITLES = frozenset(("图片新闻", "简讯", "图片报道", "致读者", "编者按", "编后"))
#: Standing columns whose second line is a crosshead, not a subheadline (`天气趋势分析`).
_COLUMNS = ("明天气象预报",)
#: Two-character surnames: their given name is the next name token.
_DOUBLE_SURNAMES = frozenset(
    ("欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "令狐", "公孙")
)


def tokens(line: str) -> tuple[str, list[tuple[str, str]]]:
    """(paragraph id, [(word, tag)]) of one corpus line."""
    parts = line.split()
    pid = parts[0].split("/")[0]
    out = []
    for part in parts[1:]:
        part = re.sub(r"\][a-z]+$", "", part.lstrip("["))
        word, _, tag = part.rpartition("/")
        out.append((word, tag))
    return pid, out


def text_of(toks: list[tuple[str, str]]) -> str:
    return "".join(word for word, _ in toks)


def names_of(toks: list[tuple[str, str]]) -> list[str]:
    """Person names of a run of tokens: a surname token joined with the given name after it."""
    names: list[str] = []
    pending: str | None = None
    for word, tag in toks:
        if tag != "nr":
            if pending:
                names.append(pending)
            pending = None
            continue
        if pending is not None:
            names.append(pending + word)
            pending = None
        elif len(word) == 1 or word in _DOUBLE_SURNAMES:
            pending = word
        else:
            names.append(word)
    if pending:
        names.append(pending)
    return names


def byline_of(toks: list[tuple[str, str]]) -> dict[str, Any] | None:
    """A byline paragraph (`本报记者 王南`, `本报评论员`, name only `周德武`), or None."""
    text = text_of(toks)
    if not text or len(text) > 30:
        return None
    if all(tag == "nr" for _, tag in toks):
        names = names_of(toks)
        if 1 <= len(names) <= 2 and all(2 <= len(n) <= 4 for n in names):
            return {"role": None, "names": names, "joined": text}
        return None
    found = _ROLE.match(text)
    if found is None:
        return None
    rest = text[found.end() :]
    # the tokens after the role words must all be names (separators allowed)
    width = 0
    tail: list[tuple[str, str]] = []
    for word, tag in toks:
        if width >= found.end():
            tail.append((word, tag))
        width += len(word)
    if any(tag not in ("nr", "w") or (tag == "w" and word != "、") for word, tag in tail):
        return None
    names = names_of(tail)
    if "".join(names) != rest.replace("、", "") or not all(2 <= len(n) <= 4 for n in names):
        return None
    if "评论员" not in found.group(1) and not names:
        return None
    return {"role": found.group(1), "names": names, "joined": text}


def _sentence_end(text: str) -> bool:
    return text[-1:] in _ENDS and not text.endswith("摄）")


def story_of(aid: str, paragraphs: list[list[tuple[str, str]]]) -> dict[str, Any] | None:
    """The story record of one corpus article, or None when it is not a plain story."""
    texts = [text_of(p) for p in paragraphs]
    title = texts[0]
    if _PHOTO.search(title) or any(_PHOTO.search(t) or "摄）" in t for t in texts[1:]):
        return None
    if not 4 <= len(title) <= 36 or title[-1:] in "。：，" or title in _LABEL_TITLES:
        return None
    if title.startswith(_COLUMNS):
        return None
    rest = list(range(1, len(texts)))
    sub: str | None = None
    byline: dict[str, Any] | None = None
    if rest and byline_of(paragraphs[rest[0]]) is None:
        first = texts[rest[0]]
        if (
            len(first) <= 36
            and not _sentence_end(first)
            and _WIRE.match(first) is None
            and _OWN.match(first) is None
            and first[:1] not in "（("
        ):
            if paragraphs[rest[0]][-1][1] == "nr" or "●" in title + first:
                return None  # a writer with an affiliation (`某某司司长闵耀良`), or a list
            sub = first.lstrip("—－ ")
            rest = rest[1:]
    if rest:
        byline = byline_of(paragraphs[rest[0]])
        if byline is not None:
            rest = rest[1:]
    body = [texts[i] for i in rest]
    if not body or len(body) > 14 or len(body[0]) < 30:
        return None
    if any(len(p) < 10 or not _sentence_end(p) for p in body):
        return None
    total = sum(map(len, body))
    if not 100 <= total <= 2400 or (sub is not None and len(sub) < 4):
        return None
    lead = body[0]
    role = byline["role"] if byline else None
    if _WIRE.match(lead) or (role or "").startswith("新华社"):
        outlet = "新华社"
    elif role is not None and "评论员" in role:
        outlet = "人民日报评论员"
    elif (role or "").startswith("本报驻"):
        outlet = "人民日报驻外记者"
    elif _OWN.match(lead):
        outlet = "人民日报本报讯"
    elif role is not None:
        outlet = "人民日报记者"
    elif byline is not None:
        outlet = "人民日报署名文章"
    else:
        outlet = "人民日报（未署名）"
    date = f"{aid[:4]}-{aid[4:6]}-{aid[6:8]}"
    return {
        "id": f"pfr-{aid}",
        "outlet": outlet,
        "title": title,
        "subheadline": sub,
        "byline": byline,
        "paragraphs": body,
        "issue_date": date,
        "page": str(int(aid[9:11])),
        "source": {**SOURCE, "article": aid},
    }


def caption_of(aid: str, paragraphs: list[list[tuple[str, str]]]) -> list[str]:
    """Photo captions of an article: a sentence and its credit `（新华社记者某某摄）`."""
    texts = [text_of(p) for p in paragraphs]
    out = []
    for prev, text in pairwise(texts):
        numbered = re.match(r"[０-９0-9]+[、：:]|题图", prev) is not None  # one of a photo set
        if (
            re.fullmatch(r"（[^（）]{2,20}摄）", text)
            and prev.endswith("。")
            and len(prev) < 90
            and not numbered
        ):
            out.append(prev + text)
    return out


def articles(raw: str) -> dict[str, list[list[tuple[str, str]]]]:
    """Article id -> its paragraphs as tokens, in corpus order."""
    out: dict[str, list[list[tuple[str, str]]]] = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        pid, toks = tokens(line)
        out.setdefault(pid[:15], []).append(toks)
    return out


def build(gitdir: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(stories, captions) chosen from the corpus in a bare clone at `gitdir`."""
    blob = subprocess.run(
        ["git", "--git-dir", gitdir, "show", f"{SOURCE['commit']}:{SOURCE['path']}"],
        check=True,
        capture_output=True,
    ).stdout
    raw = zipfile.ZipFile(io.BytesIO(blob)).read(SOURCE["member"]).decode(SOURCE["encoding"])
    by_outlet: dict[str, list[dict[str, Any]]] = {}
    captions: list[str] = []
    seen: set[str] = set()
    for aid, paragraphs in articles(raw).items():
        story = story_of(aid, paragraphs)
        if story is not None and story["title"] not in seen:
            seen.add(story["title"])
            by_outlet.setdefault(story["outlet"], []).append(story)
        captions.extend(caption_of(aid, paragraphs))
    chosen: list[dict[str, Any]] = []
    for outlet, quota in QUOTA.items():
        found = by_outlet.get(outlet, [])
        step = max(1, len(found) // quota)
        chosen.extend(found[::step][:quota])
    chosen.sort(key=lambda s: s["id"])
    return chosen, captions[::7][:30]


def main(argv: list[str]) -> int:
    stories, captions = build(argv[0])
    for story in stories:
        print(json.dumps(story, ensure_ascii=False))
    if len(argv) > 1:
        with Path(argv[1]).open("w", encoding="utf-8") as out:
            for caption in captions:
                out.write(json.dumps({"text": caption}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
