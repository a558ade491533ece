"""Articles for store tests."""

from __future__ import annotations

import datetime as dt

from distro.models import Article, Provenance, make_id


def article(key: str = "one", *, headline: str = "新闻标题", **fields: object) -> Article:
    """A minimal valid article whose id derives from ``key``."""
    provenance = Provenance(
        origin=f"file:///inbox/{key}.txt",
        sha256="0" * 64,
        received_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    )
    values: dict[str, object] = {
        "id": make_id("test", key),
        "headline": headline,
        "paragraphs": ["第一段。", "第二段。"],
        "provenance": provenance,
        **fields,
    }
    return Article.model_validate(values)
