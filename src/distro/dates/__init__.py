"""Datelines and date stamps of Chinese news copy: found, normalized, never guessed.

- `find_dateline(text, issue_date)` → `Dateline | None`: the outlet/place/date formula that opens
  an opening (`headline\\nlead`) or a paragraph, or closes it in brackets. `raw` is the formula as
  printed (with its own enclosing brackets, without the reporter credit after it); `span` is
  `raw`'s offsets in `text`.  Outlets are found as a class (names ending the way media names
  end, joined names such as `厦门网-厦门日报`); `dateline.DatelineFinder(outlets)` builds the
  patterns around another outlet lexicon (outlet cross-validation holds outlets out of it).
- `strip_dateline(paragraph, dateline)`: the paragraph without the formula, the reporter
  parentheses or `…报道:` credit right after it, and the separator before the story.
- `lead_dates(text, issue_date, dateline)`: the date expressions of the headline and lead
  (今天上午, 昨日, 5日, 7月4日至5日 …), the headline resolved against the issue date and the body
  against the dateline's date.

Dates are calendar dates (Asia/Shanghai newsroom days) in ISO 8601; none comes from a clock.
What cannot be known is null with a reason (`Dateline.date_reason`, `LeadDate.reason`).
"""

from __future__ import annotations

from distro.dates.dateline import find_dateline, strip_dateline
from distro.dates.expressions import LeadDate, lead_dates

__all__ = ["LeadDate", "find_dateline", "lead_dates", "strip_dateline"]
