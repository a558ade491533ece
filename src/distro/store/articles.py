"""Article versions: store (and queue in the same transaction), read, revise and kill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from sqlalchemy import Connection, and_, func, select, tuple_
from sqlalchemy.exc import IntegrityError

from distro.errors import StoreError
from distro.models import STORED, Article, PubStatus
from distro.store import tables as t
from distro.store.deliveries import DeliveryStore
from distro.store.engine import Database, now

PutOutcome = Literal["accepted", "duplicate", "new_version"]
#: Concurrent writers of one article retry this often before giving up.
RETRIES = 5


#: (id, version) pairs per query of `ArticleStore.get_all`: well under SQLite's 32,766 bound
#: parameters, and small enough that a big read does not hold one transaction for long.
GET_CHUNK = 400


class MissingArticle(StoreError):
    """No article with that id."""


def read_article(document: str) -> Article:
    """A stored document: rules added since it was stored (date range, section) do not apply."""
    return Article.model_validate_json(document, context={STORED: True})


class ArticleStore:
    """Every version of every article; storing one queues its deliveries atomically."""

    def __init__(self, db: Database, deliveries: DeliveryStore) -> None:
        self.db = db
        self.deliveries = deliveries

    def put(
        self,
        article: Article,
        targets: Iterable[tuple[str, str]] = (),
        held: Mapping[tuple[str, str], str] | None = None,
        waits: Mapping[tuple[str, str], dt.datetime] | None = None,
    ) -> tuple[PutOutcome, Article]:
        """Store an article and queue its deliveries to ``targets`` in one transaction.

        Targets named in ``held`` (with why) are queued ``held``: they wait for an editor at the
        review gate instead of going out; targets in ``waits`` are queued ``scheduled`` until
        their embargo time.

        A new id is accepted, changed content is a new version. A duplicate re-queues any of
        its latest version's deliveries that are missing, so a ledger written before storing and
        queueing were one transaction (a crash in between) heals on the next run; deliveries
        already recorded, in whatever state, are left alone, so nothing is sent twice.
        """
        content_hash = article.content_hash()
        pairs = list(dict.fromkeys(targets))
        for _attempt in range(RETRIES):
            try:
                with self.db.tx() as conn:
                    latest = self._latest(conn, article.id)
                    outcome: PutOutcome
                    if latest is None:
                        outcome = "accepted"
                        stored = article.model_copy(update={"version": 1})
                        self._insert(conn, stored, content_hash)
                    elif latest[0] == content_hash:
                        outcome, stored = "duplicate", latest[1]
                    else:
                        current = latest[1]
                        outcome = "new_version"
                        stored = article.model_copy(
                            update={
                                "version": current.version + 1,
                                "pub_status": current.pub_status,
                            }
                        )
                        self._insert(conn, stored, content_hash)
                    queue = self.deliveries
                    queue.enqueue_rows(conn, stored.id, stored.version, pairs, held, waits)
                    return outcome, stored
            except IntegrityError:
                continue  # another process stored this version first: look again
        raise StoreError(f"could not store {article.id}: too many concurrent writers")

    def _latest(self, conn: Connection, article_id: str) -> tuple[str, Article] | None:
        row = conn.execute(
            select(t.articles.c.content_hash, t.articles.c.document)
            .where(t.articles.c.id == article_id)
            .order_by(t.articles.c.version.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return row.content_hash, read_article(row.document)

    def _insert(
        self, conn: Connection, article: Article, content_hash: str, note: str | None = None
    ) -> None:
        conn.execute(
            t.articles.insert().values(
                id=article.id,
                version=article.version,
                content_hash=content_hash,
                document=article.model_dump_json(),
                pub_status=article.pub_status.value,
                published_at=article.published_at,
                note=note,
                created_at=now(),
            )
        )

    def get(self, article_id: str, version: int | None = None) -> Article | None:
        """A version of an article (the latest by default), or None."""
        query = select(t.articles.c.document).where(t.articles.c.id == article_id)
        if version is None:
            query = query.order_by(t.articles.c.version.desc()).limit(1)
        else:
            query = query.where(t.articles.c.version == version)
        with self.db.tx() as conn:
            document = conn.execute(query).scalar()
        return None if document is None else read_article(document)

    def get_all(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Article]:
        """The named (id, version)s that exist, read a few hundred per query, not one by one."""
        wanted = sorted(set(keys))
        found: dict[tuple[str, int], Article] = {}
        a = t.articles
        with self.db.tx() as conn:
            for start in range(0, len(wanted), GET_CHUNK):
                chunk = wanted[start : start + GET_CHUNK]
                rows = conn.execute(
                    select(a.c.id, a.c.version, a.c.document).where(
                        tuple_(a.c.id, a.c.version).in_(chunk)
                    )
                )
                for article_id, version, document in rows:
                    found[(article_id, version)] = read_article(document)
        return found

    def get_latest(self, article_ids: Iterable[str]) -> dict[str, Article]:
        """The latest version of each named article that exists, read a few hundred per query."""
        wanted = sorted(set(article_ids))
        found: dict[str, Article] = {}
        a = t.articles
        with self.db.tx() as conn:
            for start in range(0, len(wanted), GET_CHUNK):
                chunk = wanted[start : start + GET_CHUNK]
                newest = (
                    select(a.c.id, func.max(a.c.version).label("version"))
                    .where(a.c.id.in_(chunk))
                    .group_by(a.c.id)
                    .subquery()
                )
                rows = conn.execute(
                    select(a.c.id, a.c.document).join(
                        newest, and_(a.c.id == newest.c.id, a.c.version == newest.c.version)
                    )
                )
                for article_id, document in rows:
                    found[article_id] = read_article(document)
        return found

    def versions(self, article_id: str) -> list[Article]:
        """Every version of an article, oldest first."""
        with self.db.tx() as conn:
            rows = conn.execute(
                select(t.articles.c.document)
                .where(t.articles.c.id == article_id)
                .order_by(t.articles.c.version)
            ).scalars()
            return [read_article(doc) for doc in rows]

    def latest(
        self,
        *,
        since: dt.datetime | None = None,
        limit: int | None = None,
        include_killed: bool = False,
    ) -> list[Article]:
        """The latest version of each article, newest first (by publication, else storage).

        ``since`` keeps articles whose latest version was stored at or after it.
        """
        a = t.articles
        newest = select(a.c.id, func.max(a.c.version).label("version")).group_by(a.c.id).subquery()
        query = select(a.c.document).join(
            newest, and_(a.c.id == newest.c.id, a.c.version == newest.c.version)
        )
        if since is not None:
            query = query.where(a.c.created_at >= since)
        if not include_killed:
            query = query.where(a.c.pub_status != PubStatus.CANCELED.value)
        query = query.order_by(
            func.coalesce(a.c.published_at, a.c.created_at).desc(), a.c.id.desc()
        )
        if limit is not None:
            query = query.limit(limit)
        with self.db.tx() as conn:
            return [read_article(doc) for doc in conn.execute(query).scalars()]

    def count(self, *, versions: bool = False) -> int:
        """How many articles (or stored versions) the ledger holds."""
        a = t.articles
        column = func.count() if versions else func.count(func.distinct(a.c.id))
        with self.db.tx() as conn:
            return int(conn.execute(select(column).select_from(a)).scalar_one())

    def _new_version(
        self, article_id: str, note: str, *, edited: bool = False, **changes: Any
    ) -> Article:
        for _attempt in range(RETRIES):
            try:
                with self.db.tx() as conn:
                    latest = self._latest(conn, article_id)
                    if latest is None:
                        raise MissingArticle(f"no article {article_id}")
                    content_hash, current = latest
                    update = {"version": current.version + 1, **changes}
                    if edited:  # an editor's values: validated like any input, hashed anew
                        stored = Article.model_validate({**current.model_dump(), **update})
                        content_hash = stored.content_hash()
                    else:
                        stored = current.model_copy(update=update)
                    self._insert(conn, stored, content_hash, note)
                    return stored
            except IntegrityError:
                continue
        raise StoreError(f"could not change {article_id}: too many concurrent writers")

    def revise(
        self,
        article_id: str,
        *,
        correction: str | None,
        reason: str,
        embargo_until: dt.datetime | None = None,
    ) -> Article:
        """A new version of the latest text with a correction note, for republishing (held back
        until ``embargo_until`` on every channel when the editor sets one)."""
        changes: dict[str, Any] = {"correction": correction}
        if embargo_until is not None:
            changes["embargo_until"] = embargo_until
        return self._new_version(article_id, reason, **changes)

    def kill(self, article_id: str, reason: str) -> Article:
        """A new version marked canceled: channels withdraw it."""
        return self._new_version(article_id, reason, pub_status=PubStatus.CANCELED)

    def correct(self, article_id: str, changes: dict[str, Any], *, reason: str) -> Article:
        """A new version with fields an editor corrected (validated as the model says).

        Raises ``pydantic.ValidationError`` when a value is not one the model takes.
        """
        return self._new_version(article_id, reason, edited=True, **changes)
