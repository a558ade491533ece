"""Bylines in the forms papers print them."""

from __future__ import annotations

import pytest

from distro.models import Credit
from distro.parse.byline import merge_bylines, parse_byline


@pytest.mark.parametrize(
    ("line", "roles", "names"),
    [
        ("□记者 宋迎迎 报道", ["记者"], ["宋迎迎"]),
        ("□本报评论员", ["评论员"], []),
        ("本报记者 王丹 实习生 黄佶滢 上海报道", ["记者", "实习生"], ["王丹", "黄佶滢"]),
        ("记者 张三 通讯员 李四", ["记者", "通讯员"], ["张三", "李四"]),
        ("记者宋迎迎报道", ["记者"], ["宋迎迎"]),
        ("本报驻上海记者 王丹", ["记者"], ["王丹"]),
        ("■本报记者 王丹、张小明", ["记者"], ["王丹", "张小明"]),
        ("□本报特约评论员 何平", ["特约评论员"], ["何平"]),
        ("记者 阿依古丽·买买提 摄", ["记者"], ["阿依古丽·买买提"]),
    ],
)
def test_byline_forms(line: str, roles: list[str], names: list[str]) -> None:
    byline = parse_byline(line)
    assert byline is not None
    assert byline.raw == line
    assert byline.roles == roles
    assert byline.role == roles[0]
    assert byline.names == names


@pytest.mark.parametrize(
    ("line", "roles", "names"),
    [
        ("文/刘刚", [], ["刘刚"]),
        ("文／万秀斌", [], ["万秀斌"]),
        ("文·图／邹德浩", [], ["邹德浩"]),
        ("图文：薛飞", [], ["薛飞"]),
        ("撰文 李四 摄影 王五", ["摄影"], ["李四", "王五"]),
        ("文/图 记者 李莉", ["记者"], ["李莉"]),
        ("文／记者肖欢欢 实习生陈玉洁", ["记者", "实习生"], ["肖欢欢", "陈玉洁"]),
    ],
)
def test_a_credit_for_the_writing_marks_a_byline(
    line: str, roles: list[str], names: list[str]
) -> None:
    byline = parse_byline(line)
    assert byline is not None
    assert (byline.raw, byline.roles, byline.names) == (line, roles, names)


@pytest.mark.parametrize("line", ["图：张三", "图/新华社", "文化部长", "文明城市建设", "文/图"])
def test_a_caption_or_a_word_is_no_credit(line: str) -> None:
    assert parse_byline(line) is None


def test_credits_pair_names_with_their_roles() -> None:
    byline = parse_byline("本报记者 王丹 实习生 黄佶滢 上海报道")
    assert byline is not None
    assert byline.credits == [
        Credit(name="王丹", role="记者"),
        Credit(name="黄佶滢", role="实习生"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "记者从市委获悉，今年全区项目建设进展顺利。",
        "坚定不移抓牢抓实项目建设",
        "致敬新时代记者",
        "记者节",
        "孙永红出席并讲话 周安主持",
        "本报7月5日讯 7月4日至5日",
        "记者" + "王" * 60,
    ],
)
def test_not_bylines(line: str) -> None:
    assert parse_byline(line) is None


def test_two_line_byline_merges() -> None:
    first, second = parse_byline("记者 张三"), parse_byline("通讯员 李四")
    assert first is not None and second is not None
    merged = merge_bylines(first, second)
    assert merged.raw == "记者 张三 通讯员 李四"
    assert (merged.roles, merged.names) == (["记者", "通讯员"], ["张三", "李四"])
