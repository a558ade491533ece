"""How sure the parser is of an article: a confidence from the line model's margins, and flags.

The line model (model.py) scores every labelling of the page; a line's margin is how much worse
the best labelling that reads it differently scores. An article is as sure as its least sure
line, squashed to 0-1. Independent checks on the finished article then name what looks wrong
and cap the confidence:

- `headline_like_credit`: the headline reads like a credit or byline (`（记者某某）`, `本报记者 …`);
- `unjoined_fragment`: a paragraph stops mid-sentence (`，` `、` or a digit at its end) or the
  next one starts with a closing mark, so a column break was probably not rejoined;
- `missing_dateline`: no dateline although the lead opens like one, or the other stories of the
  page print one;
- `short_body`: a body of a few characters;
- `long_headline`: a headline longer than headlines are set;
- `low_margin`: the model nearly labelled one of the article's lines otherwise;
- `unconfirmed_start`: neither dateline nor byline confirms where the story starts (a
  name-only byline does not: it reads like any short line);
- `unparsed_byline`, `credit_after_byline`: from the layout;
- `next_start_unconfirmed`: from the page (page.py), the next story's start is unconfirmed, so
  its headline may be a crosshead of this story and this story's tail may have gone to it;
- `open_end`, `after_open_end`: from the page, a story's last paragraph stops open (a
  subheadline or crosshead read as body), so it and the story after it may be split wrong.

`THRESHOLD` is the default line for holding an article for an editor, read off the corpus
cross-validation (tests/parse/corpus/score.py prints it): on held-out outlets 114 of the 116
articles at or above it were fully right (98.3 %: both misses read a printed dek as a
subheadline), and 76 % of all articles were held below it. The price is that share held: the
line model is often confidently wrong where a crosshead or a caption in a body reads like a
headline, so the caps above carry most of the signal, and they hold every story of a page whose
stories print no dateline or byline.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: Articles below this confidence should be held for an editor.
THRESHOLD = 0.8
#: Margin (model score units) at which a line counts as sure.
_SCALE = 2.0
_LOW_MARGIN = 1.0
_CREDIT_HEADLINE = re.compile(
    r"^[（(].*(?:记者|通讯员|整理|报道).*[）)]$|^(?:本报|本台)?(?:记者|通讯员|评论员)\s|^[□■◎●]"
)
_OPEN_END = frozenset("，、,0123456789０１２３４５６７８９")
_CLOSE_START = frozenset("，。、；：”’）)")
#: What each flag leaves of the confidence at most.
_CAPS = {
    "headline_like_credit": 0.2,
    "unjoined_fragment": 0.5,
    "missing_dateline": 0.7,
    "short_body": 0.6,
    "long_headline": 0.5,
    "low_margin": 0.75,
    "unparsed_byline": 0.6,
    "credit_after_byline": 0.7,
    "unconfirmed_start": 0.6,
}


@dataclass(frozen=True)
class Assessment:
    """The confidence of one article and the flags behind it."""

    confidence: float
    flags: list[str]


def assess(
    *,
    headline: str,
    paragraphs: list[str],
    margins: list[float],
    notes: list[str],
    has_dateline: bool,
    has_byline: bool,
    lead_looks_dated: bool,
    page_dated_share: float,
    teaser: bool,
) -> Assessment:
    """The confidence and flags of an article (see the module docstring)."""
    flags = list(dict.fromkeys(notes))
    if _CREDIT_HEADLINE.search(headline) is not None:
        flags.append("headline_like_credit")
    if len(headline) > 40:
        flags.append("long_headline")
    if not teaser:
        for index, paragraph in enumerate(paragraphs):
            following = paragraphs[index + 1] if index + 1 < len(paragraphs) else ""
            if paragraph[-1] in _OPEN_END or (following and following[0] in _CLOSE_START):
                flags.append("unjoined_fragment")
                break
        if sum(len(p) for p in paragraphs) < 20:
            flags.append("short_body")
        if not has_dateline and (lead_looks_dated or page_dated_share > 0.5):
            flags.append("missing_dateline")
        if not has_dateline and not has_byline:
            # Nothing but a short line confirms where the story starts: a crosshead or caption
            # in a neighbour's body reads the same (the corpus's most common error).
            flags.append("unconfirmed_start")
    least = min(margins) if margins else 0.0
    if least < _LOW_MARGIN:
        flags.append("low_margin")
    # Every line must be read right: the article's odds are the product of its lines' odds.
    confidence = 1.0
    for margin in margins:
        confidence *= 1.0 / (1.0 + math.exp(-min(margin, 60.0) / _SCALE))
    for flag in flags:
        confidence = min(confidence, _CAPS.get(flag, 0.7))
    return Assessment(round(confidence, 4), flags)
