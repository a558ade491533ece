"""Newspaper pages into articles: decoding, layout, headline stacks, bylines, datelines.

::

    parse_page(data, origin=..., issue_date=..., page=..., section=...) -> list[Article]
    decode(data, origin=...) -> (text, encoding)
    page_meta(filename, sidecar_bytes) -> PageMeta
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distro.loading import lazy

if TYPE_CHECKING:
    from distro.parse.encoding import decode
    from distro.parse.feed import parse_feed
    from distro.parse.meta import PageMeta, is_sidecar, page_meta, sidecar_name
    from distro.parse.page import parse_page, parse_text

#: Where each name lives. Loaded on first use: the DAG file needs only ``meta`` (sidecar names),
#: and every Airflow task parses the DAG file, so the parser's regexes and model stay unloaded
#: in tasks that never parse a page.
_HOMES = {
    "decode": "distro.parse.encoding",
    "parse_feed": "distro.parse.feed",
    "PageMeta": "distro.parse.meta",
    "is_sidecar": "distro.parse.meta",
    "page_meta": "distro.parse.meta",
    "sidecar_name": "distro.parse.meta",
    "parse_page": "distro.parse.page",
    "parse_text": "distro.parse.page",
}

__all__ = [
    "PageMeta",
    "decode",
    "is_sidecar",
    "page_meta",
    "parse_feed",
    "parse_page",
    "parse_text",
    "sidecar_name",
]


__getattr__ = lazy(__name__, _HOMES)
