"""Exchange trading sessions: which days trade, when each opens, breaks for lunch and closes.

The sessions exchange_calendars records are read from a table made from it
(scripts/make_session_table.py writes sessions.toml): importing the library would build
every exchange's calendar class, some 9 MB of each process for the three used here. Its
XSHG calendar records holidays only to 2026-12-31, so past each table's last day the answer
falls back to weekdays minus a built-in table of the main holidays: the 2027 table below
(Shanghai's is an estimate until the State Council publishes the schedule, usually in
November 2026), then only fixed-date holidays for later years. Regular hours are used on
fallback days (no half days). Every function is pure: the current time is passed in, never
read.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from bot.core.universe import EXCHANGE_TIMEZONE, FX_MARKET, HONG_KONG, NEW_YORK, SHANGHAI

logger = logging.getLogger(__name__)

EXCHANGES = (SHANGHAI, HONG_KONG, NEW_YORK, FX_MARKET)

DATE_UNIT = pd.DatetimeIndex(["2000-01-01"]).unit
"""The resolution pandas gives a plain date index ("us" under pandas 3): every provider's
frames use it, so they compare equal with frames built from date strings."""

SESSION_TABLE_PATH = Path(__file__).with_name("sessions.toml")


@dataclass(frozen=True)
class _Hours:
    open: dt.time
    close: dt.time
    break_start: dt.time | None = None
    break_end: dt.time | None = None


@dataclass(frozen=True)
class _Recorded:
    """One exchange's sessions from the table: the days it covers, the usual hours, the
    weekdays without a session, and the sessions with other hours."""

    first: dt.date
    last: dt.date
    hours: _Hours
    closed: frozenset[dt.date]
    other_hours: dict[dt.date, _Hours]

    def covers(self, day: dt.date) -> bool:
        """Whether the table says whether `day` trades."""
        return self.first <= day <= self.last

    def hours_on(self, day: dt.date) -> _Hours | None:
        """The local hours of the session on covered `day`, None when it does not trade."""
        if day.weekday() >= 5 or day in self.closed:
            return None
        return self.other_hours.get(day, self.hours)

    def sessions(self, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
        """Covered trading days from `start` to `end` inclusive."""
        weekdays = pd.bdate_range(max(start, self.first), min(end, self.last))
        closed = pd.DatetimeIndex(sorted(self.closed))
        return weekdays[~weekdays.isin(closed)]


def _hours(entry: dict[str, dt.time]) -> _Hours:
    return _Hours(entry["open"], entry["close"], entry.get("break_start"), entry.get("break_end"))


@functools.cache
def _recorded() -> dict[str, _Recorded]:
    # Read once, when first asked: a few milliseconds, a few hundred kB.
    table = tomllib.loads(SESSION_TABLE_PATH.read_text(encoding="utf-8"))
    return {
        exchange: _Recorded(
            entry["first"],
            entry["last"],
            _hours(entry["hours"]),
            frozenset(entry["closed"]),
            {
                day: _hours(other)
                for other in entry.get("other_hours", [])
                for day in other["days"]
            },
        )
        for exchange, entry in table.items()
    }


_REGULAR_HOURS = {
    SHANGHAI: _Hours(dt.time(9, 30), dt.time(15, 0), dt.time(11, 30), dt.time(13, 0)),
    HONG_KONG: _Hours(dt.time(9, 30), dt.time(16, 0), dt.time(12, 0), dt.time(13, 0)),
    NEW_YORK: _Hours(dt.time(9, 30), dt.time(16, 0)),
}


def _days(*spans: tuple[str, str] | str) -> frozenset[dt.date]:
    days: set[dt.date] = set()
    for span in spans:
        first, last = (span, span) if isinstance(span, str) else span
        day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        while day <= end:
            days.add(day)
            day += dt.timedelta(days=1)
    return frozenset(days)


# Weekday closures in 2027. Shanghai (also Shenzhen) is estimated from the lunar dates and
# the usual pattern; Hong Kong and New York agree with their exchange_calendars rules.
_FALLBACK_HOLIDAYS: dict[str, frozenset[dt.date]] = {
    SHANGHAI: _days(
        "2027-01-01",  # New Year's Day
        ("2027-02-05", "2027-02-12"),  # Chinese New Year week (New Year's Day is 6 Feb)
        "2027-04-05",  # Qingming
        ("2027-05-03", "2027-05-05"),  # Labour Day
        "2027-06-09",  # Dragon Boat
        "2027-09-15",  # Mid-Autumn
        ("2027-10-01", "2027-10-07"),  # National Day Golden Week
    ),
    HONG_KONG: _days(
        "2027-01-01",  # New Year's Day
        ("2027-02-08", "2027-02-09"),  # Lunar New Year (third day, and for the second's Sunday)
        "2027-03-26",  # Good Friday
        "2027-03-29",  # Easter Monday
        "2027-04-05",  # Ching Ming
        "2027-05-13",  # Buddha's Birthday
        "2027-06-09",  # Tuen Ng
        "2027-07-01",  # HKSAR Establishment Day
        "2027-09-16",  # Day after Mid-Autumn
        "2027-10-01",  # National Day
        "2027-10-08",  # Chung Yeung
        "2027-12-27",  # Christmas on a Saturday and Boxing Day on a Sunday
    ),
    NEW_YORK: _days(
        "2027-01-01",  # New Year's Day
        "2027-01-18",  # Martin Luther King Jr. Day
        "2027-02-15",  # Washington's Birthday
        "2027-03-26",  # Good Friday
        "2027-05-31",  # Memorial Day
        "2027-06-18",  # Juneteenth (observed)
        "2027-07-05",  # Independence Day (observed)
        "2027-09-06",  # Labor Day
        "2027-11-25",  # Thanksgiving
        "2027-12-24",  # Christmas (observed)
    ),
}
_FALLBACK_YEARS = frozenset({2027})

# Past the table only holidays on fixed dates are known without a lunar calendar.
_FIXED_HOLIDAYS: dict[str, tuple[tuple[int, int], ...]] = {
    SHANGHAI: ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7)),
    HONG_KONG: ((1, 1), (7, 1), (10, 1), (12, 25)),
    NEW_YORK: ((1, 1), (7, 4), (12, 25)),
}


@dataclass(frozen=True)
class TradingSession:
    """One trading day of one exchange, times as aware UTC datetimes."""

    exchange: str
    day: dt.date
    open: dt.datetime
    close: dt.datetime
    break_start: dt.datetime | None = None
    break_end: dt.datetime | None = None

    def is_open_at(self, now: dt.datetime) -> bool:
        """Whether `now` falls in this session's trading hours (outside any lunch break)."""
        if not self.open <= now < self.close:
            return False
        return not (
            self.break_start and self.break_end and self.break_start <= now < self.break_end
        )

    def trading_fraction(self, now: dt.datetime) -> float:
        """Share of this session's trading time elapsed at `now`: 0 before the open, 1 at close."""
        total = self._trading_seconds_until(self.close)
        return min(1.0, max(0.0, self._trading_seconds_until(now) / total)) if total else 1.0

    def _trading_seconds_until(self, moment: dt.datetime) -> float:
        moment = min(max(moment, self.open), self.close)
        seconds = (moment - self.open).total_seconds()
        if self.break_start and self.break_end and moment > self.break_start:
            seconds -= (min(moment, self.break_end) - self.break_start).total_seconds()
        return seconds


def _check_exchange(exchange: str) -> None:
    if exchange not in EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r}; expected one of {EXCHANGES}")


def _fallback_is_session(exchange: str, day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    if exchange == FX_MARKET:
        return True
    if day.year in _FALLBACK_YEARS:
        return day not in _FALLBACK_HOLIDAYS[exchange]
    return (day.month, day.day) not in _FIXED_HOLIDAYS[exchange]


def _fallback_sessions(exchange: str, start: dt.date, end: dt.date) -> list[pd.Timestamp]:
    return [
        day for day in pd.bdate_range(start, end) if _fallback_is_session(exchange, day.date())
    ]


@functools.lru_cache(maxsize=512)
def _sessions(exchange: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    days: list[pd.Timestamp] = []
    if exchange == FX_MARKET:
        return pd.DatetimeIndex(pd.bdate_range(start, end), freq=None).as_unit(DATE_UNIT)
    recorded = _recorded()[exchange]
    first, last = recorded.first, recorded.last
    if start < first:
        days += _fallback_sessions(exchange, start, min(end, first - dt.timedelta(days=1)))
    if start <= last and end >= first:
        days += list(recorded.sessions(start, end))
    if end > last:
        days += _fallback_sessions(exchange, max(start, last + dt.timedelta(days=1)), end)
    return pd.DatetimeIndex(days, freq=None).as_unit(DATE_UNIT)


def sessions(exchange: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Trading days of `exchange` from `start` to `end` inclusive, as tz-naive midnights."""
    _check_exchange(exchange)
    if start > end:
        return pd.DatetimeIndex([], dtype=f"datetime64[{DATE_UNIT}]")
    return _sessions(exchange, start, end)


@functools.lru_cache(maxsize=4096)
def trading_session(exchange: str, day: dt.date) -> TradingSession | None:
    """The session `exchange` holds on local date `day`, or None when it does not trade."""
    _check_exchange(exchange)
    if exchange == FX_MARKET:
        if day.weekday() >= 5:
            return None
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        return TradingSession(exchange, day, start, start + dt.timedelta(days=1))
    recorded = _recorded()[exchange]
    if recorded.covers(day):
        hours = recorded.hours_on(day)
        if hours is None:
            return None
    elif _fallback_is_session(exchange, day):
        hours = _REGULAR_HOURS[exchange]
    else:
        return None
    zone = ZoneInfo(EXCHANGE_TIMEZONE[exchange])

    def at(moment: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, moment, tzinfo=zone).astimezone(dt.UTC)

    lunch = (hours.break_start, hours.break_end)
    return TradingSession(
        exchange,
        day,
        at(hours.open),
        at(hours.close),
        at(lunch[0]) if lunch[0] else None,
        at(lunch[1]) if lunch[1] else None,
    )


def local_date(exchange: str, now: dt.datetime) -> dt.date:
    """The calendar date at `now` in the exchange's own time zone."""
    _check_exchange(exchange)
    return _require_aware(now).astimezone(ZoneInfo(EXCHANGE_TIMEZONE[exchange])).date()


def _require_aware(now: dt.datetime) -> dt.datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("pass an aware datetime (with a time zone)")
    return now


def is_open(exchange: str, now: dt.datetime) -> bool:
    """Whether `exchange` is trading at `now` (lunch breaks count as closed)."""
    session = trading_session(exchange, local_date(exchange, now))
    return session is not None and session.is_open_at(now)


def next_open(exchange: str, now: dt.datetime) -> dt.datetime:
    """The first moment after `now` when `exchange` goes from closed to open, in UTC.

    The end of a lunch break counts as an opening; FX, trading round the clock on weekdays,
    next opens on Monday.
    """
    day = local_date(exchange, now)
    for offset in range(-1, 60):
        session = trading_session(exchange, day + dt.timedelta(days=offset))
        if session is None:
            continue
        for moment in (session.open, session.break_end):
            if (
                moment is not None
                and moment > now
                and not is_open(exchange, moment - dt.timedelta(seconds=1))
            ):
                return moment.astimezone(dt.UTC)
    raise ValueError(f"{exchange} has no session in the 60 days after {now.isoformat()}")


def session_close(exchange: str, day: dt.date) -> dt.datetime:
    """When `exchange`'s session on local date `day` closes (aware UTC); ValueError if none."""
    session = trading_session(exchange, day)
    if session is None:
        raise ValueError(f"{exchange} does not trade on {day.isoformat()}")
    return session.close
