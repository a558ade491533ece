"""Turning a page's raw bytes into text: BOMs, UTF-8, GB18030/GBK, Big5 and BOM-less UTF-16.

Order of decisions, cheapest and surest first:

1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides alone;
2. strict UTF-8 (what nearly every producer sends);
3. NUL bytes without a BOM: UTF-16 (LE or BE, whichever reads as text), else binary;
4. otherwise every legacy candidate that decodes strictly (GB18030, Big5, UTF-16 LE/BE) is scored
   by how much of it is everyday Chinese, and the best wins. Big5 bytes nearly always decode as
   GBK too (the byte ranges overlap), so decoding alone cannot tell them apart: the score can,
   because the wrong codec yields rare characters.

Bytes that read as broken UTF-8 (mostly valid, a few bad sequences) are not second-guessed as
GB18030: they raise DecodeError at the first bad byte, which is the offset an operator wants.
"""

from __future__ import annotations

import codecs
import re

from distro.errors import DecodeError, ParseError

#: (mark, codec of what follows, name reported); UTF-32 LE first: its BOM starts like UTF-16 LE's.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

#: The most frequent characters of Chinese news text, simplified and traditional; a wrong codec
#: turns bytes into rare characters, so the share of these separates right from wrong.
_COMMON = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过"
    "子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体"
    "制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内"
    "数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提"
    "直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计"
    "别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海"
    "口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身"
    "车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石"
    "记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青"
    "省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型"
    "眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞项目落强调"
    "這個為們來說時會後對過動發長開關進實現應與經濟產業務區縣鄉鎮臺灣國際記報導員當選總統"
    "，。、；：？！“”《》（）——…"
)


#: Control bytes no text file holds (tab, newlines and form feed are text).
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\r\f\v") + b"\x7f"


#: Anything but everyday Chinese and printable ASCII: few in right text, most of wrong text.
_NOT_TEXTY = re.compile("[^" + "".join(re.escape(ch) for ch in sorted(_COMMON)) + " -~\n\r\t]")


#: A score this high settles the encoding without trying the others.
SURE = 0.9


def _score(text: str) -> float:
    """Share of the first characters that are ordinary text (everyday Chinese or ASCII)."""
    sample = text[:300]
    if not sample:
        return 0.0
    return 1 - len(_NOT_TEXTY.findall(sample)) / len(sample)


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _control_share(text: str) -> float:
    sample = text[:4000]
    if not sample or _CONTROL.search(sample) is None:
        return 0.0
    return len(_CONTROL.findall(sample)) / len(sample)


def _control_bytes(data: bytes) -> float:
    """Share of control bytes at the start of `data`; `translate` keeps this at C speed."""
    sample = data[:4000]
    if not sample:
        return 0.0
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / len(sample)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _first_error(data: bytes, codec: str) -> int:
    try:
        data.decode(codec)
    except UnicodeDecodeError as exc:
        return exc.start
    return len(data)


def _binary(origin: str) -> ParseError:
    return ParseError(f"{origin}: binary data, not a text page")


def decode(data: bytes, *, origin: str) -> tuple[str, str]:
    """The text of `data` and the name of the encoding it was read in.

    Raises DecodeError (naming `origin` and the byte offset) for bytes no supported encoding reads,
    and ParseError for binary data (NUL or control bytes that are not UTF-16 text).
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), name
            except UnicodeDecodeError as exc:
                offset = len(bom) + exc.start  # offsets count from the file's first byte
                raise DecodeError(
                    f"{origin}: invalid {name} at byte offset {offset}",
                    origin=origin,
                    offset=offset,
                ) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error: UnicodeDecodeError | None = exc
    else:
        if _control_bytes(data) > 0.01:
            utf16 = _utf16(data)
            if utf16 is not None:
                return utf16
            raise _binary(origin)
        return text, "utf-8"
    assert utf8_error is not None
    if b"\x00" in data:
        utf16 = _utf16(data)
        if utf16 is not None:
            return utf16
        raise _binary(origin)
    if _broken_utf8(data, utf8_error.start):
        raise DecodeError(
            f"{origin}: invalid UTF-8 at byte offset {utf8_error.start}",
            origin=origin,
            offset=utf8_error.start,
        ) from utf8_error
    best: tuple[float, str, str] | None = None
    candidates = ["gb18030", "big5"]
    if len(data) % 2 == 0:
        candidates += ["utf-16-le", "utf-16-be"]
    byte_controls = _control_bytes(data)  # GB18030 and Big5 never use bytes below 0x20
    for codec in candidates:
        decoded = _strict(data, codec)
        if decoded is None:
            continue
        controls = _control_share(decoded) if codec.startswith("utf-16") else byte_controls
        if controls > 0.01:
            continue
        score = _score(decoded)
        if score >= SURE:
            return decoded, codec
        if best is None or score > best[0]:
            best = (score, decoded, codec)
    if best is not None and best[0] >= 0.5:
        return best[1], best[2]
    if byte_controls > 0.01:
        raise _binary(origin)
    offset = max(_first_error(data, codec) for codec in ("utf-8", "gb18030", "big5"))
    raise DecodeError(
        f"{origin}: undecodable byte at offset {offset} (not UTF-8, GB18030, Big5 or UTF-16)",
        origin=origin,
        offset=offset,
    ) from utf8_error


def _utf16(data: bytes) -> tuple[str, str] | None:
    """BOM-less UTF-16: the byte order whose text reads as text, if either does."""
    if len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    # ASCII in UTF-16 LE puts its NUL bytes at odd offsets, in BE at even ones: try that first.
    head = data[:2000]
    orders = ("utf-16-le", "utf-16-be")
    if head[0::2].count(0) > head[1::2].count(0):
        orders = ("utf-16-be", "utf-16-le")
    for codec in orders:
        text = _strict(data, codec)
        if text is None or _control_share(text) > 0.01:
            continue
        score = _score(text)
        if score >= SURE:
            return text, codec
        if best is None or score > best[0]:
            best = (score, text, codec)
    if best is None or best[0] < 0.5:
        return None
    return best[1], best[2]


def _broken_utf8(data: bytes, first_error: int) -> bool:
    """Whether `data` is UTF-8 with a few bad bytes rather than another encoding.

    Text in another encoding fails as UTF-8 at its first non-ASCII byte; broken UTF-8 fails after
    a run of good multi-byte characters, so only then is the whole sample looked at.
    """
    prefix = data[:first_error].decode("utf-8")
    if len(prefix.encode("utf-8")) - len(prefix) < 16:  # fewer than ~8 non-ASCII characters
        return False
    text = data[:20000].decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = len(text) - bad - len(text.encode("ascii", errors="ignore"))
    return multibyte >= 8 and bad <= max(2, multibyte // 50)
