"""WeChat's errcodes: the ones distro branches on, grouped by what a caller does about them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BUSY = -1
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
PER_MINUTE_LIMIT = 45011
DAILY_LIMIT = 45009
#: draft/add, freepublish/submit, draft/get: no such media_id (a draft or a cover gone).
INVALID_MEDIA_ID = 40007
#: message/mass/delete, get: no such (deletable) message.
UNKNOWN_MSG_ID = 40059
#: message/mass/sendall: the account's 群发 quota (a day or a month) is used up.
NO_MASS_QUOTA = 45028
#: message/mass/sendall: a send with this clientmsgid exists (24 h): already sent, its msg_id.
ALREADY_SENT = 45065
#: message/mass/sendall: the same clientmsgid again within a minute.
RETRIED_TOO_FAST = 45066
#: Bad input or content: terminal for the item, which goes to quarantine.
CONTENT_ERRORS = frozenset(
    {
        40005,
        40006,
        40007,
        40009,
        44003,
        44004,
        45002,
        45003,
        45004,
        45005,
        45006,
        45110,
        45166,
        47001,
        53503,
    }
)
#: Credentials, IP whitelist or permissions: nothing a retry fixes.
AUTH_ERRORS = frozenset({40013, 40125, 40164, 40243, 41002, 41004, 48001, 48003, 48004, 89503})


def errcode_of(data: Mapping[str, Any]) -> int:
    """The errcode of an answer (0 when absent or not a number)."""
    try:
        return int(data.get("errcode", 0) or 0)
    except (TypeError, ValueError):
        return 0


def errcode(exc: BaseException) -> int | None:
    """The errcode WeChat answered with, on an error the client raised; None when it did not."""
    code = getattr(exc, "errcode", None)
    return code if isinstance(code, int) else None


def answered(exc: BaseException) -> bool:
    """Whether the call certainly did nothing: WeChat answered an errcode, or we never sent it."""
    return errcode(exc) is not None
