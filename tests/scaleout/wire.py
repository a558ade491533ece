"""Wire copy for the distributed profile: the bundled sample page, dropped as distinct pages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from distro.models import Article, Kind
from distro.parse import page_meta, parse_page

SAMPLES = Path(__file__).resolve().parents[2] / "src" / "distro" / "samples" / "pages"
SAMPLE = next(path for path in sorted(SAMPLES.glob("*.txt")))
PUBLICATION = "本报"


@dataclass(frozen=True)
class Drop:
    """One wire file dropped into an inbox and the articles the parser makes of it."""

    path: Path
    articles: list[Article]

    @property
    def pages(self) -> list[Article]:
        """Articles that get a page of their own (teasers point elsewhere)."""
        return [article for article in self.articles if article.kind is not Kind.TEASER]


def drop(inbox: Path, page: int, *, batch: str = "s") -> Drop:
    """Write page ``page`` of the sample issue the way wire services do: sidecar first, each
    written under a temporary name and renamed into place, so no watcher sees half a file."""
    data = SAMPLE.read_bytes()
    sidecar = json.loads((SAMPLES / f"{SAMPLE.stem}.meta.json").read_text(encoding="utf-8"))
    sidecar["page"] = f"{batch}{page}"
    meta_bytes = json.dumps(sidecar, ensure_ascii=False).encode("utf-8")
    name = f"{batch}-{page:04d}.txt"
    for target, payload in (
        (inbox / f"{batch}-{page:04d}.meta.json", meta_bytes),
        (inbox / name, data),
    ):
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(payload)
        partial.replace(target)
    meta = page_meta(name, meta_bytes)
    articles = parse_page(
        data,
        origin=name,
        issue_date=meta.issue_date,
        page=meta.page,
        section=meta.section,
        publication=meta.publication or PUBLICATION,
    )
    return Drop(inbox / name, articles)
