"""Article -> WeChat draft article: limits, safe HTML, footnotes, images, the read-original URL."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distro.channels.wechat.render import (
    ALLOWED,
    ELLIPSIS,
    OPENERS,
    author_of,
    content_html,
    render,
    shorten,
)
from distro.models import Byline
from tests.channels.wechat.conftest import article


def balanced(text: str) -> bool:
    stack: list[str] = []
    closers = {v: k for k, v in OPENERS.items()}
    for ch in text:
        if ch in OPENERS:
            stack.append(ch)
        elif ch in closers and (not stack or stack.pop() != closers[ch]):
            return False
    return not stack and text.count('"') % 2 == 0


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("短标题", 32, "短标题"),
        (
            "习近平在中央经济工作会议上发表重要讲话强调，坚持稳中求进工作总基调，推动经济实现质的有效提升",
            32,
            "习近平在中央经济工作会议上发表重要讲话强调…",
        ),
        (
            "“一带一路”国际合作高峰论坛开幕 各国代表齐聚北京共商合作大计推动构建人类命运共同体",
            32,
            "“一带一路”国际合作高峰论坛开幕…",
        ),
        (
            "《关于进一步加强和改进新时代基层社会治理工作的若干意见实施细则》正式印发",
            32,
            "《关于进一步加强和改进新时代基层社会治理工作的若干意见实施细…》",
        ),
        (
            "他说：“我们要坚定不移地走中国特色社会主义道路，坚持以人民为中心的发展思想。”",
            32,
            "他说：“我们要坚定不移地走中国特色社会主义道路…”",
        ),
        (
            "全市推进老旧小区改造（今年惠及居民三万余户，明年计划再改造两百个小区）",
            24,
            "全市推进老旧小区改造…",
        ),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(expected) <= limit


def test_shorten_never_splits_an_emoji_sequence() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    text = ("家庭" + family) * 10
    short = shorten(text, 12)
    assert short == "家庭" + family + "家庭" + ELLIPSIS
    assert not short.rstrip(ELLIPSIS).endswith("\u200d")


@given(
    st.text(alphabet=st.sampled_from(list('新闻报道，。、“”《》（）"ab 🇨🇳é\u0301')), max_size=80),
    st.integers(min_value=2, max_value=40),
)
def test_shorten_properties(text: str, limit: int) -> None:
    short = shorten(text, limit)
    assert len(short) <= limit
    normal = " ".join(text.split())
    if len(normal) <= limit:
        assert short == normal
        return
    assert ELLIPSIS in short
    if balanced(normal):
        assert balanced(short)
    core = short.split(ELLIPSIS)[0]
    assert normal.startswith(core)
    rest = normal[len(core) :]
    # No mark cut off its letter (marks that open the text have none: `\u0301\u0301a`, 2).
    assert not (core and rest and unicodedata.combining(rest[0]))


def test_fields_fit_wechat_limits() -> None:
    long = article(
        1,
        headline="全市推进老旧小区改造工作取得显著成效，今年惠及居民三万余户，明年还将再改造两百个小区",
        summary="摘要" * 100,
        byline=Byline(
            raw="□记者 欧阳修远 司马相如 诸葛孔明 上官婉儿",
            names=["欧阳修远", "司马相如", "诸葛孔明", "上官婉儿"],
        ),
    )
    draft = render(long, base_url="https://news.example/", thumb_media_id="thumb-1")
    assert len(draft["title"]) <= 32 and draft["title"].endswith(ELLIPSIS)
    assert len(draft["digest"]) <= 128
    assert draft["author"] == "欧阳修远、司马相如、诸葛孔明…"
    assert draft["content_source_url"] == f"https://news.example/articles/{long.id}.html"
    assert draft["thumb_media_id"] == "thumb-1"


def test_author_is_empty_when_unsigned() -> None:
    assert author_of(article(1, byline=None)) == ""


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


HOSTILE = (
    '<p class="lead" id="x" onclick="evil()">新华社北京电 <a href="https://example.com/a">原文</a>'
    '和<a href="https://example.com/b">另一篇</a>，再看<a href="https://example.com/a">原文</a>。</p>'
    "<script>alert(1)</script><style>p{}</style><div><b>加粗</b><i>斜体</i></div>"
    '<img src="https://cdn.example/photo.jpg" alt="现场"><img src="https://cdn.example/other.png">'
    '<iframe src="https://evil.example/"></iframe><table><tr><td colspan="2">表</td></tr></table>'
)


def test_content_keeps_allowed_tags_with_inline_styles_only() -> None:
    item = article(1, paragraphs=[], body_html=HOSTILE)
    html = content_html(item, {"https://cdn.example/photo.jpg": "http://mmbiz.qpic.cn/p/0"})
    parser = Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED
        assert set(attrs) <= {"style", "src", "alt", "colspan", "rowspan"}
    for gone in ("script", "alert", "class=", "id=", "onclick", "iframe", "<a ", "<div", "<b>"):
        assert gone not in html
    assert "<strong style" in html or "<strong>" in html
    assert "加粗" in html and "斜体" in html


def test_links_become_numbered_footnotes() -> None:
    item = article(1, paragraphs=[], body_html=HOSTILE)
    html = content_html(item)
    assert re.findall(r"\[(\d)\]</span>", html) == ["1", "2", "1"]
    assert "[1] https://example.com/a</p>" in html
    assert "[2] https://example.com/b</p>" in html


def test_images_are_rewritten_or_dropped() -> None:
    item = article(1, paragraphs=[], body_html=HOSTILE)
    html = content_html(item, {"https://cdn.example/photo.jpg": "http://mmbiz.qpic.cn/p/0"})
    assert 'src="http://mmbiz.qpic.cn/p/0"' in html and 'alt="现场"' in html
    assert "cdn.example" not in html


def test_paragraphs_are_escaped_and_chinese_stays_chinese() -> None:
    item = article(1, paragraphs=["<b>不是标签</b> & 符号"], kicker="引题", subheadline="副题")
    html = content_html(item)
    assert "&lt;b&gt;不是标签&lt;/b&gt; &amp; 符号" in html
    assert "引题" in html and "——副题" in html


def test_content_over_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="20000"):
        content_html(article(1, paragraphs=["字" * 20_000]))
