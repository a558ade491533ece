"""Golden files of the parser; `uv run python -m tests.parse.golden` rewrites them on purpose."""
