"""Punctuation and whitespace normalization: only those change."""

from __future__ import annotations

import pytest

from distro.parse.typography import (
    both_widths,
    fold_forms,
    join_fragments,
    punctuate,
    tidy_line,
    tidy_lines,
)


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("市委常委,西海岸新区", "市委常委，西海岸新区"),
        ("7月4日至5日,2021年", "7月4日至5日，2021年"),
        ("建设。(下转第二版)", "建设。（下转第二版）"),
        ("他说:好!真的?是;", "他说：好！真的？是；"),
        ("“七一”,重要", "“七一”，重要"),
        ("共3,000元", "共3,000元"),
        ("10:30开会", "10:30开会"),
        ("see a, b (c)", "see a, b (c)"),
        ("http://example.com/a?b=1", "http://example.com/a?b=1"),
    ],
)
def test_half_width_punctuation_in_chinese_becomes_full_width(raw: str, tidy: str) -> None:
    assert punctuate(raw) == tidy


def test_whitespace_trimmed_and_collapsed() -> None:
    assert tidy_line("\u3000\u3000孙永红出席并讲话  周安主持 \t") == "孙永红出席并讲话 周安主持"
    assert tidy_line("观摩会, 深入学习") == "观摩会，深入学习"
    assert tidy_line("\ufeff标题\u00a0\u00a0") == "标题"
    assert tidy_lines("\n\n一\r\n\n  \n二 \n") == ["一", "二"]


def test_nothing_else_changes() -> None:
    text = "《关于支持青岛西海岸新区的若干措施》“131”工程、A股—港股…1787亿元"
    assert tidy_line(text) == text


def test_fragments_rejoin_without_space_in_chinese() -> None:
    assert join_fragments(["两天的", "时间"]) == "两天的时间"
    assert join_fragments(["经", "济较好"]) == "经济较好"
    assert join_fragments(["第5", "G网络"]) == "第5G网络"
    assert join_fragments(["当地时间１日下午５时2", "5分"]) == "当地时间１日下午５时25分"


@pytest.mark.parametrize(
    ("pieces", "joined"),
    [
        # real copy (corpus pages 095 and 048, as a half-width source types them)
        (["一度疯狂的IP", "O申报脚步"], "一度疯狂的IPO申报脚步"),
        (["Preikestol", "en位于挪威南部"], "Preikestolen位于挪威南部"),
        (["ＩＰ", "Ｏ申报"], "ＩＰＯ申报"),
        # a phrase breaks at its spaces
        (
            ["题为《Brit Beaten", "After Alleged Sex Attack》"],
            "题为《Brit Beaten After Alleged Sex Attack》",
        ),
        (
            ["题为《Ｂｒｉｔ Ｂｅａｔｅｎ", "Ａｆｔｅｒ》"],
            "题为《Ｂｒｉｔ Ｂｅａｔｅｎ Ａｆｔｅｒ》",
        ),
        (["a new", "area", "here"], "a new area here"),
    ],
)
def test_a_latin_word_cut_by_a_break_is_whole_again(pieces: list[str], joined: str) -> None:
    assert join_fragments(pieces) == joined


def test_both_widths_pairs_each_mark_with_its_twin() -> None:
    marks = both_widths("）］。，")
    assert {")", "）", "]", "［"} - marks == {"［"}
    assert {"］", "]", "｡", "。", ",", "，"} <= marks
    assert "a" not in both_widths("）")


def test_fold_forms_keeps_every_offset() -> None:
    lines = [
        "新开辟的文化节目５频道于１９９７年１２月３１日",
        "ＩＰＯ，（下转第二版）",
        "ascii 1997",
        "他说：「『伙伴关系』的潜台词」",
    ]
    folded = fold_forms(lines)
    assert folded == [
        "新开辟的文化节目5频道于1997年12月31日",
        "IPO，（下转第二版）",
        "ascii 1997",
        "他说：“‘伙伴关系’的潜台词”",
    ]
    assert [len(x) for x in folded] == [len(x) for x in lines]
