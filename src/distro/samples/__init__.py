"""Bundled sample wire copy for `distro demo` and the tests."""
