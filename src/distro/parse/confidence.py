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
- `stack_order`: a two-line stack whose wider line is below (page.py): the headline taken
  may be a 副题, the kicker the real headline;
- `teaser_with_body`: a teaser over more than one paragraph (page.py);
- `heading_in_body`: a paragraph inside the body is shaped like a headline (short, no sentence
  end) or a later paragraph opens with a dateline: the next story's headline and lead may have
  been read into this one (or it is a crosshead, or two reports under one headline);
- `long_headline`: a headline longer than headlines are set;
- `low_margin`: the model nearly labelled one of the article's lines otherwise;
- `unconfirmed_start`: neither dateline nor byline confirms where the story starts (a
  name-only byline does not: it reads like any short line);
- `unparsed_byline`, `credit_after_byline`: from the layout;
- `guessed_join`: from the layout, column lines were joined across a stop at the column's edge
  (columns.py), where the paragraph may as well have ended;
- `next_start_unconfirmed`: from the page (page.py), the next story's start is unconfirmed, so
  its headline may be a crosshead of this story and this story's tail may have gone to it;
- `open_end`, `after_open_end`: from the page, a story's last paragraph stops open (a
  subheadline or crosshead read as body), so it and the story after it may be split wrong.

`THRESHOLD` is the default line for holding an article for an editor, read off the corpus
cross-validation (tests/parse/corpus/score.py prints it): on held-out outlets 386 of the 387
articles at or above it were fully right (99.7 %), and 61.8 % of all articles were held below
it; with the body hard-wrapped at 28 ems (`score --wrap 28`), 314 of 315 (68.8 % held). The
price is that share held: the line model is often confidently wrong where a crosshead or a
caption in a body reads like a headline, so the caps above carry most of the signal, and they
hold every story of a page whose stories print no dateline or byline.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from distro.parse.model import dateline_leads
from distro.parse.typography import both_widths

#: Articles below this confidence should be held for an editor.
THRESHOLD = 0.8
#: Margin (model score units) at which a line counts as sure.
_SCALE = 2.0
_LOW_MARGIN = 1.0
_CREDIT_HEADLINE = re.compile(
    r"^[（(].*(?:记者|通讯员|整理|报道).*[）)]$|^(?:本报|本台)?(?:记者|通讯员|评论员)\s|^[□■◎●]"
)
_OPEN_END = both_widths("，、,0123456789０１２３４５６７８９")
_CLOSE_START = both_widths("，。、；：”’）)")
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
    "heading_in_body": 0.6,
    "stack_order": 0.7,
    "teaser_with_body": 0.6,
    "guessed_join": 0.7,
}
_SENTENCE_END = both_widths("。！？!?…；：”’」』）)］】")
#: How far into a paragraph a dateline's closing word can be (as layout reads it).
_DATELINE_REACH = 48


def _opens_with_dateline(text: str) -> bool:
    head = text[:_DATELINE_REACH]
    if "电" not in head and "讯" not in head and "报道" not in head:
        return False
    return dateline_leads(text)


def _heading_in_body(paragraphs: list[str]) -> bool:
    """A headline-shaped paragraph before the last, or a later paragraph opening datelined."""
    for index, paragraph in enumerate(paragraphs):
        if index and _opens_with_dateline(paragraph):
            return True
        if (
            index + 1 < len(paragraphs)
            and len(paragraph) <= 40
            and paragraph[-1] not in _SENTENCE_END
            and "。" not in paragraph
        ):
            return True
    return False


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
        if _heading_in_body(paragraphs):
            flags.append("heading_in_body")
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
