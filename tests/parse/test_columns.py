"""Column text: widths, the column a page is wrapped at, wrapped lines joined back."""

from __future__ import annotations

import pytest

from distro.parse import parse_page
from distro.parse.columns import column_width, unwrap, width
from distro.parse.confidence import THRESHOLD
from tests.parse.corpus import score

#: Real copy (corpus page 150, People's Daily 1998-01-18): a headline, and the second paragraph
#: of its story, whose first sentence fills a column 31 ems wide (33 with a two-em indent).
HEADLINE = "香港选民登记工作结束"
PARAGRAPH = (
    "香港特区第一届立法会选举选民登记工作是从去年１１月５日开始的。两个多月来，香港广大市民积极"
    "响应政府“港人治港齐参与，登记选民莫迟疑”的号召，踊跃登记做选民。特区政府亦采取各种措施，"
    "推动选民登记工作。政制事务局官员深入市民中间，讲解登记工作，回答选民问题。政府新闻处在全港"
    "各地铁车站和广九铁路车站设立专柜，派发宣传传单。民政事务总署组织人员到老人院、疗养院、青年"
    "中心和大专院校，开展登记活动。"
)
LEAD = (
    "本报香港１月１７日电记者贾昭全报道：香港特别行政区第一届立法会选举选民登记于昨晚午夜"
    "１２时结束。"
)


@pytest.fixture(scope="module")
def pages() -> dict[str, score.Page]:
    return {page.name: page for page in score.load_pages()}


def test_width_counts_ascii_as_half() -> None:
    assert width("香港") == 2
    assert width("A1 要闻") == 3.5
    assert width("\u3000\u3000两个") == 4


def test_pages_of_one_line_paragraphs_are_left_alone(pages: dict[str, score.Page]) -> None:
    for page in pages.values():
        text = page.data.decode("utf-8")
        assert unwrap(text).text == text, page.name


@pytest.mark.parametrize("ems", [20, 24, 28, 36])
def test_column_width_is_the_wrap(pages: dict[str, score.Page], ems: int) -> None:
    text = score.hard_wrap(pages["150"], ems).data.decode("utf-8")
    assert column_width(text.splitlines()) == ems


def test_a_join_across_a_stop_at_the_edge_is_a_guess() -> None:
    column = score.set_in_column(PARAGRAPH, 31)
    assert column[0].endswith("开始的。")
    unwrapped = unwrap("\n".join([HEADLINE, *column, ""]))
    assert unwrapped.text.splitlines() == [HEADLINE, PARAGRAPH]
    assert unwrapped.guessed == {1}


def test_indented_paragraphs_leave_no_guess() -> None:
    column = score.set_in_column("\u3000\u3000" + PARAGRAPH, 33)
    assert column[0].endswith("开始的。")
    unwrapped = unwrap("\n".join([HEADLINE, *column * 3]))
    assert unwrapped.text.splitlines() == [HEADLINE, *["\u3000\u3000" + PARAGRAPH] * 3]
    assert unwrapped.guessed == frozenset()


def test_a_short_line_under_a_stop_is_a_headline_not_the_paragraph() -> None:
    column = score.set_in_column(PARAGRAPH, 31)
    lines = unwrap("\n".join([*column, column[0], HEADLINE, LEAD])).text.splitlines()
    assert lines == [PARAGRAPH, column[0], HEADLINE, LEAD]


def test_latin_words_cut_by_the_column_keep_their_space() -> None:
    column = ["苹果公司昨天在加利福尼亚州发布了 Apple", "Watch 新款，售价与上一代相同，下个月"]
    text = "\n".join([*column * 3, "起在门店销售。"])
    assert "Apple Watch" in unwrap(text).text


@pytest.mark.parametrize("indent", [False, True])
def test_a_wrapped_page_parses_as_the_page_it_was(
    pages: dict[str, score.Page], indent: bool
) -> None:
    page = pages["150"]

    def read(data: bytes) -> list[tuple[str, list[str]]]:
        found = parse_page(data, origin="file:///corpus/150.txt", issue_date=page.issue_date)
        return [(a.headline, a.paragraphs) for a in found]

    for ems in (20, 28):
        wrapped = score.hard_wrap(page, ems, indent=indent).data
        assert wrapped != page.data
        assert read(wrapped) == read(page.data)


def test_a_guessed_join_holds_the_article(pages: dict[str, score.Page]) -> None:
    wrapped = score.hard_wrap(pages["150"], 24).data
    found = parse_page(wrapped, origin="file:///corpus/150.txt", issue_date=pages["150"].issue_date)
    guessed = [a for a in found if "guessed_join" in a.flags]
    assert guessed and all(a.confidence < THRESHOLD for a in guessed)


def test_rows_of_a_table_are_not_a_column() -> None:
    rows = [
        "深发展Ａ　　１２．３４　　＋０．５６　　４．７６％",
        "万　科Ａ　　　８．９１　　－０．１２　　１．３３％",
        "浦发银行　　　９．８７　　＋０．０８　　０．８２％",
        "中国石化　　　６．５４　　－０．０３　　０．４６％",
        "招商银行　　１１．２０　　＋０．３１　　２．８５％",
    ]
    text = "\n".join(["今日行情", *rows, PARAGRAPH, ""])
    assert column_width(text.splitlines()) is None
    assert unwrap(text).text == text
