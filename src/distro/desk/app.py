"""The desk as a FastAPI app: HTML pages for editors and the JSON API the pages call.

Airflow's api-server mounts it under ``PREFIX`` (``distro.airflow.plugin``) with Airflow's own
login as a dependency of every route; tests mount the same app under a plain FastAPI root.
Addresses of Airflow's UI are made from the mount point (the request's ``root_path`` without
``PREFIX``), so they hold when ``[api] base_url`` has a path.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from functools import cache
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from distro import channels
from distro.config import Settings
from distro.desk import PREFIX, previews, queries
from distro.errors import DistroError, InputError
from distro.store.keeper import LedgerKeeper
from distro.store.ledger import Ledger

#: A query parameter that may repeat (``?ids=a-…&ids=a-…``).
Listed = Annotated[list[str] | None, Query()]
EDITOR_DAGS = (queries.REPUBLISH, queries.KILL)
#: How many articles the front page shows when today has none.
NEWEST = 50


class Desk(LedgerKeeper):
    """The settings and the ledger the app reads, opened on first use and kept."""


class UTF8JSON(JSONResponse):
    """JSON with Chinese left as Chinese."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("distro.desk", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    env.filters["tojson_text"] = lambda value: json.dumps(value, ensure_ascii=False, indent=2)
    env.filters["when"] = shown_time
    return env


def shown_time(value: str | None) -> str:
    """An ISO time already in the desk's zone, as people read it: ``2021-07-05 08:30:00``."""
    if not value:
        return ""
    return value[:19].replace("T", " ")


def parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"date must be YYYY-MM-DD, not {value!r}") from None


def ids_of(values: Sequence[str]) -> list[str]:
    """Article ids from repeated or comma/space-separated query values."""
    return [part for value in values for part in value.replace(",", " ").split() if part]


def create_app(
    load: Callable[[], Settings],
    *,
    dependencies: Sequence[Depends] = (),
    prefix: str = PREFIX,
) -> FastAPI:
    """The desk app over the settings ``load`` returns; ``dependencies`` guard every route."""
    desk = Desk(load)
    app = FastAPI(
        title="distro desk",
        dependencies=list(dependencies),
        default_response_class=UTF8JSON,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.desk = desk

    @app.exception_handler(DistroError)
    def unavailable(_request: Request, exc: DistroError) -> UTF8JSON:
        # The config or the ledger cannot be read: say which, on every page, and retry next time.
        return UTF8JSON({"detail": exc.message}, status_code=503)

    def roots(request: Request) -> tuple[str, str]:
        """The desk's own root path and Airflow UI's, as the browser sees them."""
        own = str(request.scope.get("root_path", "")).rstrip("/")
        ui = own.removesuffix(prefix) if own.endswith(prefix) else ""
        return own, ui

    def page(request: Request, template: str, **values: Any) -> HTMLResponse:
        settings, _ledger = desk.open()
        own, ui = roots(request)
        html = (
            environment()
            .get_template(template)
            .render(
                root=own,
                ui=ui,
                zone=settings.config.timezone,
                required_actions=queries.ui_links(ui, "-")["required_actions"],
                **values,
            )
        )
        return HTMLResponse(html)

    def article_or_404(ledger: Ledger, article_id: str, version: int | None = None) -> Any:
        article = ledger.get(article_id, version)
        if article is None:
            raise HTTPException(404, f"no article {article_id}")
        return article

    # JSON API

    @app.get("/api/articles")
    def api_articles(
        date: str | None = None, q: str = "", limit: int = Query(queries.LIMIT, ge=1, le=1000)
    ) -> dict[str, Any]:
        settings, ledger = desk.open()
        day = parse_day(date)
        found = queries.find(settings, ledger, day=day, query=q, limit=limit)
        return {
            "date": day.isoformat() if day else None,
            "q": q,
            "count": len(found),
            "articles": [queries.article_doc(settings, ledger, a) for a in found],
        }

    @app.get("/api/articles/{article_id}")
    def api_article(article_id: str) -> dict[str, Any]:
        settings, ledger = desk.open()
        article = article_or_404(ledger, article_id)
        return queries.article_doc(settings, ledger, article, full=True)

    @app.get("/api/articles/{article_id}/preview/{channel}")
    def api_preview(article_id: str, channel: str, version: int | None = None) -> dict[str, Any]:
        settings, ledger = desk.open()
        article = article_or_404(ledger, article_id, version)
        try:
            return previews.preview(settings, article, channel)
        except previews.NoPreview as exc:
            raise HTTPException(409, str(exc)) from None

    @app.get("/api/quarantine")
    def api_quarantine(all: bool = False) -> dict[str, Any]:
        settings, ledger = desk.open()
        entries = queries.quarantine(settings, ledger, include_resolved=all)
        return {"count": len(entries), "entries": entries}

    @app.post("/api/quarantine/{entry_id}/retry")
    def api_retry(entry_id: str) -> dict[str, Any]:
        settings, ledger = desk.open()
        if ledger.get_quarantine(entry_id) is None:
            raise HTTPException(404, f"no quarantine entry {entry_id}")
        try:
            return queries.retry_entry(settings, ledger, entry_id)
        except InputError as exc:
            raise HTTPException(422, exc.message) from None
        except DistroError as exc:
            raise HTTPException(502, exc.message) from None

    @app.get("/api/review")
    def api_review(request: Request) -> dict[str, Any]:
        settings, ledger = desk.open()
        _own, ui = roots(request)
        held = queries.waiting(settings, ledger)
        return {
            "count": len(held),
            "required_actions": queries.ui_links(ui, "-")["required_actions"],
            "held": held,
        }

    @app.post("/api/articles/{article_id}/correct")
    def api_correct(article_id: str, fields: dict[str, Any], by: str = "desk") -> dict[str, Any]:
        from distro import review

        settings, ledger = desk.open()
        try:
            return review.correct(settings, ledger, article_id, fields, by=by)
        except InputError as exc:
            status = 404 if exc.message.startswith("no article") else 422
            raise HTTPException(status, exc.message) from None

    @app.get("/api/editions")
    def api_editions() -> dict[str, Any]:
        from distro.channels.wechat.approvals import waiting

        settings, ledger = desk.open()
        held = waiting(settings, ledger)
        return {"count": len(held), "editions": held}

    @app.post("/api/editions/{account}/{edition}/approve")
    def api_approve_edition(account: str, edition: str, by: str = "desk") -> dict[str, Any]:
        from distro.channels.wechat.approvals import approve

        settings, ledger = desk.open()
        try:
            _account, members = approve(settings, ledger, edition, account=account, by=by)
        except InputError as exc:
            raise HTTPException(404, exc.message) from None
        return {
            "account": account,
            "edition": edition,
            "approved": [{"article_id": d.article_id, "version": d.version} for d in members],
        }

    @app.post("/api/editions/{account}/{edition}/reject")
    def api_reject_edition(
        account: str, edition: str, reason: str = "", by: str = "desk"
    ) -> dict[str, Any]:
        from distro.channels.wechat.approvals import reject

        settings, ledger = desk.open()
        if not reason.strip():
            raise HTTPException(422, "a rejection needs a reason")
        try:
            _account, members = reject(settings, ledger, edition, reason, account=account, by=by)
        except InputError as exc:
            raise HTTPException(404, exc.message) from None
        return {
            "account": account,
            "edition": edition,
            "rejected": [{"article_id": d.article_id, "version": d.version} for d in members],
        }

    @app.get("/api/trigger/{dag_id}")
    def api_trigger(
        request: Request, dag_id: str, ids: Listed = None, channel: Listed = None
    ) -> dict[str, Any]:
        if dag_id not in EDITOR_DAGS:
            raise HTTPException(404, f"no editors' DAG {dag_id}")
        _own, ui = roots(request)
        return {
            "dag_id": dag_id,
            "conf": queries.trigger_conf(dag_id, ids_of(ids or []), channel or None),
            "links": queries.ui_links(ui, dag_id),
        }

    # HTML pages

    @app.get("/", response_class=HTMLResponse)
    def articles_page(request: Request, date: str | None = None, q: str = "") -> HTMLResponse:
        settings, ledger = desk.open()
        day = parse_day(date)
        note = ""
        if day is None and not q:
            # Today's by default; on a quiet day (or an archive of old pages) the newest instead.
            today = queries.Clock.of(settings).today()
            found = queries.find(settings, ledger, day=today)
            day = today
            if not found:
                found = queries.find(settings, ledger, limit=NEWEST)
                day, note = None, f"Nothing on {today.isoformat()}: the newest articles."
        else:
            found = queries.find(settings, ledger, day=day, query=q)
        docs = [queries.article_doc(settings, ledger, a) for a in found]
        return page(
            request,
            "articles.html",
            title="Articles",
            day=day.isoformat() if day else "",
            q=q,
            note=note,
            articles=docs,
        )

    @app.get("/articles/{article_id}", response_class=HTMLResponse)
    def article_page(request: Request, article_id: str) -> HTMLResponse:
        settings, ledger = desk.open()
        article = article_or_404(ledger, article_id)
        doc = queries.article_doc(settings, ledger, article, full=True)
        return page(request, "article.html", title=article.headline, a=doc)

    @app.get("/articles/{article_id}/preview", response_class=HTMLResponse)
    def preview_page(request: Request, article_id: str) -> HTMLResponse:
        settings, ledger = desk.open()
        article = article_or_404(ledger, article_id)
        shown: dict[str, Any] = {}
        for channel in previews.CHANNELS:
            try:
                shown[channel] = previews.preview(settings, article, channel)
            except previews.NoPreview as exc:
                shown[channel] = {"channel": channel, "refused": str(exc)}
        draft = shown["wechat"].get("draft") or {}
        return page(
            request,
            "preview.html",
            title=f"Preview: {article.headline}",
            a=queries.article_doc(settings, ledger, article),
            shown=shown,
            wechat_page=previews.wechat_page(draft) if draft else "",
        )

    @app.get("/quarantine", response_class=HTMLResponse)
    def quarantine_page(request: Request) -> HTMLResponse:
        settings, ledger = desk.open()
        entries = queries.quarantine(settings, ledger)
        return page(request, "quarantine.html", title="Quarantine", entries=entries)

    @app.get("/review", response_class=HTMLResponse)
    def review_page(request: Request) -> HTMLResponse:
        settings, ledger = desk.open()
        held = queries.waiting(settings, ledger)
        editions = queries.editions(settings, ledger)
        return page(request, "review.html", title="Review", held=held, editions=editions)

    @app.get("/trigger/{dag_id}", response_class=HTMLResponse)
    def trigger_page(
        request: Request, dag_id: str, ids: Listed = None, channel: Listed = None
    ) -> HTMLResponse:
        if dag_id not in EDITOR_DAGS:
            raise HTTPException(404, f"no editors' DAG {dag_id}")
        settings, ledger = desk.open()
        _own, ui = roots(request)
        given = ids_of(ids or [])
        headlines = {}
        for article_id in given:
            found = ledger.get(article_id)
            headlines[article_id] = found.headline if found else "(no such article)"
        return page(
            request,
            "trigger.html",
            title=f"{dag_id}: {', '.join(given)}",
            dag_id=dag_id,
            conf=queries.trigger_conf(dag_id, given, channel or None),
            links=queries.ui_links(ui, dag_id),
            enabled=channels.enabled(settings),
            headlines=headlines,
        )

    return app
