"""Punctuation and whitespace normalization of page text; nothing else in the text changes.

- Half-width `, ; : ? ! ( )` in Chinese context become full-width (`，；：？！（）`). "Chinese
  context" means a CJK neighbour on either side: an ideograph, CJK punctuation, a full-width form
  or curly quotes. PDF extraction puts ASCII commas after ideographs and before digits alike
  (`7月4日至5日,2021年`), and an editor sets both full-width; between two ASCII characters
  (`3,000`, `10:30`, `a, b`) nothing changes.
- Whitespace: every line trimmed (ASCII, no-break and ideographic spaces), runs inside a line
  collapsed to one space, and spaces next to full-width punctuation removed (`会， 深入` is an
  extraction artifact). A space between two ideographs stays: headlines use it to separate clauses
  (`孙永红出席并讲话 周安主持`).
"""

from __future__ import annotations

import re

#: Characters that make their neighbourhood Chinese.
CJK = (
    "\u2018-\u201d\u2014\u2026\u00b7"  # curly quotes, em dash, ellipsis, middle dot
    "\u3000-\u303f"  # CJK symbols and punctuation
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # ideographs
    "\uff00-\uffef"  # full-width forms
)
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
# One pattern per mark, starting with the mark itself so the engine scans for it at C speed,
# with a constant replacement: far faster than lookbehind-first patterns or a callback.
_HALF_IN_CJK = tuple(
    (
        half,
        re.compile(rf"{re.escape(half)}(?:(?<=[{CJK}]{re.escape(half)})|(?=[{CJK}]))"),
        full,
    )
    for half, full in _FULL.items()
)
#: Zero-width characters that `str.split` does not count as space: dropped.
INVISIBLE = ("\u200b", "\ufeff")
_SPACE_AT_PUNCT = re.compile(r" (?:(?=[，。、；：？！）」』”》])|(?<=[，。、；：？！（「『“《] ))")


def punctuate(text: str) -> str:
    """`text` with half-width `, ; : ? ! ( )` in Chinese context made full-width."""
    for half, pattern, full in _HALF_IN_CJK:
        if half in text:
            text = pattern.sub(full, text)
    return text


def tidy_lines(text: str) -> list[str]:
    """The non-empty lines of `text`, each normalized (see the module docstring).

    Whitespace is collapsed with `str.split`, which knows every Unicode space and runs at C speed
    (a regex over a whole page of ideographs costs ten times more); the punctuation passes then
    run once over the page, not once per line.
    """
    for invisible in INVISIBLE:
        if invisible in text:
            text = text.replace(invisible, "")
    page = "\n".join(" ".join(words) for line in text.splitlines() if (words := line.split()))
    page = punctuate(page)
    if " " in page:
        page = _SPACE_AT_PUNCT.sub("", page)
    return page.split("\n") if page else []


def tidy_line(line: str) -> str:
    """One line normalized: punctuation, then whitespace trimmed and collapsed."""
    return " ".join(tidy_lines(line))


def ideograph_share(text: str) -> float:
    """Share of the visible (non-space) characters of `text` that are CJK (3 bytes in UTF-8).

    Counted from the UTF-8 length, at C speed: every ideograph and CJK punctuation mark takes
    three bytes, ASCII one, so the surplus bytes over two count the CJK characters.
    """
    visible = len("".join(text.split()))
    if visible <= 0:
        return 0.0
    wide = (len(text.encode("utf-8", errors="surrogatepass")) - len(text)) / 2
    return min(1.0, wide / visible)


def join_fragments(head: str, tail: str) -> str:
    """Two pieces of one paragraph split by a column or page break, rejoined.

    Chinese text is written without spaces, so the pieces meet directly (digits too: `5|G` is
    `5G`); two Latin words meet with a space (a break between `new` and `area` was a space).
    """
    latin_head = head and head[-1].isascii() and head[-1].isalpha()
    if latin_head and tail and tail[0].isascii() and tail[0].isalpha():
        return f"{head} {tail}"
    return head + tail
