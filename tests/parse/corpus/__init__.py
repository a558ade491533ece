"""The page parser development corpus: real stories composed into pages, a scorer, a trainer."""
