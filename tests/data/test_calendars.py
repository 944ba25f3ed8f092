"""Exchange sessions: differing holidays, lunch breaks, next opens and the 2027 fallback."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import warnings
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from bot.core import calendars

SH, HK, NY, FX = "XSHG", "XHKG", "XNYS", "FX"
SHANGHAI_TZ = ZoneInfo("Asia/Shanghai")
HONG_KONG_TZ = ZoneInfo("Asia/Hong_Kong")
NEW_YORK_TZ = ZoneInfo("America/New_York")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def trades(exchange: str, day: str) -> bool:
    return calendars.trading_session(exchange, d(day)) is not None


@pytest.mark.parametrize(
    ("exchange", "day", "expected"),
    [
        # National Day Golden Week 2025: Shanghai shut 1-8 Oct, New York trades.
        *[(SH, f"2025-10-0{n}", False) for n in range(1, 9)],
        (SH, "2025-09-30", True),
        (SH, "2025-10-09", True),
        (NY, "2025-10-01", True),
        (NY, "2025-10-08", True),
        (HK, "2025-10-01", False),  # National Day
        (HK, "2025-10-02", True),
        (HK, "2025-10-07", False),  # day after Mid-Autumn
        # Independence Day: New York shut, Hong Kong and Shanghai trade.
        (NY, "2025-07-04", False),
        (HK, "2025-07-04", True),
        (SH, "2025-07-04", True),
        # Chinese New Year 2026 (17 Feb), and Presidents' Day in New York.
        *[(SH, f"2026-02-{n}", False) for n in (16, 17, 18, 19, 20, 23)],
        (SH, "2026-02-24", True),
        (HK, "2026-02-16", True),  # half day
        (HK, "2026-02-17", False),
        (HK, "2026-02-19", False),
        (HK, "2026-02-20", True),
        (NY, "2026-02-16", False),
        (NY, "2026-02-17", True),
        # Weekends everywhere, FX included.
        (SH, "2026-03-07", False),
        (FX, "2026-03-07", False),
        (FX, "2025-12-25", True),
        # 2027 from the fallback table (exchange_calendars has no XSHG data past 2026).
        (SH, "2027-01-01", False),
        (SH, "2027-02-08", False),
        (SH, "2027-02-12", False),
        (SH, "2027-02-15", True),
        (SH, "2027-10-04", False),
        (SH, "2027-10-08", True),
        (SH, "2027-03-02", True),
        # Past the table only fixed-date holidays remain.
        (SH, "2028-10-02", False),
        (SH, "2028-10-09", True),
    ],
)
def test_trading_days_follow_each_exchanges_holidays(
    exchange: str, day: str, expected: bool
) -> None:
    assert trades(exchange, day) is expected
    in_sessions = pd.Timestamp(day) in calendars.sessions(exchange, d(day), d(day))
    assert in_sessions is expected


def test_sessions_are_tz_naive_midnights_in_order() -> None:
    days = calendars.sessions(SH, d("2025-09-27"), d("2025-10-10"))
    assert list(days) == [
        pd.Timestamp(x) for x in ("2025-09-29", "2025-09-30", "2025-10-09", "2025-10-10")
    ]
    assert days.tz is None
    assert (days == days.normalize()).all()


def test_sessions_join_the_calendar_and_the_fallback_at_the_end_of_2026() -> None:
    days = calendars.sessions(SH, d("2026-12-28"), d("2027-01-06"))
    assert [x.date().isoformat() for x in days] == [
        "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31",
        "2027-01-04", "2027-01-05", "2027-01-06",
    ]  # fmt: skip
    assert days.is_monotonic_increasing


def test_sessions_of_an_empty_range_are_empty() -> None:
    assert calendars.sessions(NY, d("2026-01-10"), d("2026-01-01")).empty


@pytest.mark.parametrize("exchange", [HK, NY])
def test_fallback_table_for_2027_agrees_with_exchange_calendars(exchange: str) -> None:
    """Hong Kong and New York have real 2027 calendars: the fallback table must match them."""
    real = calendars.sessions(exchange, d("2027-01-01"), d("2027-12-31"))
    fallback = pd.DatetimeIndex(
        calendars._fallback_sessions(exchange, d("2027-01-01"), d("2027-12-31"))
    )
    assert list(fallback) == list(real)


def local(zone: ZoneInfo, text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.mark.parametrize(
    ("exchange", "moment", "expected"),
    [
        (SH, local(SHANGHAI_TZ, "2026-03-02 09:29"), False),
        (SH, local(SHANGHAI_TZ, "2026-03-02 09:30"), True),
        (SH, local(SHANGHAI_TZ, "2026-03-02 11:29"), True),
        (SH, local(SHANGHAI_TZ, "2026-03-02 11:30"), False),  # lunch
        (SH, local(SHANGHAI_TZ, "2026-03-02 12:59"), False),
        (SH, local(SHANGHAI_TZ, "2026-03-02 13:00"), True),
        (SH, local(SHANGHAI_TZ, "2026-03-02 15:00"), False),
        (SH, local(SHANGHAI_TZ, "2025-10-02 10:00"), False),  # Golden Week
        (SH, local(SHANGHAI_TZ, "2027-03-02 11:45"), False),  # fallback keeps the lunch
        (SH, local(SHANGHAI_TZ, "2027-03-02 14:00"), True),
        (HK, local(HONG_KONG_TZ, "2026-03-02 11:59"), True),
        (HK, local(HONG_KONG_TZ, "2026-03-02 12:00"), False),  # lunch
        (HK, local(HONG_KONG_TZ, "2026-03-02 13:00"), True),
        (HK, local(HONG_KONG_TZ, "2026-03-02 16:00"), False),
        (HK, local(HONG_KONG_TZ, "2026-02-16 13:30"), False),  # Lunar New Year's Eve half day
        (NY, local(NEW_YORK_TZ, "2026-03-02 09:30"), True),
        (NY, local(NEW_YORK_TZ, "2026-03-02 12:15"), True),  # no lunch break in New York
        (NY, local(NEW_YORK_TZ, "2026-03-02 16:00"), False),
        (NY, local(NEW_YORK_TZ, "2025-11-28 13:30"), False),  # early close after Thanksgiving
        (NY, local(NEW_YORK_TZ, "2025-07-04 11:00"), False),
        (FX, local(NEW_YORK_TZ, "2026-03-04 23:00"), True),
        (FX, dt.datetime(2026, 3, 7, 12, tzinfo=dt.UTC), False),
    ],
)
def test_is_open_respects_hours_lunch_breaks_and_holidays(
    exchange: str, moment: dt.datetime, expected: bool
) -> None:
    assert calendars.is_open(exchange, moment) is expected


@pytest.mark.parametrize(
    ("exchange", "moment", "expected"),
    [
        # In Hong Kong's lunch break the next opening is 13:00 the same day.
        (HK, local(HONG_KONG_TZ, "2026-03-02 12:30"), local(HONG_KONG_TZ, "2026-03-02 13:00")),
        # While open, the next opening is after the lunch break.
        (SH, local(SHANGHAI_TZ, "2026-03-02 10:00"), local(SHANGHAI_TZ, "2026-03-02 13:00")),
        # Shanghai closes for Golden Week: next open is 9 October.
        (SH, local(SHANGHAI_TZ, "2025-09-30 16:00"), local(SHANGHAI_TZ, "2025-10-09 09:30")),
        # Friday evening before US daylight saving starts (8 March 2026).
        (NY, local(NEW_YORK_TZ, "2026-03-06 17:00"), local(NEW_YORK_TZ, "2026-03-09 09:30")),
        # Into 2027 through the fallback table: Chinese New Year week.
        (SH, local(SHANGHAI_TZ, "2027-02-04 15:30"), local(SHANGHAI_TZ, "2027-02-15 09:30")),
        # FX trades round the clock on weekdays, so it next opens on Monday.
        (FX, dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC), dt.datetime(2026, 3, 9, tzinfo=dt.UTC)),
        (FX, dt.datetime(2026, 3, 7, 12, tzinfo=dt.UTC), dt.datetime(2026, 3, 9, tzinfo=dt.UTC)),
    ],
)
def test_next_open_is_the_next_closed_to_open_moment_in_utc(
    exchange: str, moment: dt.datetime, expected: dt.datetime
) -> None:
    result = calendars.next_open(exchange, moment)
    assert result == expected
    assert result.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("exchange", "day", "expected_utc"),
    [
        (SH, "2026-03-02", "2026-03-02 07:00"),
        (HK, "2026-03-02", "2026-03-02 08:00"),
        (HK, "2026-02-16", "2026-02-16 04:00"),  # half day
        (NY, "2026-03-02", "2026-03-02 21:00"),  # EST
        (NY, "2026-03-10", "2026-03-10 20:00"),  # EDT
        (NY, "2025-11-28", "2025-11-28 18:00"),  # early close
        (SH, "2027-03-02", "2027-03-02 07:00"),  # fallback
        (FX, "2026-03-02", "2026-03-03 00:00"),
    ],
)
def test_session_close_is_aware_utc(exchange: str, day: str, expected_utc: str) -> None:
    expected = dt.datetime.fromisoformat(expected_utc).replace(tzinfo=dt.UTC)
    assert calendars.session_close(exchange, d(day)) == expected


def test_session_close_of_a_holiday_raises() -> None:
    with pytest.raises(ValueError, match="does not trade"):
        calendars.session_close(SH, d("2025-10-01"))


def test_naive_datetimes_and_unknown_exchanges_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        calendars.is_open(SH, dt.datetime(2026, 3, 2, 10))
    with pytest.raises(ValueError, match="unknown exchange"):
        calendars.sessions("XLON", d("2026-03-02"), d("2026-03-03"))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-03-02 09:00", 0.0),
        ("2026-03-02 10:30", 0.25),
        ("2026-03-02 12:00", 0.5),  # frozen over lunch
        ("2026-03-02 14:00", 0.75),
        ("2026-03-02 18:00", 1.0),
    ],
)
def test_trading_fraction_skips_the_lunch_break(moment: str, expected: float) -> None:
    session = calendars.trading_session(SH, d("2026-03-02"))
    assert session is not None
    assert session.trading_fraction(local(SHANGHAI_TZ, moment)) == pytest.approx(expected)


@pytest.mark.parametrize("exchange", [SH, HK, NY])
def test_the_session_table_agrees_with_exchange_calendars_on_every_day(exchange: str) -> None:
    """sessions.toml is made from exchange_calendars (scripts/make_session_table.py): every
    day it covers, sessions and hours included, is what the library says."""
    import exchange_calendars  # noqa: PLC0415 - only this check needs the library

    recorded = calendars._recorded()[exchange]
    with warnings.catch_warnings():
        # exchange_calendars 4.13 reads Series.values in a way pandas 3 deprecates; the
        # warning is raised from inside pandas, so the module filters miss it.
        warnings.simplefilter("ignore", getattr(pd.errors, "Pandas4Warning", FutureWarning))
        schedule = exchange_calendars.get_calendar(
            exchange, start=recorded.first.isoformat(), end=recorded.last.isoformat()
        ).schedule

    def utc(value: pd.Timestamp) -> dt.datetime | None:
        return None if pd.isna(value) else value.to_pydatetime()

    expected = {
        day.date(): tuple(
            utc(row[column]) for column in ("open", "close", "break_start", "break_end")
        )
        for day, row in schedule.iterrows()
    }
    days = pd.date_range(recorded.first, recorded.last).date
    table = {}
    for day in days:
        session = calendars.trading_session(exchange, day)
        if session is not None:
            table[day] = (session.open, session.close, session.break_start, session.break_end)
    assert table == expected
    sessions = calendars.sessions(exchange, recorded.first, recorded.last)
    assert list(sessions) == list(schedule.index)


def test_answering_from_the_session_table_loads_no_exchange_calendars() -> None:
    script = textwrap.dedent(
        """
        import datetime as dt, sys
        from bot.core import calendars

        for exchange in calendars.EXCHANGES:
            calendars.sessions(exchange, dt.date(2024, 1, 1), dt.date(2026, 6, 30))
            calendars.trading_session(exchange, dt.date(2025, 11, 28))
        print(any(name.split(".")[0] == "exchange_calendars" for name in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["False"]
