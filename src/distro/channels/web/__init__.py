"""The web channel: a static site with an archive, RSS, Atom, JSON Feed, sitemaps and robots.txt."""

from distro.channels.web.publish import publish

__all__ = ["publish"]
