"""Article -> WeChat draft article: safe inline-styled HTML and fields cut to WeChat's limits.

Pure: no IO. Images must already be uploaded (``images`` maps each original ``src`` to its mmbiz
URL); images without a mapping are dropped, since WeChat filters external images anyway.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from html import escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from distro.channels.body import render_html
from distro.html import body_html
from distro.models import Article

TITLE_MAX = 32
AUTHOR_MAX = 16
DIGEST_MAX = 128
CONTENT_MAX = 20_000
SOURCE_URL_MAX_BYTES = 1024
ELLIPSIS = "…"

#: Inline styles per tag: WeChat keeps `style` and drops classes and stylesheets.
STYLES: dict[str, str] = {
    "section": "margin:0;padding:0;",
    "p": "margin:0 0 1em;line-height:1.75;font-size:16px;color:#222;text-align:justify;",
    "h1": "margin:1em 0 .5em;font-size:22px;font-weight:bold;line-height:1.4;",
    "h2": "margin:1em 0 .5em;font-size:20px;font-weight:bold;line-height:1.4;",
    "h3": "margin:1em 0 .5em;font-size:18px;font-weight:bold;line-height:1.4;",
    "h4": "margin:1em 0 .5em;font-size:17px;font-weight:bold;",
    "h5": "margin:1em 0 .5em;font-size:16px;font-weight:bold;",
    "h6": "margin:1em 0 .5em;font-size:15px;font-weight:bold;",
    "blockquote": "margin:1em 0;padding:0 0 0 1em;border-left:3px solid #ccc;color:#555;",
    "pre": "margin:1em 0;padding:.5em;background:#f6f6f6;font-size:14px;white-space:pre-wrap;",
    "code": "font-family:Menlo,Consolas,monospace;font-size:14px;",
    "ul": "margin:0 0 1em;padding-left:1.5em;",
    "ol": "margin:0 0 1em;padding-left:1.5em;",
    "li": "margin:0 0 .25em;line-height:1.75;",
    "table": "border-collapse:collapse;width:100%;margin:1em 0;",
    "th": "border:1px solid #ddd;padding:4px;font-weight:bold;",
    "td": "border:1px solid #ddd;padding:4px;",
    "img": "max-width:100%;height:auto;display:block;margin:1em auto;",
    "hr": "border:0;border-top:1px solid #ddd;margin:1.5em 0;",
    "strong": "",
    "em": "",
    "span": "",
    "br": "",
    "thead": "",
    "tbody": "",
    "tr": "",
}
ALLOWED = frozenset(STYLES)
VOID = frozenset({"br", "hr", "img"})
#: Tags folded into an allowed one.
RENAMED = {"b": "strong", "i": "em", "figure": "section", "figcaption": "p", "tfoot": "tbody"}
#: Tags dropped together with everything inside them.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "form", "svg", "math", "noscript", "button"}
)
KICKER_STYLE = "margin:0 0 .5em;font-size:14px;color:#888;"
SUBHEAD_STYLE = "margin:0 0 1em;font-size:15px;color:#555;"
FOOTNOTE_MARK_STYLE = "font-size:12px;vertical-align:super;color:#888;"
FOOTNOTES_STYLE = "margin:2em 0 0;padding-top:.5em;border-top:1px solid #eee;"
FOOTNOTE_STYLE = "margin:0 0 .25em;font-size:12px;line-height:1.5;color:#888;word-break:break-all;"
#: Links WeChat opens in-app; everything else becomes a footnote.
WECHAT_HOSTS = ("mp.weixin.qq.com",)

OPENERS = {
    "“": "”",
    "‘": "’",
    "《": "》",
    "（": "）",
    "【": "】",
    "「": "」",
    "『": "』",
    "〈": "〉",
    "(": ")",
    "[": "]",
    "{": "}",
    "〔": "〕",
}
CLOSERS = {v: k for k, v in OPENERS.items()}
SYMMETRIC_QUOTES = frozenset({'"', "'"})
#: Good places to end a shortened text (the mark stays, then the ellipsis follows).
BREAKS = frozenset("，。；：、！？,.;:!? 　")
#: Marks not worth keeping right before an ellipsis.
TRAILING = frozenset("，。；：、,.;: 　-—")


def _joins_previous(ch: str) -> bool:
    """Whether ``ch`` belongs to the character before it (combining marks, ZWJ, selectors)."""
    return (
        unicodedata.combining(ch) > 0
        or ch in "\u200d\ufe0e\ufe0f"
        or 0xE0100 <= ord(ch) <= 0xE01EF
        or 0x1F3FB <= ord(ch) <= 0x1F3FF  # skin tones
    )


def _safe_cut(text: str, at: int) -> int:
    """The largest cut position ≤ ``at`` that does not split a user-perceived character."""
    while 0 < at < len(text) and (_joins_previous(text[at]) or text[at - 1] == "\u200d"):
        at -= 1
    return at


def _unclosed(text: str) -> list[int]:
    """Positions of brackets and quotes opened in ``text`` and never closed."""
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch in SYMMETRIC_QUOTES:
            if stack and text[stack[-1]] == ch:
                stack.pop()
            else:
                stack.append(i)
        elif ch in OPENERS:
            stack.append(i)
        elif ch in CLOSERS and stack and text[stack[-1]] == CLOSERS[ch]:
            stack.pop()
    return stack


def _closer(ch: str) -> str:
    return ch if ch in SYMMETRIC_QUOTES else OPENERS[ch]


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut sensibly and marked with an ellipsis.

    Prefers ending at punctuation, never splits a character (emoji sequences, combining marks)
    and never leaves a quote or bracket open: it cuts before the open mark or, if that would
    leave too little, closes it after the ellipsis.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit < 2:
        return ELLIPSIS[:limit]
    budget = limit - len(ELLIPSIS)
    cut = _safe_cut(text, budget)
    # Prefer the last punctuation in the back half: a clause is better than a stump.
    for i in range(cut, max(limit // 2, 1) - 1, -1):
        if text[i - 1] in BREAKS:
            cut = i
            break
    head = text[:cut]
    while True:
        head = head.rstrip("".join(TRAILING))
        unclosed = _unclosed(head)
        if not unclosed:
            return head + ELLIPSIS
        before = head[: unclosed[0]].rstrip("".join(TRAILING))
        if len(before) >= limit // 3:
            head = before
            continue
        closers = "".join(_closer(head[i]) for i in reversed(unclosed))
        room = limit - len(ELLIPSIS) - len(closers)
        if room <= unclosed[-1]:
            # Not even the open marks fit: drop the bracketed part altogether.
            return before + ELLIPSIS if before else ELLIPSIS
        head = head[: _safe_cut(head, room)].rstrip("".join(TRAILING))
        if _unclosed(head) == unclosed:
            return head + ELLIPSIS + closers


def source_url(base_url: str, article: Article) -> str:
    """The article's web page: the "read original" link."""
    return f"{base_url.rstrip('/')}/articles/{article.id}.html"


def author_of(article: Article) -> str:
    """The credited names (or the byline) within WeChat's 16 characters; empty when unsigned."""
    if article.byline is None:
        return ""
    text = "、".join(article.byline.names) if article.byline.names else article.byline.raw
    text = text.strip("□■ ")
    return shorten(text, AUTHOR_MAX)


def digest_of(article: Article) -> str:
    """The summary, or the opening of the body, within 128 characters."""
    if article.summary:
        text = article.summary
    elif article.paragraphs:
        text = article.paragraphs[0]
    else:
        from distro.html import body_text

        text = body_text(article)
    return shorten(text, DIGEST_MAX)


def is_wechat_link(href: str) -> bool:
    host = urlsplit(href).hostname or ""
    return host in WECHAT_HOSTS


class _Rewriter(HTMLParser):
    """Keeps allowed tags with house inline styles; links become numbered footnotes."""

    def __init__(self, images: Mapping[str, str]) -> None:
        super().__init__(convert_charrefs=True)
        self.images = images
        self.out: list[str] = []
        self.footnotes: list[str] = []
        self.link_stack: list[str | None] = []
        self.skip_depth = 0
        self.open: list[str] = []

    def _style(self, tag: str) -> str:
        style = STYLES.get(tag, "")
        return f' style="{style}"' if style else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_depth:
            if tag in DROPPED_WITH_CONTENT:
                self.skip_depth += 1
            return
        if tag in DROPPED_WITH_CONTENT:
            self.skip_depth = 1
            return
        attr = {k: v or "" for k, v in attrs}
        if tag == "a":
            href = attr.get("href", "")
            self.link_stack.append(href or None)
            return
        tag = RENAMED.get(tag, tag)
        if tag not in ALLOWED:
            return
        if tag == "img":
            src = self.images.get(attr.get("src", ""))
            if src:
                alt = escape(attr.get("alt", ""), quote=True)
                self.out.append(
                    f'<img src="{escape(src, quote=True)}" alt="{alt}"{self._style("img")}>'
                )
            return
        extra = ""
        for name in ("colspan", "rowspan"):
            if tag in ("td", "th") and attr.get(name, "").isdigit():
                extra += f' {name}="{attr[name]}"'
        self.out.append(f"<{tag}{extra}{self._style(tag)}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if RENAMED.get(tag, tag) not in VOID and tag != "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_depth:
            if tag in DROPPED_WITH_CONTENT:
                self.skip_depth -= 1
            return
        if tag == "a":
            href = self.link_stack.pop() if self.link_stack else None
            if href and urlsplit(href).scheme in ("http", "https"):
                if href not in self.footnotes:
                    self.footnotes.append(href)
                n = self.footnotes.index(href) + 1
                self.out.append(f'<span style="{FOOTNOTE_MARK_STYLE}">[{n}]</span>')
            return
        tag = RENAMED.get(tag, tag)
        if tag in self.open:
            while self.open:
                top = self.open.pop()
                self.out.append(f"</{top}>")
                if top == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        tail = "".join(f"</{tag}>" for tag in reversed(self.open))
        notes = ""
        if self.footnotes:
            items = "".join(
                f'<p style="{FOOTNOTE_STYLE}">[{n}] {escape(href, quote=False)}</p>'
                for n, href in enumerate(self.footnotes, 1)
            )
            notes = f'<section style="{FOOTNOTES_STYLE}">{items}</section>'
        return "".join(self.out) + tail + notes


def content_html(article: Article, images: Mapping[str, str] | None = None) -> str:
    """The article body as WeChat-safe HTML: allowed tags, inline styles, link footnotes."""
    parts: list[str] = []
    if article.kicker:
        parts.append(f'<p style="{KICKER_STYLE}">{escape(article.kicker, quote=False)}</p>')
    if article.subheadline:
        sub = escape(article.subheadline, quote=False)
        parts.append(f'<p style="{SUBHEAD_STYLE}">——{sub}</p>')
    rewriter = _Rewriter(images or {})
    rewriter.feed(render_html(article))
    body = rewriter.result()
    if article.correction:
        note = escape(article.correction, quote=False)
        body += f'<p style="{KICKER_STYLE}">更正：{note}</p>'
    html = f'<section style="{STYLES["section"]}">{"".join(parts)}{body}</section>'
    if len(html) >= CONTENT_MAX:
        raise ValueError(f"content is {len(html)} characters, WeChat takes under {CONTENT_MAX}")
    return html


def image_sources(article: Article) -> list[str]:
    """The ``src`` of every image the body shows, in order, without repeats."""

    class _Images(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            src = dict(attrs).get("src")
            if tag == "img" and src and src not in self.found:
                self.found.append(src)

    finder = _Images()
    finder.feed(body_html(article))
    finder.close()
    return finder.found


def render(
    article: Article,
    *,
    base_url: str,
    thumb_media_id: str,
    images: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One ``draft/add`` article for ``article``; raises ValueError when it cannot fit."""
    url = source_url(base_url, article)
    if len(url.encode()) > SOURCE_URL_MAX_BYTES:
        raise ValueError("content_source_url is over 1 KB")
    return {
        "article_type": "news",
        "title": shorten(article.headline, TITLE_MAX),
        "author": author_of(article),
        "digest": digest_of(article),
        "content": content_html(article, images),
        "content_source_url": url,
        "thumb_media_id": thumb_media_id,
        "need_open_comment": 0,
        "only_fans_can_comment": 0,
    }
