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
import unicodedata
from collections.abc import Iterable

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


def join_fragments(pieces: Iterable[str]) -> str:
    """The pieces of one paragraph that column or page breaks split, rejoined.

    Chinese text is written without spaces, so the pieces meet directly, and so do the halves of
    a number or a Latin word that a break cut (`5时2|5分`, `IP|O`, `第5|G网络`). A space goes
    back only between Latin words the text sets apart by spaces (`Brit Beaten|After`,
    `发布了 Apple|Watch`): a typesetter breaks a line at such a space; a word run into the
    Chinese around it (`疯狂的IPO申报`) is an acronym or a name, cut where the column ended.
    A half-width mark at a seam is made full-width as `punctuate` would have in one line
    (`组织` | `(OECD)` is `组织（OECD）`).
    """
    out: list[str] = []
    seams = False  # a half-width mark at a seam, which no neighbour in its own line made Chinese
    for piece in pieces:
        if not piece:
            continue
        if out:
            seams = seams or piece[0] in _FULL or out[-1][-1] in _FULL
            if _letter(piece[0]) and _letter(out[-1][-1]) and _in_phrase("".join(out)):
                out.append(" ")
        out.append(piece)
    return punctuate("".join(out)) if seams else "".join(out)


def _letter(ch: str) -> bool:
    """Whether `ch` is a Latin letter, half- or full-width."""
    return ("a" <= ch.lower() <= "z") or ("Ａ" <= ch <= "Ｚ") or ("ａ" <= ch <= "ｚ")


def _in_phrase(head: str) -> bool:
    """Whether `head` ends on a Latin word set apart by spaces: inside a phrase (`Brit Beaten`)
    or after a space that parts it from the Chinese before it (`发布了 Apple`)."""
    if not head or not _letter(head[-1]):
        return False
    start = len(head)
    while start and (_letter(head[start - 1]) or head[start - 1] in " .'-"):
        start -= 1
    return " " in head[start:]


def both_widths(chars: str) -> frozenset[str]:
    """`chars` with each one's half- and full-width twin (`)` and `）`, `[` and `［`, `。` and
    `｡`), so a test of a line's last or first character does not depend on which width the
    source typed."""
    out = set(chars)
    for ch in chars:
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) == 1:
            out.add(folded)
        if "!" <= ch <= "~":
            out.add(chr(ord(ch) + 0xFEE0))
    out.update(twin for twin, folded in _FULL_FORMS if folded in out)
    return frozenset(out)


#: Every half- and full-width form with the one character NFKC folds it to.
_FULL_FORMS = tuple(
    (chr(code), folded)
    for code in range(0xFF01, 0xFFEF)
    if len(folded := unicodedata.normalize("NFKC", chr(code))) == 1
)


#: Every full-width form of an ASCII character as that character.
_ASCII_FORMS = str.maketrans({chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)})


#: Full-width digits and Latin letters as ASCII, corner quotes as curly ones: what
#: `fold_forms` changes, one character for one.
_FOLD = {
    **{code: ascii_ for code, ascii_ in _ASCII_FORMS.items() if ascii_.isalnum()},
    **str.maketrans({"「": "“", "」": "”", "『": "‘", "』": "’"}),
}


def fold_forms(lines: list[str]) -> list[str]:
    """`lines` with full-width digits and Latin letters as ASCII (`２０１２年` as `2012年`) and
    corner quotes as curly ones (`「` as `“`), character for character, so every offset stays
    where it was; nothing else changes."""
    # a regex finds the runs at C speed; translating every character costs three times more
    return [line if line.isascii() else _FOLDED.sub(_fold, line) for line in lines]


_FOLDED = re.compile("[０-９Ａ-Ｚａ-ｚ「」『』]+")


def _fold(run: re.Match[str]) -> str:
    return run.group().translate(_FOLD)


def set_width(text: str) -> str:
    """`text` with every full-width form of an ASCII character (`７－２１`, `（`, `％`) as ASCII:
    what a line's printed width is measured on, since a paper sets `7-21` alike whichever
    width its source typed."""
    return text if text.isascii() else text.translate(_ASCII_FORMS)
