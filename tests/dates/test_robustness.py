"""Any text at all: the engine never raises and its spans always index the text."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from distro.dates import find_dateline, lead_dates, strip_dateline

# Text built from the characters datelines are made of, so the parser's paths get exercised.
_PIECES = st.sampled_from(
    [
        "本报", "新华社", "法新社", "中新网", "据", "北京", "(", ")", "（", "）", "电", "讯",
        "消息", "报道", ":", "记者", "、", "7月", "5日", "三十", "日", "年", "二〇二一", "今天",
        "昨", "至", "\n", " ", "，", "〇", "十", "廿", "号", "□", "李洁丁喜刚", "瑞士",
    ]
)  # fmt: skip
_TEXT = st.one_of(st.text(max_size=300), st.lists(_PIECES | st.text(max_size=3)).map("".join))
# The ends of the calendar too: 明天 on 9999-12-31 has no date, and must not raise.
_DATES = st.none() | st.sampled_from([dt.date.min, dt.date.max]) | st.dates()


@settings(max_examples=400, deadline=None)
@given(text=_TEXT, issue=_DATES)
def test_never_raises_and_spans_index_the_text(text: str, issue: dt.date | None) -> None:
    found = find_dateline(text, issue)
    if found is not None:
        start, end = found.span
        assert text[start:end] == found.raw
        assert found.raw
        assert (found.date is None) == (found.date_reason is not None)
        assert len(strip_dateline(text, found)) < len(text)
    for item in lead_dates(text, issue, found):
        assert text[item.span[0] : item.span[1]] == item.expr
        assert (item.start is None) == (item.reason is not None)
