"""Trains the line model on the whole corpus and writes it into the package (model.json).

    uv run python -m tests.parse.corpus.train [--check]

Deterministic: the same corpus gives the same weights, so `--check` fails when the shipped
model is not the one the corpus trains.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import distro.parse
from distro.parse.model import LineModel, train
from distro.parse.typography import tidy_lines
from tests.parse.corpus.score import Page, load_pages

MODEL = Path(distro.parse.__file__).with_name("model.json")
#: The bundled seed page (a real front page) and its line labels, read off its golden file.
SEED = Path(distro.parse.__file__).parents[1] / "samples" / "pages" / "000_c6710cc7ae2753f8.txt"
SEED_LABELS = "GGGBPPPPCPCPPCPPGBPCPCPPCPGGR"


#: Folds whose pages train in their first layout only: the People's Daily stories are half the
#: corpus, and setting the same articles a second time made one paper's habits outweigh the
#: other outlets' (held-out 雅虎资讯 73.5 % with both layouts, 84.1 % with one).
ONE_LAYOUT = frozenset(("人民日报",))


def examples(pages: list[Page]) -> list[tuple[list[str], str]]:
    """(lines, labels) of `pages`, and of the seed page, which every model learns from."""
    out = [
        (tidy_lines(p.data.decode("utf-8")), p.truth["labels"])
        for p in pages
        if p.truth["fold"] not in ONE_LAYOUT or p.truth["layout"] == 0
    ]
    return [*out, (tidy_lines(SEED.read_text(encoding="utf-8")), SEED_LABELS)]


def trained() -> LineModel:
    """The model trained on every page of the corpus."""
    return train(examples(load_pages()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = trained().to_json() + "\n"
    if args.check:
        same = MODEL.exists() and MODEL.read_text(encoding="utf-8") == text
        print("model.json is up to date" if same else "model.json differs: retrain")
        return 0 if same else 1
    MODEL.write_text(text, encoding="utf-8")
    print(f"wrote {MODEL} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
