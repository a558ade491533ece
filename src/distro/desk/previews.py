"""An article as each channel will show it, from the channels' own pure renderers."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import TYPE_CHECKING, Any

from distro.channels.app import feeds
from distro.channels.web.render import Site, Story, is_page, publishable, render_article
from distro.channels.wechat import render as wechat
from distro.models import Article

if TYPE_CHECKING:
    from distro.config import Settings

CHANNELS = ("web", "wechat", "app")
#: WeChat's cover is uploaded when the draft is made; the preview names the slot only.
THUMB_PLACEHOLDER = "(thumb_media_id: uploaded when the draft is made)"


class NoPreview(ValueError):
    """The channel would not show this article (a teaser, a killed version, too long a link)."""


def web(settings: Settings, article: Article, *, now: dt.datetime | None = None) -> str:
    """The article's page, exactly as the site renders it (the publisher's Story and Site)."""
    if not is_page(article):
        raise NoPreview("the site shows no page for a teaser or a killed article")
    cfg = settings.config.channels.web
    story = Story(publishable(article), now or dt.datetime.now(dt.UTC))
    return render_article(story, Site(cfg.base_url, cfg.title))


def wechat_draft(settings: Settings, article: Article) -> dict[str, Any]:
    """The ``draft/add`` article WeChat would receive (its cover slot named, not uploaded)."""
    try:
        return wechat.render(
            article,
            base_url=settings.config.channels.web.base_url,
            thumb_media_id=THUMB_PLACEHOLDER,
        )
    except ValueError as exc:
        raise NoPreview(f"WeChat would refuse it: {exc}") from exc


def wechat_page(draft: dict[str, Any]) -> str:
    """The draft as a phone shows it: its title over its content (already WeChat-safe HTML)."""
    return (
        '<meta charset="utf-8"><body style="margin:12px;font:16px/1.7 sans-serif">'
        f'<h1 style="font-size:22px">{escape(str(draft["title"]))}</h1>'
        f'<p style="color:#888">{escape(str(draft["author"]))}</p>{draft["content"]}</body>'
    )


def app_document(settings: Settings, article: Article) -> dict[str, Any]:
    """The ninjs document the app channel writes for this version, and where it goes."""
    cfg = settings.config.channels.app
    key = feeds.document_key(article.id)
    return {"url": feeds.url(cfg.base_url, key), "document": feeds.document(article)}


def preview(settings: Settings, article: Article, channel: str) -> dict[str, Any]:
    """One channel's rendering as JSON: ``html`` for web, ``draft`` for WeChat, ``app``."""
    if channel == "web":
        return {"channel": channel, "html": web(settings, article)}
    if channel == "wechat":
        return {"channel": channel, "draft": wechat_draft(settings, article)}
    if channel == "app":
        return {"channel": channel, **app_document(settings, article)}
    raise NoPreview(f"no preview for channel {channel!r}; one of {', '.join(CHANNELS)}")
