"""Newspaper pages into articles: decoding, layout, headline stacks, bylines, datelines.

::

    parse_page(data, origin=..., issue_date=..., page=..., section=...) -> list[Article]
    decode(data, origin=...) -> (text, encoding)
    page_meta(filename, sidecar_bytes) -> PageMeta
"""

from __future__ import annotations

from distro.parse.encoding import decode
from distro.parse.feed import parse_feed as parse_feed
from distro.parse.meta import PageMeta, is_sidecar, page_meta, sidecar_name
from distro.parse.page import parse_page, parse_text

__all__ = [
    "PageMeta",
    "decode",
    "is_sidecar",
    "page_meta",
    "parse_page",
    "parse_text",
    "sidecar_name",
]
