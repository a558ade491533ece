"""WeChat's quotas, counted in the ledger by Beijing day: calls per API and the account's 群发."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from distro.channels.wechat.errcodes import DAILY_LIMIT, NO_MASS_QUOTA
from distro.errors import QuotaExhausted

if TYPE_CHECKING:
    from distro.store.ledger import Ledger

#: WeChat's day (and its daily quotas) turns over at midnight Beijing time.
WECHAT_TZ = ZoneInfo("Asia/Shanghai")

#: Daily call quotas of a new account (API_Call_Limits); the ledger counts calls against them.
DAILY_QUOTAS: dict[str, int] = {
    "draft/add": 1000,
    "draft/batchget": 1000,
    "draft/get": 1000,
    "freepublish/submit": 100,
    "freepublish/get": 100,
    "freepublish/batchget": 1000,
    "freepublish/delete": 10,
    "media/uploadimg": 1000,
    "material/add_material": 1000,
    # 高级群发接口: preview, sendall, get and delete share it (API_Call_Limits).
    "message/mass/preview": 100,
    "message/mass/sendall": 100,
}
#: (per day, per calendar month) 群发 to all followers, by account type (Batch_Sends guide).
LIMITS: dict[str, tuple[int, int | None]] = {"subscription": (1, None), "service": (1, 4)}


class KeyValue(Protocol):
    """What the client needs of the ledger: an expiring key/value and daily counters."""

    def get_value(self, key: str, *, at: dt.datetime | None = None) -> str | None: ...

    def set_value(
        self, key: str, value: str, *, expires_at: dt.datetime | None = None
    ) -> object: ...

    def count(self, key: str, *, day: dt.date, increment: int = 1) -> int: ...


def next_midnight(now: dt.datetime) -> dt.datetime:
    """The next midnight in Beijing time, when WeChat resets daily quotas."""
    local = now.astimezone(WECHAT_TZ)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(0), tzinfo=WECHAT_TZ)


class CallQuota:
    """An account's calls per API and Beijing day: one counted per call, refused once used up."""

    def __init__(
        self,
        store: KeyValue,
        namespace: str,
        appid: str,
        *,
        now: Callable[[], dt.datetime],
        limits: Mapping[str, int],
    ) -> None:
        self.store = store
        self.namespace = namespace
        self.appid = appid
        self.now = now
        self.limits = limits

    def _exhausted_key(self, api: str) -> str:
        return f"{self.namespace}:exhausted:{self.appid}:{api}"

    def _calls_key(self, api: str) -> str:
        return f"{self.namespace}:calls:{self.appid}:{api}"

    def until_midnight(self) -> float:
        """Seconds until WeChat's day turns (at least one)."""
        now = self.now()
        return max((next_midnight(now) - now).total_seconds(), 1.0)

    def spend(self, api: str) -> None:
        """Count one call against today's quota; refuse it when the day's quota is used up."""
        refusal: QuotaExhausted | None = None
        if self.store.get_value(self._exhausted_key(api), at=self.now()):
            refusal = QuotaExhausted(
                f"{api}: daily quota reached (WeChat said 45009)",
                retry_after=self.until_midnight(),
            )
        elif (limit := self.limits.get(api)) is not None:
            day = self.now().astimezone(WECHAT_TZ).date()
            used = self.store.count(self._calls_key(api), day=day)
            if used > limit:
                refusal = QuotaExhausted(
                    f"{api}: {limit} calls a day, all used", retry_after=self.until_midnight()
                )
        if refusal is not None:
            # Refused before sending: as certain as an answer from WeChat that nothing happened.
            refusal.errcode = DAILY_LIMIT  # type: ignore[attr-defined]
            raise refusal

    def exhaust(self, api: str) -> None:
        """WeChat said 45009: no more calls of ``api`` until its day turns."""
        self.store.set_value(
            self._exhausted_key(api), "45009", expires_at=next_midnight(self.now())
        )

    def remaining(self, api: str) -> int | None:
        """Calls of ``api`` left today by our count (None when unlimited)."""
        limit = self.limits.get(api)
        if limit is None:
            return None
        if self.store.get_value(self._exhausted_key(api), at=self.now()):
            return 0
        day = self.now().astimezone(WECHAT_TZ).date()
        used = self.store.count(self._calls_key(api), day=day, increment=0)
        return max(limit - used, 0)


@dataclass
class MassQuota:
    """The account's 群发 counted in the ledger: spent at the intent, refunded on a sure no."""

    ledger: Ledger
    appid: str
    account_type: str
    now: dt.datetime
    namespace: str = "wechat"

    @property
    def _day(self) -> dt.date:
        return self.now.astimezone(WECHAT_TZ).date()

    def _keys(self) -> tuple[tuple[str, dt.date], tuple[str, dt.date]]:
        day = self._day
        return (
            (f"{self.namespace}:mass:day:{self.appid}", day),
            (f"{self.namespace}:mass:month:{self.appid}", day.replace(day=1)),
        )

    def used(self) -> tuple[int, int]:
        (day_key, day), (month_key, month) = self._keys()
        return (
            self.ledger.count(day_key, day=day, increment=0),
            self.ledger.count(month_key, day=month, increment=0),
        )

    def refusal(self) -> str | None:
        """Why a send now would be past the quota; None when one is left."""
        per_day, per_month = LIMITS[self.account_type]
        today, this_month = self.used()
        exhausted = self.ledger.get_value(
            f"{self.namespace}:mass:exhausted:{self.appid}", at=self.now
        )
        if exhausted == self._day.isoformat():
            return f"WeChat said {NO_MASS_QUOTA} (no 群发 quota left) earlier today"
        if today >= per_day:
            return f"{self.account_type} account: {per_day} 群发 a day, used {today} today"
        if per_month is not None and this_month >= per_month:
            return (
                f"{self.account_type} account: {per_month} 群发 a month, used {this_month} "
                f"in {self._day:%Y-%m}"
            )
        return None

    def _add(self, increment: int) -> None:
        for key, day in self._keys():
            self.ledger.count(key, day=day, increment=increment)

    def spend(self) -> None:
        self._add(1)

    def refund(self) -> None:
        self._add(-1)

    def exhaust(self) -> None:
        """WeChat's own count says no: believe it until its day turns (the value is that day)."""
        self.ledger.set_value(
            f"{self.namespace}:mass:exhausted:{self.appid}",
            self._day.isoformat(),
            expires_at=next_midnight(self.now),
        )
