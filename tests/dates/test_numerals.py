"""Numbers as printed: ASCII, full-width, Chinese numerals."""

from __future__ import annotations

import pytest

from distro.dates.numerals import to_int


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5),
        ("31", 31),
        ("１２", 12),
        ("六", 6),
        ("十", 10),
        ("十八", 18),
        ("二十", 20),
        ("三十", 30),
        ("三十一", 31),
        ("廿一", 21),
        ("卅", 30),
        ("两", 2),
        ("二〇二一", 2021),
        ("二零零四", 2004),
        ("一九八九", 1989),
    ],
)
def test_numbers(text: str, value: int) -> None:
    assert to_int(text) == value


@pytest.mark.parametrize("text", ["", "x", "十十", "一十二三", "五廿"])
def test_not_numbers(text: str) -> None:
    assert to_int(text) is None
