"""Column geometry of page text: printed widths, and hard-wrapped column lines joined back.

Text extraction gives one of two shapes. Most tools (and every page of the corpus) put a
paragraph on one line, with column breaks as stray line ends the layout rules repair. Others
keep the printed column: every line of a paragraph as wide as the column (give or take one em
for punctuation the typesetter hung or pulled down), and only a paragraph's last line short.
The line model reads the first shape, so `unwrap` turns the second into it before anything
else looks at the page, and leaves text of the first shape exactly as it was.

A page is *wrapped* when one width dominates its lines (`column_width`): for a page of
paragraphs on one line each the widths scatter, for a page set in columns most body lines
share the column's width. A full line goes on in the line under it unless that line is blank,
indented, opens with a dateline or is a heading; where a full line ends with a stop, only an
indented page tells whether its paragraph ends there, so elsewhere the join is a guess that
`Unwrapped.guessed` reports and the article's confidence pays for (`guessed_join`). Scored on
the corpus with every body line hard-wrapped (tests/parse/corpus/score.py `--wrap`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from distro.parse.model import PARAGRAPH_ENDS, dateline_leads, stands_alone
from distro.parse.typography import INVISIBLE, join_fragments

#: Lines narrower than this (ems) never tell the column: headlines, bylines, furniture.
MIN_COLUMN = 8
#: A line within this many ems of the column's width fills it.
SLACK = 1.0
#: Indentation that opens a paragraph in column text.
_INDENTS = ("\u3000", "  ", "\t")
#: What ends a paragraph at the column's edge: a stop, or a photo credit (`…记者某某摄`).
_ENDS = PARAGRAPH_ENDS | {"摄"}


@dataclass(frozen=True)
class Unwrapped:
    """Page text with its column lines joined, and where a join was a guess."""

    text: str
    #: Positions, among the text's non-blank lines, of paragraphs joined across a stop at the
    #: column's edge (the paragraph may end there as well: one time in five in the corpus), or
    #: not joined to the full line over them though they read as its prose.
    guessed: frozenset[int] = frozenset()


def width(text: str) -> float:
    """Printed width in ems: ASCII characters are half as wide as ideographs."""
    return len(text) - 0.5 * len(text.encode("ascii", errors="ignore"))


def _ruled(line: str) -> bool:
    """Whether `line` is set in fields (a table row, a list, a running head): a run of spaces,
    an ideographic space or a tab inside its text. Such lines share a width without being
    wrapped prose, and are never joined."""
    text = line.strip()
    return "  " in text or "\u3000" in text or "\t" in text


def column_width(lines: list[str]) -> float | None:
    """The width (ems) the page's lines are wrapped at, or None when they are not wrapped.

    The most common width of lines at least `MIN_COLUMN` wide must be shared (within one em) by
    at least four lines and 30 % of the page's lines, and at most a quarter of the lines may be
    wider: a page set in columns has few lines past its column's edge.
    """
    widths = [width(line.rstrip()) for line in lines if line.strip()]
    prose = [width(line.rstrip()) for line in lines if line.strip() and not _ruled(line)]
    wide = [round(w) for w in prose if w >= MIN_COLUMN]
    if not wide:
        return None
    counts = Counter(wide)
    mode = max(counts, key=lambda w: (counts[w], w))
    near = sum(1 for w in prose if abs(w - mode) <= SLACK)
    wider = sum(1 for w in widths if w > mode + SLACK)
    if near < 4 or near < 0.3 * len(widths) or wider > 0.25 * len(widths):
        return None
    return float(mode)


def _fills(line: str, ems: float) -> bool:
    """Whether `line` (its indentation counted) is as wide as the column, give or take `SLACK`:
    a line wider than that is no column line (a headline across columns), nor is a line set in
    fields."""
    return abs(width(line.rstrip()) - ems) <= SLACK and not _ruled(line)


def _seam(upper: str, lower: str, after: str, ems: float, indented: bool) -> tuple[bool, bool]:
    """Whether `lower` goes on the paragraph of `upper`, a line that fills the column, and
    whether that reading is a guess (`after` is the next line with text under `lower`;
    `indented`, whether the page opens its paragraphs indented)."""
    below = lower.strip()
    if _blank(lower) or lower.startswith(_INDENTS) or _ruled(lower) or dateline_leads(below):
        return False, False
    # no line of a column is wider than it: a headline or a caption across columns
    if width(lower.rstrip()) > ems + SLACK:
        return False, False
    # a credit, a jump or a page reference in brackets under a finished sentence is a line of
    # its own (a dateline printed after the story, `（据新华社电）`, stays with the paragraph)
    if upper.rstrip()[-1:] in _ENDS and stands_alone(below):
        return False, False
    full = _fills(lower, ems)
    ends = below[-1:] in PARAGRAPH_ENDS
    # a line that ends no sentence over a datelined lead (or, where paragraphs open indented,
    # over an indented line) is that story's headline or byline, however wide
    if (
        not ends
        and not _blank(after)
        and (dateline_leads(after.strip()) or (indented and after.startswith(_INDENTS)))
    ):
        return False, False
    if upper.rstrip()[-1:] not in _ENDS:
        return True, False
    # A stop (or a photo credit) at the column's edge: the paragraph may end there. Where the
    # page indents its paragraphs an unindented line goes on, unless it is shaped as a heading
    # (no punctuation); elsewhere only the widths tell, and a short line that does not end a
    # sentence is a headline or a byline, not the last line of the same paragraph.
    prose = ends or any(mark in below for mark in "。，；：")
    if indented:
        # a fragment a column break left is followed by the rest of its paragraph, unindented
        # and full; a heading by an indented lead or a byline
        goes_on = not after.startswith(_INDENTS) and _fills(after, ems)
        return full or prose or goes_on, False
    if full or ends:
        return True, True
    return False, prose


def _blank(line: str) -> bool:
    """Whether `line` holds no text (as `typography.tidy_lines` counts lines)."""
    for invisible in INVISIBLE:
        line = line.replace(invisible, "")
    return not line.split()


def unwrap(text: str) -> Unwrapped:
    """`text` with hard-wrapped column lines joined into one line per paragraph.

    Text that is not wrapped (see `column_width`) is returned unchanged. Linear: each line is
    looked at once, and a paragraph's pieces are joined once.
    """
    lines = text.splitlines()
    ems = column_width(lines)
    if ems is None:
        return Unwrapped(text)
    indents = sum(1 for line in lines if line.startswith(_INDENTS) and not _blank(line))
    indented = indents >= 3 and indents >= 0.1 * sum(1 for line in lines if not _blank(line))
    # the next line with text at or after each position, in one backward pass
    texts = [""] * (len(lines) + 1)
    for index in range(len(lines) - 1, -1, -1):
        texts[index] = lines[index] if not _blank(lines[index]) else texts[index + 1]
    out: list[str] = []
    guessed: set[int] = set()
    pieces: list[str] = []
    guess = False
    kept = 0  # non-blank lines in `out`
    for index, line in enumerate(lines):
        if not pieces and _blank(line):
            out.append(line)
            continue
        pieces.append(line.strip() if pieces else line.rstrip())
        below = lines[index + 1] if index + 1 < len(lines) else ""
        after = texts[index + 2] if index + 2 < len(lines) else ""
        joins, doubt = (
            _seam(line, below, after, ems, indented)
            if index + 1 < len(lines) and _fills(line, ems)
            else (False, False)
        )
        if joins:
            guess = guess or doubt
            continue
        if guess:
            guessed.add(kept)
        out.append(join_fragments(pieces))
        kept += 1
        pieces, guess = [], False
        if doubt:  # the paragraph may go on in the line under it
            guessed.add(kept)
    return Unwrapped("\n".join(out) + ("\n" if text.endswith("\n") else ""), frozenset(guessed))
