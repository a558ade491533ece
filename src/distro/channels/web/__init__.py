"""The web channel: a static site with RSS, Atom, JSON Feed and a news sitemap."""

from distro.channels.web.publish import publish

__all__ = ["publish"]
