"""The JioNLP half of the dateline benchmark; runs in benchmarks/.env, never in distro's env.

Reads {"items": [{"text", "issue_date"}...], "seconds": S} as JSON on stdin and writes JSON:
each opening's predicted dateline date (the first time point JioNLP extracts, resolved against
the issue date) for the whole opening and for the lead alone, and openings/s over S seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from typing import Any


def _first_day(found: list[dict[str, Any]]) -> str | None:
    for entity in found:
        if entity.get("type") != "time_point":
            continue
        span = entity.get("detail", {}).get("time")
        if isinstance(span, list) and span and isinstance(span[0], str):
            return span[0][:10]
    return None


def main() -> int:
    job = json.load(sys.stdin)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # its banner would corrupt our JSON
        import jionlp

    imported = time.perf_counter() - started
    extract = jionlp.ner.extract_time

    def predict(text: str, issue: str) -> str | None:
        year, month, day = (int(part) for part in issue.split("-"))
        base = {"year": year, "month": month, "day": day, "hour": 12}
        try:
            return _first_day(extract(text, time_base=base, with_parsing=True))
        except Exception:  # a baseline that crashes on an item just gets it wrong
            return None

    items = job["items"]
    whole = [predict(i["text"], i["issue_date"]) for i in items]
    lead = [predict(i["text"].split("\n", 1)[-1], i["issue_date"]) for i in items]
    count = 0
    started, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < job["seconds"]:
        for item in items:
            predict(item["text"], item["issue_date"])
            count += 1
    elapsed = time.perf_counter() - started
    cpu_elapsed = time.process_time() - cpu
    json.dump(
        {
            "version": getattr(jionlp, "__version__", "?"),
            "import_s": imported,
            "whole": whole,
            "lead": lead,
            "openings": count,
            "seconds": elapsed,
            "cpu_seconds": cpu_elapsed,
        },
        sys.stdout,
        ensure_ascii=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
