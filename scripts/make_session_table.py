"""Make bot/core/sessions.toml: the trading sessions exchange_calendars records, as a table.

Usage: python scripts/make_session_table.py   (needs the dev extra: exchange_calendars)

`rallybot run` reads the table instead of importing exchange_calendars, which builds every
exchange's calendar class at import: some 9 MB of the process for the three exchanges it
uses. Run this again after upgrading exchange_calendars (or moving a calendar's end in
`RECORDED`); tests/data/test_calendars.py checks the table against the library day by day.
"""

from __future__ import annotations

import collections
import datetime as dt
import sys
import warnings
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

import exchange_calendars
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.calendars import SESSION_TABLE_PATH  # noqa: E402
from bot.core.universe import EXCHANGE_TIMEZONE, HONG_KONG, NEW_YORK, SHANGHAI  # noqa: E402

RECORDED_START = dt.date(2010, 1, 1)
RECORDED_END = {
    # XSHG's recorded holidays stop at 2026 (it raises past that); XHKG computes its lunar
    # holidays and XNYS its rules, so they are trusted a few years further.
    SHANGHAI: dt.date(2026, 12, 31),
    HONG_KONG: dt.date(2030, 12, 31),
    NEW_YORK: dt.date(2030, 12, 31),
}
HOURS = ("open", "close", "break_start", "break_end")

Hours = tuple[dt.time | None, ...]


def local_hours(exchange: str, row: pd.Series) -> Hours:
    """A schedule row's open, close and lunch break as local times (None: no break)."""
    zone = ZoneInfo(EXCHANGE_TIMEZONE[exchange])
    return tuple(
        None if pd.isna(row[column]) else row[column].to_pydatetime().astimezone(zone).time()
        for column in HOURS
    )


def toml_hours(hours: Hours) -> str:
    """Hours as TOML keys; a missing lunch break is left out."""
    return ", ".join(
        f"{name} = {moment.isoformat()}"
        for name, moment in zip(HOURS, hours, strict=True)
        if moment is not None
    )


def exchange_table(exchange: str) -> list[str]:
    """One exchange's TOML lines: its range, usual hours, closed weekdays, other hours."""
    first, last = RECORDED_START, RECORDED_END[exchange]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 deprecations raised inside the library
        calendar = exchange_calendars.get_calendar(
            exchange, start=first.isoformat(), end=last.isoformat()
        )
        schedule = calendar.schedule
    hours = {day.date(): local_hours(exchange, row) for day, row in schedule.iterrows()}
    if any(day.weekday() >= 5 for day in hours):
        raise SystemExit(f"{exchange} trades on a weekend: the table cannot say so")
    usual = collections.Counter(hours.values()).most_common(1)[0][0]
    closed = [day.date() for day in pd.bdate_range(first, last) if day.date() not in hours]
    other: dict[Hours, list[dt.date]] = collections.defaultdict(list)
    for day, day_hours in hours.items():
        if day_hours != usual:
            other[day_hours].append(day)
    lines = [
        f"[{exchange}]",
        f"first = {first.isoformat()}",
        f"last = {last.isoformat()}",
        f"hours = {{ {toml_hours(usual)} }}",
        "closed = [",
        *(f"    {day.isoformat()}," for day in closed),
        "]",
    ]
    for day_hours, days in other.items():
        lines += [
            "",
            f"[[{exchange}.other_hours]]",
            toml_hours(day_hours).replace(", ", "\n"),
            "days = [",
            *(f"    {day.isoformat()}," for day in days),
            "]",
        ]
    return [*lines, ""]


def main() -> None:
    """Write the table for every exchange with a calendar."""
    lines = [
        f"# Made by scripts/make_session_table.py from exchange_calendars "
        f"{version('exchange_calendars')}; do not edit.",
        "# Per exchange: the days recorded, the usual local hours, the weekdays without a",
        "# session, and the sessions with other hours. Weekends never trade.",
        "",
    ]
    for exchange in RECORDED_END:
        lines += exchange_table(exchange)
    SESSION_TABLE_PATH.write_text("\n".join(lines).rstrip() + "\n")
    print(f"wrote {SESSION_TABLE_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
