"""The site's ``/favicon.ico``: the SVG icon's mark as a 16, 32 and 48 px ICO, drawn with Pillow.

Pages name ``favicon.svg`` in ``<link rel="icon">``, but crawlers, feed readers and older
browsers ask for ``/favicon.ico`` whatever a page says, and log a 404 every time it is missing.
The mark is the SVG's: the publication's first character in white on the accent colour. Its glyph
needs a font that has it: ``$DISTRO_ICON_FONT`` (``path`` or ``path:index``), else fontconfig's
Noto Serif CJK SC, else known Noto CJK paths; with none (or a font without the character) the
icon is the accent square alone, never a box for a missing glyph.

Drawing costs a few hundred milliseconds in a fresh process (Pillow's plugins, the font, the
PNG frames), and a publish task is a fresh process: so the icon is drawn only when what it is
drawn from (the mark, ``$DISTRO_ICON_FONT``) differs from what the ledger remembers
(``ledger.kv("web")``, key ``icon``) or the site has no ``favicon.ico``.
"""

from __future__ import annotations

import functools
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from distro.channels.web.render import Site
from distro.fonts import SERIF, fc_match, parse_spec

if TYPE_CHECKING:
    from PIL import ImageFont

    from distro.store.ledger import Ledger
    from distro.store.objects import ObjectStore

FAVICON_ICO = "favicon.ico"
SIZES = ((16, 16), (32, 32), (48, 48))
#: The SVG icon's colours and corner (``rx=12`` of 64), drawn at 256 px and scaled down.
ACCENT = (0xB3, 0x12, 0x1F, 255)
WHITE = (255, 255, 255, 255)
CANVAS = 256
RADIUS = 48
GLYPH = 160
FONT_ENV = "DISTRO_ICON_FONT"
KNOWN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Bold.ttc", 2),
)
#: A code point no font draws: what a font shows for a character it lacks.
MISSING = "\U000f0000"
NAMESPACE = "web"
MARKER = "icon"  # in NAMESPACE: what the site's favicon.ico was drawn from


@functools.cache
def _candidates(configured: str | None) -> tuple[tuple[str, int], ...]:
    found: list[tuple[str, int]] = []
    if configured:
        found.append(parse_spec(configured))
    matched = fc_match(SERIF)
    if matched is not None:
        found.append(matched)
    found.extend(KNOWN_FONTS)
    return tuple((path, index) for path, index in found if Path(path).is_file())


def _drawn(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (GLYPH, GLYPH))
    ImageDraw.Draw(canvas).text((GLYPH // 2, GLYPH // 2), char, font=font, fill=255, anchor="mm")
    return canvas.tobytes()


def font_for(mark: str, configured: str | None = None) -> ImageFont.FreeTypeFont | None:
    """The first font that draws ``mark`` (not as its missing-glyph box), at the icon's size:
    ``configured`` (as ``$DISTRO_ICON_FONT`` is written), then the system's."""
    from PIL import ImageFont

    for path, index in _candidates(configured):
        try:
            font = ImageFont.truetype(path, GLYPH, index=index)
        except OSError:
            continue
        drawn = _drawn(font, mark)
        if any(drawn) and drawn != _drawn(font, MISSING):
            return font
    return None


def favicon_ico(site: Site) -> bytes:
    """The icon as ICO bytes: PNG frames of 16, 32 and 48 px with alpha."""
    return _icon(site.publisher.strip()[:1], os.environ.get(FONT_ENV))


@functools.lru_cache(maxsize=8)
def _icon(mark: str, configured: str | None) -> bytes:
    # Drawn once per process and mark: every publish offers the icon, few change it. Pillow is
    # imported here, not with the module: a publish that does not draw never loads it.
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, CANVAS - 1, CANVAS - 1), radius=RADIUS, fill=ACCENT)
    font = font_for(mark, configured) if mark else None
    if font is not None:
        draw.text((CANVAS // 2, CANVAS // 2), mark, font=font, fill=WHITE, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="ICO", sizes=list(SIZES))
    return out.getvalue()


def _marker(site: Site) -> str:
    return json.dumps([site.publisher.strip()[:1], os.environ.get(FONT_ENV)], ensure_ascii=False)


def stale(ledger: Ledger, objects: ObjectStore, site: Site) -> bool:
    """Whether the site's favicon.ico is missing or was drawn from another mark or font."""
    return ledger.kv(NAMESPACE).get(MARKER) != _marker(site) or not objects.exists(FAVICON_ICO)


def drawn(ledger: Ledger, site: Site) -> None:
    """Remember what the favicon.ico just written was drawn from."""
    ledger.kv(NAMESPACE).set(MARKER, _marker(site))
