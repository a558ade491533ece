"""Rewrite the parser's golden files from the current parser: run it only on purpose.

    uv run python -m tests.parse.golden

then read `git diff tests/parse/golden/` line by line before committing: the golden test also
checks the seed's facts by hand, so a wrong regeneration still fails.
"""

from __future__ import annotations

import json

from tests.parse.golden.seed import GOLDEN, SEED_ARGS, golden_document

if __name__ == "__main__":
    from tests.conftest import SEED

    GOLDEN.write_text(
        json.dumps(golden_document(SEED.read_bytes()), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {GOLDEN} ({SEED_ARGS['origin']})")
