"""Cover images for WeChat drafts, drawn with Pillow: the headline over the paper's name and date.

WeChat needs a permanent ``thumb`` (a JPEG ≤ 64 KB) for every draft article and shows it in two
crops: a 2.35:1 banner (900×383) for the first article of an edition and a 1:1 square for the
others. Our articles rarely carry pictures of their own, so a cover is generated: a flat house
colour (chosen from a stable hash of the seed), the headline wrapped to fit in white, and a rule
with the paper's name and date below it. A configured image (a path or an http(s) URL) wins over
the generated one; it is cropped to the size and re-encoded under the limit.

The CJK font comes from, in order: the ``font`` argument, ``$DISTRO_COVER_FONT``, fontconfig
(``fc-match``), then known Noto CJK paths. With none of them, Pillow's built-in font is used and
the cover says so in ``Cover.note`` (and the log): Latin text still shows, Chinese does not.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from distro.fonts import SANS, fc_match, parse_spec

log = logging.getLogger(__name__)

#: WeChat crops the first article's cover to 2.35:1 and the others' to 1:1.
WIDTH, HEIGHT = 900, 383
SQUARE = 383
MAX_THUMB_BYTES = 64 * 1024
FONT_ENV = "DISTRO_COVER_FONT"
#: Where Debian's and Fedora's Noto CJK packages put the fonts; (path, face index: 2 = SC).
KNOWN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
#: A character every CJK font has and a Latin-only font lacks.
PROBE = "报"

RGB = tuple[int, int, int]
#: Muted newsroom colours, dark enough for white text.
PALETTE: tuple[RGB, ...] = (
    (158, 27, 50),  # 中国红, darkened
    (31, 78, 121),
    (38, 94, 74),
    (90, 62, 120),
    (60, 64, 72),
)
WHITE: RGB = (255, 255, 255)
HEADLINE_LINES = 3


@dataclass(frozen=True)
class FontChoice:
    """A font file and its face index in a collection; ``None`` path: Pillow's built-in font."""

    path: str | None
    index: int = 0

    def at(self, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if self.path is None:
            return ImageFont.load_default(size)
        return ImageFont.truetype(self.path, size, index=self.index)


@dataclass(frozen=True)
class Cover:
    """One cover: JPEG bytes, the font it was drawn with, and what went wrong, if anything."""

    data: bytes
    width: int
    height: int
    font: FontChoice | None = None
    note: str | None = None


def _has_cjk(choice: FontChoice) -> bool:
    try:
        font = choice.at(32)
    except OSError:
        return False
    if not isinstance(font, ImageFont.FreeTypeFont):
        return False
    # A font without the glyph draws its .notdef box; compare with a character it surely lacks.
    drawn = _glyph(font, PROBE)
    return any(drawn) and drawn != _glyph(font, "\U000f0000")


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    canvas = Image.new("L", (48, 48))
    ImageDraw.Draw(canvas).text((4, 0), char, font=font, fill=255)
    return canvas.tobytes()


def find_font(configured: str | None = None, *, system: bool = True) -> FontChoice:
    """The first CJK-capable font: ``configured``, $DISTRO_COVER_FONT, then (``system``)
    fc-match and known paths.

    A configured font may name a face as ``path:index``. ``FontChoice(None)`` when none is found.
    """
    candidates: list[FontChoice] = []
    for spec in (configured, os.environ.get(FONT_ENV)):
        if spec:
            candidates.append(FontChoice(*parse_spec(spec)))
    return _first_cjk(tuple(candidates), system)


@functools.cache
def _first_cjk(candidates: tuple[FontChoice, ...], system: bool) -> FontChoice:
    found = list(candidates)
    if system:
        matched = fc_match(SANS)
        if matched is not None:
            found.append(FontChoice(*matched))
        found.extend(FontChoice(path, index) for path, index in KNOWN_FONTS)
    for choice in found:
        if choice.path and Path(choice.path).is_file() and _has_cjk(choice):
            return choice
    return FontChoice(None)


def colour_of(seed: str) -> RGB:
    """The palette colour of ``seed``: stable across runs and machines."""
    return PALETTE[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(PALETTE)]


def _width(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> float:
    return float(font.getlength(text))


def wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width``: CJK breaks anywhere, Latin at spaces."""
    lines: list[str] = []
    line = ""
    for word in _tokens(" ".join(text.split())):
        candidate = line + word
        if not line or _width(font, candidate.rstrip()) <= width:
            line = candidate
            continue
        lines.append(line.rstrip())
        line = word.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Words of Latin script (with their trailing space) and single CJK characters."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isascii() and not char.isspace():
            word += char
            continue
        if word:
            tokens.append(word)
            word = ""
        if char.isspace() and tokens:
            tokens[-1] += char
        elif not char.isspace():
            tokens.append(char)
    if word:
        tokens.append(word)
    return tokens


def _fit(
    headline: str, choice: FontChoice, width: int, height: int
) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, list[str]]:
    """The largest size at which the headline fits the box in at most HEADLINE_LINES lines."""
    largest = max(16, min(height // 4, width // 8))
    for size in range(largest, 15, -2):
        font = choice.at(size)
        lines = wrap(headline, font, width)
        if len(lines) <= HEADLINE_LINES and len(lines) * size * 1.3 <= height:
            return font, lines
    font = choice.at(16)
    lines = wrap(headline, font, width)
    if len(lines) > HEADLINE_LINES:
        lines = lines[:HEADLINE_LINES]
        last = lines[-1]
        while last and _width(font, last + "…") > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return font, lines


def _date_text(date: dt.date | str | None) -> str:
    if date is None:
        return ""
    if isinstance(date, dt.date):
        return f"{date.year}年{date.month}月{date.day}日"
    return date


def _encode(image: Image.Image) -> bytes:
    """JPEG bytes under WeChat's thumb limit: quality steps down until it fits."""
    for quality in (88, 80, 70, 60, 50, 40, 30):
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= MAX_THUMB_BYTES:
            return buffer.getvalue()
    raise ValueError(f"cover of {image.width}×{image.height} stays over {MAX_THUMB_BYTES} bytes")


def draw_cover(
    headline: str | None,
    *,
    paper: str | None = None,
    date: dt.date | str | None = None,
    seed: str = "distro",
    width: int = WIDTH,
    height: int = HEIGHT,
    font: str | None = None,
    system_fonts: bool = True,
) -> Cover:
    """A generated cover: the headline (wrapped to fit) over a rule, the paper's name and date."""
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise ValueError(f"bad image size {width}×{height}")
    choice = find_font(font, system=system_fonts)
    note = None
    if choice.path is None:
        note = "no CJK font found (install fonts-noto-cjk or set DISTRO_COVER_FONT): Chinese text"
        note += " is left out of the cover"
        log.warning("cover: %s", note)
    base = colour_of(seed)
    light: RGB = (
        base[0] + (255 - base[0]) // 2,
        base[1] + (255 - base[1]) // 2,
        base[2] + (255 - base[2]) // 2,
    )
    image = Image.new("RGB", (width, height), base)
    pen = ImageDraw.Draw(image)
    margin = max(12, width // 18)
    footer = max(14, height // 12)
    rule_y = height - margin - footer - footer // 2
    text = headline if choice.path is not None else _latin(headline or "")
    if text:
        box_w, box_h = width - 2 * margin, rule_y - 2 * margin
        face, lines = _fit(text, choice, box_w, box_h)
        size = getattr(face, "size", 16)
        step = int(size * 1.3)
        top = margin + max(0, (box_h - step * len(lines)) // 2)
        for n, line in enumerate(lines):
            pen.text((margin, top + n * step), line, font=face, fill=WHITE)
    pen.rectangle((margin, rule_y, margin + (width - 2 * margin) // 3, rule_y + 2), fill=light)
    caption = "  ".join(part for part in (paper or "", _date_text(date)) if part)
    if choice.path is None:
        caption = _latin(caption)
    if caption:
        small = choice.at(footer)
        while _width(small, caption) > width - 2 * margin and len(caption) > 1:
            caption = caption[:-1]
        pen.text((margin, height - margin - footer), caption, font=small, fill=light)
    return Cover(_encode(image), width, height, choice, note)


def _latin(text: str) -> str:
    """What a Latin-only font can draw: the ASCII of ``text``, spaces squeezed."""
    return " ".join("".join(c if c.isascii() else " " for c in text).split())


def fit_image(data: bytes, *, width: int = WIDTH, height: int = HEIGHT) -> Cover:
    """A given picture cropped to the cover's shape (centred) and re-encoded under the limit."""
    with Image.open(io.BytesIO(data)) as source:
        source.load()
        picture = ImageOps.fit(ImageOps.exif_transpose(source).convert("RGB"), (width, height))
    return Cover(_encode(picture), width, height)


def load_image(image: str | Path, *, timeout: float = 20.0) -> bytes:
    """The bytes of a configured cover: a local path, or an http(s) URL fetched with a deadline."""
    text = str(image)
    if text.startswith(("http://", "https://")):
        from distro.net import HttpClient, Limits

        limits = Limits(deadline=timeout, connect_timeout=min(10.0, timeout), max_bytes=10 << 20)
        with HttpClient(limits=limits, name="cover") as http:
            return http.get(text).body
    return Path(text).read_bytes()


def default_cover(
    seed: str = "distro",
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
    headline: str | None = None,
    paper: str | None = None,
    date: dt.date | str | None = None,
    image: str | Path | None = None,
    font: str | None = None,
) -> bytes:
    """The cover's JPEG bytes: ``image`` (a path or URL) if given, else one drawn for ``headline``.

    With no headline (the account-wide cover the publisher uploads once), the paper's name is
    the text drawn, and with neither the banner is the house colour and its rule only. The same
    arguments give the same bytes.
    """
    if image is not None:
        return fit_image(load_image(image), width=width, height=height).data
    text = headline or paper
    return draw_cover(
        text,
        paper=paper if headline else None,
        date=date,
        seed=seed,
        width=width,
        height=height,
        font=font,
    ).data


def square_cover(
    seed: str = "distro",
    *,
    headline: str | None = None,
    paper: str | None = None,
    date: dt.date | str | None = None,
    image: str | Path | None = None,
    font: str | None = None,
) -> bytes:
    """The 1:1 cover WeChat shows for the second and later articles of an edition."""
    return default_cover(
        seed,
        width=SQUARE,
        height=SQUARE,
        headline=headline,
        paper=paper,
        date=date,
        image=image,
        font=font,
    )
