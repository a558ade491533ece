"""The layout of a page: its lines labelled by the line model and grouped into items.

Text extracted from a PDF page arrives as one line per text block. The line model (model.py)
labels every line at once: heading, byline, paragraph start, paragraph continuation, credit
printed after the body, jump, teaser page reference, continuation head, or furniture. Hard rules
bound what the weights may decide: only a short line with no sentence end can be a heading
(`MAX_HEADING`), only a line of byline shape a byline, only a jump form a jump, and a line after a
real paragraph end (`。！？…；：”’」』）`) always starts a new paragraph. An item is a run of
heading lines and what follows it up to the next run; text before the first heading belongs to
no item and is kept in `Layout.dropped`, with the furniture and the jump lines.

Column breaks are rejoined by collecting a paragraph's pieces and joining them once, so a page
of any size is segmented in time linear in its length.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from distro.dates import find_dateline
from distro.dates.numerals import to_int
from distro.models import Byline
from distro.parse.byline import MARKS, credit_byline, credited, merge_bylines, parse_byline
from distro.parse.columns import unwrap
from distro.parse.model import (
    CONTINUES,
    MAX_HEADING,
    PARAGRAPH_ENDS,
    LineGrams,
    LineModel,
    PrintedPairs,
    caption_end,
    cut_open,
    dateline_leads,
    editor_line,
    guards,
    is_han,
    is_heading,
    is_whole,
    page_features,
    pair_code,
    shipped,
    stands_alone,
    whole_over,
)
from distro.parse.typography import both_widths, fold_forms, join_fragments, tidy_lines

#: How far into a line a dateline's closing word (电/讯/报道) can be.
_DATELINE_REACH = 48
_PAGE = r"[A-Za-zＡ-Ｚａ-ｚ]?\s*[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3}"
_JUMP_LINE = re.compile(rf"[（(]?\s*(?:下转|紧转|转|续)\s*第?\s*(?P<page>{_PAGE})\s*版\s*[）)]?")
_JUMP_TAIL = re.compile(rf"[（(]\s*(?:下转|紧转|转|续)\s*第?\s*(?P<page>{_PAGE})\s*版\s*[）)]$")
_FROM_HEAD = re.compile(rf"^[（(]?\s*(?:上接|紧接|接|承)\s*第?\s*(?P<page>{_PAGE})\s*版\s*[）)]")
_FROM_LINE = re.compile(rf"[（(]?\s*(?:上接|紧接|接|承)\s*第?\s*(?P<page>{_PAGE})\s*版")
_PAGE_REF = re.compile(
    rf"(?:[>＞»→▶]+\s*)?[（(【]?\s*(?:详见|请看|见)?\s*第?\s*(?P<page>{_PAGE})\s*版\s*[）)】]?"
)
_DASHES = "—─-－"

__all__ = [
    "MAX_HEADING",
    "PARAGRAPH_ENDS",
    "Block",
    "Layout",
    "is_heading",
    "might_open_with_dateline",
    "page_number",
    "segment",
]


@dataclass
class Block:
    """One item of the page before it becomes an Article."""

    stack: list[tuple[str, bool]] = field(default_factory=list)  # (line, printed with ——)
    byline: Byline | None = None
    paragraphs: list[str] = field(default_factory=list)
    continued_on_page: str | None = None
    #: Page the item continues from (`（上接第一版）` → `1`), its continuation head cut.
    continued_from_page: str | None = None
    page_ref: str | None = None
    #: Model margin of each of the item's lines (how sure the labelling is), in page order.
    margins: list[float] = field(default_factory=list)
    #: What the layout noticed about the item: `unparsed_byline`, `credit_after_byline` …
    notes: list[str] = field(default_factory=list)


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


def might_open_with_dateline(text: str) -> bool:
    """A cheap necessary condition for a dateline at the head of `text`: its closing word early.

    Every dateline form ends in 电, 讯, 消息 or 报道 (`本报讯`, `新华社北京7月5日电`,
    `中广网北京７月２日消息`, `（X报道）`) within its first few dozen characters, as the
    dateline grammar reads them; most lines have none of them there.
    """
    head = text[:_DATELINE_REACH]
    return "电" in head or "讯" in head or "报道" in head or "消息" in head


def opens_with_dateline(text: str) -> bool:
    """Whether a dateline opens `text` (`本报讯 …`, `新华社北京7月5日电 …`)."""
    return might_open_with_dateline(text) and dateline_leads(text)


def _stack_entry(text: str) -> tuple[str, bool]:
    """A heading line, with a leading `——` (or look-alike) taken off and remembered."""
    if text[0] in "—─" or text[:2] in ("--", "－－"):
        rest = text.lstrip(_DASHES + " ")
        if rest:
            return rest, True
    return text, False


class _Builder:
    """Items assembled from labelled lines; each paragraph's pieces are joined once."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.dropped: list[str] = []
        self.current: Block | None = None
        self.pieces: list[str] = []

    def flush(self) -> None:
        if self.pieces and self.current is not None:
            self.current.paragraphs.append(join_fragments(self.pieces))
        self.pieces = []

    def heading(self, text: str, margin: float, after_heading: bool) -> None:
        if not after_heading or self.current is None:
            self.flush()
            self.current = Block()
            self.blocks.append(self.current)
        self.current.stack.append(_stack_entry(text))
        self.current.margins.append(margin)

    def byline(self, text: str, margin: float) -> None:
        block = self.current
        if block is None:
            self.dropped.append(text)
            return
        block.margins.append(margin)
        found = parse_byline(text) or credit_byline(text)
        if found is None:
            found = Byline(raw=text)
            block.notes.append("unparsed_byline")
        block.byline = found if block.byline is None else merge_bylines(block.byline, found)

    def credit(self, text: str, margin: float) -> None:
        block = self.current
        if block is None:
            self.dropped.append(text)
            return
        block.margins.append(margin)
        found = credit_byline(text)
        if block.byline is None and found is not None:
            self.flush()
            block.byline = found
        else:
            block.notes.append("credit_after_byline")
            self.text(text, margin, new=True)

    def text(self, text: str, margin: float, *, new: bool) -> None:
        block = self.current
        if block is None:
            self.dropped.append(text)
            return
        block.margins.append(margin)
        if text[0] in "（(上接紧承":
            head = _FROM_HEAD.match(text)
            if head is not None:
                self.dropped.append(head.group())
                text = text[head.end() :].lstrip()
                block.continued_from_page = page_number(head.group("page"))
        if text[-1:] in ("）", ")"):
            jump = _JUMP_TAIL.search(text, max(0, len(text) - 16))
            if jump is not None:
                self.dropped.append(jump.group())
                text = text[: jump.start()].rstrip()
                block.continued_on_page = page_number(jump.group("page"))
        if not text:
            return
        if new:
            self.flush()
        self.pieces.append(text)

    def continued_from(self, text: str) -> None:
        """A continuation head line (`（上接第一版）`): the page the current item comes from."""
        head = _FROM_LINE.match(text)
        if head is not None and self.current is not None:
            self.current.continued_from_page = page_number(head.group("page"))

    def marker(self, text: str, margin: float, *, jump: bool) -> None:
        self.dropped.append(text)
        block = self.current
        if block is None:
            return
        block.margins.append(margin)
        pattern = _JUMP_LINE if jump else _PAGE_REF
        found = pattern.fullmatch(text)
        if found is not None:
            page = page_number(found.group("page"))
            if jump:
                block.continued_on_page = page
            else:
                block.page_ref = page


def opens_story_byline(line: str) -> bool:
    """A byline line of writers (`□本报评论员`, `◎记者 某某 报道`, `本报驻美国记者 李云飞`,
    `文/刘刚`): printed under a headline only. Unmarked, it must name a role (`记者`, `评论员`)
    or credit the writing; photo credits (`□记者 某某 摄`) close a caption instead, so they do
    not count."""
    if line.rstrip().endswith(("摄", "摄）", "摄)")):
        return False
    found = parse_byline(line)
    if found is None:
        return False
    # a credit for the writing (`文/刘刚`) marks a byline as a box does
    return line[:1] in MARKS or bool(found.roles) or credited(line) is not None


def opens_name_byline(line: str) -> bool:
    """A line of one to three person names and nothing else (`周德武`, `姚祥明 羊盘初`), as
    People's Daily and county papers print a writer's byline: no role, no dateline word."""
    if len(line) > 14 or might_open_with_dateline(line) or "本报" in line:
        return False
    names = line.replace("　", " ").split()
    return 1 <= len(names) <= 3 and all(
        2 <= len(name) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names
    )


#: A wire or own-staff dateline run into the lead with no space (`本报讯文化部在…`,
#: `新华社北京１月５日电国务院…`): evidence that a story starts, though not a dateline to cut.
_DATELINE_HEAD = re.compile(r"据?(?:本报|新华社|中新社|中新网)[^，。：“”\s]{0,20}?(?:讯|电)")


def _dated(text: str) -> bool:
    return opens_with_dateline(text) or _DATELINE_HEAD.match(text) is not None


def _opens_lead(lines: list[str], labels: list[str], i: int) -> bool:
    """Whether line i opens with a dateline, also when a column break cut the dateline itself
    (`新华社墨西哥城１月１日` | `电（记者沈安）…`)."""
    if _dated(lines[i]):
        return True
    return (
        i + 1 < len(lines)
        and labels[i + 1] in "PC"
        and lines[i][-1:] not in PARAGRAPH_ENDS
        and len(lines[i]) <= 24
        and _dated(lines[i] + lines[i + 1])
    )


#: A numbered crosshead's opening (`二、`, `（三）`, `3.`): stories are not numbered, sections are.
#: Not a number's own point (`５．１２灾后重建…`: a date, the headline's first word).
_ORDINAL_HEAD = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.、．](?!\d))"
)


def demote_numbered_crossheads(lines: list[str], labels: list[str]) -> list[str]:
    """A lone numbered heading (`二、加快项目建设`) inside a story's body is a crosshead, not a
    new story: a body line above it and a plain paragraph under it (no byline, no dateline)."""
    fixed = list(labels)
    for i in range(1, len(lines) - 1):
        if (
            fixed[i] == "G"
            and fixed[i - 1] in "PC"
            and fixed[i + 1] == "P"
            and _ORDINAL_HEAD.match(lines[i]) is not None
            and not opens_with_dateline(lines[i + 1])
        ):
            fixed[i] = "P"
    return fixed


def _dateline_across(upper: str, lower: str) -> bool:
    """Whether the two lines joined open with a dateline that runs across the seam: the lower
    line opens with none, or with the rest of it (`新华社莫斯科` | `１月１２日电…`)."""
    if not might_open_with_dateline(upper + lower[:_DATELINE_REACH]):
        return False
    joined = find_dateline(upper + lower, None)
    if joined is None or joined.position != "lead" or joined.span[0] != 0:
        return False
    if joined.span[1] <= len(upper):
        return False
    alone = find_dateline(lower, None) if might_open_with_dateline(lower) else None
    return (
        alone is None
        or alone.position != "lead"
        or alone.span[0] != 0
        or (alone.span[1] <= joined.span[1] - len(upper))
    )


def rejoin_broken_datelines(lines: list[str], labels: list[str]) -> list[str]:
    """A lead whose dateline a column break cut (`新华社北京一月十二日` | `电国务院…`): the
    second piece continues the first, though it opens a line the way a paragraph does, even
    with a dateline of its own (`新华社莫斯科` | `１月１２日电…`)."""
    fixed = list(labels)
    for i in range(len(lines) - 1):
        if (
            fixed[i] == "P"
            and fixed[i + 1] == "P"
            and len(lines[i]) <= 24
            and lines[i][-1:] not in PARAGRAPH_ENDS
            and not opens_with_dateline(lines[i])
            and _dateline_across(lines[i], lines[i + 1])
        ):
            fixed[i + 1] = "C"
    return fixed


#: An issue's full date with its weekday (`2012年6月20日 星期三`), as running heads print it
#: (`A3 国际 2012年6月20日 星期三`): 126 lines of the corpus, every one furniture. A headline
#: names a weekday without the date (`Ａ股市场遭遇黑色星期一`), a lead puts a comma after it.
_ISSUE_DATE = re.compile(
    r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:星期|周)[一二三四五六日天]"
)


def unhead_running_heads(lines: list[str], labels: list[str]) -> list[str]:
    """A line the model read as a headline that prints an issue's date and weekday, short and
    with no sentence in it, is a running head (furniture); the heading-shaped body line right
    under it, with no headline left above, is then the story's headline (`A3 国际 2012年6月20日
    星期三` | `因为有你，爱驻我家` | `六月一日，…`). And a short line of editors' credits
    (`责编 竹青 校对 高文雄`, the model's `editor` shape; 159 lines of the corpus, every one
    furniture), marked or not (`■责任编辑 …`), read as a headline, a byline or body is furniture
    too. Linear."""
    out = list(labels)
    for i, line in enumerate(lines):
        if len(line) > MAX_HEADING or "。" in line or "，" in line:
            continue
        if out[i] in "PCB" and editor_line(line):
            out[i] = "F"
            continue
        if out[i] != "G" or (_ISSUE_DATE.search(line) is None and not editor_line(line)):
            continue
        out[i] = "F"
        below = i + 1
        if (
            below < len(lines)
            and out[below] == "P"
            and (i == 0 or out[i - 1] not in "GB")
            and is_heading(lines[below])
        ):
            out[below] = "G"
    return out


#: Reported speech opening in a line (`…用陕西方言说：“有这群娃们照顾，…！”`): a sentence's.
_SAID = re.compile(r"[说道][：，]“")


def reads_as_sentence(line: str) -> bool:
    """A line that is a sentence, never a headline: two commas or more (`走出老张家的院子，空中的
    红日升高了，今冬的太阳是这样温暖……`), a stop or an ellipsis at its end, or speech reported
    after 说 (`…说：“…”`). No headline of the corpus has any of these (of some 500)."""
    return line.count("，") >= 2 or line[-1] in "。…" or _SAID.search(line) is not None


def unhead_sentences(lines: list[str], labels: list[str]) -> list[str]:
    """A headline line after a body line that reads as a sentence (`reads_as_sentence`) is a
    paragraph of the story above; a heading line under it is then the next story's headline
    (`…用陕西方言说：“…没问题！”` | `以撤军仍无具体方案`). Linear."""
    out = list(labels)
    for i in range(1, len(lines)):
        if out[i] == "G" and out[i - 1] in "PC" and reads_as_sentence(lines[i]):
            out[i] = "P"
    return out


#: Stops a sentence, and so a paragraph's last line, ends with (`rejoin_cut_heads`, and a lead
#: of one short sentence in `promote_new_topics`).
_STOP_ENDS = both_widths("。！？!?")


def rejoin_cut_heads(lines: list[str], labels: list[str]) -> list[str]:
    """A headline line after a body line whose whole body is one line shorter than itself and
    ending in a stop is a paragraph's first line a column break cut, the line under it the
    rest (`比赛前，中华体育基金会向…王大石先生赠送` | `了锦旗和纪念品。`): a story's body is never
    that short under its headline. Linear."""
    out = list(labels)
    n = len(lines)
    for i in range(1, n - 1):
        below = lines[i + 1]
        if (
            out[i] == "G"
            and out[i - 1] in "PC"
            and out[i + 1] == "P"
            and (i + 2 == n or out[i + 2] != "C")
            and below[-1] in _STOP_ENDS
            and len(below) < len(lines[i])
            and lines[i][-1] not in PARAGRAPH_ENDS
        ):
            out[i], out[i + 1] = "P", "C"
    return out


def promote_headings(lines: list[str], labels: list[str]) -> list[str]:
    """Headline-shaped lines the model read as body, where the page itself says a story starts.

    Kinds of evidence the line model can miss on layouts it has not seen: the next line opens
    with a dateline (`本报讯 …`, `新华社北京7月5日电 …`, also when a column break cut the
    dateline, or run into the lead with no space: `本报讯文化部…`), which only a story's lead
    does (under a heading, such a line is its 副题); the next line is a byline of writers
    (`□本报评论员`, `本报驻美国记者 李云飞`) with body under it, or a line of names only
    (`周德武`) after a finished paragraph with a long body line under it; the next line is
    headline-shaped too and the one after it a datelined lead (a headline and its 副题), or a
    `——` 副题 follows it under a heading (one stack); and a
    page on which the model found no headline at all, whose first line is shaped like one and is
    followed by body text (a page holding a single story).
    """
    fixed = list(labels)
    for i, line in enumerate(lines[:-1]):
        if (
            fixed[i] in "PC"
            and fixed[i + 1] in "PC"
            and is_heading(line)
            and not _dated(line)
            and not _dated(line + lines[i + 1])  # a lead cut inside its dateline
            and _opens_lead(lines, fixed, i + 1)
        ):
            # under a heading, a short line before the datelined lead is the 副题
            fixed[i], fixed[i + 1] = "G", "P"
    for i in range(len(lines) - 1):
        if (
            fixed[i] in "PC"
            and fixed[i + 1] == "G"
            and lines[i + 1][:1] in "—─"
            and is_heading(lines[i])
            and (
                i == 0
                or fixed[i - 1] in "GF"
                or (lines[i - 1][-1] in PARAGRAPH_ENDS and not _dated(lines[i]))
            )
        ):
            # between a heading and a `——` 副题: a line of the same stack; after a finished
            # paragraph, the headline the 副题 hangs from
            fixed[i] = "G"
    for i in range(len(lines) - 2):
        if (
            fixed[i] in "PC"
            and fixed[i + 1] in "PC"
            and fixed[i + 2] in "PC"
            and is_heading(lines[i])
            and (i == 0 or fixed[i - 1] not in "G")
        ):
            after_end = i == 0 or lines[i - 1][-1:] in PARAGRAPH_ENDS or fixed[i - 1] == "F"
            if opens_story_byline(lines[i + 1]) or (
                opens_name_byline(lines[i + 1])
                and after_end
                # a body line under it: long, or broken (the next line continues it)
                and (
                    len(lines[i + 2]) > MAX_HEADING or (i + 3 < len(lines) and fixed[i + 3] == "C")
                )
            ):
                fixed[i], fixed[i + 1], fixed[i + 2] = "G", "B", "P"
            elif is_heading(lines[i + 1]) and after_end and _opens_lead(lines, fixed, i + 2):
                # a headline and its subheadline (副题) over a datelined lead
                fixed[i], fixed[i + 1], fixed[i + 2] = "G", "G", "P"
    fixed = _promote_repeated_leads(lines, fixed)
    if "G" not in fixed:
        body = [i for i, label in enumerate(fixed) if label in "PC"]
        if len(body) >= 2 and is_heading(lines[body[0]]):
            first = body[0]
            after = first + 1
            # A byline may sit between the headline and the lead (`□记者 某某 报道`).
            while after < len(lines) and parse_byline(lines[after]) is not None:
                after += 1
            if after < len(lines) and fixed[after] in "PC" and after > first:
                fixed[first] = "G"
                for i in range(first + 1, after):
                    fixed[i] = "B"
                fixed[after] = "P"
    return fixed


def promote_new_topics(
    lines: list[str], labels: list[str], feats: list[tuple[str, ...]]
) -> list[str]:
    """A heading-shaped line read as body after a finished paragraph, over body text, where the
    body before it and the body after it share next to no words (`coh=0`, `coh=1`: under 5 %)
    and its own words are none of the story's above it (`echo_p=0`): a new story starts there,
    when a lead under it gives words enough. A crosshead goes on telling the story above it
    (see `model.cohesion`); on the corpus, 441 of 454 such lines head a story."""
    fixed = list(labels)
    for i in range(1, len(lines) - 1):
        if (
            fixed[i] == "P"
            and fixed[i + 1] in "PC"
            and lines[i - 1][-1] in PARAGRAPH_ENDS
            # a colon announces what follows it (`相关背景材料：` | `根据《…刑事诉讼法》`)
            and lines[i - 1][-1] not in "：:"
            and fixed[i - 1] in "PCF"
            # a lead under it: long, broken, or a whole sentence (so the words are enough to
            # tell a topic, with the window under it: `六月一日，儿童节，像往常一样。`)
            and (
                len(lines[i + 1]) > MAX_HEADING
                or (i + 2 < len(lines) and fixed[i + 2] == "C")
                or lines[i + 1][-1] in _STOP_ENDS
            )
            and ("coh=0" in feats[i] or "coh=1" in feats[i])
            and "echo_p=0" in feats[i]
            and is_heading(lines[i])
            and not _dated(lines[i])
        ):
            fixed[i], fixed[i + 1] = "G", "P"
    return fixed


#: Characters of a lead's opening compared across the page (`_promote_repeated_leads`).
_LEAD_OPENING = 10


def _promote_repeated_leads(lines: list[str], labels: list[str]) -> list[str]:
    """A heading-shaped line after a finished paragraph, over a body line that opens as a lead
    under a headline elsewhere on the page opens (a wire formula, a site's notice under every
    story): the page itself says a story starts there."""
    size = _LEAD_OPENING
    openings: set[str] = set()
    for i in range(1, len(lines)):
        if labels[i] == "P" and labels[i - 1] == "G":
            # a lead a column break cut short still opens as it does (`中国雅虎侠客平台仅提`
            # | `供信息存储空间服务…`): its opening read across the break
            opening, j = lines[i], i + 1
            while len(opening) < 2 * size and j < len(lines) and labels[j] == "C":
                opening += lines[j]
                j += 1
            if len(opening) >= 2 * size:
                openings.add(opening[:size])
    if not openings:
        return labels
    fixed = list(labels)
    for i in range(1, len(lines) - 1):
        if (
            fixed[i] in "PC"
            and fixed[i + 1] in "PC"
            and (lines[i - 1][-1] in PARAGRAPH_ENDS or fixed[i - 1] == "F")
            and is_heading(lines[i])
            and len(lines[i + 1]) >= 2 * size
            and lines[i + 1][:size] in openings
            and not _dated(lines[i])
        ):
            fixed[i], fixed[i + 1] = "G", "P"
    return fixed


#: Share of bigrams two neighbouring items must share for the second to be read as a crosshead
#: and the body under it (read off the corpus: the two parts of one story share 10-40 % of their
#: words, two stories of one page rarely over 8 %).
COHESION = 0.1
#: A headline of two parts a space sets apart (`“延迟退休”话题升温 网民担心冲击年轻人就业`), the
#: web's 主题 and 副题 on one line: a crosshead names one point and prints one phrase (in the
#: corpus 229 such lines start a story, 4 stand inside one).
_TWO_PART = re.compile(r"\S{4,}[ 　]\S{4,}")
#: Fewest distinct bigrams a body needs before its overlap means anything.
_MIN_GRAMS = 12


@dataclass
class _Item:
    """What `merge_crossheads` needs of one decoded item."""

    headings: list[int] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    #: The lines of each paragraph, by index.
    pieces: list[list[int]] = field(default_factory=list)
    #: Something on the page says the item starts here: byline, dateline, continuation head.
    confirmed: bool = False
    #: Something says the item ends here: a jump, a teaser reference, a credit after the body.
    closed: bool = False
    teaser: bool = False


def _items(lines: list[str], labels: list[str]) -> list[_Item]:
    items: list[_Item] = []
    pieces: list[int] = []
    current: _Item | None = None
    last = ""

    def flush() -> None:
        if pieces and current is not None:
            current.paragraphs.append("".join(lines[j] for j in pieces))
            current.pieces.append(list(pieces))
        pieces.clear()

    for i, label in enumerate(labels):
        if label == "F":
            continue
        if label == "G":
            if last != "G" or current is None:
                flush()
                current = _Item()
                items.append(current)
            current.headings.append(i)
        elif current is not None:
            if label in "BA":
                current.confirmed = True
            elif label in "JRT":
                current.closed = True
                current.teaser = current.teaser or label == "R"
            elif label == "P":
                flush()
                if not current.paragraphs and not pieces and _opens_lead(lines, labels, i):
                    current.confirmed = True
                pieces.append(i)
            elif label == "C":
                pieces.append(i)
        last = label
    flush()
    return items


def merge_crossheads(
    lines: list[str], labels: list[str], line_grams: LineGrams | None = None
) -> list[str]:
    """Heading lines that start no story: crossheads the body on both sides of them shares.

    A story's crosshead (`八因素影响家庭幸福感`) is shaped like a headline, and on a page whose
    stories print no dateline or byline nothing but the words tells them apart: the body under
    a crosshead goes on telling the story above it (the same names, places and terms), the
    body under a headline tells another. An item whose start nothing confirms (byline,
    dateline, continuation head) and whose body shares at least `COHESION` of its bigrams with
    the item before (whose end nothing confirms either: jump, teaser, credit) is read as part
    of it. Paragraphs printed more than once on the page (boilerplate) say nothing and are left
    out. Linear in the page: each line's bigrams are read once (`line_grams`, shared with the
    line model's topic features), a paragraph's are its lines' and those across its seams.
    """
    items = _items(lines, labels)
    if len(items) < 2:
        return labels
    seen = Counter(p for item in items for p in item.paragraphs)
    line_grams = line_grams if line_grams is not None else LineGrams(lines)

    def words_of(item: _Item) -> set[int]:
        words: set[int] = set()
        for paragraph, pieces in zip(item.paragraphs, item.pieces, strict=True):
            if seen[paragraph] == 1:
                for j in pieces:
                    words |= line_grams[j]
                for upper, lower in pairwise(pieces):
                    end, start = lines[upper][-1], lines[lower][0]
                    if is_han(end) and is_han(start):
                        words.add(pair_code(end, start))
        return words

    fixed = list(labels)
    # The bigrams of the item before (with any crossheads merged into it), read only when an
    # unconfirmed item asks: most items are confirmed or follow a closed one.
    before: set[int] | None = None
    previous: _Item | None = None
    for item in items:
        if (
            previous is None
            or previous.closed
            or item.confirmed
            or item.teaser
            or _TWO_PART.fullmatch(lines[item.headings[0]]) is not None
        ):
            before, previous = None, item
            continue
        words = words_of(item)
        if before is None:
            before = words_of(previous)
        if (
            len(words) >= _MIN_GRAMS
            and len(before) >= _MIN_GRAMS
            and len(words & before) >= COHESION * min(len(words), len(before))
        ):
            for i in item.headings:
                fixed[i] = "P"
            before |= words
            previous.closed = item.closed
            continue
        before, previous = words, item
    return fixed


def keep_open_lines(
    lines: list[str], decoded: list[str], promoted: list[str], guarded: list[str]
) -> list[str]:
    """Undo a promotion to heading of a line the model continued because its guard says so.

    A body line cut open (`cut_open`: after a comma or 的, inside a title or a quote) is
    continued by the next line; the promotion rules read a line's shape and the lines around
    it, and would start a story on a sentence a column break cut (`沉默片刻，你告诉我，作为“九`
    | `五”极地重力场…`). Clause punctuation alone says less: headlines print commas
    (`“信为本、孝为先” 敬老爱老公益计划在京启动`).
    """
    fixed = list(promoted)
    for i in range(len(fixed) - 1):
        if (
            fixed[i] == "G"
            and decoded[i] in "PC"
            and decoded[i + 1] == "C"
            and "P" in guarded[i]
            and fixed[i + 1] == "P"
            and cut_open(lines[i])
        ):
            fixed[i], fixed[i + 1] = decoded[i], "C"
    return fixed


def continue_cut_headings(lines: list[str], labels: list[str]) -> list[str]:
    """A heading over a body line that opens with the rest of a sentence (`，`, `。`, `》`): a
    line opens so only where a column break cut the sentence above it, so the heading is body
    (a caption cut before its last stop, a lead cut after a few words) and the next line
    continues it."""
    fixed = list(labels)
    for i in range(len(lines) - 1):
        if fixed[i] == "G" and fixed[i + 1] in "PC" and lines[i + 1][0] in CONTINUES:
            fixed[i], fixed[i + 1] = "P", "C"
    return fixed


def unstack_undated(lines: list[str], labels: list[str], guarded: list[str]) -> list[str]:
    """A stack of heading lines over a lead no dateline and no byline confirm, whose first line
    is its widest: the lines under the headline are body (a caption, a crosshead, a web
    subtitle the story prints as its opening paragraphs: `头枕砸窗靠不住 汽车逃生器保险`).

    A 副题 is set over the lead it introduces, which names where and who (`本报北京１月５日电`,
    `本报记者 某某`); an 引题 over the headline is narrower than it, so a stack whose first
    line is narrower is left alone, and so is a `——` line (a line as wide as the headline
    under it is body: the headline repeated as the story's first paragraph). A last line of
    names only (`毛一丁`) is the writer's byline; the lead goes on from a last line its guard
    holds open (a cut copy of a notice: `中国雅虎侠客平台仅提供` | `信息存储空间服务…`).
    """
    fixed = list(labels)
    i = 0
    while i < len(lines):
        if fixed[i] != "G":
            i += 1
            continue
        end = i
        while end + 1 < len(lines) and fixed[end + 1] == "G":
            end += 1
        if (
            end > i
            and end + 1 < len(lines)
            and fixed[end + 1] in "PC"
            and all(len(lines[j]) <= len(lines[i]) for j in range(i + 1, end + 1))
            and not any(lines[j][:1] in _DASHES for j in range(i + 1, end + 1))
            and not _opens_lead(lines, fixed, end + 1)
        ):
            for j in range(i + 1, end + 1):
                fixed[j] = "P"
            if opens_name_byline(lines[end]):
                fixed[end], fixed[end + 1] = "B", "P"
            else:
                fixed[end + 1] = "C" if "P" in guarded[end] else "P"
        i = end + 1
    return fixed


#: A line of parts a space sets apart (`部队信息 远征军第八军`): a form's field, a list's item.
_SPACED = re.compile(r"\S+(?:[ 　]+\S+)+")


def unbyline_fields(lines: list[str], labels: list[str], guarded: list[str]) -> list[str]:
    """A line of names read as the byline (`姓名 范松池`) over a short line of parts a space sets
    apart (`部队信息 远征军第八军`) is the first of a run of a form's fields, not a writer's
    name: a byline stands over the lead, which is no such line. And a line a dateline opens
    (`本报讯 根据`, under `◎本报记者 李莉 报道`) is the lead, whatever names its words look
    like; the line under it goes on with it where its guard holds it open."""
    fixed = list(labels)
    for i in range(len(lines) - 1):
        if fixed[i] == "B" and opens_with_dateline(lines[i]):
            fixed[i] = "P"
            if fixed[i + 1] == "P" and "P" in guarded[i]:
                fixed[i + 1] = "C"
            continue
        if (
            fixed[i] == "B"
            and fixed[i + 1] in "PC"
            and opens_name_byline(lines[i])
            and is_heading(lines[i + 1])
            and _SPACED.fullmatch(lines[i + 1]) is not None
        ):
            fixed[i], fixed[i + 1] = "P", "P"
    return fixed


def split_whole_runs(
    lines: list[str], labels: list[str], guarded: list[str], printed: PrintedPairs
) -> list[str]:
    """A whole short line under another whole body line (a caption's second line, a list of
    items: `姓名 范松池` | `部队信息 远征军第八军`) starts no paragraph the line under it
    continues, as after a finished paragraph (`model.guards`): the break that leaves a lead's
    first words on their own line comes under a headline, not under a body line."""
    fixed = list(labels)
    for i in range(1, len(lines) - 1):
        if (
            fixed[i] == "P"
            and fixed[i + 1] == "C"
            and fixed[i - 1] == "P"
            and not guarded[i]
            and is_whole(lines[i - 1])
            and whole_over(lines, i, printed)
        ):
            fixed[i + 1] = "P"
    return fixed


_INNER_STOP = re.compile(r".*[。！？!?]")


def _open_after_stop(line: str) -> bool:
    """A body line that ends a sentence inside and goes on after it with no stop: a heading
    holds no sentence end, so a break cut the next sentence (`…目标责任制。工商部门深入到各` |
    `重点部位，…`); a photo credit after a caption's stop (`…被救者。图／实习记者赵赫廷`)
    ends where it stands."""
    if line[-1] in PARAGRAPH_ENDS or len(line) > MAX_HEADING:
        return False
    found = _INNER_STOP.match(line)
    if found is None:
        return False
    tail = line[found.end() :].strip("＂＇\"'")  # a quote a straight mark closed ends there too
    return bool(tail) and not opens_story_byline(tail)


def continue_cut_open(lines: list[str], labels: list[str]) -> list[str]:
    """A body line cut open (`cut_open`: after a comma or 的, inside a quote or a title it
    opened) is continued by the body line under it, whatever read the line as a heading on the
    way and then as body again (a crosshead merged back: `…我恳切地希望` | `大家能以我为戒…`);
    so is one over a line that opens with the rest of a sentence or of a number a break cut,
    and a lead's first line under its byline, left open (in the truth, 70 of 70 go on)."""
    fixed = list(labels)
    for i in range(len(lines) - 1):
        if fixed[i] in "PC" and fixed[i + 1] == "P":
            line, below = lines[i], lines[i + 1]
            if (
                cut_open(line)
                # the rest of a sentence (`，并定期…`) or of a number (`…延期至０` | `８年…`)
                or below[0] in CONTINUES
                or (line[-1].isdigit() and below[0].isdigit())
                # a lead under its byline ends with a stop: short and open, a break cut it
                # (`本报记者 高云才` | `大地上一层厚厚的积雪把` | `天空辉映得…`)
                or (i > 0 and fixed[i - 1] == "B" and line[-1] not in PARAGRAPH_ENDS)
                or _open_after_stop(line)
            ):
                fixed[i + 1] = "C"
    return fixed


def _stack_shaped(lines: list[str], i: int) -> bool:
    """Whether line i could be one line of a headline stack: heading-shaped, no sentence, and
    none of a dateline, a byline, a credit, a caption's or a page's furniture."""
    line = lines[i]
    return (
        is_heading(line)
        and not reads_as_sentence(line)
        and not _dated(line)
        and not (i + 1 < len(lines) and _dated(line + lines[i + 1]))  # a dateline a break cut
        and parse_byline(line) is None
        and not opens_name_byline(line)
        and not stands_alone(line)
        and not editor_line(line)
        and not caption_end(line)
    )


def stack_headlines(lines: list[str], labels: list[str]) -> list[str]:
    """The 引题 and 副题 around a headline the model read as body. Papers set both around most
    headlines of a front page; a line model that has seen few stacks reads them as the last
    paragraph of the story above and the first of the story below.

    - A stack-shaped line after a finished paragraph, right over a headline, is its 引题: a
      crosshead is followed by body, never by a headline, and the story above had ended.
    - A stack-shaped line right under a headline, over a byline, a datelined lead or a
      continued story's head (`（上接第一版）`), is its 副题; a `——` line there is one whatever
      its words (`——记…`; the lead under it then opens a paragraph). Over undated body it may
      as well be a photo's caption, as web copy sets one under its headline, and stays body.
    - A writers' byline read as the stack's last line is the byline.

    Linear."""
    out = list(labels)
    for i in range(len(lines) - 1, -1, -1):
        if out[i] not in "PC" or i + 1 >= len(lines) or out[i + 1] != "G":
            continue
        if (i == 0 or out[i - 1] in "FG" or lines[i - 1][-1] in PARAGRAPH_ENDS) and _stack_shaped(
            lines, i
        ):
            out[i] = "G"
    for i in range(1, len(lines) - 1):
        if out[i - 1] != "G" or out[i] not in "PC":
            continue
        line = lines[i]
        dashed = line[:1] in "—─" and len(line) > 2 and is_heading(line.lstrip("—─ "))
        if dashed or (
            _stack_shaped(lines, i)
            and "，" not in line  # a short first paragraph, or a fragment the next line goes on
            and (
                out[i + 1] in "BT"
                or opens_story_byline(lines[i + 1])
                or (out[i + 1] == "P" and _opens_lead(lines, out, i + 1))
                or (out[i + 1] == "P" and _FROM_HEAD.match(lines[i + 1]) is not None)
            )
        ):
            out[i] = "G"
            if out[i + 1] == "C":
                out[i + 1] = "P"
            elif out[i + 1] == "P" and opens_story_byline(lines[i + 1]):
                out[i + 1] = "B"
    for i in range(1, len(lines) - 1):
        if (
            out[i] == "G"
            and out[i - 1] == "G"
            and out[i + 1] in "PC"
            and opens_story_byline(lines[i])
        ):
            out[i] = "B"  # the stack's last line is its writers' byline (`◎本报记者 李莉 报道`)
    return out


#: A photo's credit closing a caption: names, a role before them or not, after a stop, a space
#: or a bracket (`…一甲胺。张东清摄`, `新华社记者裴鑫摄`, `记者 张三 李四 摄`); a credit in brackets
#: (`（本报记者董洪亮文陶源明摄）`); or `（资料图片）`. Not a sentence a break cut after a verb
#: (`…北京市民纷纷走上街头用手机拍摄` | `下了这一幕。`).
_CREDIT_NAMES = (
    r"(?:[\u4e00-\u9fff]{0,6}?(?:记者|通讯员|实习生))?\s*[\u4e00-\u9fff·]{2,5}"
    r"(?:\s*[、/ ]\s*[\u4e00-\u9fff·]{2,5}){0,2}\s*"
)
_PHOTO_CREDIT = re.compile(
    rf"(?:^|[。！？…”’）)\s（(\u3000])\s*{_CREDIT_NAMES}(?:摄|摄影|供图)[）)]{{0,2}}$"
    r"|[（(][^（）()。，；！？]{2,24}(?:摄|摄影|供图)[）)]{1,2}$"
    r"|[（(](?:资料图片|资料照片|图片来源[^）)]*)[）)]$"
)


def drop_captions(lines: list[str], labels: list[str]) -> list[str]:
    """A body line closed by a photo's credit (`…张东清摄`, `（陈小波摄）`, `（资料图片）`) is the
    photo's caption, furniture, wherever the model read it: set inside a story, as web copy
    and many layouts place photos, it would become a paragraph of the story (every one of the
    corpus's 109 such lines is a caption). A line under a caption that the model read as going
    on with the paragraph over it opens a paragraph when that one had ended. Linear."""
    out = list(labels)
    for i, line in enumerate(lines):
        if out[i] not in "PCF" or not caption_end(line) or _PHOTO_CREDIT.search(line) is None:
            continue
        if out[i] == "C" and i > 0 and lines[i - 1][-1] not in PARAGRAPH_ENDS:
            continue  # the end of a sentence the model joined it to: not a whole line
        out[i] = "F"
        if (
            i + 1 < len(out)
            and out[i + 1] == "C"
            and (i == 0 or lines[i - 1][-1] in PARAGRAPH_ENDS)
        ):
            out[i + 1] = "P"
    return out


def head_first_line(lines: list[str], labels: list[str]) -> list[str]:
    """The page's first line read as body, before any heading and over more body, is its first
    headline when heading-shaped and no sentence (`活跃在全球政坛上的“铁娘子”` at the top of a
    page): body before any heading belongs to no item and would be lost, and every page of the
    corpus opens, after its furniture, on a headline (244 of 244). Linear: one look at the
    first line that is not furniture."""
    out = list(labels)
    i = 0
    while i < len(out) and out[i] == "F":
        i += 1
    if (
        i + 1 < len(out)
        and out[i] == "P"
        and out[i + 1] in "PC"
        and is_heading(lines[i])
        and not reads_as_sentence(lines[i])
    ):
        out[i] = "G"
        if out[i + 1] == "C":
            out[i + 1] = "P"
    return out


def head_teasers(lines: list[str], labels: list[str]) -> list[str]:
    """The body line over a teaser's summary, heading-shaped and no sentence, is the teaser's
    headline (`马德海和他的“杯水工程”` | `认识马德海的人，都知道他总是闲不住。` |
    `（第2版）`): a page reference closes a teaser, which prints a headline and one paragraph
    over it (every teaser of the corpus does), so that paragraph never continues the story
    above. Linear:
    each page reference looks back over one paragraph and one line."""
    out = list(labels)
    for i, label in enumerate(labels):
        if label != "R":
            continue
        j = i - 1
        while j >= 0 and out[j] == "F":
            j -= 1
        while j >= 0 and out[j] in "CF":
            j -= 1
        if j < 0 or out[j] != "P":
            continue
        h = j - 1
        while h >= 0 and out[h] == "F":
            h -= 1
        if h >= 0 and out[h] == "P" and is_heading(lines[h]) and not reads_as_sentence(lines[h]):
            out[h] = "G"
    return out


#: A line of rule characters only (`────────`, `＊　＊　＊`, `==========`, `■■■■`): the
#: separator a page prints between stories or sections, read as the blank line it stands for.
#: Read as text it was a `——` 副题 of no words, or a heading, and merged the stories around it.
_RULE = re.compile(
    r"^[ \t\u3000\r]*(?:[-—─━═=＝*＊·•■□◆◇◎●○★☆~～_＿#＃][ \t\u3000\r]*){3,}$", re.MULTILINE
)


def segment(text: str, model: LineModel | None = None) -> Layout:
    """The items of a page's text, in page order."""
    rules = _RULE.findall(text)
    if rules:
        text = _RULE.sub("", text)
    unwrapped = unwrap(text)
    printed_lines = tidy_lines(unwrapped.text)
    # The labels are read off the lines with full-width digits and letters folded to ASCII and
    # corner quotes to curly ones, so a page reads alike whichever forms its source typed
    # (`１９９７年` is a date as `1997年` is, `「` opens a quote as `“` does); the items keep the
    # text as printed.
    lines = fold_forms(printed_lines)
    model = model or shipped()
    line_grams, printed = LineGrams(lines), PrintedPairs(lines)
    feats = page_features(lines, line_grams, printed)
    guarded = guards(lines, printed)
    decoded = model.decode(feats, guards=guarded)
    labels = unhead_running_heads(lines, decoded.labels)
    labels = promote_new_topics(lines, promote_headings(lines, labels), feats)
    labels = continue_cut_headings(lines, keep_open_lines(lines, decoded.labels, labels, guarded))
    labels = rejoin_broken_datelines(lines, demote_numbered_crossheads(lines, labels))
    labels = unbyline_fields(lines, unstack_undated(lines, labels, guarded), guarded)
    labels = split_whole_runs(lines, labels, guarded, printed)
    # again on the unstacked page: a lead under a headline may have been read as its stack
    labels = _promote_repeated_leads(lines, labels)
    labels = rejoin_cut_heads(lines, unhead_sentences(lines, labels))
    labels = merge_crossheads(lines, labels, line_grams)
    labels = stack_headlines(lines, head_teasers(lines, continue_cut_open(lines, labels)))
    labels = drop_captions(lines, labels)
    # last: an earlier rule may read the page's first lines otherwise (a names-only byline)
    labels = head_first_line(lines, labels)
    builder = _Builder()
    builder.dropped.extend(" ".join(rule.split()) for rule in rules)
    previous = ""
    for index, (line, label, margin) in enumerate(
        zip(printed_lines, labels, decoded.margins, strict=True)
    ):
        if label == "G":
            builder.heading(line, margin, previous == "G")
        elif label == "B":
            builder.byline(line, margin)
        elif label == "P":
            builder.text(line, margin, new=True)
        elif label == "C":
            builder.text(line, margin, new=False)
        elif label == "T":
            builder.credit(line, margin)
        elif label in "JR":
            builder.flush()
            builder.marker(line, margin, jump=label == "J")
        else:  # furniture, continuation heads
            builder.dropped.append(line)
            if label == "A":
                builder.continued_from(line)
        if label != "F":
            previous = label
        if index in unwrapped.guessed and label in "PC" and builder.current is not None:
            builder.current.notes.append("guessed_join")
    builder.flush()
    return Layout(builder.blocks, builder.dropped)
