"""Datelines and date stamps of Chinese news copy: found, normalized, never guessed."""

from __future__ import annotations

from distro.dates.dateline import find_dateline, strip_dateline
from distro.dates.expressions import LeadDate, lead_dates

__all__ = ["LeadDate", "find_dateline", "lead_dates", "strip_dateline"]
