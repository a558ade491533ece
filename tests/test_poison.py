"""Poison pills: every bad input ends as a quarantine entry with its reason, at the stage that
found it, while the rest of the batch is stored and published (issue 14, items 1, 4 and 5)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from distro import channels, config
from distro.config import Settings
from distro.models import CONTROL
from distro.pipeline import ingest
from distro.store.ledger import Ledger

#: The files of the site and the app feeds that are text.
TEXT_SUFFIXES = {".html", ".xml", ".json", ".txt", ".svg"}


def sidecar(**facts: object) -> bytes:
    return json.dumps({"issue_date": "2021-07-05", "page": "1", **facts}).encode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    path = tmp_path / "distro.toml"
    path.write_text("[channels.wechat]\nenabled = false\n", encoding="utf-8")
    return config.load(path, tmp_path / "state")


def drop(inbox: Path, name: str, data: bytes, side: bytes | None = None) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    if side is not None:
        (inbox / (Path(name).stem + ".meta.json")).write_bytes(side)
    (inbox / name).write_bytes(data)


def test_bad_items_are_quarantined_and_the_rest_is_published(
    settings: Settings, seed_bytes: bytes, tmp_path: Path
) -> None:
    inbox = settings.state.inbox
    good = "2021-07-05_01_要闻.txt"
    drop(inbox, good, seed_bytes)
    poisoned = seed_bytes.replace("。".encode(), "\x01。\x7f".encode(), 3)
    drop(inbox, "control.txt", poisoned, sidecar(issue_date="2021-07-06", section="要\x01闻"))
    drop(inbox, "00010101_x.txt", seed_bytes)
    # JSON escapes of lone surrogates: cleaned like control characters, never a crash.
    lone = sidecar(issue_date="2021-07-07", section="\ud800要闻", publication="\udfff本报")
    drop(inbox, "surrogate.txt", seed_bytes, lone)  # \\ud800 escapes in the JSON
    drop(inbox, "year1.txt", seed_bytes, sidecar(issue_date="0001-01-01"))
    drop(inbox, "year9999.txt", seed_bytes, sidecar(issue_date="9999-12-31"))
    drop(inbox, "dots.txt", seed_bytes, sidecar(section=".."))
    drop(inbox, "slash.txt", seed_bytes, sidecar(section="a/../../b"))
    drop(inbox, "long.txt", seed_bytes, sidecar(section="长" * 100))
    drop(inbox, "digits.txt", seed_bytes, b'{"page": ' + b"1" * 5000 + b"}")
    drop(inbox, "digits2.txt", seed_bytes, sidecar(page="1" * 5000))
    drop(inbox, "新" * 83 + ".txt", seed_bytes)
    drop(inbox, "feed.rss", b"<rss version='2.0'><channel><title>x</title></channel></rss>")
    secret = tmp_path / "secret.txt"
    secret.write_bytes(seed_bytes)
    (inbox / "link.txt").symlink_to(secret)

    with Ledger.open(settings) as ledger:
        report = ingest(settings, ledger=ledger)
        outcomes = {Path(r.uri).name: r.outcome for r in report.sources}
        assert len(report.sources) == 14, outcomes
        ok = sorted(name for name, outcome in outcomes.items() if outcome == "ok")
        assert ok[1:] == ["control.txt", "surrogate.txt"], outcomes
        entries = ledger.quarantined()
        assert all(e.reason for e in entries)
        stages = {e.stage for e in entries}
        assert {"claim", "parse", "validate"} <= stages
        reasons = " | ".join(e.reason for e in entries)
        for expected in ("outside 1900-2100", "section", "longer than 64", "longer than 16",
                         "not a JSON sidecar", "symbolic link", "not taken", "bytes"):  # fmt: skip
            assert expected in reasons, expected
        stored = ledger.articles()
        assert stored, "the good pages are stored"
        assert not any(CONTROL.search(a.model_dump_json()) for a in stored)
        assert not any(a.provenance.origin.endswith("secret.txt") for a in stored)
        # Nothing is left in the inbox to block the next run.
        assert [p.name for p in inbox.iterdir() if not p.name.startswith(".")] == []
        assert ingest(settings, ledger=ledger).sources == []
        for name in channels.enabled(settings):
            published = channels.publish(name, settings, ledger)
            assert published.failed == 0, (name, published.messages)
        assert ledger.pending("web") == [] and ledger.pending("app") == []
    site = settings.state.site
    assert len(list((site / "articles").glob("*.html"))) == len(
        [a for a in stored if a.kind.value == "article"]
    )
    for feed in site.rglob("*.xml"):
        assert not CONTROL.search(feed.read_text(encoding="utf-8")), feed


def test_names_that_are_not_utf8_are_taken_and_shown_with_a_replacement_character(
    settings: Settings, seed_bytes: bytes, tmp_path: Path
) -> None:
    inbox = settings.state.inbox
    inbox.mkdir(parents=True)
    # Linux names are bytes: Python keeps the ones that are not UTF-8 as lone surrogates.
    (inbox / os.fsdecode(b"\xff\xfe_x.txt")).write_bytes(seed_bytes)
    (inbox / os.fsdecode(b"20210705_01_\xe8\xa6.txt")).write_bytes(seed_bytes.replace(
        "。".encode(), "；".encode(), 1))  # fmt: skip
    (inbox / os.fsdecode(b"\xfe.rss")).write_bytes(b"<rss/>")
    (inbox / os.fsdecode(b"\xfd.txt")).symlink_to(tmp_path)
    good = seed_bytes.replace("。".encode(), "，".encode(), 1)
    drop(inbox, "2021-07-06_01_要闻.txt", good)
    with Ledger.open(settings) as ledger:
        report = ingest(settings, ledger=ledger)
        outcomes = sorted(r.outcome for r in report.sources)
        assert outcomes == ["ok", "ok", "ok", "quarantined", "quarantined"], report.sources
        reasons = sorted(e.reason for e in ledger.quarantined())
        assert reasons[0].startswith("\ufffd.rss: not taken"), reasons
        assert reasons[1].startswith("\ufffd.txt: a symbolic link"), reasons
        stored = ledger.articles()
        assert {a.issue_date.isoformat() for a in stored if a.issue_date} == {
            "2021-07-05", "2021-07-06"}  # fmt: skip
        assert not any(CONTROL.search(a.model_dump_json()) for a in stored)
        assert ingest(settings, ledger=ledger).sources == []  # nothing left to block a run
        for name in channels.enabled(settings):
            assert channels.publish(name, settings, ledger).failed == 0, name


def test_undated_pages_with_one_headline_stay_apart(settings: Settings) -> None:
    """`天气预报` today and tomorrow, no dates: two articles, not two versions of one."""
    inbox = settings.state.inbox
    today = "天气预报\n\n本报讯 今天晴，最高气温二十八度，南风三级。\n"
    tomorrow = "天气预报\n\n本报讯 明天多云转小雨，最高气温二十四度，东风二级。\n"
    with Ledger.open(settings) as ledger:
        drop(inbox, "weather.txt", today.encode())
        first = ingest(settings, ledger=ledger)
        drop(inbox, "weather.txt", tomorrow.encode())
        second = ingest(settings, ledger=ledger)
        assert (first.accepted, second.accepted, second.new_versions) == (1, 1, 0)
        assert sorted(a.paragraphs[0][:2] for a in ledger.articles()) == ["今天", "明天"]
        assert all(a.version == 1 for a in ledger.articles())
        drop(inbox, "weather-again.txt", today.encode())
        assert ingest(settings, ledger=ledger).duplicates == 1


@pytest.mark.parametrize(
    "ref", ["&#xD800;", "&#56319;", "&#x1;", "&#0;", "&#xFFFE;", "&#x110000;", "&#9999999999;"]
)
def test_a_reference_to_a_character_no_text_may_hold_costs_no_entry(ref: str) -> None:
    from distro.parse.feed import parse_feed

    bad = (
        f"<item><title>标题{ref}一</title><guid>g{ref}1</guid><link>https://e.org/{ref}</link>"
        f"<description>正文{ref}。</description><author>记者{ref}</author>"
        f"<category>要{ref}闻</category></item>"
    )
    data = (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t{ref}</title>"
        f"{bad}<item><title>第二条</title><guid>g2</guid><description>好</description></item>"
        "</channel></rss>"
    ).encode()
    result = parse_feed(data, origin="https://example.org/f.xml")
    assert [a.headline for a in result.articles] == ["标题一", "第二条"], result.problems
    assert result.articles[0].keywords == ["要闻"]
    for article in result.articles:
        assert not CONTROL.search(article.model_dump_json())
        article.model_dump_json().encode("utf-8")  # strict: no lone surrogate anywhere


def test_feed_entries_without_guid_link_or_date_are_told_apart_by_text() -> None:
    from distro.parse.feed import parse_feed

    def feed(body: str) -> bytes:
        return (
            "<rss version='2.0'><channel><title>t</title><item><title>天气预报</title>"
            f"<description>{body}</description></item></channel></rss>"
        ).encode()

    [today] = parse_feed(feed("今天晴"), origin="https://example.org/f.xml").articles
    [tomorrow] = parse_feed(feed("明天雨"), origin="https://example.org/f.xml").articles
    [again] = parse_feed(feed("今天晴"), origin="https://example.org/f.xml").articles
    assert today.id != tomorrow.id and today.id == again.id


def test_a_ledger_written_before_the_rules_still_publishes(settings: Settings) -> None:
    """Rows stored before validation existed (`..` or 100-character sections, a control
    character in the text) are read leniently and rendered under safe, bounded keys."""
    from sqlalchemy import update

    from distro.models import STORED, Article
    from distro.store import tables

    base = {
        "headline": "旧账本里的稿件",
        "paragraphs": ["本报讯 正文。"],
        "issue_date": "2021-07-05",
        "published_at": "2021-07-05T00:00:00+08:00",
        "provenance": {
            "origin": "file:///old.txt",
            "sha256": "0" * 64,
            "received_at": "2021-07-05T00:00:00+00:00",
        },
    }
    with Ledger.open(settings) as ledger:
        for n, section in enumerate(["..", "长" * 100, ".", "a/../../b"]):
            old = Article.model_validate(
                {**base, "id": f"a-old{n:05}", "section": section}, context={STORED: True}
            )
            ledger.put(old, channels.targets(settings))
        doc = ledger.get("a-old00000")
        assert doc is not None
        poisoned = doc.model_dump_json().replace("正文", "正\\u0001文")
        with ledger.engine.begin() as conn:
            row = tables.articles.c
            conn.execute(
                update(tables.articles).where(row.id == "a-old00000").values(document=poisoned)
            )
        for name in channels.enabled(settings):
            published = channels.publish(name, settings, ledger)
            assert (published.failed, published.quarantined) == (0, 0), (name, published.messages)
        assert ledger.pending("web") == [] and ledger.pending("app") == []
    for root in (settings.state.site, settings.state.app):
        for path in root.rglob("*"):
            assert len(path.name.encode()) <= 255 and path.name not in {".", ".."}
            assert path.resolve().is_relative_to(root.resolve())
            if path.is_file() and path.suffix in TEXT_SUFFIXES:  # favicon.ico is an image
                assert not CONTROL.search(path.read_bytes().decode("utf-8")), path


def test_retrying_a_refused_file_says_so(settings: Settings, tmp_path: Path) -> None:
    from distro.pipeline import retry

    inbox = settings.state.inbox
    inbox.mkdir(parents=True)
    (inbox / "passwd.txt").symlink_to("/etc/passwd")
    with Ledger.open(settings) as ledger:
        ingest(settings, ledger=ledger)
        [entry] = ledger.quarantined()
        assert entry.stage == "claim"
        again = retry(settings, ledger, entry.id)
        assert again.outcome == "quarantined"
        assert again.reason is not None and "symbolic link" in again.reason
        assert not ledger.is_resolved(entry.id)


def test_no_text_field_of_an_article_can_hold_a_character_no_text_may_hold(
    settings: Settings,
) -> None:
    """Whatever built it (a source, a sidecar, the editor's form over REST): every string."""
    from pydantic import ValidationError

    from distro.models import Article

    bad = "\x01\x7f\x9b\ufffe"
    doc = {
        "id": "a-00000000000000000001",
        "headline": f"标题{bad}",
        "kicker": f"引{bad}题",
        "genre": f"news{bad}",
        "language": f"zh-CN{bad}",
        "continued_on_page": f"2{bad}",
        "flags": [f"short_body{bad}"],
        "keywords": [f"要{bad}闻"],
        "paragraphs": [f"正文{bad}。"],
        "byline": {"raw": f"记者{bad}某某", "role": f"记者{bad}", "names": [f"某{bad}某"]},
        "dateline": {"raw": f"本报{bad}讯", "span": [0, 4], "outlet": f"本{bad}报",
                     "location": f"北{bad}京", "location_qualifier": f"中{bad}国",
                     "date_reason": f"无{bad}"},
        "provenance": {"origin": f"file:///inbox/{bad}.txt", "sha256": "0" * 64,
                       "received_at": "2026-01-02T03:04:05+00:00", "source": f"in{bad}box",
                       "encoding": f"utf-8{bad}"},
    }
    article = Article.model_validate(doc)
    text = article.model_dump_json()
    assert not CONTROL.search(text)
    text.encode("utf-8")  # strict
    with Ledger.open(settings) as ledger:
        ledger.put(article, [])
        assert ledger.articles() == [article]
    # A lone surrogate is cleaned too, or refused with the field named where the field has a
    # length rule (pydantic checks those on the encoded text): the validate stage quarantines.
    assert Article.model_validate({**doc, "genre": "news\ud800"}).genre == "news"
    with pytest.raises(ValidationError, match="headline"):
        Article.model_validate({**doc, "headline": "标题\ud800"})


# -- properties over the variant families (tests/test_variants.py has one of each) -------------

#: Characters that broke a stage once, or could: controls, C1, bidi, BOM, non-characters,
#: separators, dots, full-width digits, combining marks, emoji, ideographs.
HOSTILE = (
    "\x00\x01\x08\x0b\x1f\x7f\x85\x9b\u202a\u202e\u2066\u2069\ufeff\ufffe\uffff\u200b\u200d"
    "\u00a0\u3000 \t\n\r/\\.-_:?#%&<>\"'０１２３４５６７８９\u0301\u00e9🎉"
    "要闻本报一二三ABCabc0123456789"
)


def _json_values(draw_text: Any) -> Any:
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False), draw_text,
        st.sampled_from(["2021-07-05", "0001-01-01", "9999-12-31", "2021-02-30", "..", "."]),
    )  # fmt: skip
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        draw_text, inner, max_size=3), max_leaves=6)  # fmt: skip


def test_sidecar_and_name_facts_end_as_valid_facts_or_a_parse_error() -> None:
    """Whatever a sidecar holds and whatever the name: PageMeta or a ParseError, and the facts
    kept always make an article that validates (or fails validation with the field named)."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st
    from pydantic import ValidationError

    from distro.errors import ParseError
    from distro.models import MAX_SECTION, Article
    from distro.parse import page_meta

    text = st.text(alphabet=HOSTILE + "\ud800\udfff", max_size=80)
    keys = st.sampled_from(["issue_date", "page", "section", "publication", "embargo_until"])
    sidecars = st.dictionaries(keys, _json_values(text), max_size=5)
    names = st.text(alphabet=HOSTILE.replace("/", "").replace("\x00", ""), max_size=40).map(
        lambda stem: stem + ".txt"
    ) | st.sampled_from(["00010101_x.txt", "99991231_x.txt", "２０２１０７０５_x.txt"])

    @hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(name=names, doc=sidecars | st.binary(max_size=60))
    def check(name: str, doc: dict[str, Any] | bytes) -> None:
        raw = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        try:
            meta = page_meta(name, raw)
        except ParseError as exc:
            assert exc.message and "\n" not in exc.message
            return
        base = {
            "id": "a-00000000000000000001",
            "headline": "标题",
            "provenance": {"origin": "file:///x.txt", "sha256": "0" * 64,
                           "received_at": "2021-07-05T00:00:00+00:00"},
        }  # fmt: skip
        facts = {"issue_date": meta.issue_date, "page": meta.page, "section": meta.section}
        try:
            article = Article.model_validate({**base, **facts})
        except ValidationError as exc:
            assert {str(e["loc"][0]) for e in exc.errors()} <= {"section", "page"}, exc
            return
        assert not CONTROL.search(article.model_dump_json())
        article.model_dump_json().encode("utf-8")  # strict: no lone surrogate
        if article.section is not None:
            assert len(article.section) <= MAX_SECTION and "/" not in article.section
        if article.issue_date is not None:
            assert 1900 <= article.issue_date.year <= 2100

    check()


def test_feed_entries_with_hostile_text_and_dates_never_raise() -> None:
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    from distro.errors import SourceRejected
    from distro.parse.feed import parse_feed

    xml_text = st.text(alphabet=HOSTILE.replace("<", "").replace("&", ""), max_size=60)
    dates = st.sampled_from([
        "Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 +0000", "garbage",
        "Mon, 05 Jul 2021 25:61:00 +0800", "Tue, 30 Feb 2021 10:00:00 +0800", "1625450000",
        "2021-07-05T10:00:00", "Mon, 05 Jul 2021 10:00:00 +1400", "", "２０２１-07-05",
    ])  # fmt: skip
    entries = st.lists(st.tuples(xml_text, xml_text, dates), min_size=1, max_size=6)

    @hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(entries=entries)
    def check(entries: list[tuple[str, str, str]]) -> None:
        from xml.sax.saxutils import escape

        items = "".join(
            f"<item><title>{escape(t)}</title><description>{escape(d)}</description>"
            f"<pubDate>{escape(when)}</pubDate></item>"
            for t, d, when in entries
        )
        data = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode(
            "utf-8", "surrogatepass"
        )
        try:
            result = parse_feed(data, origin="https://example.org/f.xml")
        except SourceRejected:
            return
        for problem in result.problems:
            assert "\n" not in problem, problem
        for article in result.articles:
            assert not CONTROL.search(article.model_dump_json())
            if article.published_at is not None:
                assert 1900 <= article.published_at.year <= 2100

    check()


def test_a_seeded_batch_of_hostile_names_and_sidecars_is_all_accounted_for(
    settings: Settings, seed_bytes: bytes
) -> None:
    """Thirty random hostile inputs beside one good page, one run: each is stored or
    quarantined with a reason, nothing is left in the inbox, every channel publishes."""
    import random

    rng = random.Random(14)
    inbox = settings.state.inbox
    inbox.mkdir(parents=True)
    drop(inbox, "2021-07-05_01_要闻.txt", seed_bytes)
    safe = HOSTILE.replace("/", "").replace("\x00", "")
    values: list[object] = ["..", ".", "", " ", "长" * 70, "\u202e要闻", "要\n闻", 0, 10**40,
                            1.5, True, None, [], {}, "0001-01-01", "2021-02-30", "２０２１-07-05",
                            "2021-07-05T25:61", {"wbe": "2021-07-05T06:00"}]  # fmt: skip
    names = []
    for n in range(30):
        stem = "".join(rng.choice(safe) for _ in range(rng.randint(1, 30))).lstrip(".") or "x"
        name = f"{n:02d}{stem}.txt"
        if len(name.encode()) > 200 or name.endswith((".part.txt", ".tmp.txt")):
            name = f"{n:02d}.txt"
        facts = {k: rng.choice(values) for k in rng.sample(
            ["issue_date", "page", "section", "publication", "embargo_until"], rng.randint(0, 4))}
        side = json.dumps(facts).encode() if rng.random() < 0.8 else rng.randbytes(20)
        body = variant_page(seed_bytes, n, rng)
        drop(inbox, name, body, side)
        names.append(name)
    with Ledger.open(settings) as ledger:
        report = ingest(settings, ledger=ledger)
        assert len(report.sources) == 31, [r.uri for r in report.sources]
        for source in report.sources:
            assert source.outcome in {"ok", "quarantined"}, (source.uri, source.reason)
            if source.outcome == "quarantined":
                assert source.reason and "\n" not in source.reason, source.uri
        entries = ledger.quarantined()
        assert all(e.reason and "Traceback" not in e.reason for e in entries)
        left = [p.name for p in inbox.iterdir() if not p.name.startswith(".")]
        assert [n for n in left if not n.endswith(".meta.json")] == [], left
        for name in channels.enabled(settings):
            published = channels.publish(name, settings, ledger)
            assert published.failed == 0, (name, published.messages)
        assert ledger.pending("web") == [] and ledger.pending("app") == []
        assert not any(CONTROL.search(a.model_dump_json()) for a in ledger.articles())


def variant_page(seed: bytes, n: int, rng: Any) -> bytes:
    """The seed page, changed so each copy is its own content, sometimes in another shape."""
    text = seed.decode("utf-8").replace("。", "，", n + 1)
    shape = rng.randrange(6)
    if shape == 0:
        return text.encode("utf-16")
    if shape == 1:
        return text.encode("gb18030")
    if shape == 2:
        return ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8")
    if shape == 3:
        head, tail = text.split("\n", 1)
        return (f"\u202e{head}\u202c\n" + tail).encode("utf-8")
    return text.encode("utf-8")
