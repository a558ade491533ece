"""HTML that is safe to publish: one sanitizer (nh3) for every page, feed and channel."""

from __future__ import annotations

from html import escape

import nh3

from distro.models import Article

#: Tags a news body may keep. No script, style, iframe, form, svg or math, ever.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "del", "em",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
        "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "blockquote": {"cite"},
    "q": {"cite"},
}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})


def sanitize(html: str) -> str:
    """Strip everything but plain, linkable news markup; scripts and their text go entirely."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "iframe", "object", "embed", "svg", "math"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def text_to_html(text: str) -> str:
    """Plain text as escaped HTML."""
    return escape(text, quote=True)


def body_html(article: Article) -> str:
    """The article body as sanitized HTML: its paragraphs, or its (re-sanitized) HTML body."""
    if article.paragraphs:
        return "".join(f"<p>{text_to_html(p)}</p>" for p in article.paragraphs)
    if article.body_html:
        return sanitize(article.body_html)
    return ""


def body_text(article: Article) -> str:
    """The article body as plain text, paragraphs separated by blank lines."""
    if article.paragraphs:
        return "\n\n".join(article.paragraphs)
    if article.body_html:
        return nh3.clean(article.body_html, tags=set()).strip()
    return ""
