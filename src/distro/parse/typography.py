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
_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"})
_HALF_IN_CJK = re.compile(rf"(?<=[{CJK}])[,;:?!()]|[,;:?!()](?=[{CJK}])")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\u202f\u205f\ufeff]+")
_SPACE_AT_PUNCT = re.compile(r" (?=[，。、；：？！）」』”》])|(?<=[，。、；：？！（「『“《]) ")
_STRIP = " \t\r\n\f\v\u00a0\u3000\u202f\u205f\ufeff" + "".join(map(chr, range(0x2002, 0x200C)))


def punctuate(text: str) -> str:
    """`text` with half-width `, ; : ? ! ( )` in Chinese context made full-width."""
    return _HALF_IN_CJK.sub(lambda m: m.group().translate(_FULL), text)


def tidy_line(line: str) -> str:
    """One line normalized: punctuation, then whitespace trimmed and collapsed."""
    line = line.strip(_STRIP)
    if not line:
        return ""
    line = _SPACES.sub(" ", line)
    line = punctuate(line)
    if " " in line:
        line = _SPACE_AT_PUNCT.sub("", line)
    return line


def is_cjk(ch: str) -> bool:
    """Whether `ch` is an ideograph (not punctuation)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def join_fragments(head: str, tail: str) -> str:
    """Two pieces of one paragraph split by a column or page break, rejoined.

    Chinese text is written without spaces, so the pieces meet directly; two Latin words meet
    with a space (a break between `new` and `area` was a space before it was a break).
    """
    ascii_head = head and head[-1].isascii() and head[-1].isalnum()
    if ascii_head and tail and tail[0].isascii() and tail[0].isalnum():
        return f"{head} {tail}"
    return head + tail
