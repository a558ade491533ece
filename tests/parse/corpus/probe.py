"""Probes: the corpus set the ways other papers and extractors set pages, scored by outlet
cross-validation.

    uv run python -m tests.parse.corpus.probe [NAME ...]

Each probe rewrites every page (and its truth, where the text it adds belongs to a story) in
one way the corpus does not: another width of digits and marks, corner quotes, other running
heads, rules between stories, editors' credits closing each story, photo captions inside
stories, other byline forms, headline stacks. A probe that scores far under the plain corpus
names a class of pages the parser does not read yet; `tests/parse/corpus/README.md` has the
figures. Deterministic: every draw is seeded by the page's name.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
from collections.abc import Callable, Iterator

from distro.parse.confidence import THRESHOLD
from tests.parse.corpus.compose import PAGES
from tests.parse.corpus.score import (
    CORNER_QUOTES,
    HALF_WIDTH,
    Page,
    Result,
    cross_validate,
    load_pages,
    retyped,
)

Probe = Callable[[Page], Page]


def _lines(page: Page) -> Iterator[tuple[str, str | None]]:
    """Each line of `page` with its truth label (None for a blank line)."""
    labels = iter(page.truth["labels"])
    for line in page.data.decode("utf-8").splitlines():
        yield line, (next(labels) if line.strip() else None)


def _page(page: Page, lines: list[tuple[str, str | None]], truth: dict[str, object]) -> Page:
    """`page` set as `lines`, with `truth` and the labels of its lines."""
    truth = {**truth, "labels": "".join(label for _, label in lines if label is not None)}
    data = ("\n".join(line for line, _ in lines) + "\n").encode("utf-8")
    return Page(page.name, data, truth)


def plain(page: Page) -> Page:
    """The corpus as it is."""
    return page


def indented(page: Page) -> Page:
    """Every paragraph opened by two ideographic spaces."""
    lines = [
        ("\u3000\u3000" + line if label == "P" else line, label) for line, label in _lines(page)
    ]
    return _page(page, lines, page.truth)


def double_spaced(page: Page) -> Page:
    """A blank line after every line."""
    lines = [pair for line, label in _lines(page) for pair in ((line, label), ("", None))]
    return _page(page, lines, page.truth)


def unspaced(page: Page) -> Page:
    """No blank line at all."""
    return _page(page, [(ln, lab) for ln, lab in _lines(page) if lab is not None], page.truth)


def half_width(page: Page) -> Page:
    """Digits, letters and marks typed half-width (`1997年`, `IPO`, `[ 详细 ]`)."""
    return retyped(page, HALF_WIDTH)


def corner_quotes(page: Page) -> Page:
    """Quotes set in corners (`「…」`, `『…』`)."""
    return retyped(page, CORNER_QUOTES)


_HEADS = (
    "2012年6月15日\u3000星期五\u3000\u3000A{p:02d}\u3000\u3000城事",
    "{paper} | 2012.06.15 | 第{p}版",
    "第{p:02d}版 要闻 2012-06-15",
    "【第{p}版：本地】",
    "第{p}版/共16版",
    "{paper}\u30002012年6月15日\u3000第{p}版\u3000民生",
    "A{p}·热点",
    "2012年6月15日 {paper} 第{p}版",
    "■责任编辑 王晓明\u3000■美术编辑 李华",
    "本版责编：张丽 校对：刘强",
)
_RUNNING = re.compile(r"版|[0-9０-９]{4}年|编辑")


def running_heads(page: Page) -> Page:
    """Every running head and editors' line in one of ten formats the corpus does not print."""
    rng = random.Random(page.name)
    lines = []
    for line, label in _lines(page):
        if (
            label == "F"
            and len(line) < 40
            and _RUNNING.search(line)
            and not re.search("[，。]", line)
        ):
            paper = rng.choice(("城市晚报", "江南都市报", "人民日报", "北海日报"))
            line = rng.choice(_HEADS).format(p=rng.randint(1, 16), paper=paper)
        lines.append((line, label))
    return _page(page, lines, page.truth)


_RULES = ("────────────", "＊\u3000＊\u3000＊", "------------------", "■■■■■■■■", "==========")


def ruled(page: Page) -> Page:
    """A rule before every story (`────`, `＊　＊　＊`, `====`)."""
    rng = random.Random(page.name)
    lines: list[tuple[str, str | None]] = []
    previous: str | None = None
    for line, label in _lines(page):
        if label is None:
            continue
        if label == "G" and previous not in (None, "G", "F"):
            lines.append((rng.choice(_RULES), "F"))
        lines.append((line, label))
        previous = label
    return _page(page, lines, page.truth)


_CLOSING = (
    "（责任编辑：张丽）",
    "【责任编辑：王强】",
    "(编辑：李华)",
    "责任编辑：赵明",
    "（本文来源：新华网）",
)


def closing_credits(page: Page) -> Page:
    """An editor's or source credit after the last paragraph of every story, as web copy sets."""
    rng = random.Random(page.name + "e")
    pairs = list(_lines(page))
    lines: list[tuple[str, str | None]] = []
    for i, (line, label) in enumerate(pairs):
        lines.append((line, label))
        if label is not None and label in "PC":
            later = next((lab for _, lab in pairs[i + 1 :] if lab is not None), None)
            if later in (None, "G", "F"):
                lines.append((rng.choice(_CLOSING), "F"))
    return _page(page, lines, page.truth)


def bylines(page: Page) -> Page:
    """Every byline that names people reset in one of `■…`, `◎…`, `本报记者 …`, `记者 …、…`,
    `文/…`, `文・图/…`."""
    rng = random.Random(page.name + "b")
    truth = copy.deepcopy(page.truth)
    lines = list(_lines(page))
    for story in truth["stories"]:
        byline = story.get("byline")
        if not byline or not byline["names"]:
            continue
        names = byline["names"]
        forms = [f"■{byline['raw']}", f"◎{byline['raw']}", f"本报记者 {' '.join(names)}"]
        forms += [f"记者 {'、'.join(names)}"]
        if len(names) == 1:
            forms += [f"文/{names[0]}", f"文・图/{names[0]}"]
        for i, (line, label) in enumerate(lines):
            if label == "B" and line.strip() == byline["raw"]:
                new = rng.choice(forms)
                lines[i] = (new, label)
                byline["raw"] = new
                break
    return _page(page, lines, truth)


#: The corpus's real photo captions (`captions.jsonl`, `people_daily_captions.jsonl`).
_CAPTIONS = tuple(
    json.loads(line)["text"]
    for name in ("captions.jsonl", "people_daily_captions.jsonl")
    for line in (PAGES.parent / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
)
_CAPTION_FORMS = ("{c}", "▲{c}", "图：{c}", "（{c}）", "{c}（资料图片）")


def captions(page: Page) -> Page:
    """A photo's caption (a real one, plain, `▲…`, `图：…`, bracketed or closed by `（资料图片）`)
    between two paragraphs of 15 % of the stories' paragraph pairs, as photos sit inside
    stories."""
    rng = random.Random(page.name + "c")
    pairs = list(_lines(page))
    lines: list[tuple[str, str | None]] = []
    for i, (line, label) in enumerate(pairs):
        lines.append((line, label))
        if label == "P" and i + 1 < len(pairs) and pairs[i + 1][1] == "P" and rng.random() < 0.15:
            lines.append((rng.choice(_CAPTION_FORMS).format(c=rng.choice(_CAPTIONS)), "F"))
    return _page(page, lines, page.truth)


def _clauses(pages: list[Page]) -> list[str]:
    """Clauses of the corpus's headlines, 5 to 14 characters: what kickers and subheadlines are
    made of."""
    found = {
        part
        for p in pages
        for story in p.truth["stories"]
        for part in re.split("[ ，：:\u3000]", story["headline"])
        if 5 <= len(part) <= 14 and not re.search("[。！？]", part)
    }
    return sorted(found)


def stacks(pages: list[Page]) -> Probe:
    """A kicker or a subheadline (half of them `——`) made of another headline's clause, shorter
    than the headline, added to 40 % of the stories that have neither."""
    clauses = _clauses(pages)

    def probe(page: Page) -> Page:
        rng = random.Random(page.name + "s")
        truth = copy.deepcopy(page.truth)
        lines = list(_lines(page))
        labels = [label for _, label in lines]
        around: dict[int, tuple[list[str], list[str]]] = {}
        for story in truth["stories"]:
            head = story["headline"]
            if story["kicker"] or story["subheadline"] or story["kind"] != "article":
                continue
            at = next(
                (i for i, (ln, lab) in enumerate(lines) if lab == "G" and ln.strip() == head),
                None,
            )
            if at is None or "G" in (labels[at - 1] if at else None, *labels[at + 1 : at + 2]):
                continue  # a stack already
            draw = rng.random()
            shorter = [c for c in clauses if len(c) <= len(head) - 3]
            if not shorter:
                continue
            if draw < 0.2:
                story["kicker"] = rng.choice(shorter)
                around.setdefault(at, ([], []))[0].append(story["kicker"])
            elif draw < 0.4:
                story["subheadline"] = sub = rng.choice(shorter)
                around.setdefault(at, ([], []))[1].append("——" + sub if rng.random() < 0.5 else sub)
        out: list[tuple[str, str | None]] = []
        for i, pair in enumerate(lines):
            above, below = around.get(i, ([], []))
            out += [(x, "G") for x in above] + [pair] + [(x, "G") for x in below]
        return _page(page, out, truth)

    return probe


def headline_marks(page: Page) -> Page:
    """`！` or `？` closing 40 % of the headlines."""
    rng = random.Random(page.name + "p")
    truth = copy.deepcopy(page.truth)
    lines = list(_lines(page))
    for story in truth["stories"]:
        head = story["headline"]
        if "\u4e00" <= head[-1] <= "\u9fff" and rng.random() < 0.4:
            for i, (line, label) in enumerate(lines):
                if label == "G" and line.strip() == head:
                    story["headline"] = head + rng.choice("！？")
                    lines[i] = (line.replace(head, story["headline"]), label)
                    break
    return _page(page, lines, truth)


def probes(pages: list[Page]) -> dict[str, Probe]:
    """Every probe by name."""
    return {
        "plain": plain,
        "indented": indented,
        "double_spaced": double_spaced,
        "unspaced": unspaced,
        "half_width": half_width,
        "corner_quotes": corner_quotes,
        "running_heads": running_heads,
        "ruled": ruled,
        "closing_credits": closing_credits,
        "captions": captions,
        "bylines": bylines,
        "stacks": stacks(pages),
        "headline_marks": headline_marks,
    }


def probed(pages: list[Page], probe: Probe) -> Result:
    """Outlet cross-validation with every held-out page rewritten by `probe`."""
    return cross_validate(pages, transform=probe)


def main(argv: list[str] | None = None) -> int:
    pages = load_pages()
    known = probes(pages)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(known))
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"no probe {', '.join(unknown)}")
    for name in args.names or known:
        result = probed(pages, known[name])
        sure = [ok for conf, ok in result.calibration if conf >= THRESHOLD]
        print(
            f"{name:16s} stories {result.story_share:6.1%}  pages {result.page_share:6.1%}  "
            f"at or above {THRESHOLD}: {sum(sure)} of {len(sure)} right",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
