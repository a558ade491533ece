"""Default cover images: a small baseline JPEG drawn in flat 8×8 blocks, with no imaging library.

WeChat needs a permanent ``thumb`` (a JPEG ≤ 64 KB) for every draft article. Our articles carry no
pictures of their own, so each edition gets a generated cover: a 2.35:1 banner in the house colour
chosen from a stable hash of a seed. Every 8×8 block is one flat colour, so only DC coefficients are
coded and the whole file stays a few kilobytes.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Sequence

#: WeChat crops covers to 2.35:1.
WIDTH, HEIGHT = 900, 383
MAX_THUMB_BYTES = 64 * 1024

RGB = tuple[int, int, int]
#: Muted newsroom colours, dark enough for white overlay text in the client.
PALETTE: tuple[RGB, ...] = (
    (158, 27, 50),  # 中国红, darkened
    (31, 78, 121),
    (38, 94, 74),
    (90, 62, 120),
    (60, 64, 72),
)

# Standard luminance DC table (ITU T.81, K.3): categories 0..11.
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALS = tuple(range(12))
# Every AC coefficient is zero: the only AC symbol ever coded is EOB (0x00), one bit long.
_AC_BITS = (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
_AC_VALS = (0x00,)
_QUANT = 8  # DC of a flat block is 8 × (value - 128): quantized by 8 it is value - 128


def huffman_codes(bits: Sequence[int], values: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes (symbol -> (code, length)) from a DHT's counts and symbols."""
    codes: dict[int, tuple[int, int]] = {}
    code = 0
    k = 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def write(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> shift) & 1)
            self.count += 1
            if self.count == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0x00)  # byte stuffing: 0xFF in entropy data is escaped
                self.acc = 0
                self.count = 0

    def flush(self) -> bytes:
        if self.count:
            self.write((1 << (8 - self.count)) - 1, 8 - self.count)  # pad with 1-bits
        return bytes(self.out)


def _ycbcr(rgb: RGB) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    return tuple(max(0, min(255, round(v))) for v in (y, cb, cr))  # type: ignore[return-value]


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload


def encode_blocks(width: int, height: int, colour: Callable[[int, int], RGB]) -> bytes:
    """A baseline JPEG where block (bx, by) is filled with ``colour(bx, by)``."""
    if not (0 < width <= 65535 and 0 < height <= 65535):
        raise ValueError(f"bad image size {width}×{height}")
    header = bytearray(b"\xff\xd8")
    header += _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    header += _segment(0xDB, bytes([0x00]) + bytes([_QUANT] * 64))
    header += _segment(
        0xC0,
        struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00",
    )
    header += _segment(0xC4, bytes([0x00, *_DC_BITS, *_DC_VALS]))
    header += _segment(0xC4, bytes([0x10, *_AC_BITS, *_AC_VALS]))
    header += _segment(0xDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00")
    dc_codes = huffman_codes(_DC_BITS, _DC_VALS)
    eob_code, eob_length = huffman_codes(_AC_BITS, _AC_VALS)[0x00]
    writer = _BitWriter()
    previous = [0, 0, 0]
    for by in range((height + 7) // 8):
        for bx in range((width + 7) // 8):
            for component, value in enumerate(_ycbcr(colour(bx, by))):
                dc = value - 128
                diff = dc - previous[component]
                previous[component] = dc
                category = abs(diff).bit_length()
                code, length = dc_codes[category]
                writer.write(code, length)
                if category:
                    writer.write(diff if diff >= 0 else diff + (1 << category) - 1, category)
                writer.write(eob_code, eob_length)
    return bytes(header) + writer.flush() + b"\xff\xd9"


def default_cover(seed: str = "distro", *, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The generated cover for ``seed``: a banner in a palette colour with a lighter rule."""
    index = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(PALETTE)
    base = PALETTE[index]
    light: RGB = (
        base[0] + (255 - base[0]) // 2,
        base[1] + (255 - base[1]) // 2,
        base[2] + (255 - base[2]) // 2,
    )
    rows = (height + 7) // 8
    cols = (width + 7) // 8

    def colour(bx: int, by: int) -> RGB:
        if rows * 2 // 3 <= by < rows * 2 // 3 + 1 and cols // 12 <= bx < cols * 5 // 12:
            return light
        return base

    data = encode_blocks(width, height, colour)
    if len(data) > MAX_THUMB_BYTES:  # pragma: no cover - flat blocks keep it a few KB
        raise ValueError(f"cover is {len(data)} bytes, over WeChat's thumb limit")
    return data
