"""Dateline forms, one real example each, and how a caller cuts them off."""

from __future__ import annotations

import datetime as dt

from distro.dates import find_dateline, strip_dateline

ISSUE = dt.date(2021, 7, 5)


def test_seed_page_bao_xun_with_date() -> None:
    text = "本报7月5日讯 7月4日至5日,2021年全区“攻坚突破年”现场观摩会举行"
    found = find_dateline(text, ISSUE)
    assert found is not None
    assert (found.raw, found.span, found.date) == ("本报7月5日讯", (0, 7), dt.date(2021, 7, 5))
    assert (found.outlet, found.location, found.reporters) == ("本报", None, [])
    assert strip_dateline(text, found) == "7月4日至5日,2021年全区“攻坚突破年”现场观摩会举行"


def test_xinhua_with_reporters_in_parentheses() -> None:
    text = "标题\n新华社北京7月5日电（记者 王二、张三）正文第一句。"
    found = find_dateline(text, ISSUE)
    assert found is not None
    assert found.raw == "新华社北京7月5日电"
    assert text[found.span[0] : found.span[1]] == found.raw
    assert (found.outlet, found.location, found.date) == ("新华社", "北京", ISSUE)
    assert found.reporters == ["王二", "张三"]
    assert strip_dateline(text[3:], found) == "正文第一句。"
