"""The review gate: policies per channel target, held deliveries, approve, reject, retry."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from distro import channels, config, review
from distro.config import Settings
from distro.errors import ConfigError, InputError
from distro.models import Article, DeliveryState, Kind
from distro.pipeline import ingest, retry
from distro.store.ledger import Ledger
from tests.channels.web.stories import article as story

SIDECAR = json.dumps({"issue_date": "2021-07-05", "page": "1", "section": "要闻"}).encode()
GATED = """
[channels.wechat]
review = "always"

[channels.app]
review = 0.8
"""


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "distro.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path, tmp_path / "state")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    return load(tmp_path, GATED)


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    with Ledger.open(settings) as opened:
        yield opened


def drop_seed(settings: Settings, seed_bytes: bytes) -> None:
    inbox = settings.state.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "page.meta.json").write_bytes(SIDECAR)
    (inbox / "page.txt").write_bytes(seed_bytes)


def article(**update: object) -> Article:
    base = story(1, dt.datetime(2026, 7, 5, 8, tzinfo=dt.UTC), headline="某路段两车相撞")
    return base.model_copy(update=update)


def test_policies_hold_what_they_say() -> None:
    plain = article()
    assert review.reasons(plain, "auto") == []
    assert review.reasons(plain, "always") == ["every article is reviewed on this channel"]
    assert review.reasons(plain, 0.8) == []  # a parsed page counts as 1.0 with no flags
    teaser = article(kind=Kind.TEASER)
    assert review.reasons(teaser, "always") == []  # a teaser is never sent as a story


def test_a_confidence_below_the_threshold_or_a_flag_holds() -> None:
    if "confidence" not in Article.model_fields:
        pytest.fail("Article has no confidence field")
    unsure = article(confidence=0.6)
    assert review.reasons(unsure, 0.8) == ["confidence 0.60 below 0.80"]
    flagged = article(confidence=0.95, flags=["headline_like_credit"])
    assert review.reasons(flagged, 0.8) == ["flag: headline_like_credit"]
    assert review.reasons(flagged, "auto") == []


def test_the_review_setting_is_checked(tmp_path: Path) -> None:
    for bad in ('"sometimes"', "0", "1.5", "-0.2"):
        with pytest.raises(ConfigError, match="review"):
            load(tmp_path, f"[channels.web]\nreview = {bad}\n")
    partner = '[[partners]]\nname = "p"\ntoken = "env:T"\nreview = "always"\n'
    assert review.gated(load(tmp_path, partner), "partners")


def test_ingest_holds_gated_targets_and_the_others_go_out(
    settings: Settings, ledger: Ledger, seed_bytes: bytes
) -> None:
    drop_seed(settings, seed_bytes)
    report = ingest(settings, ledger=ledger)
    assert report.accepted == 3
    held = ledger.held()
    assert {d.channel for d in held} == {"wechat"}  # app at 0.8 passes a 1.0 page
    assert len(held) == 2  # the two articles; the teaser is never held
    assert all(d.detail["review"] == "every article is reviewed on this channel" for d in held)
    kinds = {ledger.get(d.article_id).kind for d in ledger.pending("wechat")}  # type: ignore[union-attr]
    assert kinds <= {Kind.TEASER}  # only the teaser, which no channel sends as a story
    web = channels.publish("web", settings, ledger)
    assert web.sent == 2
    wechat = channels.publish("wechat", settings, ledger)
    assert wechat.sent == 0 and not list((settings.state.outbox / "wechat").glob("ed-*.json"))


def test_approve_sends_once_and_reject_quarantines_with_the_reason(
    settings: Settings, ledger: Ledger, seed_bytes: bytes
) -> None:
    drop_seed(settings, seed_bytes)
    ingest(settings, ledger=ledger)
    first, second = (w.delivery.article_id for w in review.waiting(ledger))
    listed = [w.as_json() for w in review.waiting(ledger)]
    assert {"article_id", "version", "channel", "target", "confidence", "flags"} <= set(listed[0])

    approved = review.approve(ledger, [first], by="editor-wang")
    assert [(d.state, d.detail["approved_by"]) for d in approved] == [
        (DeliveryState.PENDING, "editor-wang")
    ]
    with pytest.raises(InputError, match="nothing held"):
        review.approve(ledger, [first])
    rejected = review.reject(ledger, [second], "署名行被当成了标题")
    assert [d.state for d in rejected] == [DeliveryState.QUARANTINED]
    (entry,) = [q for q in ledger.quarantined() if q.stage == "review"]
    assert entry.reason == "rejected by editor: 署名行被当成了标题"
    assert ledger.held() == []

    channels.publish("wechat", settings, ledger)
    editions = list((settings.state.outbox / "wechat").glob("ed-*.json"))
    text = "\n".join(e.read_text(encoding="utf-8") for e in editions)
    approved_article, rejected_article = ledger.get(first), ledger.get(second)
    assert approved_article is not None and rejected_article is not None
    assert approved_article.headline in text
    assert rejected_article.headline not in text
    again = channels.publish("wechat", settings, ledger)
    assert again.sent == 0  # exactly once

    # retrying a rejection puts it back at the gate, never straight out
    retry(settings, ledger, entry.id)
    assert [(d.article_id, d.state) for d in ledger.held()] == [(second, DeliveryState.HELD)]


def test_unknown_ids_and_missing_reasons_are_refused(settings: Settings, ledger: Ledger) -> None:
    with pytest.raises(InputError, match="no such article"):
        review.approve(ledger, ["a-ffffffffffffffffffff"])
    with pytest.raises(InputError, match="reason"):
        review.reject(ledger, ["a-ffffffffffffffffffff"], " ")


def test_a_corrected_article_is_a_new_version_that_meets_the_gates_again(
    settings: Settings, ledger: Ledger
) -> None:
    # The shape the parser issue names: a credit line read as the headline, the real one below.
    pairs = channels.targets(settings)
    unsure = article(
        headline="（本报记者王南整理）",
        subheadline="某路段两车相撞",
        confidence=0.55,
        flags=["headline_like_credit"],
    )
    _outcome, v1 = ledger.put(unsure, pairs, review.gate(settings, unsure, pairs))
    assert {d.channel for d in ledger.held()} == {"wechat", "app"}
    done = review.correct(
        settings,
        ledger,
        v1.id,
        {"headline": "某路段两车相撞", "subheadline": "", "byline": "本报记者 王南"},
        by="王编辑",
    )
    assert (done["version"], done["fields"]) == (2, ["byline", "headline", "subheadline"])
    v2 = ledger.get(v1.id)
    assert v2 is not None and v2.version == 2
    assert (v2.headline, v2.subheadline) == ("某路段两车相撞", None)
    assert (v2.confidence, v2.flags) == (1.0, [])
    assert v2.byline is not None and v2.byline.names == ["王南"]
    assert v2.paragraphs == v1.paragraphs  # what was not corrected stays as it was
    # app's threshold gate lets the vouched copy pass; wechat's `always` gate asks again
    assert [(d.version, d.channel) for d in ledger.held()] == [(2, "wechat")]
    assert done["held"] == ["wechat/default"]
    old = [d for d in ledger.deliveries(article_id=v1.id) if d.version == 1]
    assert {d.detail.get("outcome") for d in old if d.channel != "web"} == {"superseded by v2"}
    pending = {d.channel for d in ledger.deliveries(article_id=v1.id) if d.version == 2}
    assert pending == {c for c, _t in pairs}


def test_a_correction_the_model_refuses_is_one_line_and_changes_nothing(
    settings: Settings, ledger: Ledger
) -> None:
    pairs = channels.targets(settings)
    first = article()
    ledger.put(first, pairs, review.gate(settings, first, pairs))
    with pytest.raises(InputError, match="editable are"):
        review.correct(settings, ledger, first.id, {"provenance": "x"})
    with pytest.raises(InputError, match="the correction is refused: headline"):
        review.correct(settings, ledger, first.id, {"headline": "  "})
    with pytest.raises(InputError, match="the correction is refused: section"):
        review.correct(settings, ledger, first.id, {"section": "../etc"})
    with pytest.raises(InputError, match="no article"):
        review.correct(settings, ledger, "a-ffffffffffffffffffff", {"headline": "标题"})
    assert ledger.get(first.id) is not None and ledger.get(first.id).version == 1  # type: ignore[union-attr]


def test_an_airflow_answer_corrects_the_articles_it_names(
    settings: Settings, ledger: Ledger
) -> None:
    pairs = channels.targets(settings)
    first, second = article(), story(2, dt.datetime(2026, 7, 5, 9, tzinfo=dt.UTC))
    for one in (first, second):
        ledger.put(one, pairs, review.gate(settings, one, pairs))
    batch = {"items": [w.as_json() for w in review.waiting(ledger, channel="wechat")]}
    answer = {
        "chosen_options": ["Correct"],
        "params_input": {
            "corrections": {
                first.id: {"kicker": "交通", "headline": "两车相撞 无人受伤"},
                second.id: {"headline": ""},  # refused: the other still goes
                "a-ffffffffffffffffffff": {"headline": "不在此次请求中"},
            }
        },
        "responded_by_user": {"id": "wang", "name": "王编辑"},
    }
    result = review.apply_answer(ledger, "wechat", batch, answer, settings)
    assert [c["article_id"] for c in result["corrected"]] == [first.id]
    assert len(result["refused"]) == 2 and result["by"] == "王编辑"
    fixed = ledger.get(first.id)
    assert fixed is not None and (fixed.kicker, fixed.headline) == ("交通", "两车相撞 无人受伤")
    assert ledger.get(second.id).version == 1  # type: ignore[union-attr]
    held = sorted((d.article_id, d.version) for d in ledger.held(channel="wechat"))
    assert held == sorted([(first.id, 2), (second.id, 1)])


def test_corrections_typed_in_the_form_are_read_line_by_line() -> None:
    one = ["a-0123456789abcdef0123"]
    found, refused = review.read_corrections(
        "headline：两车相撞 无人受伤\nsubheadline:\nparagraphs: 第一段。\nparagraphs: 第二段。\n",
        one,
    )
    paragraphs = ["第一段。", "第二段。"]
    assert found == {
        one[0]: {"headline": "两车相撞 无人受伤", "subheadline": "", "paragraphs": paragraphs}
    }
    assert refused == []
    two = [*one, "a-ffffffffffffffffffff"]
    found, refused = review.read_corrections(
        f"{two[1]} kicker: 交通\nheadline: 没有编号\n{two[0]} dateline: 本报讯\n随便写写", two
    )
    assert found == {two[1]: {"kicker": "交通"}}
    assert [line.split(":")[0] for line in refused] == ["line 2", "line 3", "line 4"]
    assert "name the article id" in refused[0] and "cannot correct dateline" in refused[1]
    found, refused = review.read_corrections(json.dumps({two[0]: {"headline": "新"}}), two)
    assert found == {two[0]: {"headline": "新"}} and refused == []
    _found, refused = review.read_corrections("{not json", two)
    assert refused[0].startswith("corrections are not valid JSON")


def test_an_airflow_answer_with_typed_corrections_makes_a_new_version_held_again(
    settings: Settings, ledger: Ledger
) -> None:
    pairs = channels.targets(settings)
    first = article()
    ledger.put(first, pairs, review.gate(settings, first, pairs))
    batch = {"items": [w.as_json() for w in review.waiting(ledger, channel="wechat")]}
    answer = {
        "chosen_options": ["Correct"],
        "params_input": {"only": [], "reason": "", "corrections": "headline: 两车相撞 无人受伤"},
        "responded_by_user": {"id": "wang", "name": "王编辑"},
    }
    result = review.apply_answer(ledger, "wechat", batch, answer, settings)
    assert [(c["article_id"], c["version"]) for c in result["corrected"]] == [(first.id, 2)]
    assert result["refused"] == []
    # `always` holds the editor's version on WeChat; the threshold gate lets confidence 1.0 pass
    assert result["gates"] == ["wechat"] and "wechat" not in result["wake"]
    assert {"app", "web"} <= set(result["wake"])
    assert [(d.article_id, d.version) for d in ledger.held(channel="wechat")] == [(first.id, 2)]
    assert ledger.get(first.id).headline == "两车相撞 无人受伤"  # type: ignore[union-attr]


def test_a_new_version_supersedes_the_held_one(settings: Settings, ledger: Ledger) -> None:
    pairs = [("wechat", "default"), ("web", "default")]
    first = article()
    _outcome, v1 = ledger.put(first, pairs, review.gate(settings, first, pairs))
    revised = article(paragraphs=["更正后的正文。"])
    _outcome, v2 = ledger.put(revised, pairs, review.gate(settings, revised, pairs))
    assert v2.version == 2
    held = ledger.held()
    assert [(d.version, d.channel) for d in held] == [(2, "wechat")]
    old = [d for d in ledger.deliveries(channel="wechat") if d.version == 1]
    assert old[0].state is DeliveryState.SENT and old[0].detail["outcome"] == "superseded by v2"
    assert v1.version == 1


@pytest.mark.parametrize("channel", ["web", "app"])
def test_a_full_rebuild_never_shows_a_held_article(
    tmp_path: Path, seed_bytes: bytes, channel: str
) -> None:
    settings = load(tmp_path, f'[channels.{channel}]\nreview = "always"\n')
    drop_seed(settings, seed_bytes)
    with Ledger.open(settings) as ledger:
        ingest(settings, ledger=ledger)
        first, second = sorted({d.article_id for d in ledger.held(channel=channel)})
        channels.publish(channel, settings, ledger)  # the first run rebuilds from the archive
        out = settings.state.site if channel == "web" else settings.state.app
        text = "\n".join(
            p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in {".html", ".json"}
        )
        assert first not in text and second not in text
        review.approve(ledger, [first])
        channels.publish(channel, settings, ledger)
        text = "\n".join(
            p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in {".html", ".json"}
        )
        assert first in text and second not in text


def test_an_embargo_keeps_every_output_empty_until_its_time(
    tmp_path: Path, seed_bytes: bytes
) -> None:
    """Sidecar embargo per channel: nothing in any output before, everything after."""
    from distro import embargo

    settings = load(tmp_path, "")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    sidecar = json.loads(SIDECAR)
    sidecar["embargo_until"] = {
        "*": soon.isoformat(),
        "app": (soon + dt.timedelta(hours=1)).isoformat(),
    }
    inbox = settings.state.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "page.meta.json").write_text(json.dumps(sidecar), encoding="utf-8")
    (inbox / "page.txt").write_bytes(seed_bytes)
    with Ledger.open(settings) as ledger:
        ingest(settings, ledger=ledger)
        stored = [a for a in ledger.articles() if a.kind is Kind.ARTICLE]
        assert stored and all(embargo.time_for(a, "web") == soon for a in stored)
        for name in ("web", "app", "wechat"):
            channels.publish(name, settings, ledger)
        ids = [a.id for a in stored]
        everything = "\n".join(
            p.read_text(encoding="utf-8", errors="replace")
            for p in settings.state.root.rglob("*")
            if p.is_file() and p.suffix in {".html", ".json", ".xml"}
        )
        assert not any(i in everything for i in ids)
        states = {d.state for d in ledger.deliveries() if d.article_id in ids}
        assert states == {DeliveryState.SCHEDULED}

        # the embargo passes for the web first, then for the app
        every_item = len(ledger.deliveries(channel="web"))  # the teaser waits too
        assert ledger.release_due(channel="web", at=soon + dt.timedelta(seconds=1)) == every_item
        assert ledger.release_due(channel="app", at=soon + dt.timedelta(seconds=1)) == 0
        web = channels.get("web").publish(settings, ledger)
        assert web.sent == len(ids)
        site = "\n".join(p.read_text(encoding="utf-8") for p in settings.state.site.rglob("*.html"))
        assert all(i in site for i in ids)
        app = settings.state.app
        assert not any(i in p.read_text(encoding="utf-8") for p in app.rglob("*.json") for i in ids)


def test_embargo_times_in_a_sidecar_are_checked(tmp_path: Path) -> None:
    from distro.errors import ParseError
    from distro.parse.meta import from_sidecar

    naive = from_sidecar("p.txt", b'{"embargo_until": "2026-07-05T06:00"}').embargo["*"]
    assert naive.utcoffset() == dt.timedelta(hours=8)  # the paper's own clock, as documented
    for bad in (
        b'{"embargo_until": "tomorrow"}',
        b'{"embargo_until": 5}',
        b'{"embargo_until": "0001-01-01T00:00+00:00"}',
        b'{"embargo_until": {"": "x"}}',
    ):
        with pytest.raises(ParseError, match=r"embargo|out of range|1900"):
            from_sidecar("p.txt", bad)
