"""How the seed's golden file is made: fixed arguments, so the output depends on the parser only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from distro.parse import parse_page

GOLDEN = Path(__file__).with_name("seed.json")
SEED_ARGS: dict[str, Any] = {
    "origin": "file:///inbox/000_c6710cc7ae2753f8.txt",
    "issue_date": dt.date(2021, 7, 5),
    "page": "1",
    "section": "要闻",
    "received_at": dt.datetime(2021, 7, 5, 6, 0, tzinfo=dt.UTC),
}

NOTE = (
    "Seed front page, 3 items. Item 1's stack: the extracted text keeps the printed top-to-bottom "
    "order but loses type sizes. Read as a Chinese editor would: the two parallel clauses "
    "'持续转作风抓落实创一流当排头 努力在高质量发展中率先走在前列' are the 主题 "
    "(main headline, set widest: the longest line carries the message); the event line above it, "
    "'2021年全区“攻坚突破年”现场观摩会举行', is the 引题 (kicker); the names line below it, "
    "'孙永红出席并讲话 周安主持', is the 副题 (subheadline) though printed without ——. "
    "Regenerate with `uv run python -m tests.parse.golden` and review the diff."
)


def golden_document(seed: bytes) -> dict[str, Any]:
    """The golden JSON document of the seed page."""
    articles = parse_page(seed, **SEED_ARGS)
    return {
        "note": NOTE,
        "arguments": {key: str(value) for key, value in SEED_ARGS.items()},
        "articles": [article.model_dump(mode="json") for article in articles],
    }
