"""Properties over generated text: the parser never crashes, never invents or loses body text."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from distro.errors import InputError
from distro.models import Article
from distro.parse import parse_page
from distro.parse.layout import MAX_HEADING, segment
from distro.parse.typography import tidy_lines

ISSUE = dt.date(2021, 7, 5)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Characters body text is made of: ideographs, digits, full- and half-width punctuation.
HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过"
)
BODY_ALPHABET = HANZI + "0123456789，、“”《》"
ANY_ALPHABET = HANZI + "，。、；：？！“”《》（）,.;:?!() —-□\u3000\t0123456789abcXYZ\n"
#: Lines that mean something to the parser, mixed into random text.
SPECIAL = [
    "□记者 宋迎迎 报道",
    "□本报评论员",
    "记者 张三 通讯员 李四",
    "本报7月5日讯 会议召开。",
    "新华社北京7月5日电（记者 李明）会议召开。",
    "(下转第二版)",
    "（下转第４版）",
    "（上接第一版）",
    "3版",
    "详见第3版",
    "——某某活动侧记",
    "——",
    "本版责编：王五",
    "版式设计：赵六",
    "2021-07-05 08:12:33",
    "2021年7月5日 星期一",
    "一、加快项目建设",
]

lines = st.one_of(
    st.text(alphabet=ANY_ALPHABET, max_size=70),
    st.sampled_from(SPECIAL),
    st.text(alphabet=HANZI, min_size=2, max_size=20),
)
pages = st.lists(lines, max_size=25).map("\n\n".join)
DASHES = set("—-─－")


#: Marks `punctuate` may make full-width where a seam gives them a Chinese neighbour.
_SEAM_MARKS = str.maketrans(",;:?!()", "，；：？！（）")


def _chars(texts: list[str]) -> Counter[str]:
    """The characters of `texts`, whitespace and dashes aside (they are normalized or markers),
    each half-width mark counted as its full-width twin (a seam may turn it)."""
    return Counter(
        ch
        for text in texts
        for ch in text.translate(_SEAM_MARKS)
        if not ch.isspace() and ch not in DASHES
    )


def _article_texts(article: Article) -> list[str]:
    texts = [article.kicker or "", article.headline, article.subheadline or "", *article.paragraphs]
    if article.byline is not None:
        texts.append(article.byline.raw)
    if article.dateline is not None:
        texts.append(article.dateline.raw)
    if article.summary:
        texts.append(article.summary)
    return texts


@SETTINGS
@given(st.text())
def test_arbitrary_text_only_ever_raises_input_errors(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_page(text.encode("utf-8", "surrogatepass"), origin="fuzz.txt")


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes_only_ever_raise_input_errors(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_page(data, origin="fuzz.bin")


@SETTINGS
@given(pages)
def test_segmentation_conserves_every_character(text: str) -> None:
    layout = segment(text)
    out: list[str] = [*layout.dropped]
    for block in layout.blocks:
        out.extend(line for line, _ in block.stack)
        out.extend(block.paragraphs)
        if block.byline is not None:
            out.append(block.byline.raw)
    assert _chars(out) == _chars(tidy_lines(text))


@SETTINGS
@given(pages)
def test_articles_never_duplicate_text(text: str) -> None:
    try:
        articles = parse_page(text.encode(), origin="fuzz.txt", issue_date=ISSUE)
    except InputError:
        return
    produced = _chars([t for article in articles for t in _article_texts(article)])
    assert not produced - _chars(tidy_lines(text))
    for article in articles:
        Article.model_validate(article.model_dump())


@st.composite
def broken_paragraphs(draw: st.DrawFn) -> tuple[list[str], str]:
    """Paragraphs, and a page printing them with column breaks at random places.

    As on a real page, a paragraph runs across columns: a head of any length ends one column, any
    middle pieces are whole columns (longer than a headline), and a tail of any length follows.
    """
    count = draw(st.integers(min_value=1, max_value=6))
    paragraphs = []
    printed = []
    for _ in range(count):
        clause = draw(st.text(alphabet=HANZI, min_size=2, max_size=30))
        # Pieces before the tail end in an ideograph: a break right after 。” would be a real end.
        ending = st.sampled_from(HANZI)
        middles = draw(
            st.lists(
                st.tuples(
                    st.text(alphabet=BODY_ALPHABET, min_size=MAX_HEADING, max_size=60), ending
                ).map("".join),
                max_size=2,
            )
        )
        tail = draw(st.text(alphabet=BODY_ALPHABET, min_size=0, max_size=80)) + "。"
        head = f"{clause}，{draw(st.text(alphabet=BODY_ALPHABET, max_size=40))}{draw(ending)}"
        pieces = [head, *middles, tail]
        if draw(st.booleans()):
            pieces = ["".join(pieces)]  # printed in one piece
        paragraphs.append("".join(pieces))
        printed.extend(pieces)
    page = "坚定不移抓牢抓实项目建设\n\n□记者 宋迎迎 报道\n\n" + "\n\n".join(printed) + "\n"
    return paragraphs, page


@pytest.mark.xfail(
    strict=False, reason="line model: a short lead under a byline reads as a fragment (issue 13)"
)
# A known failure: find it, but skip shrinking it (a minute of CI for an example nobody reads).
@settings(parent=SETTINGS, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(broken_paragraphs())
def test_column_breaks_are_repaired_and_paragraph_ends_kept(case: tuple[list[str], str]) -> None:
    paragraphs, page = case
    (article,) = parse_page(page.encode(), origin="gen.txt", issue_date=ISSUE)
    assert article.paragraphs == paragraphs
