"""Dateline forms and how a caller cuts them off.

The formulas are the real forms listed in issue 3 and the shared dev set; the sentence text
around them (`正文…`) is filler, not copy.
"""

from __future__ import annotations

import datetime as dt

import pytest

from distro.dates import find_dateline, strip_dateline
from distro.dates.credits import parse_credit
from distro.dates.dateline import DatelineFinder
from distro.models import Dateline

ISSUE = dt.date(2021, 7, 5)


def _find(text: str, issue: dt.date | None = ISSUE) -> Dateline:
    found = find_dateline(text, issue)
    assert found is not None, text
    assert text[found.span[0] : found.span[1]] == found.raw
    # What the engine builds must pass the model's own validation.
    assert Dateline.model_validate(found.model_dump()) == found
    return found


def test_seed_page_bao_xun_with_date() -> None:
    text = "本报7月5日讯 7月4日至5日,2021年全区“攻坚突破年”现场观摩会举行"
    found = _find(text)
    assert (found.raw, found.span, found.date) == ("本报7月5日讯", (0, 7), dt.date(2021, 7, 5))
    assert (found.outlet, found.location, found.reporters) == ("本报", None, [])
    assert found.position == "lead"
    assert strip_dateline(text, found) == "7月4日至5日,2021年全区“攻坚突破年”现场观摩会举行"


def test_xinhua_with_reporters_in_parentheses() -> None:
    text = "标题\n新华社北京7月5日电（记者 王二、张三）正文第一句。"
    found = _find(text)
    assert found.raw == "新华社北京7月5日电"
    assert found.span == (3, 13)
    assert (found.outlet, found.location, found.date) == ("新华社", "北京", ISSUE)
    assert found.reporters == ["王二", "张三"]
    # On the text it was found in, and on the paragraph alone.
    assert strip_dateline(text, found) == "标题\n正文第一句。"
    assert strip_dateline(text[3:], found) == "正文第一句。"


@pytest.mark.parametrize(
    ("text", "raw", "outlet", "location", "date", "reporters"),
    [
        ("本报讯 正文", "本报讯", "本报", None, None, []),
        ("本报北京7月4日电 正文", "本报北京7月4日电", "本报", "北京", dt.date(2021, 7, 4), []),
        ("本报电（钟欣）正文", "本报电", "本报", None, None, ["钟欣"]),
        ("本报海口电 （记者孙海天）正文", "本报海口电", "本报", "海口", None, ["孙海天"]),
        ("新华社香港3月21电 正文", "新华社香港3月21电", "新华社", "香港", dt.date(2021, 3, 21), []),
        ("中新网上海7月5日电 正文", "中新网上海7月5日电", "中新网", "上海", ISSUE, []),
        ("中新网7月4日电正文", "中新网7月4日电", "中新网", None, dt.date(2021, 7, 4), []),
        ("中新社北京7月5日电 正文", "中新社北京7月5日电", "中新社", "北京", ISSUE, []),
        ("人民网北京7月5日电 正文", "人民网北京7月5日电", "人民网", "北京", ISSUE, []),
        ("(法新社东京电)正文", "(法新社东京电)", "法新社", "东京", None, []),
        ("(汉城路透电)正文", "(汉城路透电)", "路透社", "汉城", None, []),
        ("(平壤、汉城综合讯)正文", "(平壤、汉城综合讯)", "综合", "平壤、汉城", None, []),
        ("(台北讯)正文", "(台北讯)", None, "台北", None, []),
        (
            "IT之家 9 月 17 日消息，正文",
            "IT之家 9 月 17 日消息",
            "IT之家",
            None,
            dt.date(2021, 9, 17),
            [],
        ),
        ("据新华社北京7月5日电 正文", "据新华社北京7月5日电", "新华社", "北京", ISSUE, []),
        ("据新华社报道，正文", "据新华社报道", "新华社", None, None, []),
        (
            "本报北京7月13日电杨宝金、记者刘欣欣报道:正文",
            "本报北京7月13日电",
            "本报",
            "北京",
            dt.date(2021, 7, 13),
            ["杨宝金", "刘欣欣"],
        ),
        (
            "本报讯王维钦、特约通讯员李德营报道:正文",
            "本报讯",
            "本报",
            None,
            None,
            ["王维钦", "李德营"],
        ),
        ("央视网消息（新闻联播）：正文", "央视网消息", "央视网", None, None, []),
    ],
)
def test_forms(
    text: str,
    raw: str,
    outlet: str | None,
    location: str | None,
    date: dt.date | None,
    reporters: list[str],
) -> None:
    found = _find(text)
    assert (found.raw, found.outlet, found.location, found.date, found.reporters) == (
        raw,
        outlet,
        location,
        date,
        reporters,
    )
    if date is None:
        assert found.date_reason
    assert strip_dateline(text, found).startswith("正文")


def test_place_with_bracketed_qualifier() -> None:
    found = _find("新华社马拉开波(委内瑞拉)7月3日电 正文")
    assert (found.location, found.location_qualifier) == ("马拉开波", "委内瑞拉")
    assert found.date == dt.date(2021, 7, 3)


def test_qualifier_printed_before_the_place() -> None:
    found = _find("(法新社义大利杜林十日电)正文", dt.date(2006, 2, 11))
    assert (found.location, found.location_qualifier) == ("杜林", "义大利")
    assert found.date == dt.date(2006, 2, 10)


def test_day_only_in_chinese_numerals() -> None:
    found = _find("法新社华盛顿六日电 正文", dt.date(2004, 1, 7))
    assert (found.outlet, found.location, found.date) == ("法新社", "华盛顿", dt.date(2004, 1, 6))


def test_full_date_in_chinese_numerals_and_full_width_digits() -> None:
    found = _find("新华社北京二〇二一年七月五日电 正文", None)
    assert found.date == dt.date(2021, 7, 5)
    found = _find("新华社北京７月５日电 正文")
    assert found.date == dt.date(2021, 7, 5)


def test_run_together_co_authors_are_split() -> None:
    found = _find("新华社达沃斯(瑞士)1月23日电(记者李洁丁喜刚)正文", dt.date(2004, 1, 23))
    assert found.reporters == ["李洁", "丁喜刚"]


def test_trailer_dateline() -> None:
    text = "正文第一句。正文第二句。（新华社北京3月4日电）"
    found = _find(text, dt.date(2021, 3, 5))
    assert found.position == "trailer"
    assert found.raw == "（新华社北京3月4日电）"
    assert (found.outlet, found.location, found.date) == ("新华社", "北京", dt.date(2021, 3, 4))
    assert strip_dateline(text, found) == "正文第一句。正文第二句。"


def test_byline_line_before_the_dateline() -> None:
    text = "标题\n□记者 宋迎迎 报道\n本报7月5日讯 正文"
    found = _find(text)
    assert found.reporters == ["宋迎迎"]
    assert found.span == (14, 21)


def test_bracketed_byline_after_a_subtitle() -> None:
    text = "标题\n人大代表仍不满意司法系统改革成绩(周锐鹏报道)中国全国人大"
    found = _find(text)
    assert found.raw == "(周锐鹏报道)"
    assert (found.outlet, found.location, found.date) == (None, None, None)
    assert found.reporters == ["周锐鹏"]


@pytest.mark.parametrize(
    "text",
    [
        "标题\n7月10日,全国第一位公推直选的镇党委书记",
        "标题\n北京时间昨晚,国际汽联汽车运动理事会",
        "新华社记者近日在北京电视台采访",
        "标题\n据报道，正文",
        "本报记者从有关部门获悉",
        "",
        "\n\n\n",
    ],
)
def test_no_dateline(text: str) -> None:
    assert find_dateline(text, ISSUE) is None


def test_parentheses_that_are_not_a_credit_are_not_reporters() -> None:
    found = _find("新华社北京7月5日电（国际观察）正文")
    assert found.reporters == []
    assert strip_dateline("新华社北京7月5日电（国际观察）正文", found) == "（国际观察）正文"


def test_strip_leaves_text_without_the_dateline_alone() -> None:
    found = _find("本报讯 正文")
    assert strip_dateline("另一段文字", found) == "另一段文字"


def test_the_real_seed_page(seed_bytes: bytes) -> None:
    """The original page: headline, subtitles, byline line, then the 本报7月5日讯 paragraph."""
    text = seed_bytes.decode("utf-8").strip()
    opening = "\n".join(line for line in text.splitlines()[:12] if line.strip())
    found = _find(opening, dt.date(2021, 7, 5))
    assert (found.raw, found.date, found.outlet, found.location) == (
        "本报7月5日讯",
        dt.date(2021, 7, 5),
        "本报",
        None,
    )
    assert found.reporters == ["宋迎迎"]  # from the □记者 宋迎迎 报道 line above it
    lead = opening[found.span[0] :].split("\n", 1)[0]
    assert strip_dateline(lead, found).startswith("7月4日至5日,2021年全区")


def test_trailer_on_its_own_line() -> None:
    text = "正文第一句。\n（新华社北京3月4日电）\n"
    found = _find(text, dt.date(2021, 3, 5))
    assert (found.position, found.date) == ("trailer", dt.date(2021, 3, 4))
    assert strip_dateline(text, found) == "正文第一句。"


def test_round_up_of_a_paper_keeps_the_paper() -> None:
    found = _find("本报综合电 正文")
    assert (found.raw, found.outlet, found.location, found.date) == (
        "本报综合电",
        "本报",
        None,
        None,
    )


def test_no_dateline_after_the_first_paragraph() -> None:
    # 据新华社报道 inside the story is attribution, not a dateline.
    assert find_dateline("标题\n正文第一段。\n据新华社报道，某事。", ISSUE) is None
    found = _find("标题\n副题\n□记者 宋迎迎 报道\n据新华社北京7月5日电 正文")
    assert (found.raw, found.reporters) == ("据新华社北京7月5日电", ["宋迎迎"])


#: No outlet but 本报 listed: what follows is found by the outlet class alone.
BARE = DatelineFinder({"本报": "本报"})


@pytest.mark.parametrize(
    ("text", "raw", "outlet", "location", "date", "reporters"),
    [
        # The long-tail shapes of issue 13 (names are filler, the formulas are the shapes).
        ("财联社10月9日讯，正文", "财联社10月9日讯", "财联社", None, dt.date(2021, 10, 9), []),
        (
            "中新网上海新闻5月31日电 正文",
            "中新网上海新闻5月31日电",
            "中新网上海新闻",
            None,
            dt.date(2021, 5, 31),
            [],
        ),
        ("汉网-武汉晚报 本报讯 正文", "汉网-武汉晚报 本报讯", "汉网-武汉晚报", None, None, []),
        ("城市晚报四平讯 正文", "城市晚报四平讯", "城市晚报", "四平", None, []),
        ("沈阳晚报、沈阳网讯 正文", "沈阳晚报、沈阳网讯", "沈阳晚报、沈阳网", None, None, []),
        (
            "厦门网-厦门日报讯（记者 王二）正文",
            "厦门网-厦门日报讯",
            "厦门网-厦门日报",
            None,
            None,
            ["王二"],
        ),
        ("时报讯 正文", "时报讯", "时报", None, None, []),
        ("本报讯（记者李洁通讯员丁喜刚）正文", "本报讯", "本报", None, None, ["李洁", "丁喜刚"]),
        (
            "新华社西安7月3日电(晓宇)正文",
            "新华社西安7月3日电",
            "新华社",
            "西安",
            dt.date(2021, 7, 3),
            ["晓宇"],
        ),
        ("综合新华社驻外记者报道：正文", "综合新华社驻外记者报道", "新华社", None, None, []),
        (
            "新华０８网上海７月５日电　（记者王二）正文",
            "新华０８网上海７月５日电",
            "新华08网",
            "上海",
            ISSUE,
            ["王二"],
        ),
        (
            "２０２１年７月４日北京讯　正文",
            "２０２１年７月４日北京讯",
            None,
            "北京",
            dt.date(2021, 7, 4),
            [],
        ),
        (
            "大众网7月4日曲阜讯（记者 王二）正文",
            "大众网7月4日曲阜讯",
            "大众网",
            "曲阜",
            dt.date(2021, 7, 4),
            ["王二"],
        ),
        ("南都讯　记者王二　张三　正文从这里开始", "南都讯", "南都", None, None, ["王二", "张三"]),
    ],
)
def test_long_tail_forms(
    text: str,
    raw: str,
    outlet: str | None,
    location: str | None,
    date: dt.date | None,
    reporters: list[str],
) -> None:
    found = _find(text)
    assert (found.raw, found.outlet, found.location, found.date, found.reporters) == (
        raw,
        outlet,
        location,
        date,
        reporters,
    )
    assert strip_dateline(text, found).startswith("正文")
    if outlet not in {"南都", None}:  # 南都 has no media ending: only a list knows it
        unlisted = BARE.find(text, ISSUE)
        assert unlisted is not None and unlisted.outlet == outlet, text


def test_a_reporter_run_into_the_sentence_is_credited_but_left_in_it() -> None:
    text = "本报讯记者王二从市教育局获悉，正文"
    found = _find(text)
    assert (found.raw, found.reporters) == ("本报讯", ["王二"])
    assert strip_dateline(text, found) == "记者王二从市教育局获悉，正文"


def test_a_round_up_credit_after_a_wire_formula_is_cut_with_it() -> None:
    text = "新华社北京3月5日电 综合新华社驻外记者报道：正文"
    found = _find(text, dt.date(2021, 3, 6))
    assert (found.raw, found.reporters) == ("新华社北京3月5日电", [])
    assert strip_dateline(text, found) == "正文"


def test_a_formula_glued_after_a_subtitle() -> None:
    text = "标题\n副题接在导语前面本报北京6月28日电（记者王二、张三）正文"
    found = _find(text, dt.date(2021, 6, 29))
    assert (found.raw, found.location, found.reporters) == (
        "本报北京6月28日电",
        "北京",
        ["王二", "张三"],
    )
    text = "标题\n副题接在导语前面记者　王二本报讯　正文"
    assert _find(text).reporters == ["王二"]
    # A short subtitle before a listed paper is not read as part of its name.
    found = _find("标题\n人社部回应新京报讯（记者王二）正文")
    assert (found.raw, found.outlet, found.reporters) == ("新京报讯", "新京报", ["王二"])


@pytest.mark.parametrize(
    "text",
    [
        "国家电网公司今天宣布",
        "中国政府网２６日刊登国务院办公厅日前转发的通知",
        "环球网记者王二报道，正文",
        "证券时报记者获悉，正文",
        "临沂（山东），２０１２年６月４日　夫妻忙麦收",
        "标题\n据５日出版的《环球时报》报道，正文",
        "标题\n晚报讯息员王二",
    ],
)
def test_not_datelines(text: str) -> None:
    assert find_dateline(text, ISSUE) is None
    assert BARE.find(text, ISSUE) is None


# Openings from THUCNews (tests/dates/data/thucnews.jsonl): the headline runs into the story.
@pytest.mark.parametrize(
    ("text", "raw", "outlet", "location", "reporters"),
    [
        # a portal's desk, its 讯 run into the story's Beijing time
        ("小拜膝伤无碍季后赛复出新浪体育讯北京时间4月12日，在和马刺的比赛中", "新浪体育讯",
         "新浪体育", None, []),
        # a headline with a colon and a comma before the formula
        ("阿帅：不知道为何打得如此松散 对手不是没给机会新浪体育讯北京时间4月6日", "新浪体育讯",
         "新浪体育", None, []),
        # the portal's link mark is neither a place nor its qualifier
        ("莫少聪低调接演动作新片(图)新快报(微博)讯 驻京记者 梁晓雯 报道 自从涉毒风波之后",
         "新快报(微博)讯", "新快报", None, ["梁晓雯"]),
        ("李心洁被老公游说拍惊悚片中新网(微博)北京9月21日电(张曦)惊悚悬疑电影",
         "中新网(微博)北京9月21日电", "中新网", "北京", ["张曦"]),
        # 据 before a glued wire formula belongs to it
        ("国家禁毒委要求严查娱乐场所涉毒据新华社电 昨天，国家禁毒委员会发布消息称", "据新华社电",
         "新华社", None, []),
        # a credit in 【】, a station or channel before its reporter, a paper in brackets
        ("基金发行迎来高潮新报讯【记者 任强】随着股市的回暖", "新报讯", "新报", None, ["任强"]),
        ("刘云山到内蒙满洲里市调研中广网呼和浩特8月3日消息（记者陈青平 满洲里电台崔艳凤"
         " 通讯员张鹏） 7月31日", "中广网呼和浩特8月3日消息", "中广网", "呼和浩特",
         ["陈青平", "崔艳凤", "张鹏"]),
        ("习近平会见罗马尼亚参议长中广网北京6月24日消息 (中国之声记者焦莹) 国家副主席",
         "中广网北京6月24日消息", "中广网", "北京", ["焦莹"]),
        ("15只新基金首募逼近300亿元荆楚网消息 (楚天金报) 随着市场的景气度提升", "荆楚网消息",
         "荆楚网", None, []),
        # a desk word before 电, and a long headline and deck with no comma
        ("崔大林协查风波后首次公开露面 现身大赛开幕式新华网北京9月18日体育电(记者公兵)中国极限",
         "新华网北京9月18日体育电", "新华网", "北京", ["公兵"]),
        # titled names run into the headline before the formula; a role word before a verb is none
        ("河南规定商品房预售款将由银行监管□晚报记者 孙娟 通讯员 何宇本报讯 今后购房者", "本报讯",
         "本报", None, ["孙娟", "何宇"]),
        ("韦德继续缺训心态很乐观 闪电侠竟两次拿记者开涮新浪体育讯北京时间4月8日", "新浪体育讯",
         "新浪体育", None, []),
        # a place never holds another outlet's name
        ("(组图)《十月围城》新浪大片在线观看新浪娱乐讯 3月18日，有着", "新浪娱乐讯", "新浪娱乐",
         None, []),
    ],
)  # fmt: skip
def test_headline_run_into_the_story(
    text: str, raw: str, outlet: str, location: str | None, reporters: list[str]
) -> None:
    found = _find(text, None)
    assert (found.raw, found.outlet, found.location, found.location_qualifier) == (
        raw,
        outlet,
        location,
        None,
    )
    assert found.reporters == reporters
    assert found.date is None  # no issue date, no year


def test_a_formula_after_a_paragraph_mark_opens_a_paragraph() -> None:
    # SogouCS prints U+E40C for a paragraph break; the byline paragraph before it is credited.
    text = (
        "杭州地铁应对暴雨有预案\n杭州地铁应对暴雨有详细预案\ue40c地铁倒计时\ue40c记者\u3000魏奋\ue40c"
        "本报讯\u3000前段时间的北京暴雨严峻拷问着公共交通体系，特别是地铁。"
    )
    found = _find(text)
    assert (found.raw, found.outlet, found.reporters) == ("本报讯", "本报", ["魏奋"])


@pytest.mark.parametrize(
    ("line", "raw", "outlet", "location"),
    [
        # an app's name ends the outlet; it is no place
        ("央视新闻客户端3月5日消息，据中国地震台网正式测定", "央视新闻客户端3月5日消息",
         "央视新闻客户端", None),
        # the hour a site stamps after the date
        ("华龙网-新重庆客户端3月5日16时讯（记者 刘强）今天", "华龙网-新重庆客户端3月5日16时讯",
         "华龙网-新重庆客户端", None),
        # 电 inside a name that goes on
        ("齐鲁网·闪电新闻3月5日讯 今天，济南", "齐鲁网·闪电新闻3月5日讯", "齐鲁网·闪电新闻", None),
    ],
)  # fmt: skip
# The formulas as these outlets print them; the story words after them are placeholders.
def test_unlisted_names_of_apps_and_channels(
    line: str, raw: str, outlet: str, location: str | None
) -> None:
    found = DatelineFinder({"本报": "本报"}).find("标题\n" + line, dt.date(2024, 3, 6))
    assert found is not None
    assert (found.raw, found.outlet, found.location, found.date) == (
        raw,
        outlet,
        location,
        dt.date(2024, 3, 5),
    )


@pytest.mark.parametrize(
    ("text", "raw", "outlet", "location"),
    [
        # THUCNews openings, their outlets unlisted: a space or bracket before the name ...
        ("关晓彤首次担纲女主角 赵薇造型源自辛追(组图)红网9月24日讯(记者 朱青)汇聚了赵薇",
         "红网9月24日讯", "红网", None),
        # ... or two characters and the media ending nearest the place and date
        ("民族经济社会发展上新台阶新华网西宁7月10日电 全国扶持人口较少民族发展工作经验交流会",
         "新华网西宁7月10日电", "新华网", "西宁"),
        ("12日股票基金表现分化 四成半基金净值上扬全景网2月12日讯 周四开放式基金表现分化",
         "全景网2月12日讯", "全景网", None),
    ],
)  # fmt: skip
def test_a_glued_unlisted_name_is_read_off_its_dated_formula(
    text: str, raw: str, outlet: str, location: str | None
) -> None:
    found = DatelineFinder({"本报": "本报"}).find(text, None)
    assert found is not None
    assert (found.raw, found.outlet, found.location) == (raw, outlet, location)



@pytest.mark.parametrize(
    ("credit", "names"),
    [
        ("记者 常  钦", ["常钦"]),  # a name padded to fill the column (issue 13, item 3)
        ("记者 魏奋/文 张然/图", ["魏奋", "张然"]),  # what each name did
        ("记者 阿不都热依木", ["阿不都热依木"]),  # a long name that splits no way, titled
        ("中国之声记者焦莹", ["焦莹"]),  # a channel before its reporter
        ("记者陈青平 满洲里电台崔艳凤 通讯员张鹏", ["陈青平", "崔艳凤", "张鹏"]),
        ("楚天金报", None),  # a paper in brackets credits nobody
        ("阿不都热依木", None),  # untitled, no surname
    ],
)
def test_credit_shapes(credit: str, names: list[str] | None) -> None:
    assert parse_credit(credit) == names


def test_a_portal_stamp_before_the_formula_is_no_part_of_it() -> None:
    # A reprint as a portal lists it: when, whence, then the paper's own formula.
    text = (
        "带走老东家“高新机密” 技术骨干获刑判赔20万\n2016年06月17日06:15 汉网-武汉晚报 "
        "本报讯（记者孙珺 通讯员褚家威）昨天，全省打击侵权假冒工作电视电话会议披露了2015年武汉市"
        "保护知识产权十大典型案件。"
    )
    found = DatelineFinder({"本报": "本报"}).find(text, dt.date(2016, 6, 17))
    assert found is not None
    assert (found.raw, found.outlet, found.date, found.reporters) == (
        "汉网-武汉晚报 本报讯",
        "汉网-武汉晚报",
        None,
        ["孙珺", "褚家威"],
    )


# Openings of tests/dates/data/cnewsb.jsonl, found with a lexicon that lists no outlet but 本报.
@pytest.mark.parametrize(
    ("text", "raw", "outlet", "reporters"),
    [
        # a titled name glued before an unlisted paper's formula is the reporter's, not the paper's
        ("神秘散户跟随基金获利2000万□记者 钱妤晚报讯 自2006年以来，一位神秘散户跟随", "晚报讯",
         "晚报", ["钱妤"]),
        ("基金投资主线：紧跟政策导向□记者 王惠康晚报讯 随着2008年基金年报的披露完毕", "晚报讯",
         "晚报", ["王惠康"]),
        # the character after a number is its unit, never a name's first (亿元, not 元新报)
        ("新基金募集500亿元新报讯【记者 任强】统计数据显示，截至周一", "新报讯", "新报", ["任强"]),
        ("信达澳银稳定价值债基8日成立 首募11.4亿全景网4月9日讯 信达澳银基金周四公告称",
         "全景网4月9日讯", "全景网", []),
    ],
)  # fmt: skip
def test_where_a_glued_unlisted_name_starts(
    text: str, raw: str, outlet: str, reporters: list[str]
) -> None:
    found = BARE.find(text, None)
    assert found is not None
    assert (found.raw, found.outlet, found.reporters) == (raw, outlet, reporters)


def test_an_attributed_wire_formula_in_brackets_credits_the_reporter_after_it() -> None:
    text = "基金一季度大幅增持周期性行业【据新华社上海4月20日专电】(记者 桑彤)基金业4月19日晚"
    found = _find(text, dt.date(2009, 4, 21))
    assert (found.raw, found.outlet, found.location, found.reporters, found.date) == (
        "【据新华社上海4月20日专电】",
        "新华社",
        "上海",
        ["桑彤"],
        dt.date(2009, 4, 20),
    )


def test_a_no_break_space_separates_the_credit_as_a_space_does() -> None:
    # Web pages set U+00A0 between the formula and the credit (tests/dates/data/sina2018.jsonl).
    text = "肝癌的罪魁祸首\n广州日报讯\xa0（全媒体记者伍君仪\xa0\xa0通讯员孙冰倩）肝癌是全球"
    found = _find(text, None)
    assert (found.raw, found.outlet) == ("广州日报讯", "广州日报")
    assert found.reporters == ["伍君仪", "孙冰倩"]
    assert strip_dateline(text.split("\n")[1], found) == "肝癌是全球"


@pytest.mark.parametrize(
    ("credit", "names"),
    [
        # a paper, site or app named before the role word is the outlet, never a person
        ("浙江在线记者 马悦", ["马悦"]),
        ("中国青年报·中青在线记者 桂杰", ["桂杰"]),
        ("厦门日报记者佘峥", ["佘峥"]),
        ("沈报融媒记者樊华", ["樊华"]),
        ("浙江在线记者 严粒粒 陈宁 曾杨希", ["严粒粒", "陈宁", "曾杨希"]),
    ],
)
def test_an_outlet_named_before_the_role_is_no_reporter(credit: str, names: list[str]) -> None:
    assert parse_credit(credit) == names


# Openings of tests/dates/data/sina2018.jsonl: names with no media ending, at a paragraph's head.
@pytest.mark.parametrize(
    ("text", "raw", "outlet", "reporters"),
    [
        ("NBA球衣赞助再添新合同\n\n\u3000\u3000直播吧11月5日讯 根据美记Darren Rovell报道",
         "直播吧11月5日讯", "直播吧", []),
        ("半导体公司博通起诉大众侵犯专利权\n\n\u3000\u3000盖世汽车讯 据德国《明镜周刊》11月2日报道",
         "盖世汽车讯", "盖世汽车", []),
        ("马斯克：特斯拉的中国工厂会生产所有的电池模组\n\nDoNews 11月4日消息（记者 赵晋杰）特斯拉",
         "DoNews 11月4日消息", "DoNews", ["赵晋杰"]),
        ("腾讯再次祭出大动作\n\n\u3000\u3000中证APP讯（记者 于蒙蒙）11月5日，中国证券报记者",
         "中证APP讯", "中证APP", ["于蒙蒙"]),
        ("谷歌前议员将离职\nPingWest品玩11月2日讯，据The Information消息，谷歌星期五证实",
         "PingWest品玩11月2日讯", "PingWest品玩", []),
    ],
)  # fmt: skip
def test_a_name_with_no_media_ending_at_a_paragraphs_head(
    text: str, raw: str, outlet: str, reporters: list[str]
) -> None:
    found = BARE.find(text, None)
    assert found is not None
    assert (found.raw, found.outlet, found.reporters) == (raw, outlet, reporters)


@pytest.mark.parametrize(
    "text",
    [
        "唐嫣罗晋公布婚讯 胡歌成《仙剑3》唯一单身汉\n婚讯传了一年的罗晋和唐嫣，之前一直三缄其口。",
        "业界\n机器之心发布腾讯 AI Lab 提出的自动化深度学习模型压缩框架",
        "左手阿里右手腾讯 B站的选择\n记者：万珮 闫丽娇阿里此次入股B站一定有战略诉求",
        "四部门发布有关科创单位税收优惠政策\n记者 赵白执南\n财政部网站5日消息显示，为进一步鼓励",
        "火箭新闻\n仅十小时三消息：火箭或加价交易巴特勒",
        "北京时间11月9日消息，NBA常规赛继续进行\n北京时间11月9日消息，NBA常规赛继续进行",
        "体育\n足球简讯：中超第29轮今晚开打",
        "球队动态\n官方消息：主教练将于下周抵达",
        "转会\n独家消息（记者确认）：球队已签约",
    ],
)
def test_no_free_name_from_a_headline_a_word_or_a_sentence(text: str) -> None:
    assert BARE.find(text, None) is None


# The page's residue before the formula (tests/dates/data/sina2018.jsonl), no outlet listed.
@pytest.mark.parametrize(
    ("text", "raw", "outlet", "reporters"),
    [
        # a note in brackets
        ("“一起学语文”获融资\n（原标题：“一起学语文”今日获数百万元融资）蓝鲸教育10月17日讯，据IT桔子信息",
         "蓝鲸教育10月17日讯", "蓝鲸教育", []),
        # a source line, then a note
        ("尚德机构亮相大会\n来源：芥末堆（原标题：尚德机构亮相世界互联网大会）芥末堆讯，11月7日至9日",
         "芥末堆讯", "芥末堆", []),
        # a source line naming the outlet, printed twice
        ("最佳候选\n来源：中超联赛APP中超联赛APP讯 2018中国平安中超联赛仅剩最后一轮比赛",
         "中超联赛APP讯", "中超联赛APP", []),
        # the name glued after a subtitle is the one the note printed before it
        ("金庸挥别江湖\n(来源：中国日报网)金庸挥别江湖 外媒：他让世界了解中国中国日报网10月31日电",
         "中国日报网10月31日电", "中国日报网", []),
    ],
)  # fmt: skip
def test_the_pages_residue_before_the_formula(
    text: str, raw: str, outlet: str, reporters: list[str]
) -> None:
    found = BARE.find(text, None)
    assert found is not None
    assert (found.raw, found.outlet, found.reporters) == (raw, outlet, reporters)


def test_a_listed_outlet_in_the_source_line_ends_it() -> None:
    text = "科技部启动联网核查\n来源：中国证券报·中证网中证APP讯（实习记者 张兴旺）据海关总署消息"
    found = find_dateline(text, None)
    assert found is not None
    assert (found.raw, found.outlet, found.reporters) == ("中证APP讯", "中证APP", ["张兴旺"])


def test_names_run_together_with_their_roles_after_the_formula() -> None:
    # Issue 13's shape: 本报讯记者某某通讯员某某, no brackets, no 报道.
    text = "标题\n本报讯记者李莉通讯员刘清华 昨天，市教育局发布"
    found = BARE.find(text, None)
    assert found is not None
    assert (found.raw, found.reporters) == ("本报讯", ["李莉", "刘清华"])
    assert strip_dateline(text.split("\n")[1], found) == "昨天，市教育局发布"


# Other openings of Sina's 2018 channels (the repository of tests/dates/data/sina2018.jsonl).
@pytest.mark.parametrize(
    ("text", "raw", "outlet", "location", "reporters"),
    [
        # a listed name's app
        ("为何一夜之间火遍社交媒体？中新网客户端北京11月4日电（王思硕） 韩国仁川",
         "中新网客户端北京11月4日电", "中新网客户端", "北京", ["王思硕"]),
        # an ending after another one takes the name before both
        ("花2万元能变公务员？真有人信扬子晚报网10月17日讯（通讯员 周潇）花1万块钱",
         "扬子晚报网10月17日讯", "扬子晚报网", None, ["周潇"]),
    ],
)  # fmt: skip
def test_glued_names_of_apps_and_joined_endings(
    text: str, raw: str, outlet: str, location: str | None, reporters: list[str]
) -> None:
    found = _find(text, None)
    assert (found.raw, found.outlet, found.location, found.reporters) == (
        raw,
        outlet,
        location,
        reporters,
    )


@pytest.mark.parametrize(
    "text",
    [
        # a listed 腾讯 and the 讯 of the next one
        "原标题：马化腾也要当“老师”？腾讯将创办腾讯云启商学院来源：金融界腾讯副总裁邱跃鹏在",
        # an account is no place
        "学生举报\n@吉林农业科技学院团委官微10月21日消息，我校对2018年10月19日",
        "谷歌班车撞倒\n来源 中国日报官方微博11月9日消息，美国当地时间周一晚7点左右",
        # 网站 is a word, not an outlet and a place
        "学位问责导师清华大学深圳研究生院网站10月21日消息，近日，互联网上出现",
        # a work word or a time is no place
        "巴西教育\n据南美侨报网编译报道，经合组织（OECD）近日发布",
        "特斯拉私有化\n新浪财经 北京时间7日讯，特斯拉早期投资者、硅谷",
    ],
)
def test_no_dateline_from_accounts_sites_and_words(text: str) -> None:
    assert find_dateline(text, None) is None


def test_a_listed_spelling_inside_a_word_is_no_outlet() -> None:
    # 法新 (法新社) inside 看法新闻: a one-character place is none.
    found = find_dateline("师2000余人应聘法制晚报·看法新闻11月4日消息，11月4日，第二届", None)
    assert found is None or found.outlet != "法新社"


def test_a_portals_desk_is_its_outlet_not_a_place() -> None:
    found = _find("小米美团最快明年入摩\n新浪港股讯 据香港经济日报报道，MSCI", None)
    assert (found.raw, found.outlet, found.location) == ("新浪港股讯", "新浪港股", None)
