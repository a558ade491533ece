"""Real articles composed into newspaper pages as text extraction leaves them, with ground truth.

    uv run python -m tests.parse.corpus.compose          # rewrite pages/ (deterministic)
    uv run python -m tests.parse.corpus.compose --check  # fail if pages/ is not what it makes

Every word of every story is real copy (articles.jsonl, sources in SOURCES.md); what is made here
is only the page around it, in the shapes PDF and e-paper extraction produce: running heads and
editor credits, column breaks inside words, numbers and quotes, a break that leaves a few words
of the lead on a line of their own, photo captions (captions.jsonl), 简讯 columns, bylines moved
out of the lead (padded, name-only, boxed with □■◎●, `文/图`), credits printed at the end
(`（本报记者某某整理）`), jumps in several forms (`下转第二版`, `紧转第3版`, `转第5版`) with
their continuation pages (`（上接第一版）`), teasers (`3版`), and pages with or without blank
lines between blocks. Each article is set twice, in two pages of different layouts.

The truth of a story is what an editor reads on the page: kicker, headline, subheadline, byline
(as printed, with its names), the paragraphs as printed (dateline included: the scorer reads the
dateline off the clean lead with distro.dates, so a dates change never stales this file), the
jump page, and for a teaser its summary and page.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from distro.parse.typography import tidy_line, tidy_lines

HERE = Path(__file__).resolve().parent
ARTICLES = HERE / "articles.jsonl"
CAPTIONS = HERE / "captions.jsonl"
#: Real People's Daily stories (January 1998) and photo captions: people_daily.py rebuilds them.
PD_ARTICLES = HERE / "people_daily.jsonl"
PD_CAPTIONS = HERE / "people_daily_captions.jsonl"
PAGES = HERE / "pages"
SEED = 20121201
#: The People's Daily pages have their own random stream, so adding them left the others as
#: they were.
PD_SEED = 19980101

#: Outlets grouped into cross-validation folds: a fold is held out whole.
FOLDS = {
    "中新": ("中新网", "中新社"),
    "都市报": (
        "本报",
        "新快报",
        "南都",
        "信息时报",
        "南方日报",
        "深圳商报",
        "商报",
        "晨报",
        "新京报",
        "羊城晚报",
    ),
    "网站与电台": (
        "中广网",
        "人民网",
        "中国网",
        "新华网",
        "千龙网",
        "中国台湾网",
        "台海网",
        "荆楚网",
    ),
    "搜狐公益": ("搜狐公益频道（未署名）",),
    "雅虎资讯": ("雅虎资讯（未署名）",),
    "财经与频道": ("雅虎财经（未署名）", "搜狐新闻频道（未署名）"),
    "人民日报": (
        "人民日报本报讯",
        "新华社",
        "人民日报记者",
        "人民日报驻外记者",
        "人民日报评论员",
        "人民日报署名文章",
        "人民日报（未署名）",
    ),
}
PAPERS = (
    "南方都市报",
    "城市晚报",
    "西海岸新闻",
    "光明日报",
    "新快报",
    "兰州晚报",
    "信息时报",
    "四平日报",
    "沈阳晚报",
    "苍南报",
)
SECTIONS = ("要闻", "综合", "社会", "经济", "国内", "国际", "本地新闻", "公益", "财经", "时事")
WEEKDAYS = "一二三四五六日"
CN_PAGES = "一二三四五六七八"
LABELS = ("简讯", "图片新闻", "新闻速递", "本地快讯", "综合消息")
MARKS = ("□", "■", "◎", "●")
_SENTENCE = re.compile(r"[^。！？]*[。！？]+[”’」』）]*")
_LEAD_CREDIT = re.compile(
    r"^(?P<dl>[^，。（(]{2,30}?(?:讯|电|消息))\s*[（(]\s*(?:本报)?记者\s*"
    r"(?P<names>[\u4e00-\u9fff]{2,3}(?:[\s、][\u4e00-\u9fff]{2,3}){0,2})\s*[）)]\s*"
)
_JUMP = re.compile(r"[（(]?(?:下转|紧转|转)第?[A-Z]?[0-9一二三四五六七八]+版[）)]?")
_FROM = re.compile(r"[（(]?(?:上接|接)第?[0-9一二三四五六七八]+版[）)]?")
_DATELINE_WORD = re.compile(r"(?:本报|[\u4e00-\u9fff]{2,6}(?:网|社|报))[^，。]{0,12}?(?:讯|电)")


@dataclass
class Story:
    """One item of a page as an editor reads it."""

    outlet: str
    source_id: str
    headline: str
    paragraphs: list[str]
    kind: str = "article"
    kicker: str | None = None
    subheadline: str | None = None
    byline: dict[str, Any] | None = None
    continued_on_page: str | None = None
    page_ref: str | None = None
    summary: str | None = None
    lines: list[str] = field(default_factory=list)  # as printed, before column breaks
    #: The 副题 as printed, line by line, when it is more than one line (see `_subtitle_lines`).
    subtitle: list[str] = field(default_factory=list)
    date: tuple[int, int, int] = (2012, 6, 15)


def _sentences(text: str) -> list[str]:
    found = _SENTENCE.findall(text)
    rest = text[sum(len(s) for s in found) :]
    return [*found, rest] if rest.strip() else found


def _paragraphs(record: dict[str, Any], rng: random.Random) -> list[str]:
    """Real paragraphs where the source kept them, else sentences grouped in twos and threes."""
    parts: list[str] = record["paragraphs"]
    if record["paragraphs_from"] == "source":
        return [tidy_line(p) for p in parts]
    out: list[str] = []
    for sentence in _sentences(parts[0]):
        if out and len(out[-1]) < 60 + rng.randint(0, 80):
            out[-1] += sentence
        else:
            out.append(sentence)
    return [tidy_line(p) for p in out if p.strip()]


def _split_prefix(paragraphs: list[str]) -> tuple[str | None, list[str]]:
    """A web subtitle merged before the dateline (`就…发声明本报讯（记者…）`), cut off."""
    first = paragraphs[0]
    if (
        len(paragraphs) > 1
        and len(first) <= 30
        and first[-1] not in "。！？”"
        and (_DATELINE_WORD.match(paragraphs[1]) is not None)
    ):
        return first, paragraphs[1:]
    found = _DATELINE_WORD.search(first[:40])
    if found is not None and 6 <= found.start() <= 30:
        head = first[: found.start()]
        if not any(ch in head for ch in "。，！？：“”（）"):
            return head, [first[found.start() :], *paragraphs[1:]]
    return None, paragraphs


def _subtitle_lines(paragraphs: list[str]) -> int:
    """How many short lines open the text before a datelined lead (`红会首次发遇难者慰问金` |
    `遇难群众每人１万 因公殉职每人２万` | `本报讯（记者…）…`): two or three, a web copy of the
    printed 副题, which a page sets as heading lines, never as body."""
    for count in (2, 3):
        if (
            len(paragraphs) > count
            and all(len(p) <= 30 and p[-1] not in "。！？”" for p in paragraphs[:count])
            and _DATELINE_WORD.match(paragraphs[count]) is not None
        ):
            return count
    return 0


def _padded(name: str) -> str:
    return f"{name[0]}  {name[1]}" if len(name) == 2 else name


def _byline_line(names: list[str], rng: random.Random) -> str:
    style = rng.randrange(8)
    joined = " ".join(names)
    if style == 0:
        return f"本报记者 {' '.join(_padded(n) for n in names)}"
    if style == 1:
        return f"{rng.choice(MARKS)}记者 {joined}"
    if style == 2:
        return f"{rng.choice(MARKS)}本报记者 {joined} 报道"
    if style == 3:
        return f"文/图 记者 {joined}"
    if style == 4:
        return joined  # name only, as many county papers print it
    if style == 5:
        return f"◎记者 {joined}"
    if style == 6:
        return f"本报记者　{'　'.join(names)}"
    return f"记者 {joined}"


def _trailer_line(names: list[str], rng: random.Random) -> str:
    joined = "、".join(names)
    return rng.choice(
        (f"（本报记者{joined}整理）", f"（记者 {' '.join(names)}）", f"（记者 {joined}/报道）")
    )


def _story(record: dict[str, Any], rng: random.Random) -> Story:
    paragraphs = _paragraphs(record, rng)
    prefix, paragraphs = _split_prefix(paragraphs)
    story = Story(
        outlet=record["outlet"],
        source_id=record["id"],
        headline=tidy_line(record["title"]),
        paragraphs=paragraphs,
        date=_issue_date(record),
    )
    if prefix is not None:
        if rng.random() < 0.5:
            story.kicker = tidy_line(prefix)
        else:
            story.subheadline = tidy_line(prefix)
    else:
        # Kept among the paragraphs while the page is planned, so the random stream (and every
        # other page) stays as it was; `_render` and `_truth` read them as the stack's lines.
        story.subtitle = paragraphs[: _subtitle_lines(paragraphs)]
    credit = _LEAD_CREDIT.match(paragraphs[0])
    if credit is not None and rng.random() < 0.75:
        names = re.split(r"[\s、]", credit.group("names"))
        lead = f"{credit.group('dl')} {paragraphs[0][credit.end() :]}"
        story.paragraphs = [tidy_line(lead), *paragraphs[1:]]
        if rng.random() < 0.7:
            raw = tidy_line(_byline_line(names, rng))
            story.byline = {"raw": raw, "names": names, "trailer": False}
        else:
            raw = tidy_line(_trailer_line(names, rng))
            story.byline = {"raw": raw, "names": names, "trailer": True}
    return story


def _break(line: str, rng: random.Random) -> list[str]:
    """A line cut where a column ended: inside a word, a number or a quote."""
    if len(line) < 30:
        return [line]
    choice = rng.random()
    cut = -1
    if choice < 0.3:
        numbers = [m for m in re.finditer(r"[0-9０-９]{2,}", line) if 2 < m.start() < len(line) - 4]
        if numbers:
            found = rng.choice(numbers)
            cut = rng.randint(found.start() + 1, found.end() - 1)
    elif choice < 0.5:
        quotes = [m.start() for m in re.finditer("“", line) if 2 < m.start() < len(line) - 6]
        if quotes:
            cut = rng.choice(quotes) + rng.randint(1, 3)
    if cut < 0:
        cut = rng.randint(len(line) // 3, len(line) - 4)
    while cut > 1 and (line[cut - 1] in "。！？；：”’」』）)，、 " or line[cut] == " "):
        cut -= 1
    return [line[:cut], line[cut:]] if 1 < cut < len(line) - 1 else [line]


def _running_head(
    page: int, paper: str, section: str, date: tuple[int, int, int], wd: str, rng: random.Random
) -> str:
    y, m, d = date
    style = rng.randrange(5)
    letter = rng.choice("ABC")
    if style == 0:
        return f"{letter}{page}　{section}　{y}年{m}月{d}日 星期{wd}"
    if style == 1:
        return f"{paper}　{y}年{m}月{d}日　星期{wd}　第{page}版"
    if style == 2:
        return f"第{page}版：{section}"
    if style == 3:
        return f"{y}年{m}月{d}日 星期{wd} {section} {letter}{page:02d}"
    return f"{page:02d}版：{section}"


def _editor_line(names: list[str], rng: random.Random) -> str:
    a, b = rng.sample(names, 2)
    return rng.choice(
        (
            f"责任编辑：{a}　美编：{b}",
            f"本版编辑：{a}",
            f"责编 {a} 校对 {b}",
            f"值班编辑：{a}　版式设计：{b}",
        )
    )


def _jump_line(target: int, rng: random.Random) -> str:
    cn = CN_PAGES[target - 1]
    return rng.choice(
        (
            f"（下转第{cn}版）",
            f"下转第{target}版",
            f"（紧转第{target}版）",
            f"（转第{target}版）",
            f"（下转A{target}版）",
            f"转第{cn}版",
        )
    )


def _from_line(source: int, rng: random.Random) -> str:
    cn = CN_PAGES[source - 1]
    return rng.choice(
        (f"（上接第{cn}版）", f"（接第{source}版）", f"上接第{source}版", f"（上接{source}版）")
    )


def _page_ref_line(target: int, rng: random.Random) -> str:
    return rng.choice(
        (f"{target}版", f"详见第{target}版", f"（第{target}版）", f"＞＞{target}版", f"A{target}版")
    )


def _fold_of(outlet: str) -> str:
    for fold, outlets in FOLDS.items():
        if outlet in outlets:
            return fold
    raise KeyError(outlet)


def _issue_date(record: dict[str, Any]) -> tuple[int, int, int]:
    found = re.search(r"/(20\d{2})(\d{2})(\d{2})/", record["source"]["url"])
    if found is None:
        return (2012, 6, 15)
    return (int(found[1]), int(found[2]), int(found[3]))


def _render(story: Story, rng: random.Random, *, lead_fragment: bool) -> list[tuple[str, str]]:
    """The printed lines of a story with their labels (see model.LABELS), column breaks included."""
    lines: list[tuple[str, str]] = []
    if story.kicker:
        lines.append((story.kicker, "G"))
    lines.append((story.headline, "G"))
    if story.subheadline:
        dashed = rng.random() < 0.5
        lines.append((f"——{story.subheadline}" if dashed else story.subheadline, "G"))
    if story.kind == "teaser":
        lines.append((story.summary or "", "P"))
        lines.append((story.lines[0], "R"))
        return lines
    if story.byline is not None and not story.byline["trailer"]:
        lines.append((story.byline["raw"], "B"))
    stack = len(_subtitle(story))
    for index, paragraph in enumerate(story.lines):
        if index < stack:
            rng.random()  # the draw of a paragraph, so the stream stays as it was
            lines.append((paragraph, "G"))
            continue
        if _JUMP.fullmatch(paragraph):
            lines.append((paragraph, "J"))
            continue
        if _FROM.fullmatch(paragraph):
            lines.append((paragraph, "A"))
            continue
        if index == 0 and lead_fragment and len(paragraph) > 40:
            cut = rng.randint(5, 12)
            while cut > 2 and paragraph[cut - 1] in "，。、；：”（）":
                cut -= 1
            pieces = [paragraph[:cut], paragraph[cut:]]
        elif rng.random() < 0.3:
            pieces = _break(paragraph, rng)
        else:
            pieces = [paragraph]
        lines.append((pieces[0], "P"))
        lines.extend((piece, "C") for piece in pieces[1:])
    return lines


def _last_body(lines: list[tuple[str, str]]) -> int:
    """Index of the story's last body line: a trailer credit goes after it, before a jump."""
    return max(i for i, (_, label) in enumerate(lines) if label in "PCG")


def _subtitle(story: Story) -> list[str]:
    """The 副题 lines opening the story's printed text, if its text still opens with them."""
    count = len(story.subtitle)
    if count and story.lines[:count] == story.subtitle and len(story.paragraphs) > count:
        return story.subtitle
    return []


def _truth(story: Story) -> dict[str, Any]:
    subtitle = _subtitle(story)
    doc = asdict(story)
    doc.pop("lines")
    doc.pop("subtitle")
    if subtitle:
        doc["subheadline"] = " ".join(subtitle)
        doc["paragraphs"] = doc["paragraphs"][len(subtitle) :]
    doc.pop("date")
    if doc["byline"] is not None:
        doc["byline"] = {"raw": doc["byline"]["raw"], "names": doc["byline"]["names"]}
    return doc


def compose(seed: int = SEED) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, page text, truth document) of every page, the same for the same seed."""
    rng = random.Random(seed)
    records = [json.loads(line) for line in ARTICLES.read_text(encoding="utf-8").splitlines()]
    captions = [
        json.loads(line)["text"] for line in CAPTIONS.read_text(encoding="utf-8").splitlines()
    ]
    names_pool = sorted(
        {
            n
            for r in records
            for n in re.findall(r"记者\s*([\u4e00-\u9fff]{2,3})[）)\s]", r["paragraphs"][0][:60])
        }
    )
    by_fold: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_fold.setdefault(_fold_of(record["outlet"]), []).append(record)
    pages: list[tuple[str, str, dict[str, Any]]] = []
    for layout in (0, 1):
        for fold, members in by_fold.items():
            order = list(members)
            rng.shuffle(order)
            issue = 0
            while order:
                issue += 1
                pages.extend(_issue(fold, order, rng, captions, names_pool, layout, issue))
    pages.extend(compose_people_daily(random.Random(PD_SEED)))
    return [(f"{i:03d}", text, truth) for i, (_, text, truth) in enumerate(pages)]


PD_SECTIONS = ("要闻", "国内新闻", "国际", "经济", "社会", "理论", "科教文卫", "体育", "副刊")


def _pd_running_head(
    page: int, paper: str, section: str, date: tuple[int, int, int], wd: str, rng: random.Random
) -> str:
    """People's Daily running heads, as its e-paper and PDF pages print them."""
    y, m, d = date
    style = rng.randrange(5)
    if style == 0:
        return f"{paper}　{y}年{m}月{d}日　星期{wd}　第{page}版"
    if style == 1:
        return f"第{page}版　{section}"
    if style == 2:
        return f"{y}年{m}月{d}日　星期{wd}　第{page}版　{section}"
    if style == 3:
        return f"{paper}　第{page:02d}版　{section}　{y}年{m:02d}月{d:02d}日"
    return f"第{page}版（{section}）"


def _pd_byline_line(role: str | None, names: list[str], joined: str, rng: random.Random) -> str:
    """A byline as People's Daily prints it: `本报记者　王南　白剑峰`, padded, or run together
    as the corpus keeps it (`本报记者王南`) where that is unambiguous (one name)."""
    style = rng.randrange(4)
    if role is None:
        return ("　" if style < 2 else " ").join(names)
    if not names:
        return f"{rng.choice(MARKS)}{role}" if style == 3 else role
    if style == 0 and len(names) == 1:
        return joined
    if style == 1:
        return f"{role} {' '.join(_padded(n) for n in names)}"
    return f"{role}　{'　'.join(names)}"


def _pd_story(record: dict[str, Any], rng: random.Random) -> Story:
    """A People's Daily record (people_daily.jsonl) as a Story: its stack and byline are the
    source's (see people_daily.py); only how the byline is set is drawn here."""
    y, m, d = (int(x) for x in record["issue_date"].split("-"))
    story = Story(
        outlet=record["outlet"],
        source_id=record["id"],
        headline=tidy_line(record["title"]),
        paragraphs=[tidy_line(p) for p in record["paragraphs"]],
        date=(y, m, d),
    )
    if record["subheadline"]:
        story.subheadline = tidy_line(record["subheadline"])
    found = record["byline"]
    if found is not None:
        raw = tidy_line(_pd_byline_line(found["role"], found["names"], found["joined"], rng))
        story.byline = {"raw": raw, "names": list(found["names"]), "trailer": False}
    return story


def compose_people_daily(rng: random.Random) -> list[tuple[str, str, dict[str, Any]]]:
    """Pages of People's Daily stories: each day's stories in the paper's own order, set twice."""
    if not PD_ARTICLES.exists():
        return []
    records = [json.loads(line) for line in PD_ARTICLES.read_text(encoding="utf-8").splitlines()]
    captions = [
        json.loads(line)["text"] for line in PD_CAPTIONS.read_text(encoding="utf-8").splitlines()
    ]
    names_pool = sorted({n for r in records if r["byline"] for n in r["byline"]["names"]})
    by_day: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_day.setdefault(record["issue_date"], []).append(record)
    pages: list[tuple[str, str, dict[str, Any]]] = []
    for layout in (0, 1):
        issue = 0
        for day in sorted(by_day):
            order = list(reversed(by_day[day]))  # popped from the end: the paper's order
            while order:
                issue += 1
                pages.extend(
                    _issue(
                        "人民日报",
                        order,
                        rng,
                        captions,
                        names_pool,
                        layout,
                        issue,
                        make=_pd_story,
                        paper="人民日报",
                        running_head=_pd_running_head,
                        sections=PD_SECTIONS,
                    )
                )
    return pages


def _issue(
    fold: str,
    order: list[dict[str, Any]],
    rng: random.Random,
    captions: list[str],
    names_pool: list[str],
    layout: int,
    issue: int,
    *,
    make: Callable[[dict[str, Any], random.Random], Story] | None = None,
    paper: str | None = None,
    running_head: Callable[..., str] | None = None,
    sections: tuple[str, ...] = SECTIONS,
) -> list[tuple[str, str, dict[str, Any]]]:
    """Pages 1-3 of one issue made from the next articles of `order` (consumed).

    `make` turns a record into a Story (default `_story`); `paper`, `running_head` and `sections`
    set the running heads (default: a paper drawn from PAPERS, `_running_head`, SECTIONS).
    """
    make = make or _story
    n_pages = rng.choice((1, 2, 3)) if len(order) > 8 else 1
    plans: list[list[Story]] = []
    for _ in range(n_pages):
        take = rng.randint(3, 6)
        stories = [make(order.pop(), rng) for _ in range(min(take, len(order)))]
        if stories:
            plans.append(stories)
    if not plans:
        return []
    for stories in plans:
        for story in stories:
            story.lines = list(story.paragraphs)
    continuation: dict[int, Story] = {}
    # A jump from page 1: the story's rest opens a later page of the same issue.
    if len(plans) > 1:
        candidates = [s for s in plans[0] if len(s.paragraphs) >= 3]
        if candidates:
            story = rng.choice(candidates)
            target = rng.randrange(2, len(plans) + 1)
            keep = max(1, len(story.paragraphs) // 2)
            rest = story.paragraphs[keep:]
            story.paragraphs = story.paragraphs[:keep]
            jump = _jump_line(target, rng)
            story.continued_on_page = f"A{target}" if "A" in jump else str(target)
            if jump[0] == "（" and rng.random() < 0.4:
                story.lines = [*story.paragraphs[:-1], story.paragraphs[-1] + jump]
            else:
                story.lines = [*story.paragraphs, jump]
            cont = Story(
                outlet=story.outlet,
                source_id=story.source_id,
                headline=story.headline,
                paragraphs=rest,
            )
            head = _from_line(1, rng)
            bracketed = head[0] == "（" and rng.random() < 0.4
            cont.lines = [head + rest[0], *rest[1:]] if bracketed else [head, *rest]
            continuation[target] = cont
    # Teasers on page 1 for stories on later pages.
    if len(plans) > 1 and rng.random() < 0.7:
        target_page = rng.randrange(2, len(plans) + 1)
        pointed = rng.choice(plans[target_page - 1])
        lead = pointed.paragraphs[0]
        summary = _sentences(lead)[0] if _sentences(lead) else lead
        ref = _page_ref_line(target_page, rng)
        teaser = Story(
            outlet=pointed.outlet,
            source_id=pointed.source_id,
            kind="teaser",
            headline=pointed.headline,
            paragraphs=[],
            summary=summary,
            page_ref=f"A{target_page}" if "A" in ref else str(target_page),
        )
        teaser.lines = [ref]
        plans[0].append(teaser)
    paper = paper if paper is not None else rng.choice(PAPERS)
    out = []
    date = plans[0][0].date
    for number, stories in enumerate(plans, start=1):
        if number in continuation:
            stories.insert(0, continuation[number])
        out.append(
            _page(
                fold,
                number,
                stories,
                rng,
                paper,
                date,
                captions,
                names_pool,
                layout,
                issue,
                running_head=running_head or _running_head,
                sections=sections,
            )
        )
    return out


def _page(
    fold: str,
    number: int,
    stories: list[Story],
    rng: random.Random,
    paper: str,
    date: tuple[int, int, int],
    captions: list[str],
    names_pool: list[str],
    layout: int,
    issue: int,
    *,
    running_head: Callable[..., str] = _running_head,
    sections: tuple[str, ...] = SECTIONS,
) -> tuple[str, str, dict[str, Any]]:
    import datetime as dt

    weekday = WEEKDAYS[dt.date(*date).weekday()]
    section = rng.choice(sections)
    blocks: list[tuple[str, str]] = []
    if rng.random() < 0.85:
        blocks.append((running_head(number, paper, section, date, weekday, rng), "F"))
    if rng.random() < 0.3:
        blocks.append((_editor_line(names_pool, rng), "F"))
    shorts = [
        s
        for s in stories
        if s.kind == "article"
        and sum(map(len, s.paragraphs)) < 260
        and s.continued_on_page is None
        and s.byline is None
        and len(s.paragraphs) == 1
    ]
    column = shorts[:3] if len(shorts) >= 2 and rng.random() < 0.5 else []
    for index, story in enumerate(stories):
        if column and story is column[0]:
            blocks.append((rng.choice(LABELS), "F"))
        lines = _render(story, rng, lead_fragment=story.kind == "article" and rng.random() < 0.12)
        if story.byline is not None and story.byline["trailer"]:
            lines.insert(_last_body(lines) + 1, (story.byline["raw"], "T"))
        blocks.extend(lines)
        if story.kind == "article" and rng.random() < 0.12:
            blocks.append((rng.choice(captions), "F"))  # a photo caption between two stories
        if index == len(stories) // 2 and rng.random() < 0.15:
            blocks.append((running_head(number, paper, section, date, weekday, rng), "F"))
    if rng.random() < 0.4:
        blocks.append((_editor_line(names_pool, rng), "F"))
    sep = "\n\n" if rng.random() < 0.65 else "\n"
    text = sep.join(line for line, _ in blocks) + "\n"
    labels = [label for _, label in blocks]
    if len(tidy_lines(text)) != len(labels):
        raise AssertionError(f"page {number}: labels out of step with lines")
    truth = {
        "fold": fold,
        "issue_date": f"{date[0]:04d}-{date[1]:02d}-{date[2]:02d}",
        "page": str(number),
        "layout": layout,
        "issue": issue,
        "stories": [_truth(s) for s in stories],
        "labels": "".join(labels),
    }
    return ("", text, truth)


def write(pages: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Replace pages/ with `pages`."""
    PAGES.mkdir(exist_ok=True)
    for old in PAGES.iterdir():
        old.unlink()
    for name, text, truth in pages:
        (PAGES / f"{name}.txt").write_text(text, encoding="utf-8")
        (PAGES / f"{name}.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )


def differs(pages: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    """Names of pages whose files are not what `pages` holds."""
    bad = []
    for name, text, truth in pages:
        txt, doc = PAGES / f"{name}.txt", PAGES / f"{name}.json"
        if (
            not txt.exists()
            or txt.read_text(encoding="utf-8") != text
            or json.loads(doc.read_text(encoding="utf-8")) != truth
        ):
            bad.append(name)
    if len(list(PAGES.glob("*.txt"))) != len(pages):
        bad.append("count")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    pages = compose()
    if args.check:
        bad = differs(pages)
        print("pages/ is up to date" if not bad else f"pages/ differs: {bad[:10]}")
        return 1 if bad else 0
    write(pages)
    stories = sum(len(t["stories"]) for _, _, t in pages)
    print(f"{len(pages)} pages, {stories} stories")
    return 0


if __name__ == "__main__":
    sys.exit(main())
