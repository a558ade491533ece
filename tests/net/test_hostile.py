"""The HTTP layer against a real 127.0.0.1 server that stalls, trickles, loops, echoes secrets."""

from __future__ import annotations

import logging
import time

import pytest

from distro.errors import DistroError, SourceRejected, SourceUnavailable
from distro.net import SOURCE, HttpClient, Limits, RetryPolicy
from tests.servers.hostile import HostileServer
from tests.servers.postgres import free_port

DEADLINE = 1.5


def client(**limits: object) -> HttpClient:
    return HttpClient(
        limits=Limits(**{"deadline": DEADLINE, "budget": DEADLINE, **limits}),  # type: ignore[arg-type]
        retry=RetryPolicy(attempts=3, base_delay=0.01),
        errors=SOURCE,
    )


def timed(url: str, **limits: object) -> tuple[DistroError, float]:
    start = time.monotonic()
    with client(**limits) as http, pytest.raises(DistroError) as caught:
        http.get(url)
    return caught.value, time.monotonic() - start


@pytest.mark.parametrize("path", ["/stall", "/trickle", "/trickle-headers"])
def test_slow_servers_end_at_the_deadline(hostile_server: HostileServer, path: str) -> None:
    error, seconds = timed(hostile_server.base_url + path)
    assert isinstance(error, SourceUnavailable)  # transient: the next run tries again
    assert DEADLINE - 0.05 <= seconds < DEADLINE + 0.5
    url = hostile_server.base_url + path
    assert error.message == f"GET {url}: DeadlineExceeded: not done within 1.5 s"


def test_without_a_budget_each_attempt_gets_its_deadline(hostile_server: HostileServer) -> None:
    error, seconds = timed(hostile_server.base_url + "/trickle", deadline=0.5, budget=None)
    assert hostile_server.hits.count("/trickle") == 3  # three attempts of 0.5 s each
    assert 1.5 <= seconds < 2.5
    assert error.message.endswith("DeadlineExceeded: not done within 0.5 s")
    assert "\n" not in str(error)


def test_a_shorter_read_timeout_is_retried_within_the_deadline(
    hostile_server: HostileServer,
) -> None:
    error, seconds = timed(hostile_server.base_url + "/stall", read_timeout=0.4)
    assert isinstance(error, SourceUnavailable)
    assert seconds < DEADLINE + 0.5
    assert hostile_server.hits.count("/stall") == 3  # three attempts of 0.4 s, then out of time
    assert "ReadTimeout: nothing received for 0.4 s" in error.message


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/loop", "redirect loop back to"),
        ("/to-file", "redirect to a file URL refused"),
        ("/hops/9", "more than 5 redirects"),
    ],
)
def test_bad_redirects_are_terminal(hostile_server: HostileServer, path: str, reason: str) -> None:
    error, seconds = timed(hostile_server.base_url + path)
    assert isinstance(error, SourceRejected)  # not transient: no retry, now or next run
    assert reason in error.message and "\n" not in error.message
    assert seconds < 1.0
    assert len(hostile_server.hits) <= 6  # followed once, never retried


def test_a_few_redirects_are_followed(hostile_server: HostileServer) -> None:
    with client() as http:
        reply = http.get(hostile_server.base_url + "/hops/5")
    assert (reply.status, reply.body) == (200, b"arrived")
    assert reply.url.endswith("/hops/0")


def test_a_secret_echoed_in_an_error_body_is_masked(
    hostile_server: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "wx-Secret-0123456789"
    caplog.set_level(logging.DEBUG)
    with HttpClient(errors=SOURCE, secrets=[secret]) as http, pytest.raises(SourceRejected) as e:
        http.get(
            hostile_server.base_url + "/echo",
            params={"appid": "wx1", "appsecret": secret, "note": f"x{secret}y"},
            headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"},
        )
    message = e.value.message
    assert "HTTP 401: invalid credential" in message and "\n" not in message
    assert secret not in message and "eyJhbGciOiJIUzI1NiJ9" not in message
    assert "appid=wx1" in message  # only secrets are masked
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/echo" in logged  # urllib3's request line was logged, masked
    assert secret not in logged


def test_connection_refused_is_transient_and_one_line() -> None:
    error, seconds = timed(f"http://127.0.0.1:{free_port()}/")
    assert isinstance(error, SourceUnavailable)
    assert error.message.endswith("ConnectionError: Connection refused")
    assert seconds < 1.0


def test_proxies_from_the_environment_are_used_and_watched(
    hostile_server: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", hostile_server.base_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    error, seconds = timed("http://newsroom.invalid/trickle")
    assert hostile_server.hits == ["/trickle"]  # it went through the proxy
    assert DEADLINE - 0.05 <= seconds < DEADLINE + 0.5
    assert error.message.endswith("DeadlineExceeded: not done within 1.5 s")
