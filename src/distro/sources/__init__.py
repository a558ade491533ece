"""Sources: where payloads come from (inbox folder, S3 prefix, feeds), behind one interface."""

from distro.sources.base import Item, Source, open_sources

__all__ = ["Item", "Source", "open_sources"]
