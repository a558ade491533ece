"""The printed dateline on every channel: bold at the head of the lead, as printed, once.

The openings are real copy from tests/dates/data/sogou.jsonl (SogouCA/SogouCS, 2012), read and
cut the way the parser does it (find_dateline, strip_dateline).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from html.parser import HTMLParser

import pytest

from distro.channels.body import render_html, render_text, shown_dateline
from distro.channels.jsonfeed import render_item
from distro.channels.wechat.render import content_html
from distro.dates import find_dateline, strip_dateline
from distro.models import Article, Dateline, Kind, Provenance
from distro.ninjs import to_ninjs
from tests.dates.scoring import DATA

WHEN = dt.datetime(2012, 6, 12, 8, 0, tzinfo=dt.UTC)


def opening(item_id: str) -> tuple[str, str]:
    """(headline, lead) of one real opening."""
    for line in (DATA / "sogou.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["id"] == item_id:
            headline, lead = item["text"].split("\n", 1)
            return headline, lead
    raise LookupError(item_id)


def parsed(item_id: str, issue: dt.date, **changes: object) -> Article:
    """The article the parser makes of an opening: the dateline cut off and kept aside."""
    headline, lead = opening(item_id)
    dateline = find_dateline(lead, issue)
    assert dateline is not None
    article = Article(
        id=f"a-{hashlib.sha256(item_id.encode()).hexdigest()[:20]}",
        headline=headline,
        dateline=dateline,
        paragraphs=[strip_dateline(lead, dateline), "据介绍，相关工作正在进行。"],
        provenance=Provenance(
            origin=f"file:///inbox/{item_id}.txt", sha256="0" * 64, received_at=WHEN
        ),
    )
    return article.model_copy(update=changes)


def test_the_cut_dateline_goes_back_at_the_head_of_the_lead_in_bold() -> None:
    article = parsed("sg0059", dt.date(2012, 6, 12))  # 新京报讯　（记者邢世伟）公安部昨日消息…
    assert article.paragraphs[0].startswith("公安部昨日消息")
    html = render_html(article)
    assert html.startswith("<p><strong>新京报讯</strong> 公安部昨日消息，")
    assert html.count("新京报讯") == 1
    assert render_text(article).startswith("新京报讯 公安部昨日消息，")
    web = render_html(article, css_class="dateline")
    assert web.startswith('<p><strong class="dateline">新京报讯</strong> 公安部昨日消息，')


def test_a_dated_wire_formula_keeps_its_full_width_digits() -> None:
    article = parsed("sg0082", dt.date(2012, 6, 2))  # 中新网乌鲁木齐６月２日电　（记者　闫文陆）
    assert render_html(article).startswith(
        "<p><strong>中新网乌鲁木齐６月２日电</strong> 新疆乌恰县"
    )


def test_a_lead_that_still_holds_its_dateline_is_marked_in_place_not_doubled() -> None:
    _, lead = opening("sg0064")  # 本报讯（记者韩旭）昨天，国务院法制办公室公布…
    article = parsed("sg0064", dt.date(2012, 6, 5), paragraphs=[lead])
    html = render_html(article)
    assert html.startswith("<p><strong>本报讯</strong>（记者韩旭）昨天")
    assert html.count("本报讯") == 1
    assert render_text(article) == lead


def test_a_trailer_goes_back_at_the_end() -> None:
    dateline = Dateline(raw="（新华社北京3月4日电）", span=(12, 24), position="trailer")
    article = parsed("sg0059", dt.date(2012, 6, 12), dateline=dateline)
    assert render_html(article).endswith(
        "据介绍，相关工作正在进行。<strong>（新华社北京3月4日电）</strong></p>"
    )
    assert render_text(article).endswith("正在进行。（新华社北京3月4日电）")


def test_an_html_body_is_marked_where_the_dateline_stands() -> None:
    _, lead = opening("sg0184")  # 千龙网北京７月２６日讯（记者冯强　张驰）…
    article = parsed("sg0184", dt.date(2012, 7, 27), paragraphs=[], body_html=f"<p>{lead}</p>")
    html = render_html(article)
    assert html.startswith("<p><strong>千龙网北京７月２６日讯</strong>（记者冯强")
    assert html.count("千龙网北京７月２６日讯") == 1


class Tags(HTMLParser):
    """Every start tag and its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def test_a_dateline_is_escaped_and_the_body_sanitized() -> None:
    hostile = Dateline(raw='本报<img src=x onerror="alert(1)">讯', span=(0, 10))
    article = parsed("sg0059", dt.date(2012, 6, 12), dateline=hostile)
    for html in (render_html(article), render_html(article, css_class='x" onclick="y')):
        tags = Tags()
        tags.feed(html)
        assert {tag for tag, _ in tags.seen} <= {"p", "strong"}
        assert {name for _, attrs in tags.seen for name, _ in attrs} <= {"class"}
        assert "本报&lt;img" in html  # the text, shown as text
    assert 'class="x&quot; onclick=&quot;y"' in render_html(article, css_class='x" onclick="y')


@pytest.mark.parametrize(
    "changes",
    [{"kind": Kind.TEASER}, {"paragraphs": []}, {"dateline": None}],
)
def test_nothing_to_show(changes: dict[str, object]) -> None:
    article = parsed("sg0059", dt.date(2012, 6, 12), **changes)
    if changes.get("dateline", ...) is None or "kind" in changes:
        assert shown_dateline(article) is None
    assert "<strong>" not in render_html(article)


def test_every_channel_shows_it() -> None:
    article = parsed("sg0059", dt.date(2012, 6, 12))
    item = render_item(article)
    assert item["content_html"].startswith("<p><strong>新京报讯</strong> 公安部")
    wechat = content_html(article)
    assert "<strong" in wechat and "新京报讯</strong> 公安部" in wechat
    bodies = {b["contentType"]: b for b in to_ninjs(article)["bodies"]}
    assert bodies["text/html"]["value"].startswith("<p><strong>新京报讯</strong> 公安部")
    assert bodies["text/plain"]["value"].startswith("新京报讯 公安部昨日消息")
    assert bodies["text/html"]["charCount"] == len(bodies["text/plain"]["value"])
