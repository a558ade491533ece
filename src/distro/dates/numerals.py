"""Numbers as Chinese copy prints them: ASCII, full-width digits and Chinese numerals."""

from __future__ import annotations

#: Full-width digits and the two zeros typesetters use, mapped to ASCII.
_WIDE = str.maketrans("０１２３４５６７８９〇○Ｏ零", "01234567890000")

_DIGIT = {
    "〇": 0, "○": 0, "Ｏ": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_TENS = {"十": 10, "廿": 20, "卅": 30}

#: Characters a numeral pattern may contain (for building regexes elsewhere).
NUMERAL_CHARS = "0-9０-９一二两三四五六七八九十廿卅〇○Ｏ零"


def to_int(text: str) -> int | None:
    """The value of a small number (0-9999) as printed, or None when it is not one.

    Handles `12`, `１２`, `十二`, `二十一`, `廿一`, `卅`, and digit-by-digit years (`二〇二一`).
    """
    if text.isdecimal():
        return int(text)  # ASCII and full-width digits alike
    text = text.strip()
    if not text:
        return None
    ascii_digits = text.translate(_WIDE)
    if ascii_digits.isascii() and ascii_digits.isdigit():
        return int(ascii_digits)
    if all(ch in _DIGIT for ch in text):
        # Digit by digit, as years are spelled: 二〇〇四.
        value = 0
        for ch in text:
            value = value * 10 + _DIGIT[ch]
        return value
    # Tens form: [digit]十[digit], 廿[digit], 卅[digit]; one tens character, at most.
    tens_at = [i for i, ch in enumerate(text) if ch in _TENS]
    if len(tens_at) != 1 or len(text) > 3:
        return None
    i = tens_at[0]
    before, tens, after = text[:i], text[i], text[i + 1 :]
    if len(before) > 1 or len(after) > 1 or (before and tens != "十"):
        return None
    if any(ch not in _DIGIT for ch in before + after):
        return None
    value = _TENS[tens] * (_DIGIT[before] if before else 1)
    return value + (_DIGIT[after] if after else 0)
