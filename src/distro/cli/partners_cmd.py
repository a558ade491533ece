"""`distro partners list|rotate NAME|serve`: partners' feed URLs, their tokens, their endpoint."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import threading
from typing import Any

from distro import config
from distro.channels import partner_tokens
from distro.channels.partner_gateway import Gateway, serve
from distro.channels.partners import feed_key, feed_url, objects_of_partners
from distro.config import PartnerConfig, Settings
from distro.errors import ConfigError
from distro.store.ledger import Ledger
from distro.store.objects import S3ObjectStore


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("partners", help="partners' feeds, tokens and endpoint")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", parents=[common], help="each partner's feed URL, authentication and webhook"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=run_list)
    rotate = actions.add_parser(
        "rotate", parents=[common], help="issue a new token; the old ones work for an overlap"
    )
    rotate.add_argument("name")
    rotate.add_argument(
        "--overlap-hours",
        type=float,
        default=None,
        help="how long the current tokens keep working ([partner_feeds] rotation_overlap_hours)",
    )
    rotate.set_defaults(handler=run_rotate)
    server = actions.add_parser(
        "serve", parents=[common], help="the authenticated endpoint partners fetch feeds from"
    )
    server.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    server.add_argument("--port", type=int, default=None, help="port (default 8790)")
    server.set_defaults(handler=run_serve)


def _partner(settings: Settings, name: str) -> PartnerConfig:
    for partner in settings.config.partners:
        if partner.name == name:
            return partner
    known = ", ".join(p.name for p in settings.config.partners) or "none configured"
    raise ConfigError(f"no partner {name!r} (known: {known})")


def describe(settings: Settings, ledger: Ledger, partner: PartnerConfig) -> dict[str, Any]:
    """What a partner's engineers need: where the feed is and how to authenticate."""
    now = dt.datetime.now(dt.UTC)
    tokens = partner_tokens.valid(ledger, partner, now=now)
    ends = sorted(r.expires_at for r in tokens if r.expires_at is not None)
    doc: dict[str, Any] = {
        "name": partner.name,
        "format": partner.format,
        "feed_url": feed_url(settings, partner.name, partner.format),
        "auth": f"Authorization: Bearer <token>, or HTTP basic with user {partner.name!r}",
        "valid_tokens": len(tokens),
        "next_token_expiry": ends[0] if ends else None,
        "webhook": partner.webhook.url if partner.webhook else None,
    }
    objects = objects_of_partners(settings)
    if isinstance(objects, S3ObjectStore):
        seconds = settings.config.partner_feeds.presign_seconds
        doc["presigned_url"] = objects.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": objects.bucket,
                "Key": objects.prefix + feed_key(partner.name, partner.format),
            },
            ExpiresIn=seconds,
        )
        doc["presigned_expires_in"] = seconds
    return doc


def run_list(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    with Ledger.open(settings) as ledger:
        docs = [describe(settings, ledger, p) for p in settings.config.partners]
    if not docs:
        print("no partners configured ([[partners]] in the config file)", file=sys.stderr)
        return 0
    for doc in docs:
        if args.json:
            print(json.dumps(doc, ensure_ascii=False))
            continue
        print(f"{doc['name']}  ({doc['format']})")
        print(f"    feed     {doc['feed_url']}")
        print(f"    auth     {doc['auth']}")
        expiry = f", one expires {doc['next_token_expiry']}" if doc["next_token_expiry"] else ""
        print(f"    tokens   {doc['valid_tokens']} valid{expiry}")
        print(f"    webhook  {doc['webhook'] or '-'}")
        if "presigned_url" in doc:
            print(f"    presigned ({doc['presigned_expires_in']} s)  {doc['presigned_url']}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    partner = _partner(settings, args.name)
    hours = args.overlap_hours
    if hours is None:
        hours = settings.config.partner_feeds.rotation_overlap_hours
    if hours < 0:
        raise ConfigError("--overlap-hours must not be negative")
    with Ledger.open(settings) as ledger:
        token, until = partner_tokens.rotate(ledger, partner, overlap=dt.timedelta(hours=hours))
    # The token goes to stdout alone (for a pipe into the partner's secret store), once.
    print(token)
    print(
        f"partner {partner.name}: new token issued; earlier tokens work until"
        f" {until.isoformat(timespec='seconds')}. It is not shown again.",
        file=sys.stderr,
    )
    return 0


def run_serve(args: argparse.Namespace) -> int:
    settings = config.load(args.config, args.state)
    feeds = settings.config.partner_feeds
    host = args.host or feeds.host
    port = feeds.port if args.port is None else args.port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with Ledger.open(settings) as ledger:
        server = serve(Gateway(settings, ledger), host, port)
        url = f"http://{host}:{server.server_port}/partners/<name>/…"
        print(f"serving partner feeds on {url}", flush=True)
        try:
            threading.Event().wait()
        finally:
            server.shutdown()
            server.server_close()
    return 0
