"""Every supported encoding of one page gives the same articles; bad bytes fail clearly."""

from __future__ import annotations

import codecs
import datetime as dt
from typing import Any

import pytest

from distro.errors import DecodeError, ParseError
from distro.parse import decode, parse_page

ISSUE = dt.date(2021, 7, 5)

#: A traditional-Chinese page (Big5 cannot spell the simplified seed): same shape as the seed.
BIG5_PAGE = """
臺北市舉行經濟會議

□記者 王大明 報導

本報7月5日訊 臺北市政府今天召開記者會,說明與香港經濟合作的進展。市長表示,
雙方將在科技與金融方面加強合作。

會議最後通過了三項合作計畫。
"""

ENCODINGS: dict[str, Any] = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "gb18030": lambda t: t.encode("gb18030"),
    "gbk": lambda t: t.encode("gbk"),
    "utf-16-le-bom": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be-bom": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
    "utf-32": lambda t: t.encode("utf-32"),
}


def _editorial(data: bytes) -> list[dict[str, Any]]:
    articles = parse_page(data, origin="file:///inbox/page.txt", issue_date=ISSUE, page="1")
    return [a.model_dump(mode="json", exclude={"provenance"}) for a in articles]


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_seed_in_every_encoding_gives_identical_articles(seed_bytes: bytes, name: str) -> None:
    text = seed_bytes.decode("utf-8")
    data = ENCODINGS[name](text)
    assert data != seed_bytes or name == "utf-8"
    assert decode(data, origin="page.txt")[0].removeprefix("\ufeff") == text
    assert _editorial(data) == _editorial(seed_bytes)


def test_encoding_is_recorded_in_provenance(seed_bytes: bytes) -> None:
    data = seed_bytes.decode().encode("gb18030")
    article = parse_page(data, origin="file:///p.txt", issue_date=ISSUE)[0]
    assert article.provenance.encoding == "gb18030"
    assert article.provenance.sha256 != parse_page(seed_bytes, origin="x")[0].provenance.sha256


def test_big5_page_matches_its_utf8_twin() -> None:
    big5 = BIG5_PAGE.encode("big5")
    assert decode(big5, origin="tw.txt")[1] == "big5"
    utf8 = _editorial(BIG5_PAGE.encode("utf-8"))
    assert _editorial(big5) == utf8
    assert utf8[0]["headline"] == "臺北市舉行經濟會議"
    assert len(utf8[0]["paragraphs"]) == 2
    assert utf8[0]["paragraphs"][0].endswith("加強合作。")


def test_broken_utf8_names_file_and_offset(seed_bytes: bytes) -> None:
    at = seed_bytes.index("观摩后".encode())
    bad = seed_bytes[:at] + b"\xff\xfe\xfd" + seed_bytes[at:]
    with pytest.raises(DecodeError) as caught:
        decode(bad, origin="inbox/page.txt")
    assert caught.value.offset == at
    assert caught.value.origin == "inbox/page.txt"
    assert "inbox/page.txt" in caught.value.message and str(at) in caught.value.message


def test_broken_gb18030_names_offset() -> None:
    good = "北京市政府今天召开记者会。".encode("gb18030") * 5
    with pytest.raises(DecodeError) as caught:
        decode(good + b"\x80\x80" + "说明情况。".encode("gb18030"), origin="gb.txt")
    assert caught.value.offset == len(good)


def test_bad_bom_payload_raises_decode_error() -> None:
    with pytest.raises(DecodeError) as caught:
        decode(codecs.BOM_UTF8 + "新闻".encode() + b"\xc3", origin="bom.txt")
    assert caught.value.offset == len(codecs.BOM_UTF8) + 6


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 4, b"\x00\x01\x02\x03" * 64, b"\x89PNG\r\n\x1a\n" + b"\x07\x01" * 200],
)
def test_binary_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError, match="binary"):
        parse_page(data, origin="blob.bin")


def test_empty_and_blank_pages_are_parse_errors() -> None:
    with pytest.raises(ParseError, match="empty"):
        parse_page(b"", origin="empty.txt")
    with pytest.raises(ParseError, match="empty"):
        parse_page(" \n\u3000\n".encode(), origin="blank.txt")
