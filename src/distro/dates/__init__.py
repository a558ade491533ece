"""Datelines and date stamps of Chinese news copy: found, normalized, never guessed."""

from __future__ import annotations

from distro.dates.dateline import find_dateline, strip_dateline

__all__ = ["find_dateline", "strip_dateline"]
