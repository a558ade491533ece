"""The app channel: JSON feeds and ninjs documents for the newsroom's apps, and push."""

from __future__ import annotations

from distro.channels.app.publish import publish, record_choice

__all__ = ["publish", "record_choice"]
