"""Scores the page parser on the composed corpus: per outlet, per fold, by outlet cross-validation.

    uv run python -m tests.parse.corpus.score [--verbose] [--no-cv] [--wrap EMS [--indent]]

A story is *fully right* when every field an editor checks matches the truth: kind, kicker,
headline, subheadline, byline (as printed and its names), dateline (as distro.dates reads the
clean lead), paragraphs, jump page, and for a teaser its summary and page. A page is *split
exactly* when its items are the truth's items, headline for headline, in order. A story is *not
found* when no item of its page carries its headline (it was merged into a neighbour or lost).

Cross-validation: the line model is trained on every fold but one and scored on the held-out
fold (a fold is a group of outlets, see compose.FOLDS), so the figure predicts outlets the
model has never seen. The confidence calibration is read on those held-out predictions too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from distro.dates import find_dateline, strip_dateline
from distro.errors import ParseError
from distro.models import Article
from distro.parse import parse_page
from distro.parse.columns import width
from distro.parse.confidence import THRESHOLD
from distro.parse.model import LineModel, train
from distro.parse.typography import tidy_line
from tests.parse.corpus.compose import PAGES

#: Latin letters and digits: a typesetter does not break a line between two of them.
LATIN = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass
class Page:
    """One corpus page and its truth."""

    name: str
    data: bytes
    truth: dict[str, Any]

    @property
    def issue_date(self) -> dt.date:
        return dt.date.fromisoformat(self.truth["issue_date"])


def load_pages() -> list[Page]:
    """Every page of the corpus, in name order."""
    return [
        Page(txt.stem, txt.read_bytes(), json.loads(txt.with_suffix(".json").read_text("utf-8")))
        for txt in sorted(PAGES.glob("*.txt"))
    ]


def set_in_column(line: str, ems: float) -> list[str]:
    """`line` set in a column `ems` wide, as a typesetter breaks it: never at a space or
    inside a Latin word or a number (those stay whole), anywhere else."""
    out: list[str] = []
    start = 0
    while width(line[start:]) > ems:
        end, used = start, 0.0
        while used + width(line[end]) <= ems:
            used += width(line[end])
            end += 1
        cut = end
        while cut > start + 1 and (
            line[cut - 1] == " "
            or line[cut] == " "
            or (line[cut - 1] in LATIN and line[cut] in LATIN)
        ):
            cut -= 1
        cut = end if cut == start + 1 else cut
        out.append(line[start:cut])
        start = cut
    return [*out, line[start:]]


def hard_wrap(page: Page, ems: float, *, indent: bool = False) -> Page:
    """`page` as extraction that keeps the printed column gives it: every body line (labelled
    P or C in the truth) wrapped at `ems` ems, with `indent` a paragraph's first line indented
    two ems; headings, bylines and furniture as they were."""
    labels = iter(page.truth["labels"])
    out: list[str] = []
    for line in page.data.decode("utf-8").splitlines():
        if not line.strip():
            out.append(line)
            continue
        label = next(labels)
        if label in "PC":
            out.extend(
                set_in_column("\u3000\u3000" + line if indent and label == "P" else line, ems)
            )
        else:
            out.append(line)
    return Page(page.name, "\n".join(out).encode("utf-8") + b"\n", page.truth)


#: Every full-width form of an ASCII character (digits, letters, `％`, `（`, `［`, `．` …) as ASCII.
HALF_WIDTH = str.maketrans({chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)})
#: Curly quotes as corner quotes, as Hong Kong and Taiwan papers set them.
CORNER_QUOTES = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"})


def retyped(page: Page, table: dict[int, str]) -> Page:
    """`page` as a source that types its characters through `table` sets it (`HALF_WIDTH`:
    `1997年`, `IPO`, `0.08%`, `[ 详细 ]`); its truth likewise, as the parser's punctuation
    pass leaves it (`，` stays full-width between ideographs)."""

    def fold(value: Any, key: str = "") -> Any:
        if isinstance(value, str):
            if key in ("fold", "labels", "outlet", "issue_date"):
                return value
            return tidy_line(value.translate(table))
        if isinstance(value, list):
            return [fold(item, key) for item in value]
        if isinstance(value, dict):
            return {k: fold(v, k) for k, v in value.items()}
        return value

    data = page.data.decode("utf-8").translate(table).encode("utf-8")
    return Page(page.name, data, fold(page.truth))


def expected(story: dict[str, Any], issue_date: dt.date) -> dict[str, Any]:
    """The fields a parsed Article must have for `story`."""
    paragraphs = list(story["paragraphs"])
    dateline = None
    if story["kind"] == "article" and paragraphs:
        found = find_dateline(paragraphs[0], issue_date)
        if found is not None and found.position == "lead" and found.span[0] == 0:
            dateline = found.raw
            rest = strip_dateline(paragraphs[0], found).strip()
            paragraphs = ([rest] if rest else []) + paragraphs[1:]
    byline = story["byline"]
    return {
        "kind": story["kind"],
        "kicker": story["kicker"],
        "headline": story["headline"],
        "subheadline": story["subheadline"],
        "byline": (byline["raw"], byline["names"]) if byline else None,
        "dateline": dateline,
        "paragraphs": paragraphs if story["kind"] == "article" else [],
        "continued_on_page": story["continued_on_page"],
        "page_ref": story["page_ref"],
        "summary": story["summary"],
    }


def observed(article: Article) -> dict[str, Any]:
    """The same fields read off a parsed Article."""
    byline = article.byline
    return {
        "kind": article.kind.value,
        "kicker": article.kicker,
        "headline": article.headline,
        "subheadline": article.subheadline,
        "byline": (byline.raw, byline.names) if byline else None,
        "dateline": article.dateline.raw if article.dateline else None,
        "paragraphs": article.paragraphs,
        "continued_on_page": article.continued_on_page,
        "page_ref": article.page_ref,
        "summary": article.summary,
    }


@dataclass
class Tally:
    """Counts for one outlet, fold or the whole corpus."""

    stories: int = 0
    right: int = 0
    missing: int = 0
    pages: int = 0
    exact: int = 0
    wrong_fields: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def line(self, name: str) -> str:
        pages = f"{self.exact}/{self.pages} pages exact ({_pct(self.exact, self.pages)})"
        return (
            f"{name:<22} {self.right:>4}/{self.stories:<4} stories fully right "
            f"({_pct(self.right, self.stories)}), {self.missing} not found; "
            + (pages if self.pages else "")
        )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


@dataclass
class Result:
    """What one scoring run measured."""

    overall: Tally = field(default_factory=Tally)
    by_outlet: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_fold: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    #: (confidence, fully right) of every parsed article matched to a truth story or not.
    calibration: list[tuple[float, bool]] = field(default_factory=list)
    #: Per flag: [articles held below the threshold carrying it, of which fully right].
    held_flags: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    failures: list[str] = field(default_factory=list)

    @property
    def story_share(self) -> float:
        return self.overall.right / self.overall.stories

    @property
    def page_share(self) -> float:
        return self.overall.exact / self.overall.pages


def score(
    pages: list[Page], model: LineModel | None = None, result: Result | None = None
) -> Result:
    """Parse every page (with `model`, or the shipped one) and tally against the truth."""
    result = result or Result()
    for page in pages:
        fold = page.truth["fold"]
        try:
            articles = parse_page(
                page.data,
                origin=f"file:///corpus/{page.name}.txt",
                issue_date=page.issue_date,
                page=page.truth["page"],
                received_at=dt.datetime(2012, 7, 1, tzinfo=dt.UTC),
                model=model,
            )
        except ParseError as exc:
            articles = []
            result.failures.append(f"{page.name}: {exc}")
        stories = page.truth["stories"]
        wanted = [expected(s, page.issue_date) for s in stories]
        got = [observed(a) for a in articles]
        exact = [g["headline"] for g in got] == [w["headline"] for w in wanted]
        for tally in (result.overall, result.by_fold[fold]):
            tally.pages += 1
            tally.exact += exact
        used: set[int] = set()
        right_ids: set[int] = set()
        for story, want in zip(stories, wanted, strict=True):
            match = next(
                (
                    i
                    for i, g in enumerate(got)
                    if i not in used and g["headline"] == want["headline"]
                ),
                None,
            )
            ok = match is not None and got[match] == want
            if match is not None:
                used.add(match)
                if ok:
                    right_ids.add(match)
                else:
                    for key in want:
                        if got[match][key] != want[key]:
                            for tally in (result.overall, result.by_fold[fold]):
                                tally.wrong_fields[key] += 1
                            result.failures.append(
                                f"{page.name} {want['headline'][:16]} {key}: "
                                + _diff(got[match][key], want[key])
                            )
            else:
                result.failures.append(f"{page.name} {want['headline'][:20]}: not found")
            for tally in (result.overall, result.by_fold[fold], result.by_outlet[story["outlet"]]):
                tally.stories += 1
                tally.right += ok
                tally.missing += match is None
        for index, article in enumerate(articles):
            result.calibration.append((article.confidence, index in right_ids))
            if article.confidence < THRESHOLD:
                for flag in article.flags:
                    result.held_flags[flag][0] += 1
                    result.held_flags[flag][1] += index in right_ids
            if article.confidence >= THRESHOLD and index not in right_ids:
                result.failures.append(
                    f"{page.name} {article.headline[:16]}: wrong at confidence "
                    f"{article.confidence} {article.flags}"
                )
    return result


def _diff(got: Any, want: Any) -> str:
    """Where two field values part, shortly."""
    if isinstance(got, list) and isinstance(want, list):
        for index, (a, b) in enumerate(zip(got, want, strict=False)):
            if a != b:
                start = next(
                    (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                    min(len(a), len(b)),
                )
                left = max(0, start - 8)
                return f"#{index} {a[left : start + 20]!r} != {b[left : start + 20]!r}"
        extra = str(got[len(want) :])[:60] or str(want[len(got) :])[:60]
        return f"{len(got)} paragraphs != {len(want)}: {extra}"
    return f"{str(got)[:60]!r} != {str(want)[:60]!r}"


def cross_validate(
    pages: list[Page],
    wrap: float | None = None,
    *,
    indent: bool = False,
    transform: Callable[[Page], Page] | None = None,
) -> Result:
    """Each fold scored by a model trained on the other folds only.

    With `transform` (see `probe`), each held-out page is scored as it rewrites it. With
    `wrap`, the model trains on the composed pages and scores the held-out ones
    hard-wrapped at `wrap` ems (see `hard_wrap`).
    """
    from tests.parse.corpus.train import examples  # train imports this module

    result = Result()
    folds = sorted({p.truth["fold"] for p in pages})
    for held in folds:
        train_pages = [p for p in pages if p.truth["fold"] != held]
        model = train(examples(train_pages))
        scored = [p for p in pages if p.truth["fold"] == held]
        if transform is not None:
            scored = [transform(p) for p in scored]
        if wrap is not None:
            scored = [hard_wrap(p, wrap, indent=indent) for p in scored]
        score(scored, model, result)
    return result


def calibration_lines(result: Result, threshold: float = THRESHOLD) -> list[str]:
    """Share right at or above the threshold, and the share held below it."""
    above = [ok for conf, ok in result.calibration if conf >= threshold]
    below = [ok for conf, ok in result.calibration if conf < threshold]
    total = len(result.calibration)
    flags = ", ".join(
        f"{flag} {held}/{right}"
        for flag, (held, right) in sorted(result.held_flags.items(), key=lambda kv: -kv[1][0])
    )
    return [
        f"confidence ≥ {threshold}: {sum(above)}/{len(above)} fully right "
        f"({_pct(sum(above), len(above))}); held below: {len(below)}/{total} "
        f"({_pct(len(below), total)}), of which {sum(below)} were right",
        f"flags of the held (held/right): {flags}",
    ]


def report(title: str, result: Result, *, verbose: bool) -> None:
    print(f"== {title}")
    print(result.overall.line("overall"))
    for fold, tally in sorted(result.by_fold.items()):
        print(tally.line(f"fold {fold}"))
    for outlet, tally in sorted(result.by_outlet.items(), key=lambda kv: -kv[1].stories):
        print("  " + tally.line(outlet))
    print("wrong fields:", dict(result.overall.wrong_fields))
    for line in calibration_lines(result):
        print(line)
    if verbose:
        for failure in result.failures:
            print("   ", failure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--no-cv", action="store_true", help="score the shipped model only")
    parser.add_argument(
        "--wrap", type=float, metavar="EMS", help="score the body hard-wrapped at EMS ems"
    )
    parser.add_argument(
        "--indent", action="store_true", help="with --wrap: indent each paragraph two ems"
    )
    args = parser.parse_args(argv)
    pages = load_pages()
    shown = [hard_wrap(p, args.wrap, indent=args.indent) for p in pages] if args.wrap else pages
    suffix = f", body hard-wrapped at {args.wrap:g} ems" if args.wrap else ""
    suffix += ", paragraphs indented" if args.wrap and args.indent else ""
    report(
        f"shipped model, all outlets (trained on them: optimistic){suffix}",
        score(shown),
        verbose=args.verbose and args.no_cv,
    )
    if not args.no_cv:
        report(
            f"outlet cross-validation (held-out folds){suffix}",
            cross_validate(pages, args.wrap, indent=args.indent),
            verbose=args.verbose,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
