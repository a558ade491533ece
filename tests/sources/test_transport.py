"""The HTTP transport against a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import time

import pytest

from distro.config import LimitsConfig
from distro.errors import SourceRejected, SourceUnavailable
from distro.sources.transport import Transport
from tests.servers.feeds import FeedServer
from tests.servers.hostile import HostileServer
from tests.servers.postgres import free_port


def transport(**limits: object) -> Transport:
    return Transport(LimitsConfig.model_validate(limits), backoff_factor=0.01)


def test_conditional_get_and_user_agent(feed_server: FeedServer) -> None:
    url = feed_server.add("/f.xml", b"<rss/>")
    with transport(user_agent="distro-test/1") as http:
        first = http.get(url)
        assert (first.status, first.body, first.media_type) == (200, b"<rss/>", "application/xml")
        assert first.etag and first.last_modified
        second = http.get(url, etag=first.etag)
        assert second.not_modified and second.body == b""
    assert feed_server.requests[0]["user-agent"] == "distro-test/1"
    assert feed_server.requests[1]["if-none-match"] == first.etag


def test_last_modified_alone(feed_server: FeedServer) -> None:
    url = feed_server.add("/lm.xml", b"<rss/>", etag=False)
    with transport() as http:
        first = http.get(url)
        assert first.etag is None
        assert http.get(url, last_modified=first.last_modified).not_modified


def test_transient_statuses_are_retried(feed_server: FeedServer) -> None:
    url = feed_server.add("/flaky", b"<rss/>", statuses=[503, 502])
    with transport(http_retries=3) as http:
        assert http.get(url).body == b"<rss/>"
    assert feed_server.hits["/flaky"] == 3


def test_retries_run_out(feed_server: FeedServer) -> None:
    url = feed_server.add("/down", b"", statuses=[503] * 5)
    with transport(http_retries=1) as http, pytest.raises(SourceUnavailable):
        http.get(url)
    assert feed_server.hits["/down"] == 2


def test_client_errors_are_refused(feed_server: FeedServer) -> None:
    with transport() as http, pytest.raises(SourceRejected, match="404"):
        http.get(feed_server.base_url + "/missing")
    assert feed_server.hits["/missing"] == 1


def test_connection_refused_is_transient() -> None:
    with transport(http_retries=0) as http, pytest.raises(SourceUnavailable):
        http.get(f"http://127.0.0.1:{free_port()}/")


def test_declared_oversize_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.add("/big", b"x" * 2048)
    with transport(max_payload_bytes=1000) as http, pytest.raises(SourceRejected, match="2048"):
        http.get(url)


def test_endless_body_is_cut_at_the_cap(feed_server: FeedServer) -> None:
    url = feed_server.add("/endless", b"<item>" * 1000, endless=True)
    with transport(max_payload_bytes=1_000_000) as http, pytest.raises(SourceRejected):
        http.get(url)


def test_gzip_bomb_is_counted_decompressed(feed_server: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    url = feed_server.add("/gz", bomb, headers={"Content-Encoding": "gzip"})
    with transport(max_payload_bytes=1_000_000) as http, pytest.raises(SourceRejected):
        http.get(url)


def test_file_urls(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "f.xml"
    path.write_bytes(b"<rss/>")
    with transport(max_payload_bytes=3) as small, pytest.raises(SourceRejected):
        small.get(path.as_uri())
    with transport() as http:
        assert http.get(path.as_uri()).body == b"<rss/>"


def test_a_trickling_feed_ends_at_the_timeout(hostile_server: HostileServer) -> None:
    start = time.monotonic()
    with transport(http_timeout_seconds=1.0) as http, pytest.raises(SourceUnavailable) as caught:
        http.get(hostile_server.base_url + "/trickle")
    assert time.monotonic() - start < 1.5
    assert "DeadlineExceeded" in caught.value.message


def test_redirect_loops_and_file_redirects_are_terminal(hostile_server: HostileServer) -> None:
    with transport() as http:
        for path in ("/loop", "/to-file"):
            with pytest.raises(SourceRejected, match="redirect"):
                http.get(hostile_server.base_url + path)
