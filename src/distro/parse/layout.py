"""The layout of a page: its lines classified and grouped into items (stack, byline, body).

Text extracted from a PDF page arrives as one line per text block, with blank lines between
them. A line is one of: page furniture (editor credits, CMS timestamps, mastheads), a byline, a
subheadline (`——…`), a jump line (`(下转第二版)`), a teaser's page reference (`3版`), or text.

An item starts with a stack of heading-like lines (short, no sentence end). A heading run opens a
new item when something confirms it is a headline and not a crosshead or a broken-off fragment:
a `——` subheadline in the run, a byline, page reference or dateline right after it, two or more
heading lines in a row, the top of the page, or a jump line closing the item before it; never
the first line after a byline (that is the lead). Text after the stack is body. A body line
continues the paragraph before it when that paragraph has no real end (a column or page break
split it: `两天的|时间`), and starts a new paragraph when the one before ends in
`。！？…；：”’」』）`: a real paragraph end is never joined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from distro.dates import find_dateline
from distro.dates.numerals import to_int
from distro.models import Byline
from distro.parse.byline import MARKS, merge_bylines, parse_byline
from distro.parse.byline import MAX_LENGTH as MAX_BYLINE
from distro.parse.typography import join_fragments, tidy_lines

#: How far into a line a dateline's closing word (电/讯/报道) can be.
_DATELINE_REACH = 48
#: Longest line that can be a headline; longer lines are body.
MAX_HEADING = 40
#: Longest line that can be a headline or a byline (with its box mark).
_MAX_SHORT = max(MAX_HEADING, MAX_BYLINE + 1)
#: Longest line that can be page furniture (editor credits, stamps); a longer one is copy.
MAX_FURNITURE = 80
#: Characters that end a paragraph for good.
PARAGRAPH_ENDS = frozenset("。！？!?…；：”’」』）)")
#: A heading never ends with these (it is a sentence or a fragment of one).
_NOT_HEADING_END = frozenset("。，、；：,;:")
#: Sentence punctuation: a short line with these is prose, not a crosshead.
_CLAUSE = frozenset("，、；：,;:")
#: Numbered crossheads: `一、` `（二）` `3.`.
_ORDINAL = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.、．])"
)

_PAGE = r"[A-Za-zＡ-Ｚａ-ｚ]?\s*[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3}"
_JUMP_LINE = re.compile(rf"[（(]?\s*(?:下转|转)\s*第?\s*(?P<page>{_PAGE})\s*版\s*[）)]?")
_JUMP_TAIL = re.compile(rf"[（(]\s*(?:下转|转)\s*第?\s*(?P<page>{_PAGE})\s*版\s*[）)]$")
_FROM_LINE = re.compile(rf"[（(]?\s*(?:上接|接)\s*第?\s*(?:{_PAGE})\s*版\s*[）)]?")
_FROM_HEAD = re.compile(rf"^[（(]\s*(?:上接|接)\s*第?\s*(?:{_PAGE})\s*版\s*[）)]")
_PAGE_REF = re.compile(
    rf"(?:[>＞»→▶]+\s*)?[（(【]?\s*(?:详见|请看|见)?\s*第?\s*(?P<page>{_PAGE})\s*版\s*[）)】]?"
)
_FURNITURE = re.compile(
    r"(?:本版|本期)?(?:责编|责任编辑|编辑|美编|美术编辑|版式设计|版式|设计|校对|组版|审校|审读|"
    r"值班编辑|值班主任|监制|统筹|制图|图片编辑|视觉设计)\s*[：:]"
)
#: CMS stamps and mastheads: `2021-07-05 08:12:33`, `2021年7月5日 星期一`.
_TIMESTAMP = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"(?:\s*(?:星期|周)[一二三四五六日天])?"
    r"(?:\s*T?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:[.:]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    # CMS residue after a stamp: record ids, flags, the story's URL.
    r"(?:\s+(?:\d+|https?://\S+))*"
)
#: A page's running head: number and section (`A2 要闻`, `第2版 要闻`, `02版：要闻`).
_PAGE_HEADER = re.compile(
    rf"(?:第?\s*(?:{_PAGE})\s*版|[A-ZＡ-Ｚ][0-9０-９]{{1,3}})\s*[：:·|｜]?\s*[\u4e00-\u9fff]{{2,8}}"
)
_DASH_CHARS = "—-─－"
#: Cheap test before parsing a byline: a box mark or one of these role words.
_ROLE_HINTS = ("记者", "评论员", "通讯员", "实习生", "摄影", "编译")


class LineKind(Enum):
    """What a line of a page is."""

    TEXT = "text"
    BYLINE = "byline"
    SUBHEAD = "subhead"
    JUMP = "jump"
    FROM = "from"
    PAGE_REF = "page_ref"
    FURNITURE = "furniture"


@dataclass(slots=True)
class Line:
    """One non-empty line of the page, normalized and classified."""

    text: str
    kind: LineKind
    heading: bool = False
    byline: Byline | None = None
    page: str | None = None


@dataclass
class Block:
    """One item of the page before it becomes an Article."""

    stack: list[tuple[str, bool]] = field(default_factory=list)  # (line, printed with ——)
    byline: Byline | None = None
    paragraphs: list[str] = field(default_factory=list)
    continued_on_page: str | None = None
    page_ref: str | None = None
    closed: bool = False


@dataclass
class Layout:
    """The items of a page, and every piece of text that went into none of them."""

    blocks: list[Block]
    dropped: list[str]


def page_number(printed: str) -> str:
    """A page number as printed (`二`, `４`, `Ａ３`, `03`) in plain form (`2`, `4`, `A3`, `3`)."""
    printed = printed.replace(" ", "")
    letter = ""
    if printed and not printed[0].isdecimal() and printed[0] not in "一二三四五六七八九十":
        letter = printed[0].upper().translate(_WIDE_LETTERS)
        printed = printed[1:]
    value = to_int(printed)
    return f"{letter}{value}" if value is not None else f"{letter}{printed}"


_WIDE_LETTERS = str.maketrans(
    "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def is_heading(text: str) -> bool:
    """Whether `text` could be a headline: short, with no sentence end."""
    return len(text) <= MAX_HEADING and text[-1] not in _NOT_HEADING_END and "。" not in text


def classify(text: str) -> Line:
    """One normalized, non-empty line classified."""
    size = len(text)
    if size > _MAX_SHORT:
        # Body lines, the common case: only editor credits and CMS stamps are this long too.
        if size <= MAX_FURNITURE and (
            _FURNITURE.match(text) is not None
            or (text[0].isdigit() and _TIMESTAMP.fullmatch(text) is not None)
        ):
            return Line(text, LineKind.FURNITURE)
        return Line(text, LineKind.TEXT)
    if (
        _FURNITURE.match(text) is not None
        or (text[0].isdigit() and _TIMESTAMP.fullmatch(text) is not None)
        or _PAGE_HEADER.fullmatch(text) is not None
    ):
        return Line(text, LineKind.FURNITURE)
    if size <= 16 and "版" in text:
        found = _JUMP_LINE.fullmatch(text)
        if found is not None:
            return Line(text, LineKind.JUMP, page=page_number(found.group("page")))
        if _FROM_LINE.fullmatch(text) is not None:
            return Line(text, LineKind.FROM)
        found = _PAGE_REF.fullmatch(text)
        if found is not None:
            return Line(text, LineKind.PAGE_REF, page=page_number(found.group("page")))
    if text[0] in _DASH_CHARS:
        rest = text.lstrip(_DASH_CHARS + " ")
        if not rest:
            return Line(text, LineKind.FURNITURE)  # a rule drawn with dashes
        # `——` (or one em dash, or ASCII/box-drawing look-alikes) opens a 副题; a lone `-` is text.
        if (text[0] in "—─" or text[:2] in ("--", "－－")) and is_heading(rest):
            return Line(rest, LineKind.SUBHEAD, heading=True)
    if size <= MAX_BYLINE and (text[0] in MARKS or any(word in text for word in _ROLE_HINTS)):
        byline = parse_byline(text)
        if byline is not None:
            return Line(text, LineKind.BYLINE, byline=byline)
    return Line(text, LineKind.TEXT, heading=is_heading(text))


def lines_of(text: str) -> list[Line]:
    """The page's non-empty lines, normalized and classified, in page order."""
    return [classify(line) for line in tidy_lines(text)]


def _closed(paragraph: str) -> bool:
    return paragraph[-1] in PARAGRAPH_ENDS


def might_open_with_dateline(text: str) -> bool:
    """A cheap necessary condition for a dateline at the head of `text`: its closing word early.

    Every dateline form ends in 电, 讯 or 报道 (`本报讯`, `新华社北京7月5日电`, `（X报道）`)
    within its first few dozen characters; most lines have none of them there.
    """
    head = text[:_DATELINE_REACH]
    return "电" in head or "讯" in head or "报道" in head


def _crosshead(paragraph: str) -> bool:
    """A short title line inside a body (`一、强化项目支撑`), which text never continues."""
    if not is_heading(paragraph):
        return False
    return _ORDINAL.match(paragraph) is not None or not any(ch in _CLAUSE for ch in paragraph)


def _opens_with_dateline(text: str) -> bool:
    if not might_open_with_dateline(text):
        return False
    dateline = find_dateline(text, None)
    return dateline is not None and dateline.position == "lead" and dateline.span[0] == 0


class _Segmenter:
    def __init__(self, lines: list[Line]) -> None:
        self.lines = [line for line in lines if line.kind is not LineKind.FURNITURE]
        self.dropped = [line.text for line in lines if line.kind is LineKind.FURNITURE]
        self.blocks: list[Block] = []

    def run_end(self, start: int) -> int:
        """Index after the heading run that starts at `start`."""
        end = start
        while end < len(self.lines) and self.lines[end].heading and end - start < 6:
            end += 1
        return end

    def confirmed(self, start: int, end: int, current: Block | None) -> bool:
        """Whether the heading run lines[start:end] opens a new item."""
        if current is None or current.closed:
            return True
        run = self.lines[start:end]
        if any(line.kind is LineKind.SUBHEAD for line in run):
            return True
        if current.byline is not None and not current.paragraphs:
            return False  # the first line after a byline is the lead, however short
        if _opens_with_dateline(run[0].text):
            return False  # `本报讯 …` opens a lead, never a headline
        following = self.lines[end] if end < len(self.lines) else None
        if following is not None:
            if following.kind in (LineKind.BYLINE, LineKind.PAGE_REF):
                return True
            if following.kind is LineKind.TEXT and _opens_with_dateline(following.text):
                return True
        body = current.paragraphs
        if body and not _closed(body[-1]) and not _crosshead(body[-1]):
            return False  # the run is the broken-off rest of an open paragraph
        return len(run) >= 2

    def segment(self) -> Layout:
        lines = self.lines
        current: Block | None = None
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.heading:
                end = self.run_end(i)
                if self.confirmed(i, end, current):
                    current = Block(
                        stack=[(ln.text, ln.kind is LineKind.SUBHEAD) for ln in lines[i:end]]
                    )
                    self.blocks.append(current)
                    i = end
                    continue
            if current is None or current.closed:
                self.dropped.append(line.text)  # text that belongs to no headline on this page
                i += 1
                continue
            self.body_line(current, line)
            i += 1
        return Layout(self.blocks, self.dropped)

    def body_line(self, block: Block, line: Line) -> None:
        kind = line.kind
        text = line.text
        if kind is LineKind.TEXT and text[0] not in "（(" and text[-1] not in "）)":
            self.add_text(block, text)  # the common case: no marker to look for
            return
        if kind is LineKind.BYLINE and line.byline is not None and not block.paragraphs:
            block.byline = (
                line.byline if block.byline is None else merge_bylines(block.byline, line.byline)
            )
            return
        if kind is LineKind.PAGE_REF:
            block.page_ref = line.page
            block.closed = True
            self.dropped.append(line.text)
            return
        if kind is LineKind.JUMP:
            block.continued_on_page = line.page
            block.closed = True
            self.dropped.append(line.text)
            return
        if kind is LineKind.FROM:
            self.dropped.append(line.text)
            return
        if kind is LineKind.SUBHEAD:
            text = f"——{text}"
        head = _FROM_HEAD.match(text) if text[0] in "（(" else None
        if head is not None:
            self.dropped.append(head.group())
            text = text[head.end() :].lstrip()
        jump = _JUMP_TAIL.search(text, max(0, len(text) - 16)) if text[-1:] in ("）", ")") else None
        if jump is not None:
            self.dropped.append(jump.group())
            text = text[: jump.start()].rstrip()
            block.continued_on_page = page_number(jump.group("page"))
            block.closed = True
        if text:
            self.add_text(block, text)

    @staticmethod
    def add_text(block: Block, text: str) -> None:
        """`text` as a new paragraph, or the rest of the last one when that one is open."""
        body = block.paragraphs
        if body and not _closed(body[-1]) and not _crosshead(body[-1]):
            body[-1] = join_fragments(body[-1], text)
        else:
            body.append(text)


def segment(text: str) -> Layout:
    """The items of a page's text, in page order."""
    return _Segmenter(lines_of(text)).segment()
