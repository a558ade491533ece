"""Covers drawn with Pillow: valid JPEGs of WeChat's two shapes, under the 64 KB thumb limit,
with the headline really drawn in a CJK font, and a configured image winning when given."""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from distro.channels.wechat.cover import (
    HEIGHT,
    MAX_THUMB_BYTES,
    SQUARE,
    WIDTH,
    colour_of,
    default_cover,
    draw_cover,
    find_font,
    square_cover,
)

HEADLINE = "青岛西海岸新区举行重点项目集中开工仪式 总投资超过三百亿元"
OTHER = "西海岸新区今冬首场降雪如期而至"
PAPER = "西海岸新闻"
DAY = dt.date(2026, 12, 1)
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    image.load()
    return image.convert("RGB")


def text_pixels(image: Image.Image, box: tuple[int, int, int, int], seed: str) -> int:
    """Pixels in ``box`` far from the background colour (JPEG noise stays well below 60)."""
    background = Image.new("RGB", image.size, colour_of(seed))
    diff = ImageChops.difference(image, background).convert("L").crop(box)
    return sum(diff.point(lambda value: 255 if value > 60 else 0).histogram()[255:])


@pytest.mark.parametrize(("width", "height"), [(WIDTH, HEIGHT), (SQUARE, SQUARE)])
def test_cover_is_a_jpeg_of_the_shape_under_the_limit(width: int, height: int) -> None:
    data = default_cover(HEADLINE, headline=HEADLINE, paper=PAPER, date=DAY, width=width,
                         height=height)  # fmt: skip
    assert len(data) <= MAX_THUMB_BYTES
    assert decode(data).size == (width, height)
    assert decode(square_cover(headline=HEADLINE)).size == (SQUARE, SQUARE)


def test_the_headline_is_drawn_in_a_cjk_font() -> None:
    font = find_font()
    assert font.path is not None, "fonts-noto-cjk is installed on this machine"
    cover = draw_cover(HEADLINE, paper=PAPER, date=DAY, seed="s")
    assert cover.note is None and cover.font == font
    image = decode(cover.data)
    headline_box = (0, 0, WIDTH, HEIGHT * 2 // 3)
    assert text_pixels(image, headline_box, "s") > 2000
    # The same seed with no text: only the rule and the caption differ from the background.
    blank = decode(draw_cover("", seed="s").data)
    assert text_pixels(blank, headline_box, "s") == 0
    # Chinese glyphs, not boxes: two different Chinese headlines give different ink.
    other = decode(draw_cover(OTHER, paper=PAPER, date=DAY, seed="s").data)
    assert ImageChops.difference(image, other).crop(headline_box).getbbox() is not None


def test_different_headlines_give_different_covers_and_equal_ones_equal_bytes() -> None:
    first = default_cover("a", headline=HEADLINE, paper=PAPER, date=DAY)
    second = default_cover("a", headline=OTHER, paper=PAPER, date=DAY)
    assert first != second
    assert first == default_cover("a", headline=HEADLINE, paper=PAPER, date=DAY)
    assert default_cover("a", headline=HEADLINE, paper=PAPER, date=dt.date(2026, 12, 2)) != first


def test_a_long_headline_is_wrapped_and_cut_to_fit() -> None:
    cover = draw_cover(HEADLINE * 8, paper=PAPER, date=DAY, seed="s")
    image = decode(cover.data)
    # Nothing drawn in the right margin: every line was wrapped inside the box.
    assert text_pixels(image, (WIDTH - WIDTH // 18 + 4, 0, WIDTH, HEIGHT), "s") == 0


def test_without_a_cjk_font_it_falls_back_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="distro.channels.wechat.cover"):
        cover = draw_cover("Xihai'an 西海岸 News", font=DEJAVU, system_fonts=False, seed="s")
    assert cover.font is not None and cover.font.path is None
    assert cover.note is not None and "no CJK font" in cover.note
    assert "no CJK font" in caplog.text
    image = decode(cover.data)
    assert image.size == (WIDTH, HEIGHT) and len(cover.data) <= MAX_THUMB_BYTES
    assert text_pixels(image, (0, 0, WIDTH, HEIGHT * 2 // 3), "s") > 0  # the Latin part shows


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    image = Image.new("RGB", (1600, 1200), (200, 30, 30))
    image.paste((20, 200, 40), (600, 400, 1000, 800))
    image.save(path)
    return path


def test_a_configured_image_wins_and_is_cropped_to_the_shape(picture: Path) -> None:
    for width, height in ((WIDTH, HEIGHT), (SQUARE, SQUARE)):
        data = default_cover(headline=HEADLINE, image=picture, width=width, height=height)
        image = decode(data)
        assert image.size == (width, height) and len(data) <= MAX_THUMB_BYTES
        red, green, _ = image.getpixel((width // 2, height // 2))  # type: ignore[misc]
        assert green > 150 and red < 80  # the photo's centre, not a drawn cover


@pytest.fixture
def image_server(picture: Path) -> Iterator[str]:
    body = picture.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cover.png"
    server.shutdown()
    server.server_close()


def test_a_configured_image_url_is_fetched(image_server: str) -> None:
    image = decode(square_cover(image=image_server))
    assert image.size == (SQUARE, SQUARE)
    assert image.getpixel((SQUARE // 2, SQUARE // 2))[1] > 150  # type: ignore[index]


def test_the_account_cover_without_a_headline_is_the_house_colour_and_rule() -> None:
    image = decode(default_cover())
    assert image.size == (WIDTH, HEIGHT)
    assert text_pixels(image, (0, 0, WIDTH, HEIGHT * 2 // 3), "distro") == 0
    named = decode(default_cover(paper=PAPER))
    assert text_pixels(named, (0, 0, WIDTH, HEIGHT * 2 // 3), "distro") > 500
