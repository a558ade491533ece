"""``/favicon.ico``: at the site's root, a real ICO of the SVG icon's mark, and served as one."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from PIL import Image

from distro.channels import web
from distro.channels.web import icon
from distro.channels.web.render import Site
from distro.store.ledger import Ledger
from tests.channels.web.stories import article, settings, store

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
ACCENT = icon.ACCENT[:3]
LATIN = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as opened:
        yield opened


def frames(data: bytes) -> dict[int, Image.Image]:
    """Every frame of an ICO by its width, as RGBA."""
    ico = Image.open(io.BytesIO(data))
    assert ico.format == "ICO"
    return {w: ico.ico.getimage((w, h)).convert("RGBA") for w, h in ico.ico.sizes()}


def whites(frame: Image.Image) -> int:
    """Opaque white pixels: the mark's strokes."""
    pixels = frame.get_flattened_data()
    return sum(1 for pixel in pixels if pixel[:3] == (255, 255, 255) and pixel[3] > 200)


def test_publish_puts_favicon_ico_at_the_site_root(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state")
    store(ledger, article(1, NOW))
    report = web.publish(cfg, ledger)
    site = cfg.state.site
    data = (site / "favicon.ico").read_bytes()
    assert any(o.endswith("/favicon.ico") for o in report.outputs)
    shown = frames(data)
    assert sorted(shown) == [16, 32, 48]
    for width, frame in shown.items():
        assert frame.getpixel((0, 0))[3] < 16, width  # the rounded corner is transparent
        assert frame.getpixel((width // 2, 1))[:3] == ACCENT, width
    # The mark is the publication's first character, drawn when a font has it (西 of 西海岸新闻).
    drawn = icon.font_for("西") is not None
    assert (whites(shown[48]) > 20) is drawn
    # A rerun offers the same bytes, so the icon is not rewritten.
    before = (site / "favicon.ico").stat().st_mtime_ns
    store(ledger, article(2, NOW))
    web.publish(cfg, ledger)
    assert (site / "favicon.ico").stat().st_mtime_ns == before


def test_the_icon_is_drawn_again_only_when_its_mark_changes_or_it_is_gone(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = settings(tmp_path / "state")
    store(ledger, article(1, NOW))
    web.publish(cfg, ledger)
    drawn: list[str] = []
    draw = icon.favicon_ico

    def counted(site: Site) -> bytes:
        drawn.append(site.publisher)
        return draw(site)

    monkeypatch.setattr(icon, "favicon_ico", counted)
    store(ledger, article(2, NOW))
    web.publish(cfg, ledger)
    assert drawn == []  # same mark, file in place: not drawn (a fresh process would pay for it)
    (cfg.state.site / "favicon.ico").unlink()
    store(ledger, article(3, NOW))
    web.publish(cfg, ledger)
    assert drawn == ["西海岸新闻"] and (cfg.state.site / "favicon.ico").is_file()
    text = '[channels.web]\nbase_url = "http://127.0.0.1:8000/"\ntitle = "黄岛日报"\n'
    renamed = settings(tmp_path / "state", text)
    store(ledger, article(4, NOW))
    web.publish(renamed, ledger)
    assert drawn == ["西海岸新闻", "黄岛日报"]


@pytest.fixture
def only_configured_fonts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No system font: the icon sees only the font $DISTRO_ICON_FONT names."""
    monkeypatch.setattr(icon, "fc_match", lambda pattern: None)
    monkeypatch.setattr(icon, "KNOWN_FONTS", ())
    icon._candidates.cache_clear()
    icon._icon.cache_clear()
    yield
    icon._candidates.cache_clear()
    icon._icon.cache_clear()


def test_the_mark_is_drawn_only_with_a_font_that_has_it(
    monkeypatch: pytest.MonkeyPatch, only_configured_fonts: None
) -> None:
    if not LATIN.is_file():
        pytest.fail(f"no Latin-only font at {LATIN}: scripts/test.sh installs fonts-dejavu-core")
    monkeypatch.setenv(icon.FONT_ENV, str(LATIN))
    latin = frames(icon.favicon_ico(Site("https://news.example.cn/", "Daily")))
    assert whites(latin[48]) > 20
    # DejaVu has no 西: the plain square, not the box of a missing glyph.
    chinese = frames(icon.favicon_ico(Site("https://news.example.cn/", "西海岸新闻")))
    assert whites(chinese[48]) == 0 and chinese[48].getpixel((24, 24))[:3] == ACCENT
    monkeypatch.delenv(icon.FONT_ENV)
    assert whites(frames(icon.favicon_ico(Site("https://news.example.cn/", "Daily")))[48]) == 0


def test_favicon_ico_is_served_from_the_root_as_an_icon(tmp_path: Path, ledger: Ledger) -> None:
    cfg = settings(tmp_path / "state")
    store(ledger, article(1, NOW))
    web.publish(cfg, ledger)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(cfg.state.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/favicon.ico"
        answer = requests.get(url, timeout=10)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert sorted(frames(answer.content)) == [16, 32, 48]
