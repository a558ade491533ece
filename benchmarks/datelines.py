"""Dateline benchmark: distro's accuracy (whole and by outlet cross-validation), speed, scaling.

Accuracy is measured on every labelled set (the shared dev set and tests/dates/data), all fields
exact, with the outlet lexicon complete and with each outlet held out of it in turn; speed in
openings per second; scaling as the time for 1x and 4x long openings. JioNLP is run beside it
on the shared dev set.

Run from the repository: ``uv run python benchmarks/datelines.py``. distro runs in this process.
JioNLP (`jionlp.ner.extract_time`, the strongest public baseline) is no dependency of distro: it
is installed into its own environment, benchmarks/.env (git-ignored), with ``uv venv`` and
``uv pip install jionlp`` and run there through benchmarks/jionlp_half.py. If it cannot be
installed the report says so and gives distro's figures alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from distro.dates import find_dateline, lead_dates

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
from tests.dates.scoring import SETS, crossval, held_out_share  # noqa: E402
from tests.dates.scoring import load as load_set  # noqa: E402

#: ../shared beside the repository, or beside a parent folder (a git worktree under wt/).
SHARED = next((p / "shared" for p in REPO.parents if (p / "shared").is_dir()), REPO.parent)
DEV = SHARED / "datelines" / "dev.jsonl"
ENV = HERE / ".env"
ENV_PYTHON = ENV / "bin" / "python"


def _unbracket(raw: str | None) -> str | None:
    if raw is None:
        return None
    raw = raw.strip()
    if raw[:1] in "(（" and raw[-1:] in ")）":
        raw = raw[1:-1].strip()
    return raw


def load(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def distro_accuracy(items: list[dict[str, Any]]) -> tuple[int, int]:
    """(fully right, dateline date right) over the items, as tests/dates/test_devset.py counts."""
    full = date_only = 0
    for item in items:
        want = item["expected"]
        found = find_dateline(item["text"], dt.date.fromisoformat(item["issue_date"]))
        got_date = found.date.isoformat() if found and found.date else None
        date_only += got_date == want["dateline_date"]
        got = {
            "raw": _unbracket(found.raw) if found else None,
            "date": got_date,
            "outlet": found.outlet if found else None,
            "location": found.location if found else None,
            "qualifier": found.location_qualifier if found else None,
            "reporters": found.reporters if found else [],
        }
        expected = {
            "raw": _unbracket(want["dateline_raw"]),
            "date": want["dateline_date"],
            "outlet": want["outlet"],
            "location": want["location"],
            "qualifier": want.get("location_qualifier"),
            "reporters": want["reporters"],
        }
        full += got == expected
    return full, date_only


def distro_speed(
    items: list[dict[str, Any]], seconds: float, *, with_lead: bool
) -> tuple[float, float]:
    """(openings per wall-clock second, per CPU second) over about `seconds` of work.

    Median of three runs. CPU seconds are this process's own, so the second figure holds
    better when other work shares the machine.
    """
    work = [(i["text"], dt.date.fromisoformat(i["issue_date"])) for i in items]
    for text, issue in work:  # warm-up
        lead_dates(text, issue, find_dateline(text, issue))
    wall_rates, cpu_rates = [], []
    for _ in range(3):
        count = 0
        wall, cpu = time.perf_counter(), time.process_time()
        while time.perf_counter() - wall < seconds / 3:
            for text, issue in work:
                found = find_dateline(text, issue)
                if with_lead:
                    lead_dates(text, issue, found)
            count += len(work)
        wall_rates.append(count / (time.perf_counter() - wall))
        cpu_rates.append(count / (time.process_time() - cpu))
    return statistics.median(wall_rates), statistics.median(cpu_rates)


def report_crossval(items: list[dict[str, Any]]) -> None:
    """Per outlet: items, right with the full lexicon, right with the outlet held out."""
    folds = crossval(items)
    with_self = crossval(items, hold_self=True)
    full = sum(f.right for f, _ in folds.values())
    right, total = held_out_share(folds)
    self_right, _ = held_out_share(with_self)
    print(f"{'outlet':<14}{'items':>6}{'lexicon':>9}{'held out':>10}")
    for outlet, (f, h) in folds.items():
        held = with_self[outlet][1].right if outlet != "(no outlet)" else h.right
        note = f" (本报 held out: {held})" if held != h.right else ""
        print(f"{outlet:<14}{f.total:>6}{f.right:>9}{h.right:>10}{note}")
    print(
        f"all fields exact, {total} openings, {len(folds) - 1} outlets: lexicon complete "
        f"{full}/{total} ({full / total:.1%}); each outlet held out {right}/{total} "
        f"({right / total:.1%}); 本报 held out too {self_right}/{total} ({self_right / total:.1%})"
    )


def scaling(items: list[dict[str, Any]]) -> None:
    """Seconds for one long opening at 1x and 4x its size: the ratio shows the growth."""
    lead = "".join(i["text"].replace("\n", "") for i in items)
    cases = {
        "real text run together": lambda n: "标题\n" + (lead * (1 + n // len(lead)))[:n],
        "本报 repeated": lambda n: "标题\n" + "本报" * (n // 2),
        "open brackets": lambda n: "标题\n" + "（本报" * (n // 3),
        "one 20 KB line per paragraph": lambda n: ("甲" * 20_000 + "\n") * (n // 20_000),
    }
    for name, make in cases.items():
        times = []
        for size in (200_000, 800_000):
            text = make(size)
            start = time.perf_counter()
            for _ in range(5):
                find_dateline(text, dt.date(2012, 6, 12))
            times.append((time.perf_counter() - start) / 5)
        print(
            f"scaling, {name}: {times[0] * 1e3:.2f} ms at 200k chars, {times[1] * 1e3:.2f} ms "
            f"at 800k, ratio {times[1] / times[0]:.1f} (4.0 is linear)"
        )


def ensure_jionlp() -> str | None:
    """Install JioNLP into benchmarks/.env if needed; None when ready, else why not."""
    if ENV_PYTHON.exists():
        probe = subprocess.run(
            [str(ENV_PYTHON), "-c", "import jionlp"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return None
    steps = (
        ["uv", "venv", "-q", "--python", "3.11", str(ENV)],
        ["uv", "pip", "install", "-q", "--python", str(ENV_PYTHON), "jionlp"],
    )
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, check=False)
        except OSError as exc:
            return f"{step[0]}: {exc}"
        if done.returncode != 0:
            return f"{' '.join(step)} failed: {done.stderr.strip()[-500:]}"
    return None


def run_jionlp(items: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    job = {"items": [{"text": i["text"], "issue_date": i["issue_date"]} for i in items]}
    job["seconds"] = seconds  # type: ignore[assignment]
    done = subprocess.run(
        [str(ENV_PYTHON), str(HERE / "jionlp_half.py")],
        input=json.dumps(job, ensure_ascii=False),
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"JioNLP run failed: {done.stderr.strip()[-800:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV, help="dev set (JSON Lines)")
    parser.add_argument("--seconds", type=float, default=3.0, help="work per speed measure")
    parser.add_argument("--no-jionlp", action="store_true", help="distro's figures only")
    args = parser.parse_args(argv)
    dev = load(args.dev)
    items = [item for name in SETS for item in load_set(SHARED, name)]
    n = len(items)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}; "
        f"labelled openings: {n} ({', '.join(SETS)})"
    )
    report_crossval(items)
    scaling(items)

    full, date_only = distro_accuracy(items)
    find_wall, find_cpu = distro_speed(items, args.seconds, with_lead=False)
    both_wall, both_cpu = distro_speed(items, args.seconds, with_lead=True)
    print(
        f"distro  fully right {full}/{n} ({full / n:.1%}); dateline date right "
        f"{date_only}/{n} ({date_only / n:.1%})"
    )
    print(f"distro  find_dateline: {find_wall:,.0f} openings/s ({find_cpu:,.0f} per CPU second)")
    print(
        f"distro  find_dateline + lead_dates: {both_wall:,.0f} openings/s "
        f"({both_cpu:,.0f} per CPU second)"
    )
    if args.no_jionlp:
        return 0
    items, n = dev, len(dev)
    full, date_only = distro_accuracy(items)
    print(f"distro  on the shared dev set alone: fully right {full}/{n}, date {date_only}/{n}")
    problem = ensure_jionlp()
    if problem is not None:
        print(f"JioNLP  NOT RUN: could not install jionlp into {ENV}: {problem}")
        return 0
    result = run_jionlp(items, args.seconds)
    wants = [i["expected"]["dateline_date"] for i in items]
    whole = sum(g == w for g, w in zip(result["whole"], wants, strict=True))
    lead = sum(g == w for g, w in zip(result["lead"], wants, strict=True))
    rate = result["openings"] / result["seconds"]
    cpu_rate = result["openings"] / result["cpu_seconds"]
    print(
        f"JioNLP {result['version']}  dateline date right (first time point, whole opening) "
        f"{whole}/{n} ({whole / n:.1%}); lead only {lead}/{n} ({lead / n:.1%})"
    )
    print(
        f"JioNLP  extract_time: {rate:,.0f} openings/s ({cpu_rate:,.0f} per CPU second; "
        f"import {result['import_s']:.1f} s)"
    )
    print(
        f"speed-up (CPU): {find_cpu / cpu_rate:,.0f}x find_dateline, "
        f"{both_cpu / cpu_rate:,.0f}x with lead_dates"
    )
    print(f"load average after the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
