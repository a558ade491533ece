"""Date expressions in headline and lead, each resolved against its own anchor.

The openings are from the shared dev set (real copy); the short ones marked filler are not.
"""

from __future__ import annotations

import datetime as dt

from distro.dates import LeadDate, find_dateline, lead_dates


def _dates(text: str, issue: dt.date | None) -> list[LeadDate]:
    return lead_dates(text, issue, find_dateline(text, issue))


def _by_expr(found: list[LeadDate]) -> dict[str, dict[str, object]]:
    return {item.expr: item.as_json() for item in found}


def test_today_in_the_lead_is_the_dateline_day() -> None:
    # dev set o0609: the dateline is the wire's own day.
    text = (
        "山西洪洞曹生村王兵兵“黑砖窑”案开庭审理(图)\n"
        "中新网7月4日电在社会民众的关注下,今天上午山西省临汾市中院一审开庭审理"
    )
    got = _by_expr(_dates(text, dt.date(2007, 7, 4)))
    assert got["今天上午"]["date"] == "2007-07-04"
    assert got["今天上午"]["base"] == "dateline"


def test_today_follows_a_dateline_earlier_than_the_issue() -> None:
    # dev set o0272: 法新社布拉格二日电 in a 3 February issue; 今天 is the 2nd, not the 3rd.
    text = (
        "捷克总统哈维卸任新总统仍未确定\n"
        "(法新社布拉格二日电)在捷克共党政权统治时期成为民主运动英雄的剧作家哈维今天告别公职生活"
    )
    got = _by_expr(_dates(text, dt.date(2003, 2, 3)))
    assert got["今天"] == {
        "expr": "今天",
        "span": got["今天"]["span"],
        "date": "2003-02-02",
        "base": "dateline",
    }


def test_yesterday_after_an_undated_dateline_is_against_the_issue_date() -> None:
    # dev set o0235.
    text = (
        "朝鲜半岛黄沙蔽日平壤汉城灰尘遮天\n"
        "(平壤、汉城综合讯)刚刚席卷了中国北部的的沙尘暴昨天猛烈袭击朝鲜半岛"
    )
    got = _by_expr(_dates(text, dt.date(2002, 3, 22)))
    assert got["昨天"]["date"] == "2002-03-21"
    assert got["昨天"]["base"] == "issue_date"


def test_headline_is_resolved_against_the_issue_date() -> None:
    # dev set o0617: 昨 in the headline, 昨晚 in a lead without dateline.
    text = "F1“间谍案”听证会昨结束迈凯轮暂时逃脱处罚\n北京时间昨晚,国际汽联汽车运动理事会"
    found = _dates(text, dt.date(2007, 7, 27))
    assert [(f.expr, f.start, f.base) for f in found] == [
        ("昨", dt.date(2007, 7, 26), "issue_date"),
        ("昨晚", dt.date(2007, 7, 26), "issue_date"),
    ]


def test_headline_differs_from_body_when_the_dateline_is_earlier() -> None:
    # filler text: the headline's 今日 is the issue day, the lead's 今日 the dateline day.
    text = "某会今日闭幕\n新华社北京7月3日电 某会今日在京闭幕"
    found = _dates(text, dt.date(2021, 7, 4))
    assert [(f.expr, f.start, f.base) for f in found] == [
        ("今日", dt.date(2021, 7, 4), "issue_date"),
        ("今日", dt.date(2021, 7, 3), "dateline"),
    ]


def test_month_day_range_takes_the_dateline_year() -> None:
    # dev set o0024.
    text = (
        "纳米比亚总统恩代特瓦将访华\n"
        "新华社北京7月3日电 外交部发言人7月3日宣布：应国家主席习近平邀请，"
        "纳米比亚共和国总统内通博·南迪—恩代特瓦将于7月5日至11日对中国进行国事访问。"
    )
    got = _by_expr(_dates(text, dt.date(2026, 7, 4)))
    assert got["7月5日至11日"]["date"] == ["2026-07-05", "2026-07-11"]
    assert got["7月5日至11日"]["base"] == "dateline year"
    assert "7月3日电" not in got  # the dateline itself is not a lead date


def test_seed_page_range_and_day_with_time_of_day() -> None:
    text = "本报7月5日讯 7月4日至5日,2021年全区现场观摩会举行。5日上午,"
    got = _by_expr(_dates(text, dt.date(2021, 7, 5)))
    assert got["7月4日至5日"]["date"] == ["2021-07-04", "2021-07-05"]
    assert got["5日上午"]["date"] == "2021-07-05"


def test_day_range_announced_for_later_in_the_month() -> None:
    # dev set o0664: 将在24日至26日举行 under a 16 July dateline.
    text = (
        "(国际)朝韩将举行第六次将军级会谈\n新华社平壤7月16日电(记者高浩荣夏宇)朝鲜和韩国的军方代表16日"
        "在板门店举行军事会谈事务性接触,双方商定将在24日至26日举行第六次将军级会谈。"
    )
    got = _by_expr(_dates(text, dt.date(2007, 7, 16)))
    assert got["16日"]["date"] == "2007-07-16"
    assert got["24日至26日"]["date"] == ["2007-07-24", "2007-07-26"]


def test_a_later_day_without_a_future_word_is_null_with_a_reason() -> None:
    # dev set o0613: 18日 after a 12 July dateline, no 将: this month or last is not printed.
    text = (
        "韩国政府希望通过六方会谈加快半岛无核化进程\n"
        "中新网7月12日电据韩联社报道,韩国政府对于18日开始"
    )
    got = _by_expr(_dates(text, dt.date(2007, 7, 12)))
    assert got["18日"]["date"] is None
    assert "this or last month" in str(got["18日"]["reason"])


def test_full_dates_are_printed_dates() -> None:
    text = "标题\n新华社北京2月15日电台北消息:孙运璇生于1913年11月11日,于二〇〇六年二月十五日凌晨"
    got = _by_expr(_dates(text, dt.date(2006, 2, 14)))
    assert got["1913年11月11日"]["date"] == "1913-11-11"
    assert got["1913年11月11日"]["base"] == "printed"
    assert got["二〇〇六年二月十五日凌晨"]["date"] == "2006-02-15"


def test_without_any_anchor_relative_dates_are_null() -> None:
    found = _dates("标题\n今天上午，某会开幕", None)
    assert [(f.expr, f.start, f.reason) for f in found] == [("今天上午", None, "no anchor date")]


def test_not_dates() -> None:
    text = "标题\n乘5号线去看《今日美国》报道的一日游，2016年的第3版"
    assert _dates(text, dt.date(2021, 7, 5)) == []
