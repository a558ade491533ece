"""Date expressions in a headline and lead (今天上午, 昨日, 5日, 7月4日至5日), resolved to dates.

Each expression is resolved against the right anchor: the headline against the issue date, the
body against the dateline's date (or the issue date when the dateline is undated or absent). An
expression that cannot be resolved without guessing keeps a null date and a reason.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from distro.dates.calendar import DateProblem, Later, complete, make_date, shift
from distro.dates.numerals import to_int
from distro.models import Dateline

#: Relative words -> offset in days from the anchor.
_RELATIVE: dict[str, int] = {
    "今天": 0, "今日": 0, "今晨": 0, "今早": 0, "今晚": 0, "今夜": 0,
    "昨天": -1, "昨日": -1, "昨晚": -1, "昨夜": -1, "昨晨": -1, "昨": -1,
    "前天": -2, "前日": -2,
    "明天": 1, "明日": 1, "明晚": 1, "明晨": 1, "后天": 2,
}  # fmt: skip
_TOD = r"(?:凌晨|清晨|早晨|早上|上午|中午|下午|傍晚|晚上|晚间|夜间|深夜|夜里|晚|早|夜)"
_REL = "|".join(sorted((w for w in _RELATIVE if w != "昨"), key=len, reverse=True))
_CN = "一二两三四五六七八九十廿卅"
_MNUM = rf"[0-9０-９]{{1,2}}|[{_CN}]{{1,3}}"
_DNUM = rf"[0-9０-９]{{1,2}}|[{_CN}〇零]{{1,3}}"
_YEAR = r"[0-9０-９]{4}|[〇○Ｏ零一二三四五六七八九]{4}"
_RANGE = r"(?:至|到|—|－|-|～|~)"
_RELATIVE_EXPR = re.compile(rf"(?P<rel>{_REL}|昨(?![天日晚夜晨]))(?:{_TOD})?")
_DATE_EXPR = re.compile(
    rf"(?<![0-9０-９.．])(?:(?P<y>{_YEAR})年)?(?:(?P<m>{_MNUM})月)?(?P<d>{_DNUM})(?P<unit>日|号)"
    rf"(?:{_TOD})?"
    rf"(?:{_RANGE}(?:(?P<m2>{_MNUM})月)?(?P<d2>{_DNUM})(?:日|号))?"
)
_RELATIVE_STARTS = frozenset("今昨前明后")

#: A leading character class lets the regex engine skip ahead fast; the rest narrows it down.
_TRIGGER = re.compile(
    rf"[今昨前明后0-9０-９{_CN}〇○Ｏ零]"
    rf"(?:(?<=[0-9０-９{_CN}〇○Ｏ零])[0-9０-９{_CN}〇○Ｏ零]{{0,3}}[年月日号]"
    rf"|(?<=今)[天日晨早晚夜]|(?<=昨)|(?<=前)[天日]|(?<=明)[天日晚晨]|(?<=后)天)"
)
#: Words before a day that announce a coming event (将于24日至26日举行): a later day is this month.
_FUTURE = re.compile("将|定于|拟于|拟在|计划于|预计")


class LeadDate(NamedTuple):
    """One date expression of an opening and what it resolves to.

    `start`/`end` are the first and last day (equal for one day; both None when unresolved, then
    `reason` says why). `base` is the anchor used, as the dev set labels it: ``issue_date``,
    ``dateline``, ``issue_date year`` / ``dateline year`` (a month and day that only took the
    anchor's year) or ``printed`` (a full date).
    """

    expr: str
    span: tuple[int, int]
    start: dt.date | None
    end: dt.date | None
    base: str | None
    reason: str | None = None

    def as_json(self) -> dict[str, object]:
        """`date` is an ISO date, `[first, last]` for a range, or null (then `reason` says why)."""
        date: object = None
        if self.start is not None and self.end is not None and self.end != self.start:
            date = [self.start.isoformat(), self.end.isoformat()]
        elif self.start is not None:
            date = self.start.isoformat()
        out: dict[str, object] = {
            "expr": self.expr,
            "span": list(self.span),
            "date": date,
            "base": self.base,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        return out


def _resolve(found: re.Match[str], text: str, anchor: dt.date | None, base: str) -> LeadDate | None:
    start, end = found.span()
    if found.re is _RELATIVE_EXPR:
        if start > 0 and text[start - 1] == "《":
            return None  # a title: 《今日美国》
        if anchor is None:
            return LeadDate(found.group(), (start, end), None, None, None, "no anchor date")
        try:
            when = shift(anchor, _RELATIVE[found.group("rel")])
        except DateProblem as exc:
            return LeadDate(found.group(), (start, end), None, None, base, str(exc))
        return LeadDate(found.group(), (start, end), when, when, base)
    y, m, d, unit, m2, d2 = found.group("y", "m", "d", "unit", "m2", "d2")
    if m is None and (unit == "号" or not d.isdecimal()):
        return None  # 5号线, 一日三餐: not dates without a month
    year = to_int(y) if y else None
    month = to_int(m) if m else None
    day = to_int(d)
    if day is None or (m and month is None) or (month is not None and not 1 <= month <= 12):
        return None
    later: Later = "ambiguous"
    if month is None and _FUTURE.search(text, max(0, start - 6), start) is not None:
        later = "same-month"
    if year is not None and month is not None:
        how = "printed"
    elif month is not None:
        how = f"{base} year"
    else:
        how = base
    try:
        first = complete(year, month, day, anchor, later=later)
        last = first if d2 is None else _range_end(first, m2, d2)
    except DateProblem as exc:
        return LeadDate(found.group(), (start, end), None, None, how, str(exc))
    return LeadDate(found.group(), (start, end), first, last, how)


def _range_end(first: dt.date, m2: str | None, d2: str) -> dt.date:
    day = to_int(d2)
    month = to_int(m2) if m2 else first.month
    if day is None or month is None:
        raise DateProblem(f"unreadable end of range: {d2}")
    year = first.year if month >= first.month else first.year + 1
    last = make_date(year, month, day)
    if last < first and m2 is None:
        # 30日至2日: the range runs into the next month.
        following = shift(first.replace(day=28), 4)
        last = make_date(following.year, following.month, day)
    if last < first:
        raise DateProblem(f"a range that ends before it starts: {first} to {last}")
    return last


def lead_dates(text: str, issue_date: dt.date | None, dateline: Dateline | None) -> list[LeadDate]:
    """Every date expression of an opening outside its dateline, resolved or null with a reason.

    `text` is the opening `find_dateline` saw (`headline\\nlead`, or a paragraph), `dateline` what
    it returned. The first line is the headline when there is more than one line and the dateline
    is not on it.
    """
    headline_end = 0
    newline = text.find("\n")
    if newline >= 0 and (dateline is None or dateline.span[0] > newline):
        headline_end = newline
    skip = dateline.span if dateline is not None else (0, 0)
    # The body's anchor is the dateline's date; without one, the issue date.
    body_anchor = dateline.date if dateline is not None else None
    out: list[LeadDate] = []
    done = 0
    for trigger in _TRIGGER.finditer(text):
        at = trigger.start()
        if at < done:
            continue
        if text[at] in _RELATIVE_STARTS:
            found = _RELATIVE_EXPR.match(text, at)
        else:
            found = _DATE_EXPR.match(text, at)
        if found is None:
            continue
        done = found.end()
        if found.start() < skip[1] and found.end() > skip[0]:
            continue
        if at < headline_end or body_anchor is None:
            resolved = _resolve(found, text, issue_date, "issue_date")
        else:
            resolved = _resolve(found, text, body_anchor, "dateline")
        if resolved is not None:
            out.append(resolved)
    return out
