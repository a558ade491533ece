"""Finding the dateline formula of an opening (outlet, place, date, 电/讯) and cutting it off.

`raw` is the formula exactly as printed, with its enclosing brackets when it is printed in
brackets (`(法新社东京电)`, `（新华社北京3月4日电）`), and never with what follows it: the reporter
parentheses (`（记者 X）`), a `…报道:` credit or the separator space are not part of `raw` (the
shared dev set labels it so). `span` is `raw`'s (start, end) in the text given. `strip_dateline`
removes the formula together with the credit and separators after it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from distro.dates.calendar import DateProblem, complete
from distro.dates.credits import ROLE, parse_credit
from distro.dates.numerals import NUMERAL_CHARS, to_int
from distro.models import Dateline

#: Outlets as printed -> as labelled. Longest spellings are tried first.
OUTLETS: dict[str, str] = {
    "本报": "本报", "本刊": "本刊", "本台": "本台", "本网": "本网",
    "新华社": "新华社", "新华网": "新华网", "中新社": "中新社", "中国新闻社": "中新社",
    "中新网": "中新网", "人民网": "人民网", "央视网": "央视网", "央广网": "央广网",
    "国际在线": "国际在线", "环球网": "环球网", "中国网": "中国网", "光明网": "光明网",
    "澎湃新闻": "澎湃新闻", "IT之家": "IT之家", "中央社": "中央社",
    "人民日报海外版": "人民日报海外版", "人民日报": "人民日报", "光明日报": "光明日报",
    "经济日报": "经济日报", "解放军报": "解放军报", "中国青年报": "中国青年报",
    "中国日报": "中国日报", "科技日报": "科技日报", "工人日报": "工人日报", "法制日报": "法制日报",
    "环球时报": "环球时报", "新京报": "新京报",
    "法新社": "法新社", "法新": "法新社", "路透社": "路透社", "路透": "路透社",
    "美联社": "美联社", "美联": "美联社", "共同社": "共同社", "韩联社": "韩联社",
    "塔斯社": "塔斯社", "俄新社": "俄新社", "德新社": "德新社", "埃菲社": "埃菲社",
    "安莎社": "安莎社", "合众国际社": "合众国际社", "彭博社": "彭博社", "朝中社": "朝中社",
    "综合": "综合",
}  # fmt: skip

#: Countries and regions printed before a place (`法新社义大利杜林十日电`), split off as qualifier.
COUNTRIES = (
    "美国", "英国", "法国", "德国", "日本", "韩国", "南韩", "北韩", "朝鲜", "俄罗斯", "俄国",
    "意大利", "义大利", "西班牙", "葡萄牙", "瑞士", "瑞典", "挪威", "芬兰", "丹麦", "荷兰",
    "比利时", "奥地利", "波兰", "捷克", "希腊", "土耳其", "以色列", "埃及", "伊朗", "伊拉克",
    "印度", "巴基斯坦", "阿富汗", "泰国", "越南", "柬埔寨", "缅甸", "马来西亚", "印尼",
    "印度尼西亚", "菲律宾", "新加坡", "澳大利亚", "澳洲", "新西兰", "纽西兰", "加拿大",
    "墨西哥", "巴西", "阿根廷", "智利", "秘鲁", "委内瑞拉", "哥伦比亚", "古巴", "南非",
    "尼日利亚", "肯尼亚", "乌克兰", "白俄罗斯", "沙特", "叙利亚", "黎巴嫩", "约旦",
)  # fmt: skip

_CJK = r"\u4e00-\u9fff"
_OUTLET = "|".join(re.escape(o) for o in sorted(OUTLETS, key=len, reverse=True))
_NUM = f"[{NUMERAL_CHARS}]{{1,3}}"
_YEAR = r"[0-9０-９]{4}|[〇○Ｏ零一二三四五六七八九]{4}"
# 日 may be missing only after a month (`新华社香港3月21电`); spaces as some sites print them.
_DATE = (
    rf"(?:(?P<y>{_YEAR})\s?年\s?)?"
    rf"(?:(?P<m>{_NUM})\s?月\s?(?P<d>{_NUM})\s?(?:日|号)?|(?P<d2>{_NUM})\s?(?:日|号))"
)
_TOD = r"(?:凌晨|清晨|早晨|上午|中午|下午|傍晚|晚间|晚上|晚|夜)"
# A place: no digits, no 电/讯/报 (those end the formula), never the words 记者 or 报道.
_PLACE_CHAR = rf"(?:(?!记者|报道|通讯|消息)[{_CJK}·・])"
_PLACE = rf"{_PLACE_CHAR}{{1,12}}?(?:、{_PLACE_CHAR}{{1,10}}?)*"
_QUAL = rf"\s?[(（](?P<qual>[{_CJK}]{{1,8}})[)）]\s?"
#: Desk words before 专电: 新华社北京1月22日新媒体专电, 新华社广州3月22日体育专电.
_SPECIAL = "(?:新媒体|体育|经济|财经|国际|军事|文化|科技|社会|法制)?"
_OPEN = r"[(（【\[]"
_CLOSE = r"[)）】\]]"

# outlet [place [(qualifier)]] [date [time of day]] 电|讯|专电|消息, optionally in brackets.
_OUTLET_FIRST = (
    rf"(?P<outlet>{_OUTLET})\s?(?P<loc>{_PLACE})??(?:{_QUAL})?\s?"
    rf"(?:(?P<date>{_DATE})\s?{_TOD}?\s?)?(?P<term>{_SPECIAL}专电|电|讯|消息)"
)
# 据新华社[北京][7月5日](电|报道|消息)
_ACCORDING = (
    rf"(?P<ju>据)(?P<outlet>{_OUTLET})\s?(?P<loc>{_PLACE})??(?:{_QUAL})?\s?"
    rf"(?:(?P<date>{_DATE})\s?{_TOD}?\s?)?(?P<term>{_SPECIAL}专电|电|报道|消息)"
)
# (汉城路透电), (台北讯), (平壤、汉城综合讯): place first, in brackets only.
_PLACE_FIRST = (
    rf"(?P<open>{_OPEN})(?P<loc>{_PLACE})(?P<outlet>{_OUTLET})?"
    rf"(?:(?P<date>{_DATE})\s?{_TOD}?)?(?P<term>{_SPECIAL}专电|电|讯)(?P<close>{_CLOSE})"
)
# (周锐鹏报道): a bracketed byline standing where the dateline would be.
_BYLINE = (
    rf"(?P<open>{_OPEN})(?P<credit>(?:{ROLE})?\s?[{_CJK}·、\s]{{2,30}}?)\s?报道(?P<close>{_CLOSE})"
)

_LEAD_PATTERNS = (
    re.compile(rf"(?P<open>{_OPEN})?\s?{_OUTLET_FIRST}(?P<close>\s?{_CLOSE})?"),
    re.compile(_ACCORDING),
    re.compile(_PLACE_FIRST),
    re.compile(_BYLINE),
)
_BRACKETED = (
    re.compile(rf"(?P<open>{_OPEN})\s?{_OUTLET_FIRST}(?P<close>\s?{_CLOSE})"),
    re.compile(_PLACE_FIRST),
    re.compile(_BYLINE),
)
_TRAILER = re.compile(
    rf"(?P<open>{_OPEN})\s?(?:据)?{_OUTLET_FIRST}(?P<close>\s?{_CLOSE})[\s。.]*\Z"
)
#: A line before the dateline that is a byline: □记者 宋迎迎 报道.
_BYLINE_LINE = re.compile(
    rf"[□■●◆]?\s*(?P<credit>(?:{ROLE})\s*[{_CJK}·、，,\s]{{2,40}}?)\s*(?:报道|摄)?\s*"
)
_ROLE_RE = re.compile(ROLE)
_REPORTED_REACH = 64
#: Reporter parentheses right after the formula: （记者 X、Y）.
_PARENS_AFTER = re.compile(r"[ \t\u3000]*[(（](?P<credit>[^()（）\n]{1,60})[)）]")
#: `…报道:` right after the formula: 杨宝金、记者刘欣欣报道: .
_REPORTED_AFTER = re.compile(
    rf"[ \t\u3000]*(?P<credit>(?:{ROLE})?[ \u3000]?[{_CJK}·]"
    rf"(?:[{_CJK}·、，, \u3000]|{ROLE}){{1,40}}?)"
    r"[ \u3000]?报道[ \u3000]?[:：]?"
)
#: Sentence punctuation: a line prefix with none is a headline-like run (o0211's subtitle).
_PUNCT_RE = re.compile('[，。,；;：:！？!?“”"]')

#: The patterns worth trying on a line, by its first character; other lines are skipped at once.
_BY_START: dict[str, tuple[re.Pattern[str], ...]] = {
    **{outlet[0]: _LEAD_PATTERNS[:1] for outlet in OUTLETS},
    "据": _LEAD_PATTERNS[1:2],
    **{bracket: (_LEAD_PATTERNS[0], *_LEAD_PATTERNS[2:]) for bracket in "([（【"},
}
_OPENERS = re.compile(r"[(（【\[]")
_PROGRAMME = re.compile(r"\s?[(（][^()（）\n]{1,20}[)）]\s?(?=[:：])")
_AFTER_NEWS = ("：", ":", "（", "(", " ", "\u3000")
_INDENT_CHARS = " \t\r\u3000\xa0□■●◆◇★☆▲△▼"
_SEPARATOR_CHARS = " \t\r\n\u3000\xa0:：,，"
_TRAILER_TAIL = " \t\r\n\u3000。."
_MAX_LINES = 8
_HEADLINE_MAX = 80
_MID_LINE_REACH = 40


def _undated_end_ok(text: str, end: int) -> bool:
    """An undated formula must end its word: `本报海口电 （…）`, not `新华社电视…`."""
    if end >= len(text):
        return True
    nxt = text[end]
    if not ("\u4e00" <= nxt <= "\u9fff"):
        return True
    # 本报讯曹家为、朱纯斌报道: / 本报讯记者 X …
    return _reported_after(text, end) is not None or _ROLE_RE.match(text, end) is not None


_COUNTRY_SET = frozenset(COUNTRIES)
_COUNTRY_SIZES = sorted({len(c) for c in COUNTRIES}, reverse=True)


def _split_qualifier(loc: str) -> tuple[str, str | None]:
    for size in _COUNTRY_SIZES:
        if len(loc) - size >= 2 and loc[:size] in _COUNTRY_SET:
            return loc[size:], loc[:size]
    return loc, None


def _date_of(match: re.Match[str], issue_date: dt.date | None) -> tuple[dt.date | None, str | None]:
    if match.group("date") is None:
        return None, "undated dateline"
    y, m = match.group("y"), match.group("m")
    d = match.group("d") or match.group("d2")
    year = to_int(y) if y else None
    month = to_int(m) if m else None
    day = to_int(d) if d else None
    if day is None or (m and month is None) or (y and year is None):
        return None, f"unreadable date: {match.group('date')}"
    try:
        return complete(year, month, day, issue_date), None
    except DateProblem as exc:
        return None, str(exc)


def _build(
    text: str,
    match: re.Match[str],
    issue_date: dt.date | None,
    *,
    position: Literal["lead", "trailer"],
) -> Dateline | None:
    groups = match.groupdict()
    start, end = match.start(), match.end()
    opened, closed = groups.get("open"), groups.get("close")
    if bool(opened) != bool(closed):
        if not opened and closed:
            # A close bracket with no open one belongs to the text: leave it out.
            end = match.start("close")
            closed = None
        else:
            return None
    if opened:
        start = match.start("open")
    while start < end and text[start].isspace():
        start += 1
    if "credit" in groups and groups["credit"] is not None:
        names = parse_credit(groups["credit"])
        if names is None:
            return None
        return Dateline(
            raw=text[start:end],
            span=(start, end),
            date_reason="a byline, no dateline date",
            reporters=names,
            position="lead",
        )
    undated = groups.get("date") is None
    if undated and not closed:
        if not _undated_end_ok(text, end):
            return None
        # An undated 消息 only before its colon or bracket: 央视网消息（新闻联播）：
        if groups["term"] == "消息" and text[end : end + 1] not in _AFTER_NEWS:
            return None
    date, reason = _date_of(match, issue_date)
    outlet = OUTLETS[groups["outlet"]] if groups.get("outlet") else None
    loc = groups.get("loc") or None
    qualifier = groups.get("qual")
    if loc is not None and loc.endswith("综合"):
        # A round-up: (平壤、汉城综合讯) names no agency; 本报综合电 keeps its paper.
        loc = loc[:-2] or None
        outlet = outlet or "综合"
    if loc is not None and qualifier is None:
        loc, qualifier = _split_qualifier(loc)
    if closed and text[:start].strip() and not text[end:].strip(_TRAILER_TAIL):
        # A bracketed formula after the story with nothing after it closes it: a trailer.
        position = "trailer"
    reporters = _credit_after(text, end) if position == "lead" else []
    return Dateline(
        raw=text[start:end],
        span=(start, end),
        date=date,
        date_reason=reason,
        outlet=outlet,
        location=loc,
        location_qualifier=qualifier,
        reporters=reporters,
        position=position,
    )


def _credit_match(text: str, end: int) -> tuple[re.Match[str], list[str]] | None:
    """The reporter credit directly after a formula ending at `end`, with its names."""
    for found in (_PARENS_AFTER.match(text, end), _reported_after(text, end)):
        if found is not None:
            names = parse_credit(found.group("credit"))
            if names is not None:
                return found, names
    return None


def _reported_after(text: str, end: int) -> re.Match[str] | None:
    # The pattern is costly to fail; most formulas have no 报道 anywhere near.
    if "报道" not in text[end : end + _REPORTED_REACH]:
        return None
    return _REPORTED_AFTER.match(text, end)


def _credit_after(text: str, end: int) -> list[str]:
    found = _credit_match(text, end)
    return found[1] if found is not None else []


def _byline_names(lines: list[tuple[int, str]], upto: int) -> list[str]:
    """Names from byline lines (□记者 宋迎迎 报道) between the headline and the dateline."""
    names: list[str] = []
    for index, (_, line) in enumerate(lines[:upto]):
        if index == 0 and upto > 1:
            continue  # the headline
        found = _BYLINE_LINE.fullmatch(line.strip())
        if found is not None:
            names.extend(parse_credit(found.group("credit")) or [])
    return names


def _is_body(line: str) -> bool:
    """A story paragraph, not a headline, subtitle or byline line: it ends a sentence."""
    return "。" in line or len(line) > _HEADLINE_MAX


def _lines(text: str) -> list[tuple[int, str]]:
    """The first lines of `text` with their offsets."""
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n", _MAX_LINES)[:_MAX_LINES]:
        out.append((pos, line))
        pos += len(line) + 1
    return out


def find_dateline(text: str, issue_date: dt.date | None) -> Dateline | None:
    """The dateline of an opening (`headline\\nlead`) or a paragraph, or None when it has none.

    Looks at the start of each of the first lines, then for a bracketed formula after a short
    unpunctuated run (a subtitle glued to the lead), then for a bracketed trailer that closes the
    text (`（新华社北京3月4日电）`). The date's year (and month, for day-only forms) comes from
    `issue_date`; when that is missing or the date is impossible, `date` is None and
    `date_reason` says why. Never raises on any text.
    """
    lines = _lines(text)
    for index, (offset, line) in enumerate(lines):
        if index > 0 and _is_body(lines[index - 1][1]):
            break  # a dateline opens the story: none after its first paragraph
        pos = offset + len(line) - len(line.lstrip(_INDENT_CHARS))
        if pos >= offset + len(line):
            continue
        for pattern in _BY_START.get(text[pos], ()):
            found = pattern.match(text, pos, offset + len(line))
            if found is not None:
                dateline = _build(text, found, issue_date, position="lead")
                if dateline is not None:
                    return _with_bylines(dateline, lines, index)
    for index, (offset, line) in enumerate(lines):
        if index > 0 and _is_body(lines[index - 1][1]):
            break
        for opener in _OPENERS.finditer(line, 1, _MID_LINE_REACH):
            i = opener.start()
            if _PUNCT_RE.search(line, 0, i) is not None:
                break
            for pattern in _BRACKETED:
                found = pattern.match(text, offset + i, offset + len(line))
                if found is not None:
                    dateline = _build(text, found, issue_date, position="lead")
                    if dateline is not None:
                        return _with_bylines(dateline, lines, index)
    tail_from = max(0, len(text.rstrip()) - 80)
    found = _TRAILER.search(text, tail_from)
    if found is not None:
        return _build(text, found, issue_date, position="trailer")
    return None


def _with_bylines(dateline: Dateline, lines: list[tuple[int, str]], index: int) -> Dateline:
    if index < 2:
        return dateline
    extra = [n for n in _byline_names(lines, index) if n not in dateline.reporters]
    if not extra:
        return dateline
    return dateline.model_copy(update={"reporters": [*extra, *dateline.reporters]})


def strip_dateline(paragraph: str, dateline: Dateline) -> str:
    """`paragraph` without the dateline, its reporter credit and the separator after them.

    `paragraph` is the text the dateline was found in or any text holding `raw` (a line of it);
    a lead formula is looked up at `span`, else first occurrence, a trailer at its last one. Text
    without `raw` comes back unchanged.
    """
    start, end = dateline.span
    if paragraph[start:end] != dateline.raw:
        if dateline.position == "trailer":
            start = paragraph.rfind(dateline.raw)
        else:
            start = paragraph.find(dateline.raw)
        if start < 0:
            return paragraph
        end = start + len(dateline.raw)
    if dateline.position == "trailer":
        return paragraph[:start].rstrip() + paragraph[end:].strip()
    credit = _credit_match(paragraph, end)
    if credit is not None:
        end = credit[0].end()
    elif dateline.raw.endswith("消息"):
        # 央视网消息（新闻联播）： the programme in brackets belongs to the header.
        programme = _PROGRAMME.match(paragraph, end)
        if programme is not None:
            end = programme.end()
    rest = paragraph[end:]
    return paragraph[:start] + rest[len(rest) - len(rest.lstrip(_SEPARATOR_CHARS)) :]
