"""An account's uploads: the cover thumb and body images, each uploaded once, cached by digest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from distro.channels.wechat import render
from distro.channels.wechat.client import WeChatClient
from distro.channels.wechat.cover import default_cover
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
    """Covers (``material/add_material``) and body images (``media/uploadimg``) of one account."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        client: WeChatClient,
        note: Callable[[str], None],
    ) -> None:
        self.settings = settings
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

    def thumb(self, *, fresh: bool = False) -> str:
        """The permanent media_id of the default cover, uploaded once per account."""
        data = default_cover()
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
