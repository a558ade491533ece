"""Jumps through the real pipeline: corpus pages of one issue, in both orders, held, ambiguous,
re-ingested; teasers linked on the web page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from distro import channels, config
from distro.channels.web.publish import site_of
from distro.channels.web.render import article_key
from distro.config import Settings
from distro.jumps import FLAG_ALONE, FLAG_AMBIGUOUS, normalise_page, overlap, same_page
from distro.models import Article, DeliveryState, Kind, PubStatus
from distro.parse import parse_page
from distro.pipeline import IngestReport, ingest
from distro.store.ledger import Ledger

PAGES = Path(__file__).parent / "parse" / "corpus" / "pages"
#: Two issues of the corpus (real stories composed into pages): People's Daily of 1998-01-20,
#: whose 中英外长会谈 jumps from page 1 to page 2 and whose teaser points to page 2; and a
#: city paper of 2012-07-23 whose jump reads `（下转第二版）`-like forms and whose teaser says A2.
ISSUES = {"people": ("220", "221"), "city": ("000", "001")}


def truth(stem: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((PAGES / f"{stem}.json").read_text(encoding="utf-8"))
    return found


def drop(settings: Settings, stem: str, order: int, *, paper: str = "人民日报") -> None:
    page = truth(stem)
    inbox = settings.state.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    name = f"{order:02d}-{stem}"
    meta = {"issue_date": page["issue_date"], "page": page["page"], "publication": paper}
    (inbox / f"{name}.meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    (inbox / f"{name}.txt").write_bytes((PAGES / f"{stem}.txt").read_bytes())


def settings_with(tmp_path: Path, toml: str = "") -> Settings:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "distro.toml"
    path.write_text(toml, encoding="utf-8")
    return config.load(path, tmp_path / "state")


def jump_of(first: str, second: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The start (ground truth, page 1) and its continuation (page 2) of an issue."""
    [start] = [s for s in truth(first)["stories"] if s.get("continued_on_page")]
    [rest] = [s for s in truth(second)["stories"] if s["source_id"] == start["source_id"]]
    return start, rest


def live(ledger: Ledger, headline: str, page: str) -> list[Article]:
    return [a for a in ledger.articles() if a.headline == headline and same_page(a.page, page)]


def ingest_pages(settings: Settings, ledger: Ledger, stems: list[str]) -> list[IngestReport]:
    reports = []
    for order, stem in enumerate(stems):
        drop(settings, stem, order)
        reports.append(ingest(settings, ledger=ledger))
    return reports


def snapshot(ledger: Ledger) -> tuple[int, int, list[tuple[str, int, str]]]:
    return (
        ledger.article_count(versions=True),
        len(ledger.deliveries()),
        sorted((d.article_id, d.version, d.state.value) for d in ledger.deliveries()),
    )


def test_pages_and_names_normalise() -> None:
    assert [normalise_page(p) for p in ("第二版", "二", "2", "Ａ２版", "A2", "03")] == [
        "2", "2", "2", "A2", "A2", "3",
    ]  # fmt: skip
    assert same_page("A2", "2") and same_page("第二版", "2") and not same_page("A2", "B2")
    start, rest = jump_of(*ISSUES["people"])
    assert overlap(start["headline"], rest["headline"]) == 1.0
    assert overlap("中英外长会谈", "钱其琛会见英国外长") < 0.5  # two stories share 外长 only


def test_the_parser_records_where_a_continuation_comes_from() -> None:
    """Every corpus page printing a continuation head: one article says it comes from page 1,
    and the head is cut from its body."""
    seen = 0
    for path in sorted(PAGES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if "上接" not in text and "（接第" not in text:
            continue
        seen += 1
        page = truth(path.stem)["page"]
        articles = parse_page(path.read_bytes(), origin=path.as_uri(), page=page)
        continued = [a for a in articles if a.continued_from_page is not None]
        assert [a.continued_from_page for a in continued] == ["1"], path.name
        assert not any("上接" in p[:8] or "接第" in p[:8] for p in continued[0].paragraphs)
    assert seen >= 30


@pytest.mark.parametrize("issue", sorted(ISSUES))
@pytest.mark.parametrize("order", ["start first", "continuation first"])
def test_a_jump_becomes_one_article_in_either_order(
    tmp_path: Path, issue: str, order: str
) -> None:
    first, second = ISSUES[issue]
    start, rest = jump_of(first, second)
    settings = settings_with(tmp_path)
    with Ledger.open(settings) as ledger:
        stems = [first, second] if order == "start first" else [second, first]
        ingest_pages(settings, ledger, stems)
        [joined] = live(ledger, start["headline"], "1")
        # The start's id, its text then the continuation's, no longer marked continued.
        assert joined.continued_on_page is None and joined.page == "1"
        assert joined.paragraphs[-len(rest["paragraphs"]) :] == rest["paragraphs"]
        assert len(joined.paragraphs) > len(rest["paragraphs"])
        assert live(ledger, rest["headline"], "2") == []
        assert not [a for a in ledger.articles() if a.continued_from_page is not None]
        versions = ledger.versions(joined.id)
        if order == "start first":  # v1 went out marked continued, v2 is the whole story
            assert [v.continued_on_page is not None for v in versions] == [True, False]
        else:  # the start came last: whole from its first version
            assert len(versions) == 1
            # held, never sent alone; withdrawn once joined (its waiting deliveries closed)
            [alone] = [
                a
                for a in ledger.articles(include_killed=True)
                if a.continued_from_page is not None
            ]
            assert FLAG_ALONE in alone.flags and alone.pub_status is PubStatus.CANCELED
            first_version = [d for d in ledger.deliveries(article_id=alone.id) if d.version == 1]
            assert first_version and {d.detail.get("outcome") for d in first_version} == {
                "superseded by v2"
            }
            assert ledger.release_due(at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)) == 0
        # Idempotent: both pages again make no version and no delivery.
        before = snapshot(ledger)
        again = ingest_pages(settings, ledger, stems)
        assert sum(r.new_versions + r.accepted for r in again) == 0
        assert snapshot(ledger) == before


def test_both_orders_give_the_same_article(tmp_path: Path) -> None:
    first, second = ISSUES["people"]
    texts = []
    for n, stems in enumerate(([first, second], [second, first])):
        settings = settings_with(tmp_path / str(n))
        with Ledger.open(settings) as ledger:
            ingest_pages(settings, ledger, stems)
            start, _rest = jump_of(first, second)
            [joined] = live(ledger, start["headline"], "1")
            texts.append((joined.id, joined.paragraphs))
    assert texts[0] == texts[1]


def test_a_held_start_waits_then_goes_out_continued(tmp_path: Path) -> None:
    first, second = ISSUES["people"]
    start, _rest = jump_of(first, second)
    settings = settings_with(tmp_path, '[jumps]\nstart = "hold"\nhold_minutes = 20\n')
    with Ledger.open(settings) as ledger:
        before = dt.datetime.now(dt.UTC)
        ingest_pages(settings, ledger, [first])
        [held] = live(ledger, start["headline"], "1")
        mine = ledger.deliveries(article_id=held.id)
        assert mine and all(d.state is DeliveryState.SCHEDULED for d in mine)
        others = [d for d in ledger.deliveries() if d.article_id != held.id]
        assert others and all(d.state is DeliveryState.PENDING for d in others)
        due = dt.datetime.fromisoformat(mine[0].detail["not_before"])
        assert before + dt.timedelta(minutes=20) <= due <= before + dt.timedelta(minutes=21)
        assert ledger.release_due(at=due - dt.timedelta(seconds=1)) == 0
        assert ledger.release_due(at=due) == len(mine)  # no continuation: out, as continued
        assert all(d.state is DeliveryState.PENDING for d in ledger.deliveries(article_id=held.id))
        channels.publish("web", settings, ledger)
        page = (settings.state.site / "articles" / f"{held.id}.html").read_text(encoding="utf-8")
        assert '<p class="jump" role="note">（下转第2版）</p>' in page


def test_the_continuation_cuts_a_hold_short(tmp_path: Path) -> None:
    first, second = ISSUES["people"]
    start, rest = jump_of(first, second)
    settings = settings_with(tmp_path, '[jumps]\nstart = "hold"\n')
    with Ledger.open(settings) as ledger:
        ingest_pages(settings, ledger, [first, second])
        [joined] = live(ledger, start["headline"], "1")
        assert joined.version == 2 and joined.paragraphs[-1] == rest["paragraphs"][-1]
        states = {(d.version, d.state) for d in ledger.deliveries(article_id=joined.id)}
        # v1 waited and was closed (superseded); v2, the whole story, goes out now
        assert {s for v, s in states if v == 2} == {DeliveryState.PENDING}
        assert DeliveryState.SCHEDULED not in {s for v, s in states if v == 1}
        channels.publish("web", settings, ledger)
        page = (settings.state.site / "articles" / f"{joined.id}.html").read_text(
            encoding="utf-8"
        )
        assert rest["paragraphs"][-1][:20] in page and "下转" not in page


def test_two_matching_starts_are_left_unjoined_and_flagged(tmp_path: Path) -> None:
    """Page 1 carries a second story jumping to page 2 under a headline the continuation's
    jump head matches as well: the desk decides, nothing is joined."""
    first, second = ISSUES["people"]
    start, rest = jump_of(first, second)
    other = json.loads(
        (Path(__file__).parent / "parse" / "corpus" / "people_daily.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()[40]
    )
    text = (PAGES / f"{first}.txt").read_text(encoding="utf-8")
    body = "\n\n".join(other["paragraphs"][:2])
    text += f"\n\n{start['headline']}后举行记者招待会\n\n{body}（下转第二版）\n"
    settings = settings_with(tmp_path)
    inbox = settings.state.inbox
    inbox.mkdir(parents=True)
    meta = {"issue_date": truth(first)["issue_date"], "page": "1", "publication": "人民日报"}
    (inbox / "00-p1.meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    (inbox / "00-p1.txt").write_text(text, encoding="utf-8")
    with Ledger.open(settings) as ledger:
        ingest(settings, ledger=ledger)
        starts = [a for a in ledger.articles() if a.continued_on_page is not None]
        assert len(starts) == 2
        ingest_pages(settings, ledger, [second])
        assert [a.version for a in ledger.articles() if a.continued_on_page] == [1, 1]
        [alone] = [a for a in ledger.articles() if a.continued_from_page is not None]
        assert FLAG_AMBIGUOUS in alone.flags and alone.headline == rest["headline"]


def test_a_teaser_links_its_story_on_the_web_page(tmp_path: Path) -> None:
    first, second = ISSUES["city"]
    [teaser_truth] = [s for s in truth(first)["stories"] if s["kind"] == "teaser"]
    settings = settings_with(tmp_path)
    with Ledger.open(settings) as ledger:
        ingest_pages(settings, ledger, [first])
        [teaser] = [a for a in ledger.articles() if a.kind is Kind.TEASER]
        assert teaser.page_ref_id is None  # its page is not in yet
        channels.publish("web", settings, ledger)
        site = settings.state.site
        assert not (site / "articles" / f"{teaser.id}.html").exists()
        ingest_pages(settings, ledger, [second])
        [target] = live(ledger, teaser_truth["headline"], teaser_truth["page_ref"])
        resolved = ledger.get(teaser.id)
        assert resolved is not None and resolved.page_ref_id == target.id
        assert resolved.version == 2
        channels.publish("web", settings, ledger)
        page = (site / "articles" / f"{teaser.id}.html").read_text(encoding="utf-8")
        assert f'<a href="{target.id}.html">' not in page  # links are absolute, as everywhere
        url = site_of(settings).url(article_key(target.id))
        assert page.count(f'href="{url}"') == 2  # the headline and 详见A2版
        assert "详见A2版" in page and target.headline in page
        # the teaser page stays off the lists: the home page links the story, not the teaser
        home = (site / "index.html").read_text(encoding="utf-8")
        assert f"{target.id}.html" in home and f"{teaser.id}.html" not in home
        before = snapshot(ledger)
        ingest_pages(settings, ledger, [first, second])
        assert snapshot(ledger) == before


def three_pages(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    """People's Daily 1998-01-20 with the story's continuation cut once more: page 2 keeps its
    first four paragraphs and jumps on (`（下转第三版）`), page 3 prints the rest under the jump
    head (`（上接第二版）`). Cut at a paragraph the corpus's ground truth labels."""
    first, second = ISSUES["people"]
    lines = [line for line in (PAGES / f"{second}.txt").read_text("utf-8").splitlines() if line]
    labels = truth(second)["labels"]
    assert labels.startswith("FFGAPPPPPCPG")  # running head, editor, headline, head, body
    head, keep, moved = lines[:4], lines[4:8], lines[8:11]
    page2 = [*head, *keep, "（下转第三版）", *lines[11:]]
    page3 = ["1998年1月20日　星期二　第3版　经济", lines[2], "（上接第二版）", *moved]
    return {
        "1": ((PAGES / f"{first}.txt").read_bytes(), "1"),
        "2": ("\n\n".join(page2).encode(), "2"),
        "3": ("\n\n".join(page3).encode(), "3"),
    }


@pytest.mark.parametrize(
    "order", ["123", "132", "213", "231", "312", "321"]
)  # fmt: skip
def test_a_story_over_three_pages_is_one_article_in_any_order(
    tmp_path: Path, order: str
) -> None:
    first, second = ISSUES["people"]
    start, _rest = jump_of(first, second)
    two = settings_with(tmp_path / "two")
    with Ledger.open(two) as ledger:
        ingest_pages(two, ledger, [first, second])
        [expected] = live(ledger, start["headline"], "1")
    pages = three_pages(tmp_path)
    settings = settings_with(tmp_path / "three")
    inbox = settings.state.inbox
    inbox.mkdir(parents=True)
    meta = {"issue_date": truth(first)["issue_date"], "publication": "人民日报"}
    with Ledger.open(settings) as ledger:
        for n, name in enumerate(order):
            data, page = pages[name]
            (inbox / f"{n}-p{page}.meta.json").write_text(json.dumps({**meta, "page": page}))
            (inbox / f"{n}-p{page}.txt").write_bytes(data)
            ingest(settings, ledger=ledger)
        [joined] = live(ledger, start["headline"], "1")
        assert (joined.id, joined.paragraphs) == (expected.id, expected.paragraphs)
        assert joined.continued_on_page is None
        # every other part of the story is withdrawn or was never stored alone
        parts = [a for a in ledger.articles() if a.headline == start["headline"]]
        assert parts == [joined]


def test_two_pages_of_one_issue_ingested_at_once_still_make_one_article(tmp_path: Path) -> None:
    """Two workers, one page each, at the same time: the issue's lock orders them."""
    import threading

    first, second = ISSUES["people"]
    start, rest = jump_of(first, second)
    settings = settings_with(tmp_path)
    inboxes = []
    for stem in (first, second):
        worker = settings_with(tmp_path / stem)
        drop(worker, stem, 0)
        inboxes.append(worker.state.inbox)
    errors: list[BaseException] = []

    def work(inbox: Path) -> None:
        try:
            with Ledger.open(settings) as ledger:
                ingest(settings, ledger=ledger, inbox=inbox, configured=False)
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    with Ledger.open(settings):
        pass  # migrated once, before the workers race
    threads = [threading.Thread(target=work, args=(inbox,)) for inbox in inboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with Ledger.open(settings) as ledger:
        [joined] = live(ledger, start["headline"], "1")
        assert joined.paragraphs[-len(rest["paragraphs"]) :] == rest["paragraphs"]
        assert live(ledger, rest["headline"], "2") == []


def test_a_lock_left_by_a_killed_ingest_is_taken_over_at_once(tmp_path: Path) -> None:
    """An ingest SIGKILLed inside an issue's lock does not block the next run until it expires."""
    import subprocess
    import sys
    import time

    from distro.jumps import LOCK_SECONDS, Jumps
    from distro.owners import owner_mark

    child = subprocess.run(
        [sys.executable, "-c", "from distro.owners import owner_mark; print(owner_mark())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    settings = settings_with(tmp_path)
    with Ledger.open(settings) as ledger:
        kv = ledger.kv("jumps")
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=LOCK_SECONDS)
        kv.set("lock:人民日报|1998-01-01", f"{child.stdout.strip()} 0123abcd", expires_at=expires)
        live_mark = f"{owner_mark()} 4567ef"
        jumps = Jumps(kv)
        began = time.monotonic()
        token = jumps._lock("人民日报|1998-01-01")
        assert time.monotonic() - began < LOCK_SECONDS / 3
        assert kv.get("lock:人民日报|1998-01-01") == token
        # a live holder's lock is waited for until it expires, not taken
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.5)
        kv.set("lock:人民日报|1998-01-02", live_mark, expires_at=soon)
        waited = time.monotonic()
        assert jumps._lock("人民日报|1998-01-02") != live_mark
        assert time.monotonic() - waited >= 0.4
