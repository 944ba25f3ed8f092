"""When digests are due: local wall-clock times in any IANA zone, correct across DST.

Pure functions; the caller passes `now`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot import calendars
from bot.errors import UserError
from bot.parsing import clip
from bot.universe import EXCHANGE_TIMEZONE, FX_MARKET

DEFAULT_TIME = "16:30"
DEFAULT_TZ = "Asia/Hong_Kong"
_HHMM = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


def parse_time(token: str) -> str | None:
    """'8:05' -> '08:05'; None when the token is not a 24-hour time."""
    match = _HHMM.match(token.strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


@functools.cache
def _zones_by_lower_name() -> dict[str, str]:
    # Only names that are real zones: "Europe" is a folder, "localtime" and "posixrules"
    # are files of the database but no place anyone lives.
    zones = {z for z in available_timezones() if "/" in z or z == "UTC"}
    return {zone.lower(): zone for zone in zones - {"Factory", "localtime", "posixrules"}}


def resolve_timezone(token: str) -> str | None:
    """An IANA zone name with the user's capitalisation fixed; None when unknown."""
    name = token.strip()
    if name.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    zone = _zones_by_lower_name().get(name.lower())
    if zone is None:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return zone


def require_timezone(token: str, example: str) -> str:
    """The zone named by `token`, or a UserError showing a correct example."""
    zone = resolve_timezone(token) if len(token) <= 64 else None
    if zone is None:
        raise UserError("tz.unknown", token=clip(token), example=example)
    return zone


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
