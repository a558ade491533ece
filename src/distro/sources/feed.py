"""RSS/Atom feeds fetched with conditional GET; validators (ETag, Last-Modified) live in the ledger.

The validators of a fetch are kept only once its payload is processed (``done``), so a run that
fails half way fetches the whole feed again next time instead of being told "304".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from distro.errors import SourceRejected, SourceUnavailable
from distro.sources.base import Item

if TYPE_CHECKING:
    from distro.sources.transport import Transport
    from distro.store.ledger import Ledger


#: Each feed's last ETag and Last-Modified, by URL: ledger keys ``feed-validators:<url>``.
NAMESPACE = "feed-validators"


class FeedSource:
    """One feed URL."""

    def __init__(
        self,
        url: str,
        *,
        transport: Transport,
        name: str = "feed",
        publication: str | None = None,
        section: str | None = None,
    ) -> None:
        self.url = url
        self.location = url
        self.transport = transport
        self.name = name
        self.publication = publication
        self.section = section

    def items(self, ledger: Ledger) -> Iterator[Item]:
        yield self.fetch(ledger)

    def fetch(self, ledger: Ledger) -> Item:
        stored = ledger.kv(NAMESPACE).get(self.url)
        known: dict[str, str] = json.loads(stored) if stored else {}
        try:
            response = self.transport.get(
                self.url, etag=known.get("etag"), last_modified=known.get("last_modified")
            )
        except SourceRejected as exc:
            return Item(self.url, self.name, "feed", outcome="quarantined", reason=exc.message)
        except SourceUnavailable as exc:
            return Item(self.url, self.name, "feed", outcome="error", reason=exc.message)
        if response.not_modified:
            return Item(self.url, self.name, "feed", outcome="not_modified")
        fresh = {
            key: value
            for key, value in (
                ("etag", response.etag),
                ("last_modified", response.last_modified),
            )
            if value
        }

        def done() -> None:
            if fresh:
                ledger.kv(NAMESPACE).set(self.url, json.dumps(fresh))
            elif stored:
                ledger.kv(NAMESPACE).delete(self.url)

        return Item(
            uri=self.url,
            source=self.name,
            kind="feed",
            data=response.body,
            headers=response.headers,
            media_type=response.media_type,
            publication=self.publication,
            section=self.section,
            done=done,
        )
