"""A newspaper page's bytes into validated Articles: decode, segment, stack, dateline, identity.

The headline stack. Chinese papers set up to three lines over a story: the 引题 (kicker) above,
the 主题 (headline) in the largest type, the 副题 (subheadline) below, which is printed with a
leading `——` or, as often, without one (`孙永红出席并讲话 周安主持`). Extracted text keeps
their top-to-bottom order but loses the type sizes, so the headline is taken to be the longest
line of the stack: the main title carries the message and is set widest, usually as two
parallel clauses (`持续转作风抓落实创一流当排头 努力在高质量发展中率先走在前列`), while the
event line above it (`2021年全区“攻坚突破年”现场观摩会举行`) is the kicker and the names line
below it is the subheadline. Lines before the headline form the kicker, lines after it and every
`——` line the subheadline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from functools import lru_cache
from zoneinfo import ZoneInfo

from distro.dates import find_dateline as _find_dateline
from distro.dates import strip_dateline
from distro.errors import ParseError
from distro.models import Article, Byline, Dateline, Kind, Provenance, clean_text, make_id
from distro.parse.columns import width
from distro.parse.confidence import assess
from distro.parse.encoding import decode
from distro.parse.layout import PARAGRAPH_ENDS, Block, Layout, might_open_with_dateline, segment
from distro.parse.model import LineModel
from distro.parse.typography import ideograph_share, set_width

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Each lead is read twice (the page's dateline habit, then the item's own dateline); Datelines
# are frozen, so the second read can share the first.
find_dateline = lru_cache(maxsize=512)(_find_dateline)
#: Share of a page's visible characters that must be CJK (ideographs, CJK punctuation).
MIN_CJK_SHARE = 0.2
#: Words of a subheadline or headline that make an item a feature rather than news.
FEATURE_WORDS = ("侧记", "特写", "手记", "见闻", "走笔", "纪实")

_MASTHEAD_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*(?:星期|周)[一二三四五六日天]"
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def _teaser_notes(block: Block) -> list[str]:
    """`teaser_with_body`: a teaser prints one summary; several paragraphs over its page
    reference are a story (or more) it swallowed."""
    if block.page_ref is not None and len(block.paragraphs) > 1:
        return ["teaser_with_body"]
    return []


def stack_notes(stack: list[tuple[str, bool]]) -> list[str]:
    """`stack_order` for two plain lines, the wider one below: an 引题 over its headline and a
    headline over a wider 副题 (People's Daily sets both) look the same once extraction has
    lost the type sizes, so the headline chosen may be the subheadline."""
    plain = [text for text, dashed in stack if not dashed]
    if (
        len(plain) == 2
        and len(plain) == len(stack)
        and width(set_width(plain[1])) > width(set_width(plain[0]))
    ):
        return ["stack_order"]
    return []


def split_stack(stack: list[tuple[str, bool]]) -> tuple[str | None, str, str | None]:
    """(kicker, headline, subheadline) of a heading stack; see the module docstring."""
    plain = [text for text, dashed in stack if not dashed]
    dashed = [text for text, dashed in stack if dashed]
    if not plain:
        return None, dashed[0], " ".join(dashed[1:]) or None
    # measured as printed: a paper sets `7-21` alike whichever width its source typed
    widths = [width(set_width(text)) for text in plain]
    # the first of the widest: half an em is a digit or a dash, not a larger type size
    main = next(i for i, w in enumerate(widths) if w >= max(widths) - 0.5)
    if len(stack) == 2 and main == 1 and _summing_up(plain[1]) and not _summing_up(plain[0]):
        # a wider line of clauses under a phrase is the 副题 summing up the story under its
        # headline (`全总致全国各族职工慰问信` | `勉励广大职工…，为企业改革发展建功立业`); a
        # headline under its 引题 is a phrase, or two a space sets apart
        main = 0
    kicker = " ".join(plain[:main]) or None
    subheadline = " ".join([*plain[main + 1 :], *dashed]) or None
    return kicker, plain[main], subheadline


def _summing_up(text: str) -> bool:
    """A stack line of clauses a comma or semicolon joins: a sentence, as a 副题 sums up."""
    return "，" in text or "；" in text


def _genre(byline: Byline | None, headlines: list[str | None]) -> str:
    if byline is not None and any("评论员" in role for role in byline.roles):
        return "commentary"
    if any(line and any(word in line for word in FEATURE_WORDS) for line in headlines):
        return "feature"
    return "news"


def infer_issue_date(text: str, layout: Layout) -> dt.date | None:
    """The issue date a page states: a masthead date, else its first dated dateline.

    A dateline prints month and day only (`本报7月5日讯`); its year is the year the page names
    most often (`2021年…`). Returns None rather than guess when neither is printed.
    """
    found = _MASTHEAD_DATE.search(text)
    if found is not None:
        try:
            return dt.date(int(found["y"]), int(found["m"]), int(found["d"]))
        except ValueError:
            pass
    years = Counter(_YEAR.findall(text))
    if not years:
        return None
    year = int(years.most_common(1)[0][0])
    for block in layout.blocks:
        if not block.paragraphs:
            continue
        # Anchored mid-year so a printed month always lands in the named year.
        dateline = find_dateline(block.paragraphs[0], dt.date(year, 6, 30))
        if dateline is not None and "月" in dateline.raw and dateline.span[0] == 0:
            return dateline.date
    return None


def _lead_dateline(
    paragraphs: list[str], issue_date: dt.date | None, byline: Byline | None
) -> tuple[Dateline | None, list[str]]:
    """The dateline opening the first paragraph, cut off the body; the span indexes that paragraph.

    The dateline credits everyone the item credits: the byline's names come first, as printed
    above the lead, then any the dateline's own credit adds (`（记者 X）`).
    """
    if not paragraphs:
        return None, paragraphs
    first = paragraphs[0]
    if not might_open_with_dateline(first):
        return None, paragraphs
    dateline = find_dateline(first, issue_date)
    if dateline is None or dateline.position != "lead" or dateline.span[0] != 0:
        return None, paragraphs
    rest = strip_dateline(first, dateline).strip()
    if byline is not None and byline.names:
        extra = [name for name in dateline.reporters if name not in byline.names]
        # Built and validated like any Dateline; model_copy costs more than the whole body repair.
        dateline = Dateline(**{**dict(dateline), "reporters": [*byline.names, *extra]})
    return dateline, ([rest] if rest else []) + paragraphs[1:]


def articles_of(
    layout: Layout,
    *,
    provenance: Provenance,
    issue_date: dt.date | None,
    issue_date_inferred: bool,
    page: str | None,
    section: str | None,
    publication: str,
) -> list[Article]:
    """Validated Articles of a segmented page."""
    published_at = (
        dt.datetime.combine(issue_date, dt.time(0), tzinfo=SHANGHAI) if issue_date else None
    )
    seen: Counter[str] = Counter()
    articles = []
    # Whether each item's lead opens with a dateline: a page's stories mostly agree. Each lead
    # is read once, here, for the share and for its article.
    bodies = [b.page_ref is None and bool(b.paragraphs) for b in layout.blocks]
    leads = [
        _lead_dateline(b.paragraphs, issue_date, b.byline) if b.page_ref is None else None
        for b in layout.blocks
    ]
    dated = [
        body and lead is not None and lead[0] is not None
        for body, lead in zip(bodies, leads, strict=True)
    ]
    dated_count, total = sum(dated), sum(bodies)
    for block, body, own, lead in zip(layout.blocks, bodies, dated, leads, strict=True):
        others = total - body
        share = (dated_count - own) / others if others else 0.0
        articles.append(
            _article(
                block,
                lead=lead,
                page_dated_share=share,
                provenance=provenance,
                issue_date=issue_date,
                issue_date_inferred=issue_date_inferred,
                published_at=published_at,
                page=page,
                section=section,
                publication=publication,
                seen=seen,
            )
        )
    return _doubt_open_ends(articles)


#: Confidence left to a story when the next one's start is unconfirmed (see `_doubt_open_ends`).
_OPEN_END_CAP = 0.7


def _doubt_open_ends(articles: list[Article]) -> list[Article]:
    """A story whose successor starts on nothing but a short line may end too early.

    When neither dateline nor byline confirms the next story's start (`unconfirmed_start`),
    its headline may be a crosshead of this story, whose tail then went to the next one: the
    story is flagged `next_start_unconfirmed` and held like its successor.

    A story whose last paragraph stops open (no `。！？…；：”）` at its end: a crosshead, a
    subheadline or a broken line) was probably cut short where the next one was taken to start:
    both are flagged, `open_end` and `after_open_end`, and held alike.
    """
    out = list(articles)
    for index in range(len(out) - 1):
        current, following = out[index], out[index + 1]
        if current.kind is not Kind.ARTICLE:
            continue
        flags: list[str] = []
        if "unconfirmed_start" in following.flags:
            flags.append("next_start_unconfirmed")
        if current.paragraphs and current.paragraphs[-1][-1] not in PARAGRAPH_ENDS:
            flags.append("open_end")
            out[index + 1] = following.model_copy(
                update={
                    "flags": [*following.flags, "after_open_end"],
                    "confidence": min(following.confidence, _OPEN_END_CAP),
                }
            )
        if flags:
            out[index] = current.model_copy(
                update={
                    "flags": [*current.flags, *flags],
                    "confidence": min(current.confidence, _OPEN_END_CAP),
                }
            )
    return out


def _article(
    block: Block,
    *,
    provenance: Provenance,
    issue_date: dt.date | None,
    issue_date_inferred: bool,
    published_at: dt.datetime | None,
    page: str | None,
    section: str | None,
    publication: str,
    seen: Counter[str],
    page_dated_share: float = 0.0,
    lead: tuple[Dateline | None, list[str]] | None = None,
) -> Article:
    """The Article of one item; `lead` is its `_lead_dateline` when the caller read it."""
    kicker, headline, subheadline = split_stack(block.stack)
    teaser = block.page_ref is not None
    paragraphs: list[str]
    if teaser:
        dateline, paragraphs = None, []
        summary = "".join(block.paragraphs) or None
    else:
        if lead is None:
            lead = _lead_dateline(block.paragraphs, issue_date, block.byline)
        dateline, paragraphs = lead
        summary = None
    # Two items with one headline on one page (rare: a teaser and its story) stay apart.
    seen[headline] += 1
    key = headline if seen[headline] == 1 else f"{headline}#{seen[headline]}"
    if issue_date is None:
        # Nothing dates an undated page: its text, not its headline alone, says which item it is
        # (today's `天气预报` and tomorrow's are two articles; the same text again is a duplicate).
        text = "\n".join([kicker or "", subheadline or "", *block.paragraphs])
        key = f"{key}\x1f{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    article_id = make_id(publication, issue_date.isoformat() if issue_date else "", page or "", key)
    genre = _genre(block.byline, [kicker, headline, subheadline])
    assessment = assess(
        headline=headline,
        paragraphs=paragraphs,
        margins=block.margins,
        notes=[*block.notes, *stack_notes(block.stack), *_teaser_notes(block)],
        has_dateline=dateline is not None,
        # A name-only byline (`王某某`) reads like any short line: only a role confirms a start.
        has_byline=block.byline is not None and bool(block.byline.roles),
        lead_looks_dated=bool(paragraphs)
        and dateline is None
        and might_open_with_dateline(block.paragraphs[0][:12]),
        # A commentary (本报评论员) prints no dateline, whatever the news beside it does.
        page_dated_share=0.0 if genre == "commentary" else page_dated_share,
        teaser=teaser,
    )
    return Article(
        confidence=assessment.confidence,
        flags=assessment.flags,
        id=article_id,
        version=1,
        kind=Kind.TEASER if teaser else Kind.ARTICLE,
        genre=genre,
        section=section,
        kicker=kicker,
        headline=headline,
        subheadline=subheadline,
        byline=block.byline,
        dateline=dateline,
        paragraphs=paragraphs,
        summary=summary,
        continued_on_page=block.continued_on_page,
        continued_from_page=block.continued_from_page,
        page_ref=block.page_ref,
        page=page,
        issue_date=issue_date,
        issue_date_inferred=issue_date_inferred,
        published_at=published_at,
        provenance=provenance,
    )


def parse_text(
    text: str,
    *,
    origin: str,
    provenance: Provenance,
    issue_date: dt.date | None = None,
    page: str | None = None,
    section: str | None = None,
    publication: str = "本报",
    model: LineModel | None = None,
) -> list[Article]:
    """The Articles of a decoded page; raises ParseError when the text is not a page.

    `model` replaces the shipped line model (cross-validation trains its own).
    """
    text = clean_text(text)  # control characters never reach an article (see models.CONTROL)
    if not text.strip():
        raise ParseError(f"{origin}: empty page")
    if ideograph_share(text[:600]) < MIN_CJK_SHARE:
        raise ParseError(f"{origin}: not a newspaper page (almost no Chinese text)")
    layout = segment(text, model)
    if not layout.blocks:
        raise ParseError(f"{origin}: not a newspaper page (no headline found)")
    inferred = False
    if issue_date is None:
        issue_date = infer_issue_date(text, layout)
        inferred = issue_date is not None
    return articles_of(
        layout,
        provenance=provenance,
        issue_date=issue_date,
        issue_date_inferred=inferred,
        page=page,
        section=section,
        publication=publication,
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def parse_page(
    data: bytes,
    *,
    origin: str,
    issue_date: dt.date | None = None,
    page: str | None = None,
    section: str | None = None,
    source: str = "inbox",
    publication: str = "本报",
    received_at: dt.datetime | None = None,
    model: LineModel | None = None,
) -> list[Article]:
    """The Articles of a page's raw bytes, in page order.

    Raises DecodeError for bytes no supported encoding reads and ParseError for input that is
    empty, binary or not a page. Without `issue_date`, the date is inferred from the text
    (`issue_date_inferred` is then True) or left empty.
    """
    if not data:
        raise ParseError(f"{origin}: empty file")
    text, encoding = decode(data, origin=origin)
    provenance = Provenance(
        origin=origin,
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=_aware(received_at or dt.datetime.now(dt.UTC)),
        source=source,
        encoding=encoding,
    )
    return parse_text(
        text,
        origin=origin,
        provenance=provenance,
        issue_date=issue_date,
        page=page,
        section=section,
        publication=publication,
        model=model,
    )
