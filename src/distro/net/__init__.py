"""One HTTP layer for every outbound call: deadlines, size caps, redirects, retries, redaction.

Modelled on httpx: a client (``HttpClient``) over a mountable transport (``WatchedAdapter`` for
real sockets, ``MockTransport`` for unit tests), one ``RetryPolicy`` and one Retry-After parser.

::

    HttpClient.request(method, url)
    ├── Deadline       per attempt (connect, redirects, headers, body) and, if set, per call
    │   └── Watchdog   shuts the socket down when it runs out (a 1 byte/s body stops too)
    ├── RetryPolicy    transient errors only; a wait past the call's budget is raised, not slept
    ├── redirects      at most ``max_redirects``, http/https only; loops and file:// are terminal
    ├── size cap       Content-Length checked first, the body counted after decompression
    └── Redactor       secret parameters, credentials in headers, and known secrets by value

Errors are distro's own (``distro.errors``), in the caller's layer (``Errors``)::

    errors.unavailable (transient)   timeouts, the deadline, connection errors, 429, 5xx
    errors.rejected    (terminal)    other 4xx, oversized bodies, redirect loops, bad schemes

``SOURCE`` raises SourceUnavailable/SourceRejected, ``CHANNEL`` ChannelUnavailable/ChannelRejected;
a status the caller interprets itself (401 for a token refresh, 409 for "exists") is ``handled``.
"""

from distro.net.client import CHANNEL, SOURCE, Errors, HttpClient, Limits, Reply
from distro.net.deadline import Deadline, Watchdog
from distro.net.redaction import Redactor
from distro.net.retry import ONCE, RetryPolicy, retry_after
from distro.net.transport import MockReply, MockTransport, WatchedAdapter

__all__ = [
    "CHANNEL",
    "ONCE",
    "SOURCE",
    "Deadline",
    "Errors",
    "HttpClient",
    "Limits",
    "MockReply",
    "MockTransport",
    "Redactor",
    "Reply",
    "RetryPolicy",
    "Watchdog",
    "WatchedAdapter",
    "retry_after",
]
