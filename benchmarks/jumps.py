"""Jumps on the corpus: every issue of tests/parse/corpus/pages through the real ingest, pages in
page order, in reverse and shuffled; how many jumps end as one whole article, how many teasers
link the right story, and what settling the issue costs per page.

The ground truth of a jump is the corpus's own: a page-1 story with `continued_on_page` and the
story of the same source on a later page of the same issue. A jump counts as joined when one
live article carries the start's headline on page 1, is no longer marked continued, its text
ends with the continuation's paragraphs (as the ground truth prints them) and no live article is
left for the continuation alone. Run:

    uv run python benchmarks/jumps.py [--out benchmarks/jumps.md]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from distro import config
from distro.jumps import Jumps, Record, normalise_page, same_page
from distro.models import Kind
from distro.pipeline import ingest
from distro.store.ledger import Ledger

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO / "tests" / "parse" / "corpus" / "pages"
ORDERS = ("page order", "reverse", "shuffled")


def issues() -> dict[tuple[Any, ...], list[tuple[dict[str, Any], Path]]]:
    found: dict[tuple[Any, ...], list[tuple[dict[str, Any], Path]]] = defaultdict(list)
    for path in sorted(PAGES.glob("*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        key = (page["fold"], page["layout"], page["issue"], page["issue_date"])
        found[key].append((page, path.with_suffix(".txt")))
    return found


def same_key(page: str | None) -> str:
    """A page as one key (`A2` and `2` alike)."""
    return (normalise_page(page) or "").lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def text(paragraphs: list[str]) -> str:
    return "".join(paragraphs)


def score(order: str, seconds: list[float], tally: Counter[str]) -> None:
    rng = random.Random(13)
    settle = Jumps.settle

    def timed(self: Jumps, articles: Any, *, paper: str, apply: Any) -> None:
        spent = [0.0]

        def applied(steps: Any) -> None:
            began = time.perf_counter()
            apply(steps)
            spent[0] += time.perf_counter() - began

        began = time.perf_counter()
        settle(self, articles, paper=paper, apply=applied)
        seconds.append(time.perf_counter() - began - spent[0])

    Jumps.settle = timed  # type: ignore[method-assign]
    try:
        for key, pages in issues().items():
            stories = [(p["page"], s) for p, _ in pages for s in p["stories"]]
            starts = {s["source_id"]: s for page, s in stories if s.get("continued_on_page")}
            rests = {
                s["source_id"]: (page, s)
                for page, s in stories
                if s["source_id"] in starts and not s.get("continued_on_page") and page != "1"
            }
            teasers = [(page, s) for page, s in stories if s.get("kind") == "teaser"]
            if not starts and not teasers:
                continue
            sequence = list(pages)
            if order == "reverse":
                sequence.reverse()
            elif order == "shuffled":
                rng.shuffle(sequence)
            with tempfile.TemporaryDirectory() as tmp:
                settings = config.load(None, Path(tmp) / "state")
                inbox = settings.state.inbox
                inbox.mkdir(parents=True)
                with Ledger.open(settings) as ledger:
                    for n, (page, path) in enumerate(sequence):
                        meta = {
                            "issue_date": page["issue_date"],
                            "page": page["page"],
                            "publication": key[0],
                        }
                        name = f"{n:02d}-p{page['page']}"
                        (inbox / f"{name}.meta.json").write_text(
                            json.dumps(meta, ensure_ascii=False), encoding="utf-8"
                        )
                        (inbox / f"{name}.txt").write_bytes(path.read_bytes())
                        ingest(settings, ledger=ledger)
                    live = ledger.articles()
                    issue = f"{key[0]}|{key[3]}"
                    record = Record.load(ledger.kv("jumps").get(f"issue:{issue}"))
                    starts_joined = set(record.joins.values())
                    sources = {
                        (same_key(page), s["headline"]): s["source_id"] for page, s in stories
                    }
                    for rest_id, start_id in record.joins.items():
                        tally["joins made"] += 1
                        a, b = record.items[rest_id], record.items[start_id]
                        one = sources.get((same_key(a.page), a.headline))
                        other = sources.get((same_key(b.page), b.headline))
                        if one is not None and other is not None and one != other:
                            tally["joins made: two different stories"] += 1
                            print("  wrong:", key, a.headline, "->", b.headline)
                    for source, start in starts.items():
                        tally["jumps"] += 1
                        page, rest = rests[source]
                        found = [
                            a for a in live if a.headline == start["headline"] and a.page == "1"
                        ]
                        alone = [
                            a for a in live if a.headline == rest["headline"] and a.page == page
                        ]
                        if not found:
                            tally["jump: start not found by the parser"] += 1
                        elif found[0].id not in starts_joined:
                            tally["jump: left unjoined"] += 1
                            print("  unjoined:", key, start["headline"], found[0].flags)
                        elif text(found[0].paragraphs).endswith(text(rest["paragraphs"])):
                            tally["jump: joined, text ends as printed"] += 1
                        else:
                            tally["jump: joined, text differs (parser)"] += 1
                        if alone:
                            tally["jump: continuation left live alone"] += 1
                            print("  alone:", key, rest["headline"], alone[0].flags)
                    for _page, teaser in teasers:
                        tally["teasers"] += 1
                        targets = [
                            a.id
                            for a in live
                            if a.kind is Kind.ARTICLE
                            and a.headline == teaser["headline"]
                            and same_page(a.page, teaser["page_ref"])
                        ]
                        linked = [
                            a.page_ref_id
                            for a in live
                            if a.kind is Kind.TEASER and a.headline == teaser["headline"]
                        ]
                        if any(t and t in targets for t in linked):
                            tally["teaser: linked to its story"] += 1
                        elif any(linked):
                            tally["teaser: linked to another story"] += 1
                        elif not targets:
                            tally["teaser: story not found by the parser"] += 1
                        else:
                            tally["teaser: unresolved"] += 1
    finally:
        Jumps.settle = settle  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    lines = ["| order | " + " | ".join(ORDERS) + " |", "|---|" + "---|" * len(ORDERS)]
    results = {}
    timing = {}
    for order in ORDERS:
        seconds: list[float] = []
        tally: Counter[str] = Counter()
        score(order, seconds, tally)
        results[order], timing[order] = tally, seconds
        print(order, dict(tally), flush=True)
    keys = sorted({k for t in results.values() for k in t})
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(str(results[o][k]) for o in ORDERS) + " |")
    per_page = [s for o in ORDERS for s in timing[o]]
    per_page.sort()
    median = per_page[len(per_page) // 2] * 1000
    p99 = per_page[int(len(per_page) * 0.99)] * 1000
    lines.append("")
    lines.append(
        f"Settling a page against its issue (lock, record, matching; storing excluded): "
        f"median {median:.1f} ms, p99 {p99:.1f} ms over {len(per_page)} pages."
    )
    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
