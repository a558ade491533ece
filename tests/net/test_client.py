"""The HTTP client over the mock transport: statuses, retries, caps, redirects, redaction."""

from __future__ import annotations

import gzip
from email.utils import formatdate

import pytest
import requests

from distro.errors import ChannelRejected, ChannelUnavailable, SourceRejected
from distro.net import CHANNEL, SOURCE, HttpClient, Limits, MockReply, MockTransport, RetryPolicy
from distro.net.redaction import Redactor
from tests.net.conftest import Sleeps


def scripted(*replies: MockReply) -> MockTransport:
    queue = list(replies)
    return MockTransport(lambda request: queue.pop(0) if len(queue) > 1 else queue[0])


def client(transport: MockTransport, sleeps: Sleeps, **kwargs: object) -> HttpClient:
    policy = RetryPolicy(attempts=3, base_delay=0.5, max_delay=10.0, sleep=sleeps)
    return HttpClient(transport=transport, retry=policy, errors=CHANNEL, **kwargs)  # type: ignore[arg-type]


def test_transient_statuses_are_retried_honouring_retry_after(sleeps: Sleeps) -> None:
    later = formatdate(usegmt=True)  # an HTTP-date of now: wait 0 s
    mock = scripted(
        MockReply(503, headers={"Retry-After": "2"}),
        MockReply(429, headers={"Retry-After": later}),
        MockReply(200, b"ok"),
    )
    with client(mock, sleeps) as http:
        assert http.get("http://api.test/x").body == b"ok"
    assert len(mock.requests) == 3
    assert sleeps.waits[0] == 2.0 and 0.0 <= sleeps.waits[1] < 1.0


def test_a_long_retry_after_is_raised_for_the_scheduler(sleeps: Sleeps) -> None:
    mock = scripted(MockReply(429, headers={"Retry-After": "3600"}))
    with client(mock, sleeps) as http, pytest.raises(ChannelUnavailable) as caught:
        http.post("http://api.test/send", data=b"{}")
    assert sleeps.waits == [] and len(mock.requests) == 1
    assert caught.value.retry_after == 3600.0
    assert caught.value.message == "POST http://api.test/send: HTTP 429"


def test_client_errors_are_terminal_and_not_retried(sleeps: Sleeps) -> None:
    mock = scripted(MockReply(400, b"bad\nrequest: field x"))
    with client(mock, sleeps) as http, pytest.raises(ChannelRejected) as caught:
        http.get("http://api.test/x")
    assert len(mock.requests) == 1
    assert caught.value.message == "GET http://api.test/x: HTTP 400: bad request: field x"


def test_handled_statuses_come_back_to_the_caller(sleeps: Sleeps) -> None:
    mock = scripted(MockReply.of_json({"error": "gone"}, status=404))
    with client(mock, sleeps) as http:
        reply = http.get("http://api.test/x", handled={404})
    assert reply.status == 404 and reply.json() == {"error": "gone"}


def test_source_errors_for_sources(sleeps: Sleeps) -> None:
    mock = scripted(MockReply(200, b"x" * 2048, {"Content-Length": "2048"}))
    http = HttpClient(transport=mock, errors=SOURCE, limits=Limits(max_bytes=1000))
    with http, pytest.raises(SourceRejected, match="payload of 2048 bytes exceeds"):
        http.get("http://feeds.test/big")


def test_the_cap_counts_decompressed_bytes(sleeps: Sleeps) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    mock = scripted(MockReply(200, bomb, {"Content-Encoding": "gzip"}))
    http = HttpClient(transport=mock, errors=SOURCE, limits=Limits(max_bytes=1_000_000))
    with http, pytest.raises(SourceRejected, match="exceeds the 1000000-byte limit"):
        http.get("http://feeds.test/gz")


def test_redirects_drop_credentials_for_another_host(sleeps: Sleeps) -> None:
    def answer(request: requests.PreparedRequest) -> MockReply:
        if request.url == "http://a.test/old":
            return MockReply(301, headers={"Location": "http://b.test/new"})
        return MockReply(200, b"moved")

    mock = MockTransport(answer)
    with client(mock, sleeps) as http:
        reply = http.get("http://a.test/old", headers={"Authorization": "Bearer abcdefgh1234"})
    assert reply.body == b"moved" and reply.url == "http://b.test/new"
    assert "Authorization" in mock.requests[0].headers
    assert "Authorization" not in mock.requests[1].headers


def test_json_bodies_keep_real_characters(sleeps: Sleeps) -> None:
    mock = scripted(MockReply.of_json({"errcode": 0}))
    with client(mock, sleeps) as http:
        http.post("http://api.test/x", json={"title": "天气"})
    assert mock.requests[0].body == '{"title": "天气"}'.encode()
    assert mock.requests[0].headers["Content-Type"] == "application/json; charset=utf-8"


def test_redaction_by_value_parameter_and_header() -> None:
    redact = Redactor(["应用密钥-123"])
    assert redact("echo: 应用密钥-123!") == "echo: ***!"
    assert redact("x?secret=%E5%BA%94%E7%94%A8%E5%AF%86%E9%92%A5-123") == "x?secret=***"
    assert redact("echo: \\u5e94\\u7528\\u5bc6\\u94a5-123") == "echo: ***"
    assert redact("/t?access_token=ABC.def-1&x=1") == "/t?access_token=***&x=1"
    assert redact('{"password": "hunter2"}') == '{"password": "***"}'
    assert redact("Authorization: Bearer eyJhbGciOi.x.y") == "Authorization: Bearer ***"
    assert redact("monkey=1&keys=2") == "monkey=1&keys=2"
    assert redact("Basic dXNlcjpwYXNzd29yZA==") == "Basic ***"
    assert redact("basic functionality works") == "basic functionality works"
    assert Redactor().headers({"Authorization": "Basic abc", "Accept": "*/*"}) == {
        "Authorization": "***",
        "Accept": "*/*",
    }
    assert Redactor(["ab"])("ab cd") == "ab cd"  # too short to be a secret: never masked


def test_the_log_filter_masks_arguments_and_survives_bad_formats() -> None:
    import logging

    from distro.net.redaction import RedactingFilter

    masked = RedactingFilter(Redactor(["s3cr3t-value"]))
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s", ("s3cr3t-value",), None)
    assert masked.filter(record) and record.getMessage() == "got ***"
    broken = logging.LogRecord("x", logging.INFO, __file__, 1, "%d", ("s3cr3t-value",), None)
    assert masked.filter(broken) and "s3cr3t-value" not in broken.getMessage()
