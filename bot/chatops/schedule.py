"""When digests are due: local wall-clock times in any IANA zone, correct across DST.

Pure functions; the caller passes `now`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from bot.core import calendars
from bot.core.universe import EXCHANGE_TIMEZONE, FX_MARKET

DEFAULT_TIME = "16:30"
DEFAULT_TZ = "Asia/Hong_Kong"


def next_due(local_time: str, tz: str, after: dt.datetime) -> dt.datetime:
    """The first moment strictly after `after` when the clock in `tz` reads `local_time` (UTC).

    On a spring-forward day a time inside the gap happens an hour later in wall-clock
    terms (the same instant as with the offset before the change); on a fall-back day
    the first of the two readings counts.
    """
    zone = ZoneInfo(tz)
    hour, minute = (int(part) for part in local_time.split(":"))
    day = after.astimezone(zone).date()
    for offset in range(3):
        candidate = dt.datetime.combine(
            day + dt.timedelta(days=offset), dt.time(hour, minute), tzinfo=zone
        )
        moment = candidate.astimezone(dt.UTC)
        if moment > after:
            return moment
    raise AssertionError("a local time recurs within three days")


def market_traded_since(markets: Mapping[str, str], since: dt.datetime | None) -> bool:
    """True when some covered market has a session that opened after `since`.

    `markets` maps exchange to its newest bar date (ISO); a market's newest session counts
    as new when it opened after the previous digest went out.
    """
    if since is None:
        return True
    for exchange, day in markets.items():
        if exchange not in EXCHANGE_TIMEZONE or exchange == FX_MARKET:
            continue
        session_day = dt.date.fromisoformat(day)
        session = calendars.trading_session(exchange, session_day)
        if session is not None:
            opened = session.open
        else:
            opened = dt.datetime.combine(
                session_day, dt.time(0), tzinfo=ZoneInfo(EXCHANGE_TIMEZONE[exchange])
            )
        if opened > since:
            return True
    return False
