"""Article, index and tombstone pages: golden files of the seed story, and what each must show."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from distro.channels.web.render import (
    Site,
    Story,
    article_key,
    is_page,
    render_article,
    render_index,
    render_tombstone,
    section_slug,
)
from distro.models import Kind, PubStatus
from tests.channels.web.golden import assert_golden
from tests.channels.web.stories import article, seed_article

SITE = Site("https://news.example.cn/", "西海岸新闻")
WHEN = dt.datetime(2021, 7, 5, 0, 30, tzinfo=dt.UTC)


class Meta(HTMLParser):
    """Collects <meta property|name> and <link rel> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in values or "name" in values):
            self.meta[values.get("property") or values["name"]] = values.get("content", "")
        if tag == "link" and "rel" in values:
            self.links.setdefault(values["rel"], values.get("href", ""))


def meta_of(page: str) -> Meta:
    parser = Meta()
    parser.feed(page)
    return parser


def test_seed_article_page_matches_golden_and_carries_canonical_and_open_graph() -> None:
    story = Story(seed_article(WHEN), WHEN)
    page = render_article(story, SITE, sections=["要闻", "经济"])
    assert_golden("article.html", page)
    meta = meta_of(page)
    url = "https://news.example.cn/articles/a-c6710cc7ae2753f80001.html"
    assert meta.links["canonical"] == url
    assert meta.meta["og:url"] == url
    assert meta.meta["og:type"] == "article"
    assert meta.meta["og:title"] == story.article.headline
    assert meta.meta["og:locale"] == "zh_CN"
    assert meta.meta["article:published_time"] == "2021-07-05T08:30:00+08:00"
    assert meta.meta["viewport"].startswith("width=device-width")
    assert '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page
    # headline stack, byline, dateline in bold, paragraphs, Chinese date
    assert f'<p class="kicker">{story.article.kicker}</p>' in page
    assert f"<h1>{story.article.headline}</h1>" in page
    assert f'<p class="subheadline">——{story.article.subheadline}</p>' in page
    assert '<span class="byline">记者 宋迎迎 报道</span>' in page
    assert '<p><strong class="dateline">本报7月5日讯</strong> 7月4日至5日' in page
    assert "2021年7月5日 08:30" in page
    assert "更正" not in page


def test_typography_is_chinese_friendly() -> None:
    page = render_article(Story(seed_article(WHEN), WHEN), SITE)
    assert "line-height: 1.8" in page
    assert "text-align: justify" in page
    assert re.search(r"max-width: \d+rem", page)
    assert '"Noto Sans CJK SC"' in page and '"PingFang SC"' in page
    assert "@media (max-width: 600px)" in page


def test_later_version_shows_the_correction_note_and_update_time() -> None:
    first = seed_article(WHEN)
    revised = first.model_copy(update={"version": 2, "correction": "原稿误将“106个”写作“160个”。"})
    later = WHEN + dt.timedelta(hours=3)
    page = render_article(Story(revised, later), SITE)
    assert '<aside class="correction" role="note"><strong>更正：</strong>' in page
    assert "原稿误将“106个”写作“160个”。" in page
    assert "更新于" in page and "2021年7月5日 11:30" in page
    assert meta_of(page).meta["article:modified_time"] == "2021-07-05T11:30:00+08:00"
    plain = first.model_copy(update={"version": 3})
    assert "本文已于2021年7月5日 11:30修订（第3版）" in render_article(Story(plain, later), SITE)


def test_home_and_section_indexes_match_golden() -> None:
    stories = [
        Story(article(n, WHEN - dt.timedelta(hours=n), section=s), WHEN - dt.timedelta(hours=n))
        for n, s in [(1, "要闻"), (2, "经济"), (3, "要闻")]
    ]
    home = render_index(stories, SITE, sections=["经济", "要闻"])
    assert_golden("index.html", home)
    assert home.index("第1条") < home.index("第2条") < home.index("第3条")
    assert meta_of(home).links["canonical"] == "https://news.example.cn/"
    section = render_index(stories[::2], SITE, section="要闻", sections=["经济", "要闻"])
    assert_golden("section.html", section)
    assert (
        meta_of(section).links["canonical"]
        == "https://news.example.cn/sections/%E8%A6%81%E9%97%BB/"
    )
    assert "<h1>要闻</h1>" in section and "第2条" not in section
    assert "暂无稿件" in render_index([], SITE)


def test_tombstone_keeps_no_text_and_is_not_indexed() -> None:
    page = render_tombstone("a-c6710cc7ae2753f80001", WHEN, SITE)
    assert_golden("tombstone.html", page)
    assert "本文已撤回" in page
    assert '<meta name="robots" content="noindex">' in page
    assert seed_article(WHEN).headline not in page


def test_only_live_articles_are_pages_and_keys_are_stable() -> None:
    item = seed_article(WHEN)
    assert is_page(item)
    assert not is_page(item.model_copy(update={"kind": Kind.TEASER}))
    assert not is_page(item.model_copy(update={"pub_status": PubStatus.CANCELED}))
    assert article_key(item.id) == article_key(item.model_copy(update={"version": 5}).id)
    assert section_slug("要闻") == "要闻"
    assert section_slug("World News") == "world-news"
    assert section_slug("../..") != ".."
    assert section_slug("//").startswith("s-")
