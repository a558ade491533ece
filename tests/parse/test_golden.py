"""The seed page against its golden file, and the facts a reader checks by hand on it."""

from __future__ import annotations

import datetime as dt
import json

from distro.models import Article, Kind
from distro.parse import parse_page
from tests.parse.golden.seed import GOLDEN, SEED_ARGS, golden_document


def test_seed_matches_golden_file(seed_bytes: bytes) -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert golden_document(seed_bytes) == expected


def _seed(seed_bytes: bytes) -> list[Article]:
    return parse_page(seed_bytes, **SEED_ARGS)


def test_seed_has_three_items_in_page_order(seed_bytes: bytes) -> None:
    items = _seed(seed_bytes)
    assert [item.kind for item in items] == [Kind.ARTICLE, Kind.ARTICLE, Kind.TEASER]
    assert [item.genre for item in items] == ["news", "commentary", "feature"]
    assert len({item.id for item in items}) == 3


def test_first_item_stack_byline_dateline(seed_bytes: bytes) -> None:
    first = _seed(seed_bytes)[0]
    assert first.kicker == "2021年全区“攻坚突破年”现场观摩会举行"
    assert first.headline == "持续转作风抓落实创一流当排头 努力在高质量发展中率先走在前列"
    assert first.subheadline == "孙永红出席并讲话 周安主持"
    assert first.byline is not None
    assert (first.byline.raw, first.byline.role, first.byline.names) == (
        "□记者 宋迎迎 报道",
        "记者",
        ["宋迎迎"],
    )
    assert first.dateline is not None
    assert first.dateline.raw == "本报7月5日讯"
    assert first.dateline.date == dt.date(2021, 7, 5)
    assert first.dateline.outlet == "本报"
    assert first.dateline.reporters == ["宋迎迎"]
    assert first.paragraphs[0].startswith("7月4日至5日，2021年全区")
    assert first.published_at == dt.datetime(2021, 7, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_split_paragraphs_are_repaired(seed_bytes: bytes) -> None:
    first, second, _ = _seed(seed_bytes)
    assert len(first.paragraphs) == 9
    assert len(second.paragraphs) == 5
    body = "\n".join(first.paragraphs + second.paragraphs)
    repaired = (
        "两天的时间",
        "经济较好",
        "精准招引",
        "转作风、抓落实",
        "新提升",
        "和“九大重点产业链”",
    )
    for joined in repaired:
        assert joined in body
    # Every paragraph ends a sentence: none was cut, none swallowed a headline.
    assert all(p[-1] == "。" for p in first.paragraphs + second.paragraphs)
    assert "坚定不移抓牢抓实项目建设" not in body
    assert "加压奋进，跑出高质量发展“加速度”" not in body


def test_commentary_jump_and_teaser(seed_bytes: bytes) -> None:
    _, second, teaser = _seed(seed_bytes)
    assert second.headline == "坚定不移抓牢抓实项目建设"
    assert second.kicker is None and second.subheadline is None
    assert second.byline is not None and second.byline.raw == "□本报评论员"
    assert (second.byline.role, second.byline.names) == ("评论员", [])
    assert second.continued_on_page == "2"
    assert "下转" not in second.paragraphs[-1]
    assert second.paragraphs[-1].endswith("现代产业体系建设。")
    assert teaser.headline == "加压奋进，跑出高质量发展“加速度”"
    assert teaser.subheadline == "2021年全区“攻坚突破年”现场观摩会侧记"
    assert (teaser.page_ref, teaser.paragraphs, teaser.byline) == ("3", [], None)


def test_punctuation_is_full_width_between_chinese(seed_bytes: bytes) -> None:
    text = json.dumps([a.model_dump(mode="json") for a in _seed(seed_bytes)], ensure_ascii=False)
    for half in ",;?!()":
        assert half not in "".join(a.headline + "".join(a.paragraphs) for a in _seed(seed_bytes))
    assert "7月4日至5日，2021年" in text


def test_id_is_stable_and_keyed_on_headline(seed_bytes: bytes) -> None:
    again = parse_page(seed_bytes, **{**SEED_ARGS, "received_at": dt.datetime.now(dt.UTC)})
    assert [a.id for a in again] == [a.id for a in _seed(seed_bytes)]
    edited = seed_bytes.replace("观摩后召开了".encode(), "观摩结束后召开了".encode())
    changed = parse_page(edited, **SEED_ARGS)
    assert [a.id for a in changed] == [a.id for a in _seed(seed_bytes)]
    assert changed[0].content_hash() != _seed(seed_bytes)[0].content_hash()
    other_day = parse_page(seed_bytes, **{**SEED_ARGS, "issue_date": dt.date(2021, 7, 6)})
    assert other_day[0].id != _seed(seed_bytes)[0].id


def test_issue_date_is_inferred_when_not_given(seed_bytes: bytes) -> None:
    items = parse_page(seed_bytes, origin="file:///x/seed.txt")
    assert all(item.issue_date == dt.date(2021, 7, 5) for item in items)
    assert all(item.issue_date_inferred for item in items)
    assert items[0].dateline is not None and items[0].dateline.date == dt.date(2021, 7, 5)
    given = parse_page(seed_bytes, origin="file:///x/seed.txt", issue_date=dt.date(2021, 7, 5))
    assert not any(item.issue_date_inferred for item in given)


def test_provenance(seed_bytes: bytes) -> None:
    import hashlib

    first = _seed(seed_bytes)[0]
    assert first.provenance.sha256 == hashlib.sha256(seed_bytes).hexdigest()
    assert first.provenance.origin == SEED_ARGS["origin"]
    assert first.provenance.encoding == "utf-8"
    assert first.provenance.source == "inbox"
    now = parse_page(seed_bytes, origin="file:///x")[0].provenance.received_at
    assert now.tzinfo is not None
