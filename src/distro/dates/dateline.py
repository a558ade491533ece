"""Finding the dateline formula of an opening (outlet, place, date, 电/讯) and cutting it off.

`raw` is the formula exactly as printed, with its enclosing brackets when it is printed in
brackets (`(法新社东京电)`, `（新华社北京3月4日电）`), and never with what follows it: the reporter
parentheses (`（记者 X）`), a `…报道:` credit or the separator space are not part of `raw` (the
shared dev set labels it so). `span` is `raw`'s (start, end) in the text given. `strip_dateline`
removes the formula together with the credit and separators after it.

Outlets are recognised as a class, not only from a list: a name that ends the way media names
end (`…报`, `…网`, `…社`, `…新闻`, `…之声`, `…客户端`, `…体育` for a portal's desk), alone or
joined to another (`厦门网-厦门日报`, `沈阳晚报、沈阳网`), directly followed by an optional place
and date and by 电/讯/专电/消息. At a paragraph's head (never in a headline) a name with no
media ending is an outlet too (`直播吧11月5日讯`, `盖世汽车讯`, `DoNews 11月4日消息`), where the
formula ends its word and the name is no time (`北京时间`) nor a word the formula word ends
(`简讯`, `腾讯`).
`OUTLETS` only normalises spellings (`法新` → `法新社`) and lets a formula glued after a subtitle
be found in mid-line, where a name's start cannot be told.

The page's residue at a paragraph's head is passed over: a note in brackets (`（原标题：…）`), a
source line (`来源：X`) up to its note, its name printed twice or a listed outlet in it.

A headline run into its story with no line break (THUCNews, SogouCS: `…季后赛复出新浪体育讯北京
时间…`) is read as such when no sentence ends before the formula: a listed name anchors it; an
unlisted one is guessed from the formula's date or from the story or credit right after it (the
name is one the line printed before, or starts after a titled name, 据, a space or a bracket, else
it is two characters and a media ending, never a number's unit). A
private-use paragraph mark (SogouCS: U+E40C) opens a paragraph as a line break does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Mapping
from typing import Literal

from distro.dates.calendar import DateProblem, complete
from distro.dates.credits import ROLE, has_surname, parse_credit
from distro.dates.numerals import NUMERAL_CHARS, to_int
from distro.models import CONTROL, Dateline

#: Outlets whose printed name is their label: the lexicon that normalises and anchors. Spelled
#: variants follow in _SPELLINGS.
_NAMES_TEXT = """
本报 本刊 本台 本网 新华社 新华网 中新社 中新网 人民网 央视网 央广网 中广网 国际在线 环球网
中国网 光明网 澎湃新闻 IT之家 中央社 人民日报海外版 人民日报 光明日报 经济日报 解放军报
中国青年报 中国日报 科技日报 工人日报 法制日报 农民日报 中国妇女报 中国纪检监察报 环球时报
新京报 北京青年报 北京晚报 北京日报 京华时报 新民晚报 解放日报 文汇报 羊城晚报 南方日报
南方都市报 南都 新快报 信息时报 广州日报 扬子晚报 现代快报 钱江晚报 华商报 楚天都市报 齐鲁晚报
大河报 华西都市报 重庆晨报 潇湘晨报 深圳商报 深圳特区报 长江日报 湖北日报 河北日报 浙江日报
千龙网 荆楚网 东方网 红网 大众网 财联社 证券时报网 中证网 第一财经 法新社 路透社 美联社 共同社
韩联社 塔斯社 俄新社 德新社 埃菲社 安莎社 合众国际社 彭博社 朝中社 综合
新浪 搜狐 网易 腾讯 凤凰网 全景网 华奥星空 北京考试报 晨报 晚报 新报 晶报 中国台湾网 台海网
"""
_NAMES = tuple(_NAMES_TEXT.split())
#: A portal's desk after its name: 新浪体育讯, 搜狐财经讯.
_DESK = (
    "(?:体育|娱乐|财经|科技|房产|家居|汽车|教育|游戏|时尚|军事|文化|读书|女性|健康|旅游|港股|美股"
    "|众测|数码|手机|星座|育儿)"
)
_SPELLINGS = {"中国新闻社": "中新社", "法新": "法新社", "路透": "路透社", "美联": "美联社"}
#: Outlets as printed -> as labelled. Longest spellings are tried first.
OUTLETS: dict[str, str] = {**{name: name for name in _NAMES}, **_SPELLINGS}

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
_NUM = f"[{NUMERAL_CHARS}]{{1,3}}"
_YEAR = r"[0-9０-９]{4}|[〇○Ｏ零一二三四五六七八九]{4}"
# 日 may be missing only after a month (`新华社香港3月21电`); spaces as some sites print them.
_DATE = (
    rf"(?:(?P<y>{_YEAR})\s?年\s?)?"
    rf"(?:(?P<m>{_NUM})\s?月\s?(?P<d>{_NUM})\s?(?:日|号)?|(?P<d2>{_NUM})\s?(?:日|号))"
)
# Or the hour a site stamps: 华龙网-新重庆客户端3月5日16时讯.
_TOD = (
    r"(?:凌晨|清晨|早晨|上午|中午|下午|傍晚|晚间|晚上|晚|夜"
    r"|[0-9０-９]{1,2}\s?[时點点](?:\s?[0-9０-９]{1,2}\s?分)?)"
)
#: How media names end: papers, sites, agencies, stations, apps, and a portal's desks.
_SUFFIX = (
    r"(?:都市报|青年报|日报|晚报|晨报|早报|时报|商报|快报|新闻网|新闻|通讯社|之声|在线|客户端"
    r"|电视台|广播电台|频道|体育|娱乐|科技|财经|报|网(?![站友民络页点])|社)"
)
# A name's characters: letters and digits (新华０８网), never 讯/电 (they end the formula) nor the
# words 记者/报道/消息, nor a paper's 本报 (a subtitle glued before 本报讯 is no name).
# 电 only inside a word that goes on: 闪电新闻, 电视, 每日电讯报.
_NAME_CHAR = (
    r"(?:(?!记者|报道|消息|本[报刊台网])(?:[^\W_讯电据]|(?<=闪)电|电(?=[视力子影讯脑台信商])))"
)
# Never led by 据 (据新华社… is attribution, its own pattern).
# At most seven characters before the ending: a headline run into an unlisted name's formula
# (基金发行迎来高潮新报讯) is not taken whole for a name.
# …报 never ends a name inside 报道 (据21世纪经济报道昨日消息 is attribution).
_NAME = rf"(?:(?!据)[{_CJK}A-Za-z]{_NAME_CHAR}{{0,6}}?{_SUFFIX}(?!道))"
#: Joined names: 汉网-武汉晚报, 沈阳晚报、沈阳网, 东南网－海峡都市报.
#: A name with no media ending (直播吧, 蓝鲸教育, 中证APP, DoNews, PingWest品玩, IT之家): a Latin
#: word with up to four characters after it, or two to eight name characters and an app's APP.
_FREE_CHAR = r"(?:(?!记者|报道|消息|本[报刊台网])[^\W\d_讯电A-Za-z])"
_FREE_NAME = (
    rf"(?:[A-Za-z][A-Za-z0-9]{{1,15}}{_FREE_CHAR}{{0,4}}"
    rf"|(?!据){_FREE_CHAR}{{2,8}}(?:APP|App)?)"
)
#: What a free name can never be: a time (北京时间, 今日, 昨晚), a word a formula word ends
#: (快讯, 简讯, 资讯, 喜讯, 好消息, 最新消息), or a sentence's first word (据, 另, 但).
_NOT_A_NAME = re.compile(
    r"时间|^(?:今|昨|前|明|近|本|当|每|上|下|同|次)[日天周月年晚早夜]|^最新|^(?:据|另|又|但|而|并)"
)
_WORD_BEFORE = {
    "讯": frozenset("快简资通喜死音短噩佳捷电腾婚闻传审刑视警凶"),
    "消息": frozenset("好坏新小假真一二三四五六七八九十两几个条则些"),
}
#: What may follow a free name's formula: a separator, never a character going on with a word.
_FREE_AFTER = frozenset(" \u3000\xa0(（【,，:：")
_COMPOUND = rf"{_NAME}(?:[-－—–、·][ \u3000\xa0]?{_NAME}){{0,2}}"
# A place: no digits, no 讯, never a media word (they belong to the outlet) nor 记者/报道.
_PLACE_CHAR = (
    rf"(?:(?!记者|报道|通讯|消息|新闻|之声|客户端|频道|[昨今前近]日|[昨今前]天|日前"
    rf"|微博|微信|官方|官微|官网|网站|公众号|编译|整理|摘编|时间)"
    rf"(?![报网讯据])[{_CJK}·・])"
)
_PLACE = rf"{_PLACE_CHAR}{{1,12}}?(?:、{_PLACE_CHAR}{{1,10}}?)*"
_QUAL = rf"\s?[(（](?P<qual>(?!微博|博客)[{_CJK}]{{1,8}})[)）]\s?"
#: A portal's link marker printed after a name it links: 新快报(微博)讯, 中新网(微博)北京9月21日电.
_MARK = r"(?:\s?[(（](?:微博|博客)[)）])?"
#: Desk words before 专电: 新华社北京1月22日新媒体专电, 新华社广州3月22日体育专电.
_SPECIAL = "(?:新媒体|体育|经济|财经|国际|军事|文化|科技|社会|法制)?"
_TERM = rf"(?P<term>{_SPECIAL}专?电|讯|消息|综合报道)"
_OPEN = r"[(（【\[]"
_CLOSE = r"[)）】\]]"
#: The paper's own 本报 after a joined name: 汉网-武汉晚报 本报讯.
_OWN = r"(?:[ \u3000\xa0]?本报(?=讯|电))?"
_ROLE_RE = re.compile(ROLE)
_REPORTED_REACH = 64
#: Reporter parentheses right after the formula: （记者 X、Y）.
_PARENS_AFTER = re.compile(r"[ \t\u3000\xa0]*[(（【](?P<credit>[^()（）【】\n]{1,60})[)）】]")
#: `…报道:` right after the formula: 杨宝金、记者刘欣欣报道: .
_REPORTED_AFTER = re.compile(
    rf"[ \t\u3000\xa0]*(?P<credit>(?:{ROLE})?[ \u3000\xa0]?[{_CJK}·]"
    rf"(?:[{_CJK}·、，, \u3000\xa0／/]|{ROLE}){{1,40}}?)"
    r"[ \u3000\xa0]?报道[ \u3000\xa0]?[:：]?"
)
#: Titled names set off by spaces or run together with their roles, no 报道: 南都讯　记者刘凡
#: 周昌和　任笑一　继推出日票后, 本报讯记者李莉通讯员刘清华 昨天.
_TITLED_RUN = re.compile(
    rf"[ \t\u3000\xa0]*(?P<credit>(?:{ROLE})[ \u3000\xa0／/]*[{_CJK}·]{{2,4}}"
    rf"(?:(?:[ \u3000\xa0、，,]+(?:(?:{ROLE})[ \u3000\xa0／/]*)?|(?:{ROLE})[ \u3000\xa0／/]*)"
    rf"[{_CJK}·]{{2,4}})*)"
    r"(?=[ \u3000\xa0，,])"
)
_RUN_PART = re.compile("[^ \u3000\xa0、，,]+")
#: A titled name run into the sentence it opens: 记者张三从市教育局获悉 (the name stays in it).
_NAME_INTO_TEXT = re.compile(
    rf"[ \t\u3000\xa0]*(?:{ROLE})[ \u3000\xa0]?(?P<name>[{_CJK}]{{2,3}}?)"
    r"(?=从|在|于|获悉|了解|近日|日前|昨日|昨天|今天|今日|前日|前天|表示|介绍|采访|来到|走进)"
)
#: 综合新华社驻外记者报道: a round-up credited to a desk's correspondents.
_ROUNDUP_AFTER = re.compile(
    rf"[ \t\u3000\xa0]*综合(?:{_NAME})?(?:驻外|驻[{_CJK}]{{1,6}}?)?记者报道[ \u3000\xa0]?[:：]?"
)
#: Sentence punctuation: a line prefix with none is a headline-like run (o0211's subtitle).
_PUNCT_RE = re.compile('[，。,；;：:！？!?“”"]')
#: A sentence's end: a headline run into its story has none before the formula, though it may
#: have a colon, a question or quotes (阿帅：不知道为何打得如此松散…新浪体育讯).
_SENTENCE_END = re.compile("[。；;]")
_CLAUSE_END = re.compile("[，,]")
#: A formula's end and the date just before it, to anchor a glued formula of an unlisted outlet.
_GLUED_TERM = re.compile(rf"{_SPECIAL}专?电|(?<!快)讯|(?<!小)消息")
_DATE_BEFORE = re.compile(rf"(?:{_DATE})\s?{_TOD}?\s?\Z")
_DATE_REACH = 20
#: What may follow an undated glued formula: the story after a space, or a credit in brackets.
_UNDATED_AFTER = frozenset(" \u3000\xa0(（【:：")
_SUFFIX_RE = re.compile(_SUFFIX)
_NAME_BOUNDARIES = " \u3000\xa0)）】」》"
_GLUED_NAME_REACH = 14
_DIGITS = frozenset("0123456789０１２３４５６７８９")
_TERMS_RE = re.compile("电|讯|消息|报道")
_OPENERS = re.compile(r"[(（【\[]")
_PROGRAMME = re.compile(r"\s?[(（][^()（）\n]{1,20}[)）]\s?(?=[:：])")
_AFTER_NEWS = ("：", ":", "（", "(", " ", "\u3000")
_INDENT_CHARS = " \t\r\u3000\xa0□■●◆◇★☆▲△▼"
_SEPARATOR_CHARS = " \t\r\n\u3000\xa0:：,，"
_TRAILER_TAIL = " \t\r\n\u3000。."
_MAX_LINES = 8
#: The private-use marks some extractions print for a paragraph break inside a line (SogouCS:
#: U+E40C): a formula after one opens a paragraph, as at a line's head.
_PARAGRAPH_MARK = re.compile("[\ue000-\uf8ff]")
_MARKS_TRIED = 3
#: The time a portal stamps before the story it reprints, then a space.
_STAMP = re.compile(
    r"(?:[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})"
    r"[ \u3000\xa0]?[0-9]{1,2}[:：][0-9]{2}(?:[:：][0-9]{2})?[ \u3000\xa0]+"
)
_MARK_REACH = 600
_HEADLINE_MAX = 80
_MID_LINE_REACH = 40
#: How far into a line a formula glued after a subtitle is looked for, when a titled credit in
#: brackets follows it (…烈士每人３万本报讯（记者李秋萌）).
_GLUED_REACH = 160
_FORMULA_REACH = 48
#: Titled names just before a glued formula: …地铁倒计时记者　魏奋本报讯, □晚报记者 孙娟 通讯员
#: 何宇本报讯 (the Sogou samples mark paragraph breaks with a private-use character, U+E40C, so
#: one may stand between them).
_BYLINE_BEFORE = re.compile(
    rf"(?P<credit>(?:{ROLE})[ \u3000\xa0]?[{_CJK}]{{2,3}}"
    rf"(?:[ \u3000\xa0、]+(?:(?:{ROLE})[ \u3000\xa0]?)?[{_CJK}]{{2,3}})*)[\s\ue000-\uf8ff]?\Z"
)
#: A line before the dateline that is a byline: □记者 宋迎迎 报道.
_BYLINE_LINE = re.compile(
    rf"[□■●◆]?\s*(?P<credit>(?:{ROLE})\s*[{_CJK}·、，,\s]{{2,40}}?)\s*(?:报道|摄)?\s*"
)


def _alternation(names: Mapping[str, str]) -> str:
    return "|".join(re.escape(o) for o in sorted(names, key=len, reverse=True))


class DatelineFinder:
    """The dateline patterns built around one outlet lexicon (`OUTLETS` by default).

    The lexicon normalises spellings and anchors formulas glued after a subtitle; every other
    form is found by the outlet class alone, so a finder built without an outlet still finds it
    at the head of a line (outlet cross-validation builds such finders).
    """

    def __init__(self, outlets: Mapping[str, str] = OUTLETS) -> None:
        self.outlets = {unicodedata.normalize("NFKC", k): v for k, v in outlets.items()}
        known = _alternation(outlets)
        # A listed name's desk, channel or app: 新浪体育, 中新网上海新闻, 中新网客户端.
        desk = rf"(?:{_DESK}|[{_CJK}]{{1,6}}?(?:新闻|频道)|客户端|APP)"
        outlet = rf"(?P<outlet>(?:{known}){desk}?|{_COMPOUND})"
        dated = rf"(?:(?P<date>{_DATE})\s?{_TOD}?\s?)"
        outlet_first = rf"{outlet}{_MARK}{_OWN}\s?(?P<loc>{_PLACE})??(?:{_QUAL})?\s?{dated}?{_TERM}"
        known_first = (
            rf"(?P<outlet>(?:{known}){desk}?){_MARK}"
            rf"\s?(?P<loc>{_PLACE})??(?:{_QUAL})?\s?{dated}?(?P<term>{_SPECIAL}专?电|讯|消息)"
        )
        opened = rf"(?P<open>{_OPEN})?\s?"
        closed = rf"(?P<close>\s?{_CLOSE})?"
        place_first = (
            rf"(?P<open>{_OPEN})(?P<loc>{_PLACE})(?P<outlet>{known}|{_NAME})?"
            rf"(?:(?P<date>{_DATE})\s?{_TOD}?)?(?P<term>{_SPECIAL}专?电|讯)(?P<close>{_CLOSE})"
        )
        byline = (
            rf"(?P<open>{_OPEN})(?P<credit>(?:{ROLE})?\s?[{_CJK}·、\s]{{2,30}}?)\s?报道"
            rf"(?P<close>{_CLOSE})"
        )
        # （搜狐体育　陶冶　４月２２日广州报道）: a portal's byline carrying date and place.
        dated_byline = (
            rf"(?P<open>{_OPEN})(?P<outlet>{known}|{_NAME})[ \u3000\xa0]+"
            rf"(?P<credit>[{_CJK}·、 \u3000\xa0]{{2,24}}?)[ \u3000\xa0]*(?P<date>{_DATE})\s?"
            rf"(?P<loc>{_PLACE})?(?P<term>报道)(?P<close>{_CLOSE})"
        )
        self._lead = tuple(
            re.compile(p)
            for p in (
                opened + outlet_first + closed,
                # 大众网5月31日曲阜讯: the date before the place.
                rf"{opened}{outlet}\s?(?P<date>{_DATE})\s?(?P<loc>{_PLACE})(?P<term>讯|电){closed}",
                dated_byline,
                rf"(?P<ju>据){outlet}\s?(?P<loc>{_PLACE})??(?:{_QUAL})?\s?{dated}?"
                rf"(?P<term>{_SPECIAL}专?电|报道|消息)",
                place_first,
                byline,
                # ２０１２年７月１８日北京讯: date and place, no outlet.
                rf"(?P<date>{_DATE})\s?(?P<loc>{_PLACE})(?P<term>讯|电)",
                rf"(?P<roundup>综合)(?P<outlet>{known}|{_NAME})?(?:驻外|驻[{_CJK}]{{1,6}}?)?"
                r"记者报道",
                # 直播吧11月5日讯, 盖世汽车讯, DoNews 11月4日消息: a name with no media ending, only
                # at a paragraph's head and where the formula ends its word (_free_name_ok).
                rf"(?P<free>(?P<outlet>{_FREE_NAME}))[ \u3000\xa0]?(?:(?P<date>{_DATE})\s?{_TOD}?)?"
                r"(?P<term>讯|电|消息)",
            )
        )
        self._bracketed = tuple(
            re.compile(p)
            for p in (
                # 【据新华社上海4月20日专电】: an attributed wire formula in brackets.
                rf"(?P<open>{_OPEN})\s?(?:据)?{outlet_first}(?P<close>\s?{_CLOSE})",
                place_first,
                byline,
                dated_byline,
            )
        )
        self._free = self._lead[-1]
        self._glued = re.compile(known_first)
        self._attributed = self._lead[3]
        self._known = re.compile(known)
        self._trailer = re.compile(
            rf"(?P<open>{_OPEN})\s?(?:据)?{outlet_first}(?P<close>\s?{_CLOSE})[\s。.]*\Z"
        )

    def find(self, text: str, issue_date: dt.date | None) -> Dateline | None:
        """See `find_dateline`."""
        lines = _lines(text)
        reach = _reach(lines)
        # One line past the first sentence may open with the formula: a deck line that ends a
        # sentence stands between the headline and 本报讯 (ck0006); there it must be an outlet's
        # own 讯 or 电, never an attribution (据新华社报道 inside a story).
        for index, (offset, line) in enumerate(lines[: reach + 1]):
            end = offset + len(line)
            past = index >= reach
            for pos in _paragraph_heads(text, offset, line, self._known):
                if _TERMS_RE.search(text, pos, min(end, pos + _FORMULA_REACH)) is None:
                    continue
                for pattern in self._lead:
                    if pattern is self._free and index == 0 and len(lines) > 1:
                        continue  # a headline is no paragraph: 唐嫣罗晋公布婚讯
                    found = pattern.match(text, pos, end)
                    if found is not None:
                        dateline = self._build(text, found, issue_date, position="lead")
                        if dateline is not None and not (past and not _opens_story(dateline)):
                            # 记者　魏奋\ue40c本报讯: a byline paragraph before a marked one
                            dateline = _with_names(dateline, _credit_before(line, pos - offset))
                            return _with_bylines(dateline, lines, index)
        for index, (offset, line) in enumerate(lines[:reach]):
            found_mid = self._mid_line(text, offset, line, issue_date)
            if found_mid is not None:
                return _with_bylines(found_mid, lines, index)
        tail_from = max(0, len(text.rstrip()) - 80)
        found = self._trailer.search(text, tail_from)
        if found is not None:
            return self._build(text, found, issue_date, position="trailer")
        return None

    def _mid_line(
        self, text: str, offset: int, line: str, issue_date: dt.date | None
    ) -> Dateline | None:
        """A formula after a subtitle glued to the lead: bracketed, or led by a known outlet."""
        if _TERMS_RE.search(line, 0, _GLUED_REACH + _FORMULA_REACH) is None:
            return None  # every formula ends with one of them; most lines have none
        for opener in _OPENERS.finditer(line, 1, _MID_LINE_REACH):
            i = opener.start()
            if _PUNCT_RE.search(line, 0, i) is not None:
                break
            for pattern in self._bracketed:
                found = pattern.match(text, offset + i, offset + len(line))
                if found is not None:
                    dateline = self._build(text, found, issue_date, position="lead")
                    if dateline is not None:
                        return dateline
        for known in self._known.finditer(line, 2, _GLUED_REACH):
            i = known.start()
            found = self._glued.match(text, offset + i, offset + len(line))
            if found is None or self._known.search(found.group("loc") or ""):
                continue  # …新浪大片在线观看新浪娱乐讯: the place would hold the outlet
            if len(found.group("loc") or "..") == 1:
                continue  # …法制晚报·看法新闻11月4日消息: a listed 法新 inside a word, no place
            if line[i - 1] == "据":
                # …涉毒据新华社电: the attribution is the formula's, as at a line's head.
                attributed = self._attributed.match(text, offset + i - 1, offset + len(line))
                if attributed is not None:
                    found, i = attributed, i - 1
            credit = _PARENS_AFTER.match(text, found.end())
            titled = credit is not None and _ROLE_RE.search(credit.group("credit")) is not None
            if not titled and not _headline_run(line, i):
                continue
            dateline = self._build(text, found, issue_date, position="lead")
            if dateline is None:
                continue
            return _with_names(dateline, _credit_before(line, i))
        return self._glued_unlisted(text, offset, line, issue_date)

    def _glued_unlisted(
        self, text: str, offset: int, line: str, issue_date: dt.date | None
    ) -> Dateline | None:
        """A formula of an unlisted outlet glued after a headline: its name is a guess.

        It must be dated, or end where the story or a credit starts (…全面环球网讯 据…). The
        name starts after 据 (…涉毒据新华社电) or the last space or bracket before it when one is
        near (…(组图)红网9月24日讯); else it is taken as two characters and the media ending
        nearest the place and date (…上新台阶新华网西宁7月10日电 → 新华网), the commonest shape.
        """
        # No headline runs past a sentence's end: the first one bounds the search.
        sentence_end = _SENTENCE_END.search(line, 0, _GLUED_REACH)
        limit = sentence_end.start() if sentence_end is not None else _GLUED_REACH
        for term in _GLUED_TERM.finditer(line, 3, limit):
            date = _DATE_BEFORE.search(line, max(0, term.start() - _DATE_REACH), term.start())
            formula_at = date.start() if date is not None else term.start()
            dated = date is not None
            if not dated and line[term.end() : term.end() + 1] not in _UNDATED_AFTER:
                continue
            if not _headline_run(line, formula_at):
                continue
            for start in _name_starts(line, formula_at):
                pattern = self._attributed if line[start] == "据" else self._lead[0]
                found = pattern.match(text, offset + start, offset + len(line))
                if found is None or found.end() != offset + term.end():
                    continue
                if dated != bool(found.group("date")):
                    continue
                dateline = self._build(text, found, issue_date, position="lead")
                if dateline is not None:
                    return _with_names(dateline, _credit_before(line, start))
        return None

    def _glued_before_known(self, printed: str) -> bool:
        """Whether an unlisted name ends with a listed one after two or more other characters."""
        name = unicodedata.normalize("NFKC", printed)
        if name in self.outlets or any(joiner in name for joiner in "-—–、·"):
            return False
        # A listed abbreviation (晨报, 晚报) ends many papers' names (北京晨报, 城市晚报): no sign.
        return any(name[i:] in self.outlets for i in range(2, len(name) - 2))

    def _outlet(self, printed: str | None, groups: dict[str, str | None]) -> str | None:
        if groups.get("roundup"):
            return self._normal(printed) if printed else "综合"
        return self._normal(printed) if printed else None

    def _normal(self, printed: str) -> str:
        name = unicodedata.normalize("NFKC", printed)
        return self.outlets.get(name, name)

    def _build(
        self,
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
        if CONTROL.search(text, start, end) is not None:
            return None  # \s matches \x1c-\x1f; a printed formula holds no control character
        if groups.get("free") is not None and not _free_name_ok(text, match):
            return None
        if groups.get("term") == "消息" and _CJK_RE.match(text, end):
            return None  # 财政部网站5日消息显示: a sentence going on, not a formula
        place = groups.get("loc") or ""
        if place and place[-1] in _WORD_BEFORE.get(groups.get("term") or "", ()):
            return None  # 腾讯将创办腾讯: a place never ends with the first half of 腾讯, 简讯
        outlet = self._outlet(groups.get("outlet"), groups)
        if outlet is not None and self._glued_before_known(groups.get("outlet") or ""):
            return None  # 副题新京报讯: a subtitle glued to a listed outlet, found in mid-line
        if groups.get("credit") is not None:
            names = parse_credit(groups["credit"] or "")
            if names is None:
                return None
            if groups.get("date") is None:
                return Dateline(
                    raw=text[start:end],
                    span=(start, end),
                    date_reason="a byline, no dateline date",
                    reporters=names,
                    position="lead",
                )
        undated = groups.get("date") is None
        term = groups.get("term") or ""
        if not closed and (undated or "outlet" not in groups):
            if not _undated_end_ok(text, end):
                return None
            # An undated 消息 only before its colon or bracket: 央视网消息（新闻联播）：
            if undated and term == "消息" and text[end : end + 1] not in _AFTER_NEWS:
                return None
        if "outlet" not in groups and groups.get("m") is None and groups.get("y") is None:
            return None  # 5日北京讯 is not enough to tell a dateline from a sentence
        if term == "综合报道" and undated:
            return None
        date, reason = _date_of(match, issue_date) if not groups.get("roundup") else (None, None)
        if groups.get("roundup"):
            reason = "a round-up credit, no dateline date"
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
        if groups.get("credit") is not None:
            reporters = parse_credit(groups["credit"] or "") or []
        elif position == "lead":
            reporters = _credit_after(text, end, wire=not undated and term.endswith("电"))
        else:
            reporters = []
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


#: What may follow 讯 inside a word.
_XUN_WORDS = frozenset("息问号录")


def _undated_end_ok(text: str, end: int) -> bool:
    """An undated formula must end its word: `本报海口电 （…）`, not `新华社电视…`."""
    if end >= len(text):
        return True
    nxt = text[end]
    if not ("\u4e00" <= nxt <= "\u9fff"):
        return True
    if text[end - 1] == "讯" and nxt not in _XUN_WORDS:
        return True  # 新浪体育讯北京时间4月12日: 讯 ends no word but 讯息, 讯问, 讯号
    # 本报讯曹家为、朱纯斌报道: / 本报讯记者 X …
    return _reported_after(text, end) is not None or _ROLE_RE.match(text, end) is not None


def _free_name_ok(text: str, match: re.Match[str]) -> bool:
    """Whether a name with no media ending reads as an outlet's before its formula.

    Never a time or a word that ends with the formula word (快讯, 好消息); 电 and 消息 only dated;
    the formula must end its word: a separator follows it (直播吧11月5日讯 据…, 盖世汽车讯 据…).
    """
    name, term = match.group("free"), match.group("term")
    if _NOT_A_NAME.search(name) or name[-1] in _WORD_BEFORE.get(term, ()):
        return False
    if term in ("电", "消息") and match.group("date") is None:
        return False  # 官方消息：, 独家消息：: an undated 消息 or 电 needs a media name
    return match.end() < len(text) and text[match.end()] in _FREE_AFTER


_CJK_RE = re.compile(f"[{_CJK}]")
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


def _name_starts(line: str, date_at: int) -> list[int]:
    """Where the name of a glued formula whose date (or end) starts at `date_at` may start.

    A titled name just before it ends where the outlet begins (□记者 钱妤晚报讯: 钱妤, 晚报): a
    person's name of three characters is tried before one of two.
    """
    starts = []
    window = max(0, date_at - _GLUED_NAME_REACH)
    # A name the line printed before, in a page's note: (来源：中国日报网)…中国中国日报网10月31日电.
    for size in range(min(12, date_at - 1), 2, -1):
        if line.find(line[date_at - size : date_at], 0, date_at - size) >= 0:
            starts.append(date_at - size)
            break
    roles = list(_ROLE_RE.finditer(line, window, date_at))
    if roles:
        after = roles[-1].end()
        while after < date_at and line[after] in " \u3000\xa0":
            after += 1
        for size in (3, 2):
            end = after + size
            if date_at - end >= 2 and has_surname(line[after:end]):
                starts.append(end)
    attribution = line.rfind("据", window, date_at)
    if attribution > 0 and date_at - attribution > 2:
        starts.append(attribution)
    boundary = max(line.rfind(c, window, date_at) for c in _NAME_BOUNDARIES)
    if boundary >= 0 and date_at - boundary > 2:
        starts.append(boundary + 1)
    endings = list(_SUFFIX_RE.finditer(line, window, date_at))
    for index in range(len(endings) - 1, -1, -1):
        ending = endings[index]
        start = ending.start() - 2
        if index > 0 and endings[index - 1].end() == ending.start():
            # …扬子晚报网10月17日讯: an ending after another one (晚报网, 日报网) takes its name.
            start = endings[index - 1].start() - 2
        # A character after a number is its unit (…增长3倍新报讯, …募集500亿元新报讯): no name
        # starts there.
        while 0 < start < ending.start() and _is_unit(line, start):
            start += 1
        if start > 0 and start not in starts:
            starts.append(start)
    return starts


def _is_unit(line: str, at: int) -> bool:
    """Whether `line[at]` is a number's unit: after a digit, or 元 after a digit and 万 or 亿."""
    if line[at - 1] in _DIGITS:
        return True
    return line[at] == "元" and at >= 2 and line[at - 1] in "万亿" and line[at - 2] in _DIGITS


def _opens_story(dateline: Dateline) -> bool:
    """Whether a formula opens a story rather than cites one: an outlet's own 讯 or 电."""
    raw = dateline.raw.strip("()（）【】[] ")
    return dateline.outlet is not None and not raw.startswith("据") and raw[-1:] in ("讯", "电")


def _with_names(dateline: Dateline, names: list[str]) -> Dateline:
    """`dateline` crediting `names` first, those it does not credit already."""
    extra = [name for name in names if name not in dateline.reporters]
    if not extra:
        return dateline
    return dateline.model_copy(update={"reporters": [*extra, *dateline.reporters]})


#: A page's note run into the lead before the formula: （原标题：…）, (来源：中国日报网).
_NOTE = re.compile(r"[(（](?:原标题|原文标题|来源)[:：][^()（）\n]{1,80}[)）]")
#: A page's source line run into the lead: 来源：中超联赛APP中超联赛APP讯.
_SOURCE = re.compile(r"(?:文章)?来源[:：][ \u3000\xa0]?")
_SOURCE_REACH = 24


def _residue_heads(text: str, pos: int, end: int, known: re.Pattern[str]) -> list[int]:
    """Where the story may open past the page's residue at a paragraph's head.

    After a note in brackets (（原标题：…）蓝鲸教育10月17日讯); after a source line (来源：X), at
    the note after it, where its name is printed twice (来源：中超联赛APP中超联赛APP讯) or after
    a listed outlet in it (来源：中国证券报·中证网中证APP讯).
    """
    heads = []
    note = _NOTE.match(text, pos, end)
    if note is not None:
        heads.append(note.end())
    source = _SOURCE.match(text, pos, end)
    if source is None:
        return heads
    after = source.end()
    reach = min(end, after + _SOURCE_REACH)
    bracket = _NOTE.search(text, after, min(end, after + _SOURCE_REACH + 80))
    if bracket is not None and bracket.start() < reach:
        heads.append(bracket.end())
    for size in range(min(12, (reach - after) // 2), 1, -1):
        if text[after : after + size] == text[after + size : after + 2 * size]:
            heads.append(after + size)
            break
    for listed in known.finditer(text, after, reach):
        heads.append(listed.end())
    return heads


def _paragraph_heads(text: str, offset: int, line: str, known: re.Pattern[str]) -> list[int]:
    """Where paragraphs open in a line: its head past any indent, and after paragraph marks."""
    heads = []
    pos = offset + len(line) - len(line.lstrip(_INDENT_CHARS))
    if pos < offset + len(line):
        heads.append(pos)
        heads.extend(_residue_heads(text, pos, offset + len(line), known))
        # 2016年06月17日06:15 汉网-武汉晚报 本报讯: a portal's stamp of when and whence.
        stamp = _STAMP.match(text, pos, offset + len(line))
        if stamp is not None:
            heads.append(stamp.end())
    # Only the first few marks, near enough the line's head for the lead's first paragraphs.
    end = offset + len(line)
    marks = _PARAGRAPH_MARK.finditer(line, 0, _MARK_REACH)
    for mark in itertools.islice(marks, _MARKS_TRIED):
        head = offset + mark.end()
        while head < end and text[head] in _INDENT_CHARS:
            head += 1
        if head < end:
            heads.append(head)
    return heads


def _headline_run(line: str, end: int) -> bool:
    """Whether `line[:end]` reads as a headline (and deck) run into a glued formula.

    No sentence ends in it; a long run (title and deck, 回良玉…上新台阶新华网西宁7月10日电) has no
    comma either.
    """
    if _SENTENCE_END.search(line, 0, end):
        return False
    return end <= _GLUED_REACH // 2 or _CLAUSE_END.search(line, 0, end) is None


def _credit_before(line: str, end: int) -> list[str]:
    """The titled names run into the headline just before a glued formula at `end`.

    Every name must carry a surname: 闪电侠竟两次拿记者开涮新浪体育讯 credits nobody.
    """
    found = _BYLINE_BEFORE.search(line, 0, end)
    if found is None:
        return []
    names = parse_credit(found.group("credit"), need_role=True) or []
    return names if all(has_surname(n) for n in names) else []


def _credit_match(text: str, end: int, *, wire: bool) -> tuple[int, list[str]] | None:
    """The reporter credit right after a formula ending at `end`: (where it ends, its names).

    A name run into the sentence it opens (记者张三从…获悉) is credited but not cut: its end is
    `end` itself, so stripping leaves the sentence whole.
    """
    found = _PARENS_AFTER.match(text, end)
    if found is not None:
        names = parse_credit(found.group("credit"), pen_names=wire)
        if names is not None:
            return found.end(), names
    found = _reported_after(text, end)
    if found is not None:
        names = parse_credit(found.group("credit"))
        if names is not None:
            return found.end(), names
    found = _ROUNDUP_AFTER.match(text, end)
    if found is not None:
        return found.end(), []
    found = _TITLED_RUN.match(text, end)
    if found is not None:
        # 沈阳晚报、沈阳网讯 记者王刚 昨日，…: the run stops before the first word with no surname.
        credit = found.group("credit")
        cuts = [m.end() for m in _RUN_PART.finditer(credit)]
        for cut in reversed(cuts):
            names = parse_credit(credit[:cut])
            if names and all(has_surname(n) or "·" in n for n in names):
                return found.start("credit") + cut, names
    found = _NAME_INTO_TEXT.match(text, end)
    if found is not None and has_surname(found.group("name")):
        return end, [found.group("name")]
    return None


def _reported_after(text: str, end: int) -> re.Match[str] | None:
    # The pattern is costly to fail; most formulas have no 报道 anywhere near.
    if "报道" not in text[end : end + _REPORTED_REACH]:
        return None
    return _REPORTED_AFTER.match(text, end)


def _credit_after(text: str, end: int, *, wire: bool) -> list[str]:
    found = _credit_match(text, end, wire=wire)
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


def _reach(lines: list[tuple[int, str]]) -> int:
    """How many lines may hold the dateline: up to the first story paragraph, inclusive."""
    for index, (_, line) in enumerate(lines):
        if _is_body(line):
            return index + 1
    return len(lines)


def _with_bylines(dateline: Dateline, lines: list[tuple[int, str]], index: int) -> Dateline:
    if index < 2:
        return dateline
    extra = [n for n in _byline_names(lines, index) if n not in dateline.reporters]
    if not extra:
        return dateline
    return dateline.model_copy(update={"reporters": [*extra, *dateline.reporters]})


_DEFAULT = DatelineFinder()


def find_dateline(text: str, issue_date: dt.date | None) -> Dateline | None:
    """The dateline of an opening (`headline\\nlead`) or a paragraph, or None when it has none.

    Looks at the start of each of the first lines, then for a formula after a short
    unpunctuated run (a subtitle glued to the lead), then for a bracketed trailer that closes the
    text (`（新华社北京3月4日电）`). The date's year (and month, for day-only forms) comes from
    `issue_date`; when that is missing or the date is impossible, `date` is None and
    `date_reason` says why. Never raises on any text.
    """
    return _DEFAULT.find(text, issue_date)


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
    wire = dateline.date is not None and dateline.raw.rstrip(")）】]").endswith("电")
    credit = _credit_match(paragraph, end, wire=wire)
    if credit is not None:
        end = credit[0]
    elif dateline.raw.endswith("消息"):
        # 央视网消息（新闻联播）： the programme in brackets belongs to the header.
        programme = _PROGRAMME.match(paragraph, end)
        if programme is not None:
            end = programme.end()
    rest = paragraph[end:]
    return paragraph[:start] + rest[len(rest) - len(rest.lstrip(_SEPARATOR_CHARS)) :]
