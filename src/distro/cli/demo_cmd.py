"""`distro demo`: the main job end to end on embedded defaults, through the real DAGs."""

from __future__ import annotations

import argparse
import json
from typing import Any

from distro import config, demo


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "demo",
        parents=[common],
        help="bundled wire copy in, ingest, every channel out (through Airflow's dag.test())",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="clear the state folder's outputs and store first"
    )
    parser.add_argument(
        "--no-airflow",
        action="store_true",
        help="run the same steps in-process without Airflow (faster, no metadata DB)",
    )
    parser.set_defaults(handler=run)


def _brief(result: Any) -> str:
    if not isinstance(result, dict):
        return json.dumps(result, ensure_ascii=False)
    keys = ("accepted", "duplicates", "new_versions", "quarantined", "sent", "skipped", "failed")
    parts = [f"{key} {result[key]}" for key in keys if isinstance(result.get(key), int)]
    if result.get("dry_run"):
        parts.append("dry run")
    return ", ".join(parts) or json.dumps(result, ensure_ascii=False)[:200]


def run(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    if args.fresh:
        demo.reset(settings)
    dropped = demo.drop_samples(settings.state.inbox)
    print(f"state: {settings.state.root}")
    print(f"dropped {len(dropped)} sample files into {settings.state.inbox}")
    failed = False
    if args.no_airflow:
        for step, state, result in demo.run_inline(settings):
            failed |= state != "success"
            print(f"  {step}: {state} ({_brief(result)})")
            for message in result.get("messages", []):
                print(f"    {message}")
    else:
        from distro.airflow import local

        print(f"running the DAGs with dag.test() (Airflow home {local.home(settings)})")
        for outcome in local.run(settings):
            failed |= outcome.state != "success"
            results = "; ".join(f"{task} {_brief(r)}" for task, r in outcome.results.items())
            print(f"  {outcome.dag_id}: {outcome.state} ({results})")
    print("what happened:")
    for line in demo.story(settings):
        print(f"  {line}")
    print("outputs:")
    for name, count in demo.outputs(settings).items():
        print(f"  {settings.state.root / name}: {count} files")
    site = settings.state.site / "index.html"
    if site.exists():
        serve = f"python3 -m http.server --bind 127.0.0.1 -d {settings.state.site}"
        print(f"open {site.as_uri()}  (or serve it locally: {serve})")
    return 1 if failed else 0
