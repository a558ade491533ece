"""Article, index and tombstone pages: golden files of the seed story, and what each must show."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from distro.channels.output import section_slug
from distro.channels.web.render import (
    Listing,
    Site,
    Story,
    article_key,
    favicon,
    is_page,
    render_article,
    render_calendar,
    render_day,
    render_index,
    render_tombstone,
)
from distro.models import Kind, PubStatus
from tests.channels.web.golden import assert_golden
from tests.channels.web.stories import article, seed_article

SITE = Site("https://news.example.cn/", "西海岸新闻")
WHEN = dt.datetime(2021, 7, 5, 0, 30, tzinfo=dt.UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Scripts(HTMLParser):
    """The text of every <script type="application/ld+json"> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        if self.inside:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.blocks[-1] += data


def json_ld(page: str) -> list[dict[str, object]]:
    parser = Scripts()
    parser.feed(page)
    return [json.loads(block) for block in parser.blocks]


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


def test_article_page_carries_a_news_article_in_json_ld() -> None:
    site = Site("https://news.example.cn/", "西海岸新闻", publication="西海岸报")
    story = Story(seed_article(WHEN), WHEN + dt.timedelta(hours=2))
    (doc,) = json_ld(render_article(story, site))
    url = "https://news.example.cn/articles/a-c6710cc7ae2753f80001.html"
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "NewsArticle"
    assert doc["headline"] == story.article.headline
    assert doc["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert doc["datePublished"] == "2021-07-05T08:30:00+08:00"
    assert doc["dateModified"] == "2021-07-05T10:30:00+08:00"
    assert doc["author"] == [{"@type": "Person", "name": "宋迎迎"}]
    assert doc["publisher"] == {
        "@type": "Organization",
        "name": "西海岸报",
        "url": "https://news.example.cn/",
    }
    assert doc["articleSection"] == "要闻" and doc["inLanguage"] == "zh-CN"
    # a headline cannot end the script element early, and stays readable JSON
    odd = story.article.model_copy(update={"headline": "标题</script><script>alert(1)//"})
    page = render_article(Story(odd, WHEN), site)
    assert "</script><script>" not in page
    assert json_ld(page)[0]["headline"] == "标题</script><script>alert(1)//"
    unsigned = story.article.model_copy(update={"byline": None})
    assert json_ld(render_article(Story(unsigned, WHEN), site))[0]["author"] == [doc["publisher"]]


def test_a_page_without_a_time_shows_only_its_date() -> None:
    issue = dt.datetime(2021, 7, 5, tzinfo=SHANGHAI)
    arrived = dt.datetime(2021, 7, 5, 5, 40, tzinfo=SHANGHAI)
    item = seed_article(WHEN).model_copy(
        update={
            "published_at": issue,
            "provenance": seed_article(WHEN).provenance.model_copy(update={"received_at": arrived}),
        }
    )
    story = Story(item, arrived)
    assert not story.timed and story.issued == arrived
    page = render_article(story, SITE)
    assert '<time datetime="2021-07-05">2021年7月5日</time>' in page
    assert "2021年7月5日 00:00" not in page
    assert json_ld(page)[0]["datePublished"] == "2021-07-05T05:40:00+08:00"
    home = render_index([story], SITE)
    assert '<time datetime="2021-07-05">2021年7月5日</time>' in home
    # an old issue loaded years later keeps its issue date, not the day it was loaded
    loaded = item.provenance.model_copy(update={"received_at": WHEN.replace(2026)})
    late = item.model_copy(update={"provenance": loaded})
    assert Story(late, WHEN.replace(2026)).issued == issue
    # a stated time, even at midnight on another day, is a time
    timed = item.model_copy(update={"published_at": dt.datetime(2021, 7, 4, tzinfo=SHANGHAI)})
    assert Story(timed, arrived).timed
    assert "2021年7月5日 08:30" in render_article(Story(seed_article(WHEN), WHEN), SITE)


def test_index_has_an_h1_a_description_and_an_icon_and_the_css_is_valid() -> None:
    site = Site("https://news.example.cn/", "西海岸新闻", description="青岛西海岸新区的新闻。")
    home = render_index([Story(article(1, WHEN), WHEN)], site)
    assert '<h1 class="page-title">' in home
    assert meta_of(home).meta["description"] == "青岛西海岸新区的新闻。"
    assert meta_of(render_index([], SITE)).meta["description"] == "西海岸新闻：最新稿件"
    section = render_index([], SITE, section="要闻")
    assert meta_of(section).meta["description"] == "西海岸新闻“要闻”栏目的最新稿件。"
    assert meta_of(home).links["icon"] == "https://news.example.cn/favicon.svg"
    assert "inter-ideograph" not in home and "text-justify: inter-character" in home
    assert re.search(r"h1, ol\.stories h2 \{ word-break: keep-all;", home)
    assert "time { white-space: nowrap; }" in home
    icon = ET.fromstring(favicon(site))
    assert icon.tag == "{http://www.w3.org/2000/svg}svg"
    assert "".join(icon.itertext()) == "西"


def test_day_and_calendar_pages_match_golden() -> None:
    listings = [
        Listing(f"a-{n:020x}", f"第{n}条 新区观摩会举行", s, WHEN + dt.timedelta(hours=n), n != 3)
        for n, s in [(1, "要闻"), (2, "经济"), (3, "要闻"), (4, None)]
    ]
    day = render_day("2021-07-05", listings, SITE, sections=["经济", "要闻"])
    assert_golden("day.html", day)
    assert meta_of(day).links["canonical"] == "https://news.example.cn/archive/2021-07-05/"
    assert "<h1>2021年7月5日</h1>" in day
    assert day.index("第1条") < day.index("第2条") < day.index("第3条") < day.index("第4条")
    assert '<span class="section-tag">经济</span>' in day and 'class="pager"' not in day
    # each story shows its time of day (the heading names the day); n=3 has none to show
    assert '<time datetime="2021-07-05T09:30:00+08:00">09:30</time>' in day
    assert "第3条 新区观摩会举行</a></li>" in day
    mine = [item for item in listings if item.section == "要闻"]
    one = render_day("2021-07-05", mine, SITE, section="要闻", page=2, pages=3)
    assert "<h1>要闻 · 2021年7月5日（第2页）</h1>" in one
    assert '<span class="section-tag">' not in one
    canonical = meta_of(one).links["canonical"]
    assert canonical.endswith("/sections/%E8%A6%81%E9%97%BB/archive/2021-07-05/2.html")
    assert '<span aria-current="page">2</span>' in one
    assert (
        'href="https://news.example.cn/sections/%E8%A6%81%E9%97%BB/archive/2021-07-05/3.html"'
        in one
    )
    calendar = render_calendar(["2021-06-30", "2021-07-05", "2021-07-04"], SITE)
    assert_golden("calendar.html", calendar)
    assert calendar.index("2021年7月") < calendar.index("2021年6月")
    assert calendar.index("/archive/2021-07-05/") < calendar.index("/archive/2021-07-04/")
    assert "暂无往期稿件" in render_calendar([], SITE)
