"""Article bodies as every channel shows them: the printed dateline in bold at the head of the lead.

The parser cuts the dateline (`本报7月5日讯`) off the first paragraph and keeps it in
`Article.dateline`; papers print it in bold at the head of the lead, so the web page, WeChat,
the feeds and the app put it back there, as printed. A trailer (`（新华社北京3月4日电）`) goes back
at the end of the last paragraph. Where the body still holds the dateline (a feed's HTML body,
or paragraphs that were never cut), it is marked in place, never shown twice.
"""

from __future__ import annotations

import re
from html import escape

from distro.html import body_html, body_text, sanitize
from distro.models import Article, Dateline, Kind

#: Between the dateline and the story, as papers set it: `本报7月5日讯 7月4日至5日…`.
SEPARATOR = " "
#: How far into the body a dateline already printed there is looked for.
_REACH = 40
_ONLY_TAGS = re.compile(r"(?:\s|<[^>]*>)*")


def shown_dateline(article: Article) -> Dateline | None:
    """The dateline a reader should see with the body, or None (teasers, no body, blank)."""
    dateline = article.dateline
    if dateline is None or article.kind is not Kind.ARTICLE or not dateline.raw.strip():
        return None
    if not article.paragraphs and not article.body_html:
        return None
    return dateline


def render_text(article: Article) -> str:
    """The body as plain text, the printed dateline at the head of the lead (or at the end)."""
    text = body_text(article)
    dateline = shown_dateline(article)
    if dateline is None or not text:
        return text
    raw = dateline.raw.strip()
    if dateline.position == "trailer":
        if raw in text[-(len(raw) + _REACH) :]:
            return text
        return text.rstrip() + raw
    if raw in text[: len(raw) + _REACH]:
        return text
    return raw + SEPARATOR + text


def _mark(raw: str, css_class: str | None) -> str:
    attribute = f' class="{escape(css_class, quote=True)}"' if css_class else ""
    return f"<strong{attribute}>{escape(raw, quote=True)}</strong>"


def _paragraphs_html(article: Article, dateline: Dateline, mark: str) -> str:
    raw = dateline.raw.strip()
    cells = [escape(p, quote=True) for p in article.paragraphs]
    if dateline.position == "trailer":
        last = article.paragraphs[-1].rstrip()
        if last.endswith(raw):
            last = last[: -len(raw)]
        cells[-1] = escape(last, quote=True) + mark
    else:
        first = article.paragraphs[0]
        rest = first[len(raw) :] if first.startswith(raw) else SEPARATOR + first
        cells[0] = mark + escape(rest, quote=True)
    return "".join(f"<p>{cell}</p>" for cell in cells)


def _html_body(html: str, dateline: Dateline, mark: str, text: str) -> str:
    """A sanitized HTML body with the dateline marked where it stands, or put at its head."""
    raw = dateline.raw.strip()
    printed = escape(raw, quote=False)
    if dateline.position == "trailer":
        at = html.rfind(printed)
        if at >= 0 and _ONLY_TAGS.fullmatch(html, at + len(printed)):
            return html[:at] + mark + html[at + len(printed) :]
        if raw in text[-(len(raw) + _REACH) :]:
            return html  # printed there, but split by markup: leave it as it is
        return html + f"<p>{mark}</p>"
    at = html.find(printed)
    if at >= 0 and _ONLY_TAGS.fullmatch(html, 0, at):
        return html[:at] + mark + html[at + len(printed) :]
    if raw in text[: len(raw) + _REACH]:
        return html
    return f"<p>{mark}</p>" + html


def render_html(article: Article, *, css_class: str | None = None) -> str:
    """The sanitized body HTML with the printed dateline in bold (`<strong>`) at its head.

    The body goes through the one sanitizer (distro.html); the dateline is escaped text inside
    a `<strong>` this function writes, with `css_class` for the web page's stylesheet (the
    sanitizer would drop a class, so the mark is set after it, and the class is escaped too).
    """
    html = body_html(article)
    dateline = shown_dateline(article)
    if dateline is None or not html:
        return html
    mark = _mark(dateline.raw.strip(), css_class)
    if article.paragraphs:
        if css_class:
            return _paragraphs_html(article, dateline, mark)
        return sanitize(_paragraphs_html(article, dateline, mark))
    marked = _html_body(html, dateline, mark, body_text(article))
    return marked if css_class else sanitize(marked)
