"""XSS vectors, and a checker that finds anything executable left in HTML."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="JaVaScRiPt:alert(1)">点我</a>',
    '<a href="&#106;avascript:alert(1)">点我</a>',
    '<a href=" javascript:alert(1)">点我</a>',
    '<a href="vbscript:msgbox(1)">点我</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">点我</a>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<div style="width: expression(alert(1))">宽</div>',
    '<p style="background:url(javascript:alert(1))">背景</p>',
    '<img src="x.png" style="x:expression(alert(1))">',
    "<style>@import 'javascript:alert(1)'; body{behavior:url(x.htc)}</style>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<form action="javascript:alert(1)"><button>b</button></form>',
    '<body onload="alert(1)">',
    '<details open ontoggle="alert(1)">',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<!--<script>alert(1)</script>-->",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
]

DANGEROUS_TAGS = {
    "script", "svg", "math", "iframe", "object", "embed", "form", "base", "frame", "frameset",
    "applet", "button", "input", "textarea", "select",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "cite"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
BAD_STYLE = re.compile(r"expression\s*\(|javascript:|behavior\s*:|url\s*\(", re.IGNORECASE)


class Finder(HTMLParser):
    """Records every executable thing an HTML document holds."""

    def __init__(self, *, style_blocks: int, data_blocks: int = 0) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.style_blocks = style_blocks
        self.data_blocks = data_blocks
        self.in_style = False
        self.in_data = False
        self.style_text: list[str] = []
        self.data_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = dict(attrs).get("type")
        if tag == "script" and kind == "application/ld+json" and self.data_blocks > 0:
            # Our own JSON-LD: data a browser never runs; its text is checked in executable().
            self.data_blocks -= 1
            self.in_data = True
            self.data_text.append("")
        elif tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "style":
            self.style_blocks -= 1
            self.in_style = True
            if self.style_blocks < 0:
                self.found.append("<style> in content")
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            self.found.append("<meta http-equiv>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            compact = re.sub(r"[\x00-\x20]+", "", value)
            if name in URL_ATTRIBUTES and BAD_SCHEME.match(compact):
                self.found.append(f"{tag}[{name}={value}]")
            if name == "style" and BAD_STYLE.search(value):
                self.found.append(f"{tag}[style={value}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False
        if tag == "script":
            self.in_data = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.style_text.append(data)
        if self.in_data:
            self.data_text[-1] += data


def executable(html: str, *, style_blocks: int = 0, data_blocks: int = 0) -> list[str]:
    """Everything executable in ``html``.

    ``style_blocks`` of our own page CSS and ``data_blocks`` of our own JSON-LD are allowed; a
    JSON-LD block must parse as JSON and hold no ``<`` (which could close the element early).
    """
    finder = Finder(style_blocks=style_blocks, data_blocks=data_blocks)
    finder.feed(html)
    finder.close()
    for text in finder.data_text:
        if "<" in text:
            finder.found.append("'<' in JSON-LD")
        try:
            json.loads(text)
        except ValueError:
            finder.found.append("JSON-LD that is not JSON")
    css = "".join(finder.style_text)
    if BAD_STYLE.search(css.replace("url(", "")) or "@import" in css:
        finder.found.append("dangerous CSS in <style>")
    return finder.found
