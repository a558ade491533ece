"""The line model: every line of a page labelled by a linear model and decoded as one sequence.

A page's lines get one label each::

    G heading (kicker, headline or subheadline)   B byline above the lead
    P first line of a paragraph                   C continuation of the paragraph before
    T credit printed after the body (`（本报记者某某整理）`)
    J jump line (`（下转第二版）`)   R teaser page reference (`3版`)
    A continuation head (`（上接第一版）`)
    F furniture: running heads, editor credits, column labels, captions (dropped)

and the labels must follow the grammar of an item, `G+ [B*] (P C*)+ [T] [J]`, a teaser
`G+ P* R`, a continuation `G+ A (P C*)+`. Furniture may sit anywhere, even between the two
halves of a broken paragraph, so it is decoded as a state that remembers the label before it.
Each line's score for a label is the sum of learned weights of its features (its length,
closing and opening characters, markers, role words, name shape, dateline and jump forms, and
the same facts of its neighbours); transitions carry weights too. Viterbi finds the best label
sequence for the whole page in time linear in its lines; the margin between the best sequence
and the best one that labels a line differently measures how sure the model is of that line.

The weights are learned by an averaged structured perceptron from the labelled corpus in
tests/parse/corpus (`uv run python -m tests.parse.corpus.train`) and ship as model.json.
"""

from __future__ import annotations

import json
import math
import operator
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

from distro.dates.dateline import find_dateline
from distro.parse.byline import MARKS, credit_byline, credited, parse_byline
from distro.parse.typography import both_widths, fold_forms

LABELS = "GBPCTJRAF"
_CONTENT = LABELS[:-1]
#: Which label may follow which (furniture aside); `^` is the page start, `$` its end.
_FOLLOW = {
    "^": "GP",
    "G": "GBPRA",
    "B": "BP",
    "A": "P",
    "P": "PCTJGR",
    "C": "PCTJGR",
    "T": "GJT",
    "J": "G",
    "R": "G",
}
_ENDS = "PCTJR"
#: Score of what the hard rules forbid: so large no weight outvotes it, yet finite, so a page
#: that breaks every rule (fuzzed input) still decodes to something.
_FORBIDDEN = -1e6
#: States: a content label, or furniture after a content label (`F` + label, `F^` at the top).
STATES: tuple[str, ...] = (*_CONTENT, *(f"F{x}" for x in (*_CONTENT, "^")))

_SENTENCE_END = both_widths("。！？!?…")
_CLOSERS = both_widths("”’」』）)】")
_CLAUSE = both_widths("，、；：,;:")
_ROLE = re.compile(r"记者|通讯员|实习生|评论员|摄影|编译|特约|本报讯|整理|供稿|报道")
_NAME_RUN = re.compile(r"[\u4e00-\u9fff]{2,4}(?:[ 、][\u4e00-\u9fff]{1,4})*")
_PADDED = re.compile(r"(?:^| )[\u4e00-\u9fff] [\u4e00-\u9fff](?: |$)")
_NAME_ONLY = re.compile(r"[\u4e00-\u9fff]{2,4}(?: [\u4e00-\u9fff]{2,4}){0,2}")
_PAGE = r"(?:[A-Za-zＡ-Ｚ]?\s*[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3})"
_JUMP = re.compile(rf"[（(]?\s*(?:下转|紧转|转|续)\s*第?\s*{_PAGE}\s*版\s*[）)]?")
_JUMP_TAIL = re.compile(rf"[（(]\s*(?:下转|紧转|转|续)\s*第?\s*{_PAGE}\s*版\s*[）)]$")
_FROM = re.compile(rf"[（(]?\s*(?:上接|紧接|接|承)\s*第?\s*{_PAGE}\s*版\s*[）)]?")
_PAGE_REF = re.compile(
    rf"(?:[>＞»→▶]+\s*)?[（(【]?\s*(?:详见|请看|见)?\s*第?\s*{_PAGE}\s*版\s*[）)】]?"
)
EDITOR = re.compile(
    r"(?:本版|本期)?(?:责编|责任编辑|编辑|美编|美术编辑|版式设计|版式|设计|校对|组版|审校|审读|"
    r"值班编辑|值班主任|监制|统筹|制图|图片编辑|视觉设计)\s*[：: ]"
)
_DATE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|星期[一二三四五六日天]")
_RUNNING = re.compile(rf"(?:第\s*{_PAGE}\s*版|[A-ZＡ-Ｚ]\s*[0-9０-９]{{1,3}}|[0-9]{{2}}版)")
_CAPTION = re.compile(r"(?:摄|摄影|供图|资料图片|资料照片|图片来源[^。]*)[）)]{0,2}$")
_OPENS_DATELINE = re.compile(r"[^，。]{0,30}?(?:讯|电|消息|报道)")
#: A list's or a section's number (`二、`, `（三）`, `3.`); not a number's own point (`５．１２`).
_ORDINAL = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.、．](?!\d))"
)
_LEAD_DATE = re.compile(
    r"^(?:[0-9０-９]{1,4}年)?[0-9０-９]{1,2}月[0-9０-９]{1,2}日"
    r"|^(?:近日|日前|昨天|昨日|今天|今日|本报讯|记者)"
)
_COLUMN_LABEL = re.compile(
    r"(?:本地|本市|国内|国际|综合|新闻|要闻|财经|体育|社会)?"
    r"(?:简讯|快讯|速递|消息|图片新闻|新闻图片|导读|链接|提示|集锦|短波|扫描|一览|速览|播报)"
)
#: CMS stamps: `2021-07-05 08:12:33`, with record ids or the story's URL after them.
_STAMP = re.compile(
    r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"
    r"(?:\s*T?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:[.:]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"(?:\s+(?:\d+|https?://\S+))*"
)
_CREDIT = re.compile(r"^[（(][^（）()]{0,20}(?:记者|通讯员|整理|报道|供稿)[^（）()]{0,20}[）)]$")


def stands_alone(text: str) -> bool:
    """Whether `text` is wholly a jump (`（下转第2版）`), a page reference (`（第2版）`, `3版`) or a
    bracketed credit (`（本报记者某某整理）`): a line of its own, never the end of a paragraph."""
    return (
        _JUMP.fullmatch(text) is not None
        or _PAGE_REF.fullmatch(text) is not None
        or _CREDIT.match(text) is not None
    )


def _bucket(size: int) -> str:
    for bound in (2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 30, 40, 60):
        if size <= bound:
            return str(bound)
    return "long"


def _end_class(ch: str) -> str:
    if ch in _SENTENCE_END:
        return "stop"
    if ch in _CLOSERS:
        return "close"
    if ch in _CLAUSE:
        return "clause"
    if ch.isdigit():
        return "digit"
    if "\u4e00" <= ch <= "\u9fff":
        return "han"
    if ch.isascii() and ch.isalpha():
        return "latin"
    return "other"


def _start_class(ch: str) -> str:
    if ch in "（(":
        return "paren"
    if ch in "“「『":
        return "quote"
    if ch in "—─-－":
        return "dash"
    if ch in MARKS or ch in "◎●":
        return "mark"
    if ch.isdigit():
        return "digit"
    if ch in "，。、；：”）":
        return "punct"
    return "other"


@lru_cache(maxsize=4096)
def dateline_leads(text: str) -> bool:
    """Whether `distro.dates` reads a lead dateline at the very start of `text`.

    One cache for the line model, the layout rules and the confidence checks: they ask of the
    same lines (a short line's first 120 characters are the line).
    """
    found = find_dateline(text, None)
    return found is not None and found.position == "lead" and found.span[0] == 0


def _dateline_open(text: str) -> bool:
    head = text[:48]
    if "电" not in head and "讯" not in head and "报道" not in head and "消息" not in head:
        return False
    return dateline_leads(text[:120])


#: A line ending in one of these was cut mid-sentence (`会议还部署了下一阶段的`): no headline
#: ends on the particle 的.
_NOT_HEADING_END = both_widths("。，、；：,;:的")
#: Characters that end a paragraph for good: a line after one never continues it.
PARAGRAPH_ENDS = both_widths("。！？!?…；：”’」』）)］】")
#: Longest line that can be a headline; longer lines are body.
MAX_HEADING = 40


#: A line wholly in one pair of brackets, an aside: a dateline after a feature's last paragraph
#: (`（本报悉尼１月１日电）`, as People's Daily sets it), a note ending a story
#: (`（本文为“牛年岁末走农家”结束篇）`), a jump or a teaser's page; never a heading.
_ASIDE = re.compile(r"[（(][^（）()]*[）)]")


#: Lines a page asks about, remembered: the layout steps and the guards ask of each line
#: several times over (bounded, so memory stays flat however many pages are parsed).
_LINE_CACHE = 16_384


@lru_cache(maxsize=_LINE_CACHE)
def is_heading(text: str) -> bool:
    """Whether `text` could be a headline: short, with no sentence end."""
    return (
        len(text) <= MAX_HEADING
        and text[-1] not in _NOT_HEADING_END
        and "。" not in text
        and (text[0] not in "（(" or _ASIDE.fullmatch(text) is None)
    )


_CLAUSES = ("clauses=0", "clauses=1", "clauses=2", "clauses=3")
#: `len=` feature of each line length up to 60 (see `_bucket`).
_LEN = tuple(f"len={_bucket(size)}" for size in range(61))
#: Characters an `EDITOR` credit can open with (a cheap test before the pattern).
_EDITOR_FIRST = frozenset("本责编美版设校组审值监统制图视")


def editor_line(text: str) -> bool:
    """Whether `text` opens with the page's editors' credits (`责编 竹青 校对 高文雄`), a marker
    before them or not (`■责任编辑 王晓明 ■美术编辑 李华`), or is wholly a story's editor or
    source credit in brackets, as web copy closes a story (`（责任编辑：张丽）`,
    `【来源：新华网】`)."""
    if text[:1] in MARKS:
        text = text.lstrip(MARKS + " ")
    if text[:1] in _CREDIT_OPEN:
        if text[-1] != _CREDIT_OPEN[text[0]] or len(text) > 40:
            return False
        text = text[1:-1].strip()
        if _SOURCE.match(text) is not None:
            return True
    return text[:1] in _EDITOR_FIRST and EDITOR.match(text) is not None


#: Brackets a story's closing credit is set in, and their closing twins.
_CREDIT_OPEN = {"（": "）", "(": ")", "【": "】", "[": "]", "［": "］"}
#: A source credit (`来源：新华网`, `本文来源: 人民网`).
_SOURCE = re.compile(r"(?:本文|本稿|文章|稿件|信息|消息)?(?:来源|稿源|出处)\s*[：:]")


@lru_cache(maxsize=8192)
def _char_features(ch: str) -> tuple[str, str, str | None, str]:
    """`end=`, `start=`, `first=` (None for a line it opens no sentence of) and `last=` of `ch`."""
    first = f"first={ch}" if "\u4e00" <= ch <= "\u9fff" or ch in "”’）" else None
    return f"end={_end_class(ch)}", f"start={_start_class(ch)}", first, f"last={ch}"


def caption_end(text: str) -> bool:
    """Whether `text` ends on a photo's credit (`…张东清摄`, `（陈小波摄）`, `（资料图片）`), as
    a caption does; the pattern runs only when one of its words is in the line."""
    return ("摄" in text or "供图" in text or "图片" in text or "照片" in text) and (
        _CAPTION.search(text) is not None
    )


def own_features(text: str) -> tuple[str, ...]:
    """Facts about one line on its own (see the module docstring).

    Each pattern runs only when a cheap test (a character it needs) leaves it a chance: most
    lines have none of them.
    """
    size = len(text)
    last = text[-1]
    first = text[0]
    end_feat, _, _, last_feat = _char_features(last)
    _, start_feat, first_feat, _ = _char_features(first)
    feats = [_LEN[size] if size <= 60 else "len=long", end_feat, start_feat]
    if last in PARAGRAPH_ENDS:
        feats.append("closed")
    if _LEAD_DATE.match(text) is not None:
        feats.append("lead_date")
    if first_feat is not None:
        feats.append(first_feat)  # 据/近/昨 open sentences; a broken line opens anywhere
    if size > 60:
        # Body copy, the common case: only the ending and a dateline matter.
        if "。" in text:
            feats.append("has_stop")
        if _dateline_open(text):
            feats.append("dateline")
        if editor_line(text):
            feats.append("editor")
        if caption_end(text):
            feats.append("caption_end")
        return tuple(feats)
    if "。" in text:
        feats.append("has_stop")
    clauses = text.count("，") + text.count("、") + text.count("；")
    feats.append(_CLAUSES[min(clauses, 3)])
    spaced = " " in text
    if spaced:
        feats.append("space")
    if _dateline_open(text):
        feats.append("dateline")
    else:
        head = text[:32]
        if ("讯" in head or "电" in head or "消息" in head or "报道" in head) and (
            _OPENS_DATELINE.match(text) is not None
        ):
            feats.append("dateline_word")
    role = _ROLE.search(text) is not None
    if role:
        feats.append("role")
    # a credit for the writing (`文/刘刚`) marks a byline as a box does
    marked = first in MARKS or first in "◎●" or (first in "文图撰" and credited(text) is not None)
    if marked:
        feats.append("marked")
    if _NAME_RUN.fullmatch(text) is not None:
        feats.append("name_shape")
        if _NAME_ONLY.fullmatch(text) is not None and "讯" not in text and "电" not in text:
            feats.append("name_only")  # `周德武`, `姚祥明 羊盘初`: a writer's byline
    padded = spaced and _PADDED.search(text) is not None
    if padded:
        feats.append("padded")
    if first in "（(" and last in "）)" and _CREDIT.match(text) is not None:
        feats.append("credit_parens")
    if (role or marked or padded) and (
        parse_byline(text) is not None or credit_byline(text) is not None
    ):
        feats.append("byline")
    paged = "版" in text
    jump = from_ = False
    if paged and size <= 16:
        if _JUMP.fullmatch(text) is not None:
            feats.append("jump")
            jump = True
        elif _FROM.fullmatch(text) is not None:
            feats.append("from")
            from_ = True
        elif _PAGE_REF.fullmatch(text) is not None:
            feats.append("page_ref")
    jump_tail = paged and last in "）)" and _JUMP_TAIL.search(text) is not None
    if jump_tail:
        feats.append("jump_tail")
    if (first in "（(上紧接承" or first.isspace()) and _FROM.match(text) is not None:
        feats.append("from_head")
    if editor_line(text):
        feats.append("editor")
    if ("年" in text or "星期" in text) and "。" not in text and _DATE.search(text) is not None:
        # a date in furniture (a running head, a stamp); prose dates things all the time
        feats.append("date")
    if first.isdigit() and _STAMP.fullmatch(text) is not None:
        feats.append("stamp")
    if (
        "。" not in text
        and not jump_tail
        and not jump
        and not from_
        and _RUNNING.search(text) is not None
    ):
        feats.append("page_no")  # a running head, not prose or a jump that names a page
    if caption_end(text):
        feats.append("caption_end")
    if text.startswith(("图为", "图：", "图/")):
        feats.append("caption_start")
    if first in "—─" or text[:2] in ("--", "－－"):
        feats.append("dashed")
    heading = is_heading(text)
    if heading and open_body(text):
        # A title with a comma inside (`因为有你，爱驻我家`) reads like a broken body line: it
        # may still head a story, but only the model's weights can say so.
        feats.append("heading")
        feats.append("open_heading")
    elif heading:
        feats.append("heading")
        if _COLUMN_LABEL.fullmatch(text) is not None:
            feats.append("column_label")
        if clauses == 0:
            feats.append("crosshead")
        if _ORDINAL.match(text) is not None:
            feats.append("ordinal")
        if spaced or "：" in text or text.endswith(("（图）", "(图)", "（组图）")):
            feats.append("titled")  # two clauses or a `主题：` lead-in, as headlines are set
    if size <= 24 and "\u4e00" <= last <= "\u9fff":
        feats.append(last_feat)  # 的/了/和 end a broken line, rarely a title
    return tuple(feats)


#: Own facts that are worth passing to the neighbours.
_NEIGHBOUR = frozenset(
    (
        "page_no",
        "column_label",
        "stamp",
        "titled",
        "dateline",
        "byline",
        "jump",
        "from",
        "page_ref",
        "has_stop",
        "end=stop",
        "end=close",
        "end=clause",
        "end=han",
        "end=digit",
        "len=long",
        "len=60",
        "role",
        "name_shape",
        "editor",
        "date",
        "caption_end",
        "closed",
        "heading",
        "open_heading",
        "dashed",
        "clauses=0",
        "clauses=1",
        "len=2",
        "len=4",
        "len=6",
        "len=8",
        "len=10",
        "len=12",
        "len=14",
        "len=16",
        "len=20",
        "len=24",
        "len=30",
        "len=40",
        "credit_parens",
        "marked",
        "padded",
        "dateline_word",
        "crosshead",
        "ordinal",
        "lead_date",
        "space",
        "rep_open",
    )
)
#: Facts of the line two back that tell a lead fragment from a crosshead.
_SECOND = frozenset(("closed", "heading", "byline", "dateline", "len=long", "top"))
#: Labels a line may take only when it has one of these features (hard rules, not weights).
_NEEDS = {
    "G": frozenset(("heading",)),
    "B": frozenset(("byline", "name_shape", "padded", "marked")),
    "T": frozenset(("credit_parens",)),
    "J": frozenset(("jump",)),
    "R": frozenset(("page_ref",)),
    "A": frozenset(("from",)),
    # Furniture needs furniture evidence: a stamp, page number, editor credit, caption or label.
    "F": frozenset(
        ("editor", "date", "page_no", "caption_end", "caption_start", "column_label", "stamp")
    ),
}
#: Features that leave a line one label only (besides furniture): forms nothing else takes.
_ONLY = {"stamp": "F", "jump": "JF", "from": "AF", "page_ref": "RF"}
_ONLY_KEYS = frozenset(_ONLY)


def point_end(text: str) -> bool:
    """A sentence closed by a full-width point (`总数量的１０％．`, `踩踏．．．．．．`), as some web
    copy types its stops, half-width too (`卖给不法商贩".`); after a digit the point may be a
    decimal point a break cut, and after a Latin letter it may close an abbreviation (`Co.`)."""
    if len(text) < 2 or text[-1] not in "．." or text[-2].isdigit():
        return False
    return text[-1] == "．" or not text[-2].isascii() or not text[-2].isalpha()


def guard(text: str) -> str:
    """Labels a body line forbids the next line (see `open_body`); a jump tail ends the item."""
    if open_body(text):
        return "PG"
    if point_end(text):
        return "C"
    if text[-1] not in PARAGRAPH_ENDS and _dateline_open(text):
        return "PG"  # a lead broken right after its dateline (`中新网6月8日电 据美|国…`)
    if text[-1] in "）)" and _JUMP_TAIL.search(text) is not None:
        return "PC"
    if len(text) <= MAX_HEADING and _ORDINAL.match(text) is not None and "，" not in text:
        # a numbered crosshead (`二、加快项目建设`) is never continued; a numbered item that is
        # a sentence (`四、尊重捐赠人的意愿，有效合理的使用基金` | `，并定期…`) may be
        return "C"
    return ""


#: Line ends that leave a sentence unfinished: the next body line continues it.
_CUT_ENDS = both_widths("，、,的")


@lru_cache(maxsize=_LINE_CACHE)
def open_body(text: str) -> bool:
    """A paragraph line broken off mid-sentence: the next body line must continue it.

    Open (no paragraph end), and not a crosshead: longer than a heading, cut after a comma or
    the particle 的 (`会议还部署了下一阶段的`), or with clause punctuation inside, and no
    ordinal (`一、`).
    """
    if text[-1] in PARAGRAPH_ENDS or point_end(text):
        return False
    if len(text) > MAX_HEADING or text[-1] in _CUT_ENDS:
        return True
    return ("，" in text or "、" in text) and _ORDINAL.match(text) is None


def held_by_clause(text: str) -> bool:
    """Held open (`open_body`) only for the clause punctuation inside a heading-length line,
    not cut after a comma or 的, nor inside a quote or a title it opened."""
    return len(text) <= MAX_HEADING and open_body(text) and not cut_open(text)


@lru_cache(maxsize=_LINE_CACHE)
def cut_open(text: str) -> bool:
    """A line a column break cut mid-sentence for sure: after a comma or 的, or inside a title,
    an aside or a quote it opened (`作为“九`); clause punctuation inside says less."""
    if text[-1] in PARAGRAPH_ENDS:
        return False  # a stop after a stray quote (`…请『门神“的原因吧。`) ends the paragraph
    return text[-1] in _CUT_ENDS or any(text.count(a) > text.count(b) for a, b in _CUT_PAIRS)


#: Characters that open a line only as the rest of a sentence cut above it.
CONTINUES = both_widths("，。、；：！？”’」』）)》〉")
#: Pairs of brackets and quotes a whole line leaves balanced; a cut inside one leaves it open.
_PAIRS = (("“", "”"), ("‘", "’"), ("《", "》"), ("（", "）"), ("(", ")"), ("「", "」"))
#: Brackets and quotes a paragraph never leaves open where a column break cut it.
_CUT_PAIRS = (("《", "》"), ("（", "）"), ("“", "”"), ("「", "」"))
#: How many times longer than a whole short line the body line under it is (see `guards`).
_WHOLE_RATIO = 3
#: A whole line this short (a crosshead, a caption, a list's item: `条例亮点`, `李冰冰签名卡`)
#: needs a body line under it only `_SHORT_RATIO` times its length: a column break leaves a
#: third of a paragraph at least above the seam, and a piece this short of a paragraph is rare.
_SHORT_WHOLE = 12
_SHORT_RATIO = 1.5


#: Pair look-ups `PrintedPairs` answers by searching the page text, before it reads every pair
#: (a search costs about a fiftieth of reading the pairs into a set).
_SEARCHES = 16


class PrintedPairs:
    """Whether two characters are printed side by side anywhere on the page.

    A pair asked about is the seam of two lines, so it is printed elsewhere exactly when it is a
    substring of the page text (the seam itself has a newline between). The first `_SEARCHES`
    questions search the text (at C speed, no set built); a page that asks more has its pairs
    read once into a set, so the cost stays linear in the page. One instance serves the seam
    features and the guards of a page.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.text: str | None = None
        self.pairs: set[str] | None = None
        self.triples: set[str] | None = None
        self.asked = 0

    def __contains__(self, pair: str) -> bool:
        if self.pairs is not None:
            return pair in self.pairs
        if self.text is None:
            self.text = "\n".join(self.lines)
        self.asked += 1
        if self.asked <= _SEARCHES:
            return pair in self.text
        self.pairs = set(map(operator.add, self.text, self.text[1:]))
        return pair in self.pairs

    def word_across(self, upper: str, lower: str) -> bool:
        """Whether the seam of `upper` over `lower` may cut a word the page prints elsewhere:
        its pair is printed, and so are three characters across it (`斯坦进`, `克斯坦`); a pair
        printed only where two words meet (`退休面临` for `…退休` | `面对…`) says little.
        The three-character windows are read once into a set, so the cost stays linear."""
        if upper[-1] + lower[0] not in self:
            return False
        if self.triples is None:
            text = self.text if self.text is not None else "\n".join(self.lines)
            self.triples = {text[k : k + 3] for k in range(len(text) - 2)}
        return (upper[-2:] + lower[0]) in self.triples and (upper[-1] + lower[:2]) in self.triples


#: Clause marks after which a single ideograph opening a line is a cut word's tail (`出，`).
_TAIL_MARKS = both_widths("，。；：、")
#: Ideographs that open an item of a list before a 、 (`一、`, `十、`), not the rest of a word.
_NUMERALS = frozenset("一二三四五六七八九十")


def cut_word_tail(line: str, below: str) -> bool:
    """Whether `below` opens with one ideograph and a clause mark under an open `line`
    (`…在第九届北大赛瑟论坛上指` | `出，偿付能力监管…`): no sentence opens on a one-character
    clause, so the ideograph ends the word a column break cut above, and `below` continues
    `line`. A numeral opening a list item (`二、`) excepted."""
    return (
        len(below) > 2
        and below[1] in _TAIL_MARKS
        and is_han(below[0])
        and below[0] not in _NUMERALS
        and line[-1] not in PARAGRAPH_ENDS
        and not point_end(line)
    )


def _balanced(text: str) -> bool:
    return all(text.count(a) <= text.count(b) for a, b in _PAIRS)


def guards(lines: Sequence[str], printed: PrintedPairs | None = None) -> list[str]:
    """`guard` of every line, and what the page around a line adds.

    A short heading-shaped line after a finished paragraph (`提高幸福感应双管齐下`), with no
    clause punctuation, brackets and quotes balanced, is a whole line (a crosshead, a caption,
    a list's item) when the body line under it is more than three times its length (half as
    long again under a line of at most `_SHORT_WHOLE` characters, see `whole_over`), starts as a
    sentence does (no closing punctuation), and the two ideographs at the seam are a pair the
    page prints nowhere else: a column break cuts a word, a number or a quote (`…对乌兹别克斯`
    | `坦进行…`), and leaves a share of the paragraph that big. The next line starts a new
    paragraph. Linear in the page (see `PrintedPairs`).

    A heading-shaped line whose words the first sentence under it repeats is whole too
    (`echoed_below`), wherever it stands and though it holds clause punctuation.

    And an open line is continued by the next one when it leaves a title, an aside or a quote
    open (`日本《读卖新` | `闻》６月６日…`, `作为“九` | `五”极地…`), or when the two
    joined open as another line of the page does (a notice printed under every story, here cut
    by a column break: `中国雅虎侠客平台仅提供` | `信息存储空间服务…`).
    """
    out = [guard(line) for line in lines]
    openings = {line[:_OPENING] for line in lines if len(line) >= 2 * _OPENING}
    for i, (line, below) in enumerate(pairwise(lines)):
        if out[i] or line[-1] in PARAGRAPH_ENDS:
            continue
        cut_title = any(line.count(a) > line.count(b) for a, b in _CUT_PAIRS)
        cut_copy = len(line) < 2 * _OPENING and (line + below)[:_OPENING] in openings
        if cut_title or cut_copy or cut_word_tail(line, below):
            out[i] = "PG"
    for i, (line, below) in enumerate(pairwise(lines)):
        # a line with clause punctuation inside is held open, but a date and a comma under it
        # open a sentence a break did not cut (`…表达了对环境保护的关心和支持` | `２０１２年…，`)
        if (not out[i] or (out[i] == "PG" and open_body(line))) and opens_anew(line, below):
            out[i] = "C"
        elif out[i] in ("", "PG") and _CREDIT_END.search(line) is not None:
            # a caption closed by its photo credit (`…寻找被救者。图／实习记者赵赫廷`): the
            # credit is a caption's last word, so its paragraph ends there
            out[i] = "C"
        elif len(line) > 1 and line[-1] in _STRAIGHT_QUOTES and line[-2] in _STOPS:
            # a quote closed after its stop by a straight mark (`…远没有普及。＂`), which opens
            # quotes too, so the line reads as open: the paragraph ends there
            out[i] = "C"
        elif out[i] == "PG" and held_by_clause(line) and is_whole(below):
            # a break's lower piece ends its paragraph, with a stop: a whole short line under
            # a short one held open is the next of a run of captions or items
            # (`发起人崔永元、刘春向…发放运动鞋` | `青海省贵德县…的孩子领到运动鞋`)
            out[i] = "C"
    printed = printed if printed is not None else PrintedPairs(lines)
    for i in range(1, len(lines) - 1):
        after_end = lines[i - 1][-1] in PARAGRAPH_ENDS
        if (not out[i] and after_end and whole_over(lines, i, printed)) or (
            out[i] in ("", "PG") and echoed_below(lines, i, printed)
        ):
            out[i] = "C"
    return out


#: A sentence opening on a date and a comma (`２０１２年５月１１日，`, `７月１８日晚１０时，`),
#: not a dateline's rest (`１月１２日电（记者…`).
_DATE_OPENING = re.compile(
    r"(?:[0-9０-９]{2,4}年)?[0-9０-９]{1,2}月[0-9０-９]{1,2}日[^，。电讯]{0,6}，"
)
#: Marks that open a quote or a title.
_OPENERS = both_widths("“「《")


def opens_anew(line: str, below: str) -> bool:
    """Whether `below` starts a paragraph of its own under `line`, which a column break did not
    cut: it opens on a date and a comma, as a lead or a paragraph does (`济慈之家小朋友感受爱心
    椅子` | `２０１２年５月１１日，…`), under a line not cut open, nor inside a date or a number
    (`…２` | `０１１年７月５日…`, `２０１２年` | `６月…`); or it opens a quote or a title under a
    whole short line (a caption, a crosshead: `李冰冰签名卡` | `“给孩子送双运动鞋”公益行动…`),
    where a break inside a sentence leaves a longer, open piece above the seam."""
    if cut_open(line) or line[-1].isdigit() or line[-1] == "年":
        return False
    if _DATE_OPENING.match(below) is not None:
        return True
    return below[0] in _OPENERS and is_whole(line)


#: Quote marks typed straight, opening and closing alike (web copy).
_STRAIGHT_QUOTES = frozenset("＂＇\"'")
#: Stops that end a sentence, the full-width point too.
_STOPS = both_widths("。！？!?．…")
#: A sentence's stop and a photo credit closing the line (`…被救者。图／实习记者赵赫廷`).
_CREDIT_END = re.compile(r"[。！？!?…][ 　]*(?:图|摄影|摄)[／/:：][^。，、！？]{2,12}$")


#: Share of a line's bigrams the line under it repeats for it to be read whole (`echoed_below`).
_ECHO_BELOW = 0.4
#: Fewest bigrams a line needs before that share means anything.
_ECHO_GRAMS = 6


def echoed_below(lines: Sequence[str], i: int, printed: PrintedPairs) -> bool:
    """A heading-shaped line, clause punctuation inside allowed (`“信为本、孝为先” 敬老爱老公益
    计划在京启动`) but not cut open, whose words the first sentence under it repeats
    (`７月１０日，敬老爱老公益计划在京启动。…`): a headline's, crosshead's or caption's words
    recur in the paragraph under it, while the rest of a sentence a column break cut goes on
    with it. The seam must be no pair the page prints elsewhere, nor a number cut."""
    line, below = lines[i], lines[i + 1]
    if (
        not is_heading(line)
        or line[-1] in PARAGRAPH_ENDS
        or below[0] in CONTINUES
        or (line[-1].isdigit() and below[0].isdigit())
        or cut_open(line)
    ):
        return False
    own = grams(line)
    if len(own) < _ECHO_GRAMS:
        return False
    # Its first sentence only, and a whole one: a lead goes on about its subject a sentence
    # later (`俄罗斯货币改革` | `已数日了。总的看，…货币改革…`).
    first = _FIRST_SENTENCE.match(below)
    return (
        first is not None
        and len(own & grams(first.group())) >= _ECHO_BELOW * len(own)
        and line[-1] + below[0] not in printed  # asked last: few lines get this far
    )


_FIRST_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]")


def is_whole(text: str) -> bool:
    """Shaped like a whole short line (a crosshead, a caption, a list's item): heading-shaped,
    no paragraph end, no clause punctuation, brackets and quotes balanced."""
    return (
        text[-1] not in PARAGRAPH_ENDS
        and is_heading(text)
        and not open_body(text)
        and _balanced(text)
    )


def whole_over(lines: Sequence[str], i: int, printed: PrintedPairs) -> bool:
    """Whether line i, whole-shaped, is no column break's upper piece of line i + 1 (see
    `guards`): the line under it is long enough, opens as a sentence does, and the seam is
    no pair the page prints elsewhere, nor a number cut."""
    line, below = lines[i], lines[i + 1]
    return (
        len(below) > (_SHORT_RATIO if len(line) <= _SHORT_WHOLE else _WHOLE_RATIO) * len(line)
        and below[0] not in CONTINUES
        and is_whole(line)
        and not (is_heading(below) and len(line) > _SHORT_WHOLE)
        and not (line[-1].isdigit() and below[0].isdigit())
        and not printed.word_across(line, below)
    )


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def pair_code(first: str, second: str) -> int:
    """Two characters as one integer, as `grams` codes them."""
    return ord(first) | ord(second) << 16


def grams(text: str) -> frozenset[int]:
    """The Han character bigrams of a line, the words a topic repeats, coded by `pair_code`."""
    return frozenset(_pairs(text))


def _pairs(text: str) -> set[int]:
    """`grams`, as a set of its own.

    Read at C speed: the runs of ideographs joined by NULs, as UTF-16 code units (every
    ideograph is one), are read as 32-bit integers at even and at odd offsets: every adjacent
    pair, less the pairs with a NUL (each run's first and last character beside one).
    """
    runs = _HAN_RUN.findall(text)
    if not runs:
        return set()
    joined = "\0".join(runs) if len(runs) > 1 else runs[0]
    units = memoryview(joined.encode("utf-16-le"))
    size = len(joined)
    out = set(units[: 4 * (size // 2)].cast("I"))
    out.update(units[2 : 2 + 4 * ((size - 1) // 2)].cast("I"))
    if len(runs) > 1:
        out.difference_update([ord(run[-1]) for run in runs], [ord(run[0]) << 16 for run in runs])
    return out


#: Body characters read on each side of a short line to tell whether the topic goes on.
_WINDOW = 150
#: Most lines a window visits, skipped ones included.
_WINDOW_LINES = 40


class LineGrams(dict[int, set[int]]):
    """The bigrams of a page's lines by index, each line read once and only when asked for (the
    topic windows here, the items of `layout.merge_crossheads`); read-only for the askers."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__()
        self.lines = lines

    def __missing__(self, index: int) -> set[int]:
        found = self[index] = _pairs(self.lines[index])
        return found


class _Windows:
    """Bigrams of the body lines on one side of a line, up to `_WINDOW` characters.

    Lines the page prints more than once (`repeated`: boilerplate, a disclaimer under every
    web story) say nothing about the topic and are skipped, as are heading-shaped lines; at
    most `_WINDOW_LINES` lines are visited, so a page of repeated lines stays linear too. The
    lines of a stack share their windows: a walk is kept by the first body line it read, and
    reused when it ended within the visiting bound of the new start too.
    """

    def __init__(self, lines: Sequence[str], grams: LineGrams) -> None:
        repeated = {line for line, n in Counter(lines).items() if n > 1}
        self.headings = [is_heading(line) for line in lines]
        self.skip = [
            heading or line in repeated for line, heading in zip(lines, self.headings, strict=True)
        ]
        self.lines, self.grams = lines, grams
        self.walks: dict[tuple[int, int], tuple[set[int], int, bool]] = {}

    def read(self, start: int, step: int) -> set[int]:
        """The window from `start` on, one way (`step` ±1); the caller must not change it."""
        skip, size = self.skip, len(self.lines)
        j = start
        stop = start + step * _WINDOW_LINES
        while 0 <= j < size and j != stop and skip[j]:
            j += step
        walk = self.walks.get((j, step))
        if walk is not None and not walk[2] and (walk[1] - start) * step < _WINDOW_LINES:
            return walk[0]
        first = j
        out: set[int] = set()
        read = 0
        reached = j - step
        lines, grams = self.lines, self.grams
        while 0 <= j < size and read < _WINDOW and j != stop:
            if not skip[j]:
                out |= grams[j]
                read += len(lines[j])
            reached = j
            j += step
        self.walks[(first, step)] = (out, reached, j == stop and read < _WINDOW)
        return out


def _share(part: int, whole: int, bounds: tuple[float, ...]) -> int:
    """A ratio bucketed: 0, then the index of the first bound it stays under."""
    if part == 0:
        return 0
    ratio = part / max(whole, 1)
    return next((k for k, b in enumerate(bounds, 1) if ratio < b), len(bounds) + 1)


_COH_BOUNDS, _ECHO_P_BOUNDS, _ECHO_N_BOUNDS = (0.05, 0.1, 0.15), (0.15, 0.3), (0.15, 0.3, 0.5)
#: The feature names of each bucket, built once.
_COH = tuple(f"coh={k}" for k in range(len(_COH_BOUNDS) + 2))
_ECHO_P = tuple(f"echo_p={k}" for k in range(len(_ECHO_P_BOUNDS) + 2))
_ECHO_N = tuple(f"echo_n={k}" for k in range(len(_ECHO_N_BOUNDS) + 2))


def cohesion(lines: Sequence[str], grams: LineGrams | None = None) -> list[tuple[str, ...]]:
    """Topic features of each heading-shaped line: does the body around it tell one story?

    A crosshead sits inside a story: the body before and after it share words, and its own
    words echo the body before it. A headline starts a new topic: its words recur after it
    only. Each side reads a bounded window, so the cost stays linear in the page.
    """
    grams = grams if grams is not None else LineGrams(lines)
    windows = _Windows(lines, grams)
    out: list[tuple[str, ...]] = []
    for i, heading in enumerate(windows.headings):
        if i == 0 or not heading:
            out.append(())
            continue
        before = windows.read(i - 1, -1)
        after = windows.read(i + 1, 1)
        own = grams[i]
        shared = len(before & after)
        out.append(
            (
                _COH[_share(shared, min(len(before), len(after)), _COH_BOUNDS)],
                _ECHO_P[_share(len(own & before), len(own), _ECHO_P_BOUNDS)],
                _ECHO_N[_share(len(own & after), len(own), _ECHO_N_BOUNDS)],
            )
        )
    return out


#: Bounds of a short open line's share of itself and the line under it (see `junctions`).
_SHARES = (0.2, 0.34, 0.5)


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def junctions(lines: Sequence[str], printed: PrintedPairs | None = None) -> list[tuple[str, ...]]:
    """Facts of the seam between each line and an open heading-length line above it.

    A column break cuts a paragraph anywhere, so the piece above is as likely long as short and
    the word it cut goes on in the line below (`…对乌兹别克斯` | `坦进行…`); a crosshead is a
    whole short line, and the sentence under it starts afresh (`变更公共绿地要论证` |
    `《条例》规定…`). So: the upper line's share of the two (`share=`), and whether the two
    ideographs at the seam form a pair the page prints elsewhere (`seam=seen`: a name, a place,
    a term the story repeats) or nowhere (`seam=new`), answered by `PrintedPairs`, so the cost
    stays linear in the page.
    """
    out: list[tuple[str, ...]] = [()]
    printed = printed if printed is not None else PrintedPairs(lines)
    for i, (above, line) in enumerate(pairwise(lines), 1):
        if above[-1] in PARAGRAPH_ENDS or len(above) > MAX_HEADING or is_heading(line):
            out.append(())
            continue
        share = len(above) / (len(above) + len(line))
        feats = [f"share={next((k for k, b in enumerate(_SHARES) if share < b), len(_SHARES))}"]
        if is_han(above[-1]) and is_han(line[0]):
            feats.append("seam=seen" if above[-1] + line[0] in printed else "seam=new")
        if i > 1 and lines[i - 2][-1] in PARAGRAPH_ENDS:
            # Under a finished paragraph the upper line is a crosshead or a broken paragraph's
            # start; under a headline it may be a lead cut a few words in (`中新网6月` | `8日电…`).
            feats += [f"body_{f}" for f in feats]
        out.append(tuple(feats))
    return out


class _Views(dict[str, str]):
    """Own features as a neighbour passes them on (`p:closed`), or "" for those it keeps.

    Filled as features are met: the vocabulary of own features is bounded (fixed names, and
    one `first=`/`last=` per character), so the table is too.
    """

    def __init__(self, prefix: str, passed: frozenset[str], kind: str | None) -> None:
        super().__init__()
        self.prefix, self.passed, self.kind = prefix, passed, kind

    def __missing__(self, feature: str) -> str:
        kept = feature in self.passed or (
            self.kind is not None and feature[: len(self.kind)] == self.kind
        )
        view = self[feature] = f"{self.prefix}{feature}" if kept else ""
        return view


_AS_PREV = _Views("p:", _NEIGHBOUR | {"top"}, "last=")
_AS_NEXT = _Views("n:", _NEIGHBOUR | {"bottom"}, "first=")
_AS_SECOND = _Views("pp:", _SECOND, None)


#: Characters of a line's opening compared with the page's other lines (see `page_features`).
_OPENING = 10


def page_features(
    lines: Sequence[str], grams: LineGrams | None = None, printed: PrintedPairs | None = None
) -> list[tuple[str, ...]]:
    """The features of every line: its own, and the telling ones of the lines before and after.

    `rep_open`: the line opens as another line of the page does (`新华社北京１月５日电`, a web
    disclaimer under every story): a lead, so the short line above it is likely a headline.
    """
    openings = Counter(line[:_OPENING] for line in lines if len(line) >= 2 * _OPENING)
    own = [
        (*own_features(line), "rep_open")
        if len(line) >= 2 * _OPENING and openings[line[:_OPENING]] > 1
        else own_features(line)
        for line in lines
    ]
    topic = cohesion(lines, grams)
    seams = junctions(lines, printed)
    # Each line's facts as its neighbours see them, read once (by C-level maps, see `_Views`).
    as_prev = [tuple(filter(None, map(_AS_PREV.__getitem__, feats))) for feats in own]
    as_next = [tuple(filter(None, map(_AS_NEXT.__getitem__, feats))) for feats in own]
    as_second = [tuple(filter(None, map(_AS_SECOND.__getitem__, feats))) for feats in own]
    out: list[tuple[str, ...]] = []
    last = len(lines) - 1
    for i, feats in enumerate(own):
        prev = as_prev[i - 1] if i > 0 else ("p:top",)
        nxt = as_next[i + 1] if i < last else ("n:bottom",)
        second = as_second[i - 2] if i > 1 else ("pp:top",)
        out.append((*feats, *topic[i], *seams[i], *prev, *nxt, *second, "bias"))
    return out


def _previous(state: str) -> str:
    """The content label a state stands after (furniture remembers it)."""
    return state[1] if state[0] == "F" and len(state) == 2 else state


def _arcs() -> dict[str, list[tuple[str, str]]]:
    """For each state, the states that may precede it and the transition feature of the arc."""
    arcs: dict[str, list[tuple[str, str]]] = {s: [] for s in STATES}
    for prev in STATES:
        before = _previous(prev)
        for nxt in STATES:
            if nxt[0] == "F" and len(nxt) == 2:
                if nxt[1] == before:  # furniture keeps the label before it
                    arcs[nxt].append((prev, f"{prev[0]}>F"))
            elif nxt in _FOLLOW.get(before, ""):
                arcs[nxt].append((prev, f"{prev[0]}>{nxt}"))
    return arcs


_ARCS = _arcs()
_BODY = frozenset("PC")
_STACK = frozenset("GB")
_STARTS = {s: f"^>{s[0]}" for s in ("G", "P", "F^")}


def _label(state: str) -> str:
    return state[0]


_LIVE: dict[tuple[str, ...], tuple[str, ...]] = {}


def _live(emission: dict[str, float]) -> tuple[str, ...]:
    """The states whose label the hard rules allow for a line with this emission."""
    allowed = tuple(label for label in LABELS if emission[label] > _FORBIDDEN / 2)
    states = _LIVE.get(allowed)
    if states is None:
        states = tuple(s for s in STATES if s[0] in allowed) or tuple(s for s in STATES)
        _LIVE[allowed] = states
    return states


@dataclass
class Decoded:
    """The labels of a page's lines and the model's margin on each."""

    labels: list[str]
    margins: list[float]


class LineModel:
    """Weights of the line model: `label|feature` and `prev>next` transition weights."""

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        self.weights: dict[str, float] = dict(weights or {})
        self._emissions: dict[tuple[str, ...], dict[str, float]] = {}
        #: The states each line's emission leaves live (see `_live`), and whether the line is
        #: byline-shaped (see `decode`), beside `_emissions`.
        self._lives: dict[tuple[str, ...], tuple[tuple[str, ...], bool]] = {}
        #: Arcs into each state of a row from the row before, and out of each state of a row
        #: into the row after, keyed by the two rows' states (see `decode`).
        self._into: dict[
            tuple[tuple[str, ...], tuple[str, ...]], list[tuple[str, str, list[tuple[str, float]]]]
        ] = {}
        self._out_of: dict[
            tuple[tuple[str, ...], tuple[str, ...]], list[tuple[str, list[tuple[str, str, float]]]]
        ] = {}
        self._table: dict[str, list[tuple[str, float]]] | None = None
        self._arcs: (
            tuple[
                dict[str, list[tuple[str, float]]],
                dict[str, list[tuple[str, float]]],
                dict[str, float],
                dict[str, float],
            ]
            | None
        ) = None

    def _graph(
        self,
    ) -> tuple[
        dict[str, list[tuple[str, float]]],
        dict[str, list[tuple[str, float]]],
        dict[str, float],
        dict[str, float],
    ]:
        """Weighted arcs into and out of each state, start and end weights (built once)."""
        if self._arcs is None:
            get = self.weights.get
            trans = {s: [(p, get(t, 0.0)) for p, t in _ARCS[s]] for s in STATES}
            succ: dict[str, list[tuple[str, float]]] = {s: [] for s in STATES}
            for s in STATES:
                for p, w in trans[s]:
                    succ[p].append((s, w))
            start = {s: get(t, 0.0) for s, t in _STARTS.items()}
            end = {s: get(f"{s[0]}>$", 0.0) for s in STATES if _previous(s) in _ENDS}
            self._arcs = (trans, succ, start, end)
            self._into, self._out_of = {}, {}
        return self._arcs

    def _by_feature(self) -> dict[str, list[tuple[str, float]]]:
        """Weights indexed by feature: a line's scores are a few sparse additions."""
        if self._table is None:
            table: dict[str, list[tuple[str, float]]] = {}
            for key, value in self.weights.items():
                label, sep, feature = key.partition("|")
                if sep:
                    table.setdefault(feature, []).append((label, value))
            self._table = table
        return self._table

    def emission(self, feats: tuple[str, ...]) -> dict[str, float]:
        """Score of each label for a line with these features (cached: body lines repeat)."""
        cached = self._emissions.get(feats)
        if cached is None:
            table = self._by_feature()
            present = frozenset(feats)
            cached = dict.fromkeys(LABELS, 0.0)
            for f in feats:
                for label, value in table.get(f, ()):
                    cached[label] += value
            only = (
                "".join(v for k, v in _ONLY.items() if k in present) if present & _ONLY_KEYS else ""
            )
            for label in LABELS:
                needs = _NEEDS.get(label)
                if (
                    (only and label not in only)
                    or (needs is not None and not needs & present)
                    or (label == "C" and "p:closed" in present)
                ):
                    cached[label] = _FORBIDDEN  # a real paragraph end is never joined
            if len(self._emissions) < 50_000:
                self._emissions[feats] = cached
        return cached

    def decode(
        self,
        feats: Sequence[tuple[str, ...]],
        *,
        margins: bool = True,
        guards: Sequence[str] | None = None,
    ) -> Decoded:
        """The best label sequence (Viterbi) and, per line, its max-marginal margin.

        `guards[i]` (see `guard`) names the labels forbidden right after body line i: an open
        paragraph is continued by the next body line, a jump tail is followed by a new item.
        Only the states a line can take are visited (a body line is P or C), so the cost per
        line is a handful of arcs, not all of them.
        """
        n = len(feats)
        if n == 0:
            return Decoded([], [])
        opened = guards if guards is not None else [""] * n
        # A byline-shaped line right under a heading or byline is a byline, never the lead.
        # And a `——` heading-shaped line under a heading is its subheadline (副题).
        # A line of names only (`周德武`) there is the writer's byline or the stack's last line.
        trans, succ, start, end = self._graph()
        emissions = [self.emission(f) for f in feats]
        lives = self._lives
        live: list[tuple[str, ...]] = []
        bylines: list[bool] = []
        for f, em in zip(feats, emissions, strict=True):
            found = lives.get(f)
            if found is None:
                found = (
                    _live(em),
                    "byline" in f or "name_only" in f or ("dashed" in f and "heading" in f),
                )
                if len(lives) < 50_000:
                    lives[f] = found
            live.append(found[0])
            bylines.append(found[1])
        # Per line, the arcs into each live state from the states of the row before, in
        # `trans` order (so ties resolve as over all arcs): listed once per pair of row shapes,
        # which repeat down a page (and across pages).
        into, out_of = self._into, self._out_of

        def ruled(i: int, p: str, s: str) -> bool:
            """Whether the rules forbid the arc into line i's state s from p."""
            guarded = opened[i - 1]
            if guarded and p in _BODY and s[0] in guarded:
                return True
            return bylines[i] and s == "P" and p in _STACK

        inf = -math.inf
        forbidden = _FORBIDDEN
        first = emissions[0]
        fwd: list[dict[str, float]] = [
            {s: start[s] + first[s[0]] for s in live[0] if s in start}
            or {"F^": start["F^"] + first["F"]}
        ]
        back: list[dict[str, str]] = [{}]
        prev_scores = fwd[0]
        for i in range(1, n):
            em = emissions[i]
            key = (live[i], tuple(prev_scores))
            plan = into.get(key)
            if plan is None:
                plan = into[key] = [
                    (s, s[0], [(p, w) for p, w in trans[s] if p in prev_scores]) for s in live[i]
                ]
            row: dict[str, float] = {}
            ptr: dict[str, str] = {}
            # Two copies of the inner loop on purpose: most rows have no rule to check, and
            # the decoder's hottest loop is cheaper without a `ruled` call per arc.
            if not opened[i - 1] and not bylines[i]:
                for s, label, arcs in plan:
                    best, arg = inf, ""
                    for p, w in arcs:
                        v = prev_scores[p] + w
                        if v > best:
                            best, arg = v, p
                    if arg:
                        row[s] = best + em[label]
                        ptr[s] = arg
            else:
                for s, label, arcs in plan:
                    best, arg = inf, ""
                    for p, w in arcs:
                        if ruled(i, p, s):
                            v = prev_scores[p] + (w + forbidden)
                        else:
                            v = prev_scores[p] + w
                        if v > best:
                            best, arg = v, p
                    if arg:
                        row[s] = best + em[label]
                        ptr[s] = arg
            if not row:  # no rule-abiding state: furniture keeps the page decodable
                s = max(prev_scores, key=prev_scores.__getitem__)
                row = {f"F{_previous(s)}": prev_scores[s] + forbidden}
                ptr = {f"F{_previous(s)}": s}
            fwd.append(row)
            back.append(ptr)
            prev_scores = row
        final = {s: v + end.get(s, forbidden) for s, v in fwd[-1].items()}
        state = max(final, key=final.__getitem__)
        best_total = final[state]
        path = [state]
        for i in range(n - 1, 0, -1):
            state = back[i][state]
            path.append(state)
        path.reverse()
        labels = [s[0] for s in path]
        if not margins:
            return Decoded(labels, [])
        # Backward pass over the same live states: best completion from each, for max-marginals.
        bwd: list[dict[str, float]] = [{}] * n
        bwd[-1] = {s: end.get(s, forbidden) for s in fwd[-1]}
        nxt = bwd[-1]
        for i in range(n - 2, -1, -1):
            em = emissions[i + 1]
            here = fwd[i]
            key = (tuple(here), tuple(nxt))
            plan_out = out_of.get(key)
            if plan_out is None:
                plan_out = out_of[key] = [
                    (p, [(s, s[0], w) for s, w in succ[p] if s in nxt]) for p in here
                ]
            row = {}
            if not opened[i] and not bylines[i + 1]:
                for p, arcs_out in plan_out:
                    best = inf
                    for s, label, w in arcs_out:
                        v = w + em[label] + nxt[s]
                        if v > best:
                            best = v
                    row[p] = best
            else:
                for p, arcs_out in plan_out:
                    best = inf
                    for s, label, w in arcs_out:
                        if ruled(i + 1, p, s):
                            v = (w + forbidden) + em[label] + nxt[s]
                        else:
                            v = w + em[label] + nxt[s]
                        if v > best:
                            best = v
                    row[p] = best
            bwd[i] = row
            nxt = row
        out: list[float] = []
        for chosen, ahead, behind in zip(labels, fwd, bwd, strict=True):
            alt = inf
            for s, v in ahead.items():
                if s[0] != chosen:
                    total = v + behind[s]
                    if total > alt:
                        alt = total
            out.append(best_total - alt if alt > inf else 50.0)
        return Decoded(labels, out)

    def to_json(self) -> str:
        kept = {k: round(v, 4) for k, v in sorted(self.weights.items()) if abs(v) > 1e-4}
        return json.dumps({"labels": LABELS, "weights": kept}, ensure_ascii=False, indent=0)

    @classmethod
    def from_json(cls, text: str) -> LineModel:
        doc: dict[str, Any] = json.loads(text)
        return cls({str(k): float(v) for k, v in doc["weights"].items()})


@cache
def shipped() -> LineModel:
    """The model trained on the whole corpus, shipped with the package."""
    text = resources.files("distro.parse").joinpath("model.json").read_text(encoding="utf-8")
    return LineModel.from_json(text)


#: Arcs whose weight stays 0: how many lines a headline stack has is each paper's habit (one
#: line in a wire feed, three in a party paper), so only the lines themselves decide it.
_UNLEARNED = frozenset(("G>G",))


def _phi(feats: Sequence[tuple[str, ...]], states: Sequence[str]) -> dict[str, float]:
    counts: dict[str, float] = {}
    prev = "^"
    for f, state in zip(feats, states, strict=True):
        label = state[0]
        for x in f:
            key = f"{label}|{x}"
            counts[key] = counts.get(key, 0.0) + 1.0
        arc = f"{prev[0]}>{label}"
        if arc not in _UNLEARNED:
            counts[arc] = counts.get(arc, 0.0) + 1.0
        prev = state
    end = f"{prev[0]}>$"
    counts[end] = counts.get(end, 0.0) + 1.0
    return counts


def _states(labels: str) -> list[str]:
    """Gold states of a gold label string: furniture remembers the label before it."""
    out: list[str] = []
    before = "^"
    for label in labels:
        if label == "F":
            out.append(f"F{before}")
        else:
            out.append(label)
            before = label
    return out


def _gold_guards(lines: Sequence[str], labels: str) -> list[str]:
    """The guards of a page, less any the gold labels break (a rule is not a gold label)."""
    out = []
    for i, line in enumerate(lines):
        rule = guard(line)
        if rule and i + 1 < len(labels) and labels[i] in _BODY and labels[i + 1] in rule:
            rule = ""
        out.append(rule)
    return out


def train(
    pages: Iterable[tuple[Sequence[str], str]], *, epochs: int = 12, seed: int = 13
) -> LineModel:
    """An averaged structured perceptron over (page lines, gold labels) pairs; deterministic.

    The lines are read with their widths folded, as `layout.segment` reads a page.
    """
    folded = [(fold_forms(list(lines)), labels) for lines, labels in pages]
    data = [
        (page_features(lines), _states(labels), _gold_guards(lines, labels))
        for lines, labels in folded
    ]
    rng = random.Random(seed)
    weights: dict[str, float] = {}
    totals: dict[str, float] = {}
    stamps: dict[str, int] = {}
    step = 0
    model = LineModel(weights)
    for _ in range(epochs):
        rng.shuffle(data)
        for feats, gold, opened in data:
            step += 1
            model.weights = weights
            model._emissions = {}
            model._lives = {}
            model._table = None
            model._arcs = None
            guess = model.decode(feats, margins=False, guards=opened).labels
            if guess == [s[0] for s in gold]:
                continue
            guess_states = _states("".join(guess))
            delta = _phi(feats, gold)
            for key, value in _phi(feats, guess_states).items():
                delta[key] = delta.get(key, 0.0) - value
            for key, value in delta.items():
                if value:
                    old = weights.get(key, 0.0)
                    totals[key] = totals.get(key, 0.0) + old * (step - stamps.get(key, 0))
                    stamps[key] = step
                    weights[key] = old + value
    for key, value in weights.items():
        totals[key] = totals.get(key, 0.0) + value * (step - stamps.get(key, 0))
    averaged = {k: v / max(step, 1) for k, v in totals.items()}
    return LineModel(averaged)
