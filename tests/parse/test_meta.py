"""The sidecar and file-name conventions for page facts."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.errors import ParseError
from distro.parse import PageMeta, is_sidecar, page_meta, sidecar_name


def test_bundled_sample_sidecar() -> None:
    meta = page_meta(
        "000_c6710cc7ae2753f8.txt",
        b'{"issue_date": "2021-07-05", "page": "1", "section": "\xe8\xa6\x81\xe9\x97\xbb"}',
    )
    assert meta == PageMeta(issue_date=dt.date(2021, 7, 5), page="1", section="要闻")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2021-07-05_01_要闻.txt", PageMeta(dt.date(2021, 7, 5), "1", "要闻")),
        ("20210705-A3.txt", PageMeta(dt.date(2021, 7, 5), "A3")),
        ("20210705_p2.txt", PageMeta(dt.date(2021, 7, 5), "2")),
        ("2021-07-05.txt", PageMeta(dt.date(2021, 7, 5))),
        ("2021-07-05_final.txt", PageMeta(dt.date(2021, 7, 5))),
        ("20211345_01.txt", PageMeta()),
        ("000_c6710cc7ae2753f8.txt", PageMeta()),
        ("page.txt", PageMeta()),
    ],
)
def test_file_name_convention(name: str, expected: PageMeta) -> None:
    assert page_meta(name, None) == expected


def test_sidecar_wins_over_file_name() -> None:
    meta = page_meta("20210705_01_要闻.txt", b'{"page": 2, "publication": "\xe8\xa5\xbf"}')
    assert meta == PageMeta(dt.date(2021, 7, 5), "2", "要闻", "西")


@pytest.mark.parametrize(
    ("sidecar", "problem"),
    [
        (b"{not json", "not a JSON sidecar"),
        (b"[1, 2]", "JSON object"),
        (b'{"issue_date": "05/07/2021"}', "YYYY-MM-DD"),
        (b'{"pages": "1"}', "unknown keys pages"),
        (b'{"page": ["1"]}', "must be a string"),
    ],
)
def test_bad_sidecars_name_themselves(sidecar: bytes, problem: str) -> None:
    with pytest.raises(ParseError, match=problem) as caught:
        page_meta("inbox/p.txt", sidecar)
    assert "inbox/p.meta.json" in caught.value.message


def test_sidecar_names() -> None:
    assert sidecar_name("inbox/000_c6710cc7ae2753f8.txt") == "inbox/000_c6710cc7ae2753f8.meta.json"
    assert is_sidecar("000_c6710cc7ae2753f8.meta.json")
    assert not is_sidecar("000_c6710cc7ae2753f8.txt")
