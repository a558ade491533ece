"""The generated cover is a valid baseline JPEG under WeChat's 64 KB thumb limit.

The check decodes it with a small independent decoder (markers, Huffman tables, DC terms), so a
broken encoder cannot pass by writing the right headers only.
"""

from __future__ import annotations

import struct

import pytest

from distro.channels.wechat.cover import HEIGHT, MAX_THUMB_BYTES, PALETTE, WIDTH, default_cover


def segments(data: bytes) -> tuple[dict[int, list[bytes]], bytes]:
    """Marker -> payloads, and the entropy-coded scan data."""
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    found: dict[int, list[bytes]] = {}
    pos = 2
    while True:
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        found.setdefault(marker, []).append(data[pos + 4 : pos + 2 + length])
        pos += 2 + length
        if marker == 0xDA:
            return found, data[pos:-2]


def tables(payloads: list[bytes]) -> dict[int, dict[tuple[int, int], int]]:
    """DHT payloads -> table id -> {(length, code): symbol}."""
    out: dict[int, dict[tuple[int, int], int]] = {}
    for payload in payloads:
        table_id, counts = payload[0], payload[1:17]
        symbols = iter(payload[17:])
        code, table = 0, {}
        for length, count in enumerate(counts, 1):
            for _ in range(count):
                table[(length, code)] = next(symbols)
                code += 1
            code <<= 1
        out[table_id] = table
    return out


def decode_dc(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and each block's (Y, Cb, Cr) of a DC-only baseline JPEG."""
    found, scan = segments(data)
    precision, height, width, components = struct.unpack(">BHHB", found[0xC0][0][:6])
    assert (precision, components) == (8, 3)
    quant = found[0xDB][0][1]
    huffman = tables(found[0xC4])
    scan = scan.replace(b"\xff\x00", b"\xff")
    bits = "".join(f"{byte:08b}" for byte in scan)
    pos = 0

    def symbol(table: dict[tuple[int, int], int]) -> int:
        nonlocal pos
        code = 0
        for length in range(1, 17):
            code = (code << 1) | int(bits[pos])
            pos += 1
            if (length, code) in table:
                return table[(length, code)]
        raise AssertionError("bad Huffman code")

    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    previous = [0, 0, 0]
    out = []
    for _ in range(blocks):
        values = []
        for c in range(3):
            category = symbol(huffman[0x00])
            diff = 0
            if category:
                raw = int(bits[pos : pos + category], 2)
                pos += category
                diff = raw if raw >= 1 << (category - 1) else raw - (1 << category) + 1
            previous[c] += diff
            values.append(previous[c] * quant // 8 + 128)
            assert symbol(huffman[0x10]) == 0x00  # EOB: no AC terms
        out.append((values[0], values[1], values[2]))
    assert set(bits[pos:]) <= {"1"}  # only padding is left
    return width, height, out


def rgb(ycc: tuple[int, int, int]) -> tuple[int, int, int]:
    y, cb, cr = ycc
    return (
        round(y + 1.402 * (cr - 128)),
        round(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128)),
        round(y + 1.772 * (cb - 128)),
    )


@pytest.mark.parametrize("seed", ["distro", "要闻", "a-0123456789abcdef0123"])
def test_cover_is_a_small_valid_jpeg_in_a_palette_colour(seed: str) -> None:
    data = default_cover(seed)
    assert len(data) <= MAX_THUMB_BYTES
    width, height, blocks = decode_dc(data)
    assert (width, height) == (WIDTH, HEIGHT)
    corner = rgb(blocks[0])
    assert any(
        all(abs(a - b) <= 2 for a, b in zip(corner, colour, strict=True)) for colour in PALETTE
    )
    assert len(set(blocks)) == 2  # the background and the rule


def test_cover_is_deterministic() -> None:
    assert default_cover("x") == default_cover("x")
