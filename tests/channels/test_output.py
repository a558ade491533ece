"""Writing published files: types with charset, cache policy, tier order, only what changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from distro.channels.output import (
    PAGE,
    ROOT,
    SECTION,
    WITHDRAWN,
    Output,
    content_type,
    make_file,
    section_slug,
)
from distro.store.ledger import Ledger
from distro.store.objects import LocalObjectStore, S3ObjectStore
from tests.servers.s3 import S3Server


class RecordingStore(LocalObjectStore):
    """A real folder that also remembers the order of puts and deletes."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.calls: list[tuple[str, str]] = []

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        cache_control: str | None = None,
    ) -> str:
        self.calls.append(("put", key))
        return super().put(key, data, content_type=content_type, cache_control=cache_control)

    def delete(self, key: str) -> None:
        self.calls.append(("delete", key))
        super().delete(key)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as opened:
        yield opened


def test_content_types_carry_utf8() -> None:
    assert content_type("articles/a.html") == "text/html; charset=utf-8"
    assert content_type("feed.xml") == "application/rss+xml; charset=utf-8"
    assert content_type("sections/要闻/atom.xml") == "application/atom+xml; charset=utf-8"
    assert content_type("feed.json") == "application/feed+json; charset=utf-8"
    assert content_type("feed-2.json") == "application/feed+json; charset=utf-8"
    assert content_type("sitemap-news.xml") == "application/xml; charset=utf-8"
    assert content_type("partners/t/ninjs.json") == "application/json; charset=utf-8"
    assert content_type("blob") == "application/octet-stream"


def test_writes_go_page_section_root_withdrawn_then_deletes(tmp_path: Path, ledger: Ledger) -> None:
    objects = RecordingStore(tmp_path / "site")
    objects.put("old.html", b"x")
    objects.calls.clear()
    files = [
        make_file("feed.xml", "<rss/>", tier=ROOT),
        make_file("articles/gone.html", "墓碑", tier=WITHDRAWN),
        make_file("sections/s/feed.xml", "<rss/>", tier=SECTION),
        make_file("articles/a.html", "正文", tier=PAGE),
        make_file("index.html", "首页", tier=ROOT),
    ]
    report = Output(objects, ledger).write(files, delete=["old.html"])
    assert objects.calls == [
        ("put", "articles/a.html"),
        ("put", "sections/s/feed.xml"),
        ("put", "feed.xml"),
        ("put", "index.html"),
        ("put", "articles/gone.html"),
        ("delete", "old.html"),
    ]
    assert report.deleted == ["old.html"] and not objects.exists("old.html")
    assert (tmp_path / "site" / "articles" / "a.html").read_text(encoding="utf-8") == "正文"


def test_unchanged_files_are_not_rewritten(tmp_path: Path, ledger: Ledger) -> None:
    objects = RecordingStore(tmp_path / "site")
    output = Output(objects, ledger)
    page = make_file("articles/a.html", "正文", tier=PAGE)
    feed = make_file("feed.xml", "<rss/>", tier=ROOT)
    assert output.write([page, feed]).written == ["articles/a.html", "feed.xml"]
    objects.calls.clear()
    again = output.write([page, make_file("feed.xml", "<rss>新</rss>", tier=ROOT)])
    assert again.unchanged == ["articles/a.html"] and again.written == ["feed.xml"]
    assert objects.calls == [("put", "feed.xml")]
    # a header change is a change; a lost object is written again
    recached = make_file("articles/a.html", "正文", tier=PAGE, cache_control="no-cache")
    assert output.write([recached]).written == ["articles/a.html"]
    (tmp_path / "site" / "articles" / "a.html").unlink()
    assert output.write([recached]).written == ["articles/a.html"]


def test_hashes_are_kept_per_store(tmp_path: Path, ledger: Ledger) -> None:
    page = make_file("index.html", "首页", tier=ROOT)
    Output(LocalObjectStore(tmp_path / "one"), ledger).write([page])
    report = Output(LocalObjectStore(tmp_path / "two"), ledger).write([page])
    assert report.written == ["index.html"]
    assert (tmp_path / "two" / "index.html").read_text(encoding="utf-8") == "首页"


def test_s3_objects_get_the_headers(ledger: Ledger, s3_env: S3Server) -> None:
    bucket = s3_env.bucket()
    objects = S3ObjectStore(bucket, "www", endpoint_url=s3_env.endpoint_url, region="us-east-1")
    Output(objects, ledger).write(
        [make_file("feed.json", b"{}", tier=ROOT), make_file("a/b.html", "页", tier=PAGE)]
    )
    client = s3_env.client()
    head = client.head_object(Bucket=bucket, Key="www/feed.json")
    assert head["ContentType"] == "application/feed+json; charset=utf-8"
    assert head["CacheControl"] == "public, max-age=60"
    head = client.head_object(Bucket=bucket, Key="www/a/b.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == "public, max-age=300"


@pytest.mark.parametrize("section", ["要闻", "World News", "国内/国际 新闻", "../..", "A" * 300])
def test_a_section_has_one_folder_name_on_every_channel(section: str) -> None:
    from distro.channels.app.feeds import section_feed
    from distro.channels.web.render import section_prefix

    slug = section_slug(section)
    assert section_prefix(section) == f"sections/{slug}/"
    assert section_feed(section) == f"sections/{slug}/feed.json"
    assert slug not in ("", ".", "..") and len(slug.encode()) <= 64
