"""An account's uploads: the cover thumb and body images, each uploaded once, cached by digest."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from distro.channels.wechat import render
from distro.channels.wechat.client import WeChatClient
from distro.channels.wechat.cover import (
    HEIGHT,
    SQUARE,
    WIDTH,
    default_cover,
    draw_cover,
    fit_image,
    load_image,
)
from distro.channels.wechat.editions import Member
from distro.errors import ChannelError, ChannelRejected
from distro.net import CHANNEL as HTTP_ERRORS
from distro.net import HttpClient, Limits, RetryPolicy

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

MAX_IMAGE_BYTES = 1024 * 1024 - 1  # media/uploadimg takes JPG/PNG under 1 MB
MMBIZ = ("https://mmbiz.qpic.cn/", "http://mmbiz.qpic.cn/")


class MediaUploader:
    """Covers (``material/add_material``), one per article, and body images (``media/uploadimg``)
    of one account."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        client: WeChatClient,
        note: Callable[[str], None],
        *,
        image: str | None = None,
    ) -> None:
        self.settings = settings
        #: A configured cover (a path or an http(s) URL) for every article, cropped to fit.
        self.image = image
        self._loaded: bytes | None = None
        self._fitted: dict[tuple[int, int], bytes] = {}
        self._unusable = False
        self.ledger = ledger
        self.client = client
        self._note = note
        self._images: HttpClient | None = None

    def _key(self, kind: str, digest: str) -> str:
        return f"{self.client.namespace}:{kind}:{self.client.appid}:{digest}"

    def _image_client(self) -> HttpClient:
        """Article images come from anywhere: one client, the config's deadline, a 1 MB cap."""
        if self._images is None:
            limits = self.settings.config.limits
            self._images = HttpClient(
                # An image costs the edition at most the timeout, retries included.
                limits=Limits.of(
                    limits, max_bytes=MAX_IMAGE_BYTES, budget=limits.http_timeout_seconds
                ),
                retry=RetryPolicy(attempts=2, base_delay=0.5),
                errors=HTTP_ERRORS,
                user_agent=limits.user_agent,
            )
        return self._images

    def close(self) -> None:
        if self._images is not None:
            self._images.close()
            self._images = None

    @property
    def paper(self) -> str:
        """The paper's name on covers: the web channel's publication, else its title."""
        web = self.settings.config.channels.web
        return web.publication or web.title

    def _issue(self, member: Member) -> dt.date | None:
        article = member.article
        if article.issue_date is not None:
            return article.issue_date
        if article.published_at is not None:
            return article.published_at.astimezone(ZoneInfo(self.settings.config.timezone)).date()
        return None

    def _configured(self, width: int, height: int) -> bytes | None:
        """The configured image in this shape, loaded once a run; None when unset or unusable
        (said once in the report)."""
        if self.image is None or self._unusable:
            return None
        if (width, height) not in self._fitted:
            try:
                if self._loaded is None:
                    timeout = self.settings.config.limits.http_timeout_seconds
                    self._loaded = load_image(self.image, timeout=timeout)
                fitted = fit_image(self._loaded, width=width, height=height).data
            except (OSError, ValueError, ChannelError) as exc:
                self._unusable = True
                self._note(f"cover image {self.image} not usable ({exc}): drawing covers")
                return None
            self._fitted[(width, height)] = fitted
        return self._fitted[(width, height)]

    def cover(self, member: Member, position: int = 1) -> bytes:
        """The article's cover JPEG: the configured image, else one drawn for its headline
        (the banner for an edition's first article, the square for the others), else the
        default cover when drawing fails."""
        width, height = (WIDTH, HEIGHT) if position == 1 else (SQUARE, SQUARE)
        article = member.article
        configured = self._configured(width, height)
        if configured is not None:
            return configured
        try:
            return draw_cover(
                article.headline,
                paper=self.paper,
                date=self._issue(member),
                seed=article.id,
                width=width,
                height=height,
            ).data
        except (OSError, ValueError) as exc:
            self._note(f"{article.id}: cover not drawn ({exc}): the default cover instead")
            return default_cover()

    def thumb(
        self, member: Member | None = None, *, position: int = 1, fresh: bool = False
    ) -> str:
        """The permanent media_id of ``member``'s cover (None: the default cover), uploaded
        once per account and content: a retry or a rerun finds it in the ledger."""
        data = default_cover() if member is None else self.cover(member, position)
        key = self._key("thumb", hashlib.sha256(data).hexdigest()[:16])
        cached = None if fresh else self.ledger.get_value(key)
        if cached:
            return cached
        media_id = self.client.add_thumb(data, "cover.jpg")
        self.ledger.set_value(key, media_id)
        return media_id

    def images(self, member: Member) -> dict[str, str]:
        """Body images uploaded with media/uploadimg: original src -> mmbiz URL."""
        mapping: dict[str, str] = {}
        for src in render.image_sources(member.article):
            if src.startswith(MMBIZ):
                mapping[src] = src
                continue
            key = self._key("img", hashlib.sha256(src.encode()).hexdigest())
            cached = self.ledger.get_value(key)
            if cached:
                mapping[src] = cached
                continue
            fetched = self._fetch_image(src)
            if fetched is None:
                continue
            data, content_type = fetched
            name = "image.png" if content_type == "image/png" else "image.jpg"
            try:
                url = self.client.upload_image(data, name, content_type)
            except ChannelRejected as exc:
                self._note(f"{member.article.id}: image dropped: {exc.message}")
                continue
            self.ledger.set_value(key, url)
            mapping[src] = url
        return mapping

    def _fetch_image(self, src: str) -> tuple[bytes, str] | None:
        if not src.startswith(("http://", "https://")):
            return None
        images = self._image_client()
        try:
            data = images.get(src).body
        except ChannelError as exc:
            # Dropped, not fatal: the article goes out without this image.
            shown = images.redact(src)
            why = exc.message.removeprefix(f"GET {shown}: ")
            self._note(f"image {shown} not fetched ({why}): dropped")
            return None
        if data.startswith(b"\xff\xd8\xff"):
            return data, "image/jpeg"
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return data, "image/png"
        self._note(f"image {src} is neither JPEG nor PNG: dropped")
        return None
