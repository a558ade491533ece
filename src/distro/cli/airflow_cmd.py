"""`distro up`, `distro down`, `distro republish` and `distro kill`: run distro on a local Airflow
and ask it to redeliver corrected articles or withdraw them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from distro import config, workflows
from distro.errors import InputError


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    up = subparsers.add_parser(
        "up", parents=[common], help="start a local Airflow (127.0.0.1) with distro's DAGs"
    )
    up.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for health")
    up.add_argument(
        "--catch-up",
        action="store_true",
        help="send the editions missed while it was down (default: skip them, say so in the run)",
    )
    up.set_defaults(handler=run_up)
    down = subparsers.add_parser("down", parents=[common], help="stop the local Airflow")
    down.set_defaults(handler=run_down)
    again = subparsers.add_parser(
        "republish",
        parents=[common],
        help="make a new version of articles and redeliver it (via Airflow's `republish` DAG)",
    )
    again.add_argument("ids", nargs="+", metavar="ID", help="article ids")
    again.add_argument(
        "--channel",
        action="append",
        dest="channels",
        metavar="C",
        help="channel to redeliver to (repeatable; default every enabled channel)",
    )
    again.add_argument("--reason", required=True, help="why it is republished")
    again.add_argument("--note", default=None, help="correction note shown with the article")
    again.add_argument(
        "--embargo-until",
        default=None,
        metavar="TIME",
        help="hold the new version until TIME (ISO 8601; no offset: the config's time zone)",
    )
    again.add_argument(
        "--push",
        choices=("auto", "notify", "silent"),
        default="auto",
        help="app push: auto follows the push rules; notify or silent overrides them",
    )
    again.add_argument(
        "--local", action="store_true", help="run in this process instead of through Airflow"
    )
    again.add_argument("--json", action="store_true", help="print the outcome as JSON")
    again.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="wait up to SECONDS for the run and each event channel's delivery; say how each went",
    )
    again.set_defaults(handler=run_republish)
    kill = subparsers.add_parser(
        "kill",
        parents=[common],
        help="withdraw articles from every channel (via Airflow's `kill` DAG)",
    )
    kill.add_argument("ids", nargs="+", metavar="ID", help="article ids")
    kill.add_argument("--reason", required=True, help="why it is withdrawn")
    kill.add_argument(
        "--local", action="store_true", help="run in this process instead of through Airflow"
    )
    kill.add_argument("--json", action="store_true", help="print the outcome as JSON")
    kill.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="wait up to SECONDS for the run and each event channel's delivery; say how each went",
    )
    kill.set_defaults(handler=run_kill)


def run_up(args: argparse.Namespace) -> int:
    from distro.airflow import stack

    settings = config.load(args.config, args.state)
    started = stack.up(
        settings,
        timeout=args.timeout,
        catch_up=args.catch_up,
        progress=lambda line: print(f"… {line}", file=sys.stderr, flush=True),
    )
    print(
        f"Airflow: {started.url}  (login {settings.config.airflow.username} / {started.password()})"
    )
    print(f"Inbox:   {settings.state.inbox}")
    print("Stop it with `distro down`.")
    return 0


def run_down(args: argparse.Namespace) -> int:
    from distro.airflow import stack

    stopped = stack.down(config.load(args.config, args.state))
    print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
    return 0


def _checked(settings: config.Settings, ids: list[str]) -> None:
    """Unknown ids fail here, in one line, before any run is triggered."""
    from distro import service
    from distro.store.ledger import Ledger

    with Ledger.open(settings) as ledger:
        service.article_ids(ledger, ids)


def run_republish(args: argparse.Namespace) -> int:
    from distro import channels, service
    from distro.store.ledger import Ledger

    settings = config.load(args.config, args.state)
    chosen = service.choose(settings, args.channels)
    _checked(settings, args.ids)
    if args.local:
        # In this process, without Airflow: the same service the DAG's task calls.
        with Ledger.open(settings) as ledger:
            result = service.republish(
                settings,
                ledger,
                args.ids,
                chosen,
                args.reason,
                args.note,
                push=args.push,
                embargo_until=args.embargo_until,
            )
            for name in channels.enabled(settings):
                # Clock channels (WeChat editions) take the new version in their next edition.
                if name in chosen and not channels.on_clock(name):
                    published = channels.publish(name, settings, ledger)
                    result.setdefault("published", []).append(published.summary())
        return report(result, args.json)
    conf = {
        "article_ids": args.ids,
        "channels": chosen,
        "reason": args.reason,
        "note": args.note,
        "push": args.push,
    }
    if args.embargo_until:
        service.embargo_time(settings, args.embargo_until)  # a bad time fails here, in one line
        conf["embargo_until"] = args.embargo_until
    triggered = trigger(settings, workflows.REPUBLISH, conf)
    if args.wait is not None:
        triggered |= settle(settings, triggered, args.ids, chosen, args.wait)
    return report(triggered, args.json) if triggered.get("state", "success") == "success" else 1


def trigger(settings: config.Settings, dag_id: str, conf: dict[str, Any]) -> dict[str, Any]:
    """Trigger ``dag_id`` once per request (a repeated request finds the same run)."""
    from distro.airflow import rest
    from distro.airflow.stack import Stack

    client = Stack(settings).client()
    triggered = client.trigger(dag_id, conf, rest.run_id(dag_id, conf))
    return {
        "dag_id": triggered.dag_id,
        "dag_run_id": triggered.dag_run_id,
        "created": triggered.created,
        "url": f"{client.base_url}/dags/{dag_id}/runs/{triggered.dag_run_id}",
    }


def run_kill(args: argparse.Namespace) -> int:
    from distro import channels, service
    from distro.store.ledger import Ledger

    settings = config.load(args.config, args.state)
    _checked(settings, args.ids)
    if not args.reason.strip():
        raise InputError("a kill needs a reason")
    if args.local:
        with Ledger.open(settings) as ledger:
            result = service.kill(settings, ledger, args.ids, args.reason)
            for name in result["channels"]:
                # WeChat too: a takedown does not wait for the next edition (nor sends one).
                published = channels.take_back(name, settings, ledger)
                result.setdefault("published", []).append(published.summary())
        return report(result, args.json)
    conf = {"article_ids": args.ids, "reason": args.reason}
    triggered = trigger(settings, workflows.KILL, conf)
    if args.wait is not None:
        triggered |= settle(settings, triggered, args.ids, channels.enabled(settings), args.wait)
    return report(triggered, args.json) if triggered.get("state", "success") == "success" else 1


def settle(
    settings: config.Settings,
    triggered: dict[str, Any],
    ids: list[str],
    chosen: list[str],
    seconds: float,
) -> dict[str, Any]:
    """Wait for the run, then for the new versions' deliveries on the event channels: the run's
    state and, per article, each delivery's state (clock channels wait for their edition)."""
    import time

    from distro import service
    from distro.airflow.stack import Stack
    from distro.store.ledger import Ledger

    client = Stack(settings).client()
    deadline = time.monotonic() + seconds
    state = "queued"
    while time.monotonic() < deadline:
        state = str(client.dag_run(triggered["dag_id"], triggered["dag_run_id"])["state"])
        if state in ("success", "failed"):
            break
        time.sleep(1.0)
    result: dict[str, Any] = {"state": state}
    if state != "success":
        result["error"] = f"the run is {state} after {seconds:g} s: see {triggered['url']}"
        return result
    while True:
        with Ledger.open(settings) as ledger:
            status = service.delivery_status(ledger, ids, chosen)
        waiting = [d for d in status if d["open"] and not d["on_clock"]]
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(1.0)
    result["deliveries"] = status
    if waiting:
        result["state"] = "waiting"
        result["error"] = f"{len(waiting)} deliveries still open after {seconds:g} s"
    return result


def report(result: dict[str, Any], as_json: bool) -> int:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for key, value in result.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        print(f"{key}: {shown}")
    return 0
