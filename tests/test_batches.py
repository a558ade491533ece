"""Property tests over random batches: random bytes, sidecars and file names dropped beside a good
page. Every input ends as articles or as a quarantine entry with its reason, nothing stays in the
inbox to block the next run, and the good page of the same batch is stored and published."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distro import channels, config
from distro.models import CONTROL, Kind
from distro.pipeline import ingest
from distro.sources.inbox import in_progress
from distro.store.ledger import Ledger
from tests.conftest import SEED

GOOD = "2021-07-05_01_要闻.txt"
NAME_CHARS = st.characters(
    blacklist_characters="/\x00", blacklist_categories=("Cs",), max_codepoint=0x10FFFF
)
DATES = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
    st.text(max_size=12),
    st.integers(),
    st.none(),
)
FACT = st.one_of(st.text(max_size=120), st.integers(min_value=-(10**30), max_value=10**30))
SIDECARS = st.one_of(
    st.none(),
    st.binary(max_size=64),
    st.fixed_dictionaries(
        {},
        optional={
            "issue_date": DATES,
            "page": st.one_of(FACT, st.just("1" * 5000)),
            "section": st.one_of(FACT, st.sampled_from(["..", ".", "a/b", "长" * 100, " 要闻"])),
            "publication": FACT,
        },
    ).map(lambda doc: json.dumps(doc).encode()),
)


def seed_bytes() -> bytes:
    return SEED.read_bytes()


@st.composite
def payloads(draw: Any) -> bytes:
    """Random bytes, or the seed page with random text spliced in (control characters too)."""
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        return bytes(draw(st.binary(max_size=2048)))
    page = seed_bytes().decode("utf-8")
    at = draw(st.integers(min_value=0, max_value=len(page)))
    spliced = draw(st.text(max_size=40))
    return (page[:at] + spliced + page[at:]).encode("utf-8", "surrogatepass")


@st.composite
def names(draw: Any) -> str:
    stem = draw(
        st.one_of(
            st.text(NAME_CHARS, min_size=1, max_size=90),
            st.from_regex(r"[0-9]{8}(_[0-9A-Za-z]{1,5})?(_[\u4e00-\u9fff]{1,20})?", fullmatch=True),
            st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}_p?[0-9]{1,3}", fullmatch=True),
        )
    )
    suffix = draw(st.sampled_from([".txt"] * 6 + [".rss", ".xml", "", ".TXT"]))
    name = stem + suffix
    if name in {".", ".."} or len(name.encode("utf-8", "surrogatepass")) > 250 or name == GOOD:
        return "x" + str(len(name)) + ".txt"
    return name


BATCHES = st.lists(st.tuples(names(), payloads(), SIDECARS), min_size=1, max_size=5)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(BATCHES)
def test_every_input_ends_as_articles_or_a_reasoned_quarantine(
    batch: list[tuple[str, bytes, bytes | None]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "state"
        path = Path(folder) / "distro.toml"
        path.write_text("[channels.wechat]\nenabled = false\n", encoding="utf-8")
        current = config.load(path, state)
        inbox = current.state.inbox
        inbox.mkdir(parents=True)
        (inbox / GOOD).write_bytes(seed_bytes())
        dropped = {GOOD}
        for name, data, sidecar in batch:
            target = inbox / name
            if name in dropped or target.name != name:
                continue
            if sidecar is not None and not in_progress(name):
                side = inbox / (Path(name).stem + ".meta.json")
                if len(side.name.encode("utf-8", "surrogatepass")) <= 255 and side.name != name:
                    side.write_bytes(sidecar)
            target.write_bytes(data)
            dropped.add(name)
        with Ledger.open(current) as ledger:
            report = ingest(current, ledger=ledger)
            taken = {r.uri for r in report.sources}
            expected = {(inbox / n).as_uri() for n in dropped if not in_progress(n)}
            assert taken == expected
            entries = {e.origin: e for e in ledger.quarantined()}
            for source in report.sources:
                assert source.outcome in {"ok", "quarantined"}, (source.uri, source.reason)
                if source.outcome == "quarantined":
                    assert source.reason, source.uri
                    assert source.uri in entries, source.uri
                    assert entries[source.uri].reason
            # Nothing but partial writes and sidecars waits in the inbox.
            assert all(in_progress(p.name) for p in inbox.iterdir())
            stored = ledger.articles()
            good = [a for a in stored if a.provenance.origin == (inbox / GOOD).as_uri()]
            assert good, "the good page of the batch was stored"
            assert not any(CONTROL.search(a.model_dump_json()) for a in stored)
            for channel in channels.enabled(current):
                published = channels.publish(channel, current, ledger)
                assert published.failed == 0, (channel, published.messages)
            assert ledger.pending("web") == []
        pages = {p.stem for p in (current.state.site / "articles").glob("*.html")}
        assert {a.id for a in good if a.kind is Kind.ARTICLE} <= pages
