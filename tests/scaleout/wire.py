"""Wire copy for the distributed profile: the bundled sample page, dropped as distinct pages
into an inbox or put into a bucket."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distro.models import Article, Kind
from distro.parse import page_meta, parse_page
from distro.parse.meta import sidecar_name

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


def page_files(page: int, batch: str) -> tuple[str, bytes, bytes, list[Article]]:
    """Page ``page`` of the sample issue as batch ``batch``: its file name, sidecar bytes, page
    bytes, and the articles the parser makes of it."""
    data = SAMPLE.read_bytes()
    sidecar = json.loads((SAMPLES / f"{SAMPLE.stem}.meta.json").read_text(encoding="utf-8"))
    sidecar["page"] = f"{batch}{page}"
    meta_bytes = json.dumps(sidecar, ensure_ascii=False).encode("utf-8")
    name = f"{batch}-{page:04d}.txt"
    meta = page_meta(name, meta_bytes)
    articles = parse_page(
        data,
        origin=name,
        issue_date=meta.issue_date,
        page=meta.page,
        section=meta.section,
        publication=meta.publication or PUBLICATION,
    )
    return name, meta_bytes, data, articles


def drop(inbox: Path, page: int, *, batch: str = "s") -> Drop:
    """Write page ``page`` of the sample issue the way wire services do: sidecar first, each
    written under a temporary name and renamed into place, so no watcher sees half a file."""
    name, meta_bytes, data, articles = page_files(page, batch)
    for target, payload in (
        (inbox / sidecar_name(name), meta_bytes),
        (inbox / name, data),
    ):
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(payload)
        partial.replace(target)
    return Drop(inbox / name, articles)


def put_sidecar(s3: Any, bucket: str, prefix: str, page: int, *, batch: str = "s") -> str:
    """Put the sidecar of page ``page`` into ``s3://bucket/prefix`` (a wire service sends the
    sidecars ahead of their pages); returns its key."""
    name, meta_bytes, _, _ = page_files(page, batch)
    key = prefix + sidecar_name(name)
    s3.put_object(Bucket=bucket, Key=key, Body=meta_bytes)
    return key


def put(s3: Any, bucket: str, prefix: str, page: int, *, batch: str = "s") -> Drop:
    """Put page ``page`` into ``s3://bucket/prefix`` after its sidecar (``put_sidecar``; S3
    writes are atomic, so no reader sees half an object). ``Drop.path`` is the page's key."""
    name, _, data, articles = page_files(page, batch)
    s3.put_object(Bucket=bucket, Key=prefix + name, Body=data)
    return Drop(Path(prefix + name), articles)
