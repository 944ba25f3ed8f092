"""When a refresh is due and what it fetches: every interval while a market trades (only
the markets trading), once after each close, everything hourly otherwise.
Wednesday 25 and Saturday 28 November 2026, times UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.universe import load_universe
from bot.refresh import RefreshPlan, next_refresh_at, refresh_plan, retry_delay

MARKETS = ("XSHG", "XHKG", "XNYS", "FX")
INTERVAL = dt.timedelta(minutes=5)
ASIA = frozenset({"XSHG", "XHKG"})


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("now", "last", "plan"),
    [
        (at(25, 2), None, RefreshPlan("first refresh")),
        (at(25, 2), at(25, 1, 56), None),  # Shanghai trades; refreshed 4 minutes ago
        (at(25, 2), at(25, 1, 55), RefreshPlan("a market is open", ASIA)),
        (at(25, 4, 30), at(25, 4, 20), None),  # both at lunch, nothing settled
        (at(25, 7, 21), at(25, 7, 18), RefreshPlan("XSHG closed", frozenset({"XSHG"}))),
        (at(25, 7, 25), at(25, 7, 15), RefreshPlan("a market is open", ASIA)),  # HK + SH
        (at(25, 8, 25), at(25, 7, 58), RefreshPlan("XHKG closed", frozenset({"XHKG"}))),
        (at(25, 8, 15), at(25, 7, 58), None),  # Hong Kong closed, bars still settling
        (at(25, 8, 30), at(25, 8, 21), None),  # the after-close refresh already ran
        (at(25, 12), at(25, 11, 1), None),  # nothing trades: hourly
        (at(25, 12), at(25, 10, 59), RefreshPlan("hourly while markets are closed")),
        (at(25, 15), at(25, 14, 50), RefreshPlan("a market is open", frozenset({"XNYS"}))),
        (at(25, 21, 25), at(25, 20, 58), RefreshPlan("XNYS closed", frozenset({"XNYS"}))),
        (at(28, 10), at(28, 9, 30), None),  # Saturday
        (at(28, 10), at(28, 8, 59), RefreshPlan("hourly while markets are closed")),
    ],
)
def test_refresh_plan(
    now: dt.datetime, last: dt.datetime | None, plan: RefreshPlan | None
) -> None:
    assert refresh_plan(now, last, MARKETS, INTERVAL) == plan


def test_a_plan_fetches_its_markets_symbols_and_every_fx_series() -> None:
    universe = load_universe().without_source("akshare")
    symbols = RefreshPlan("a market is open", frozenset({"XNYS"})).symbols(universe)
    assert symbols is not None
    assert set(symbols) == {
        s for s in universe.all_symbols if universe.exchange(s) in {"XNYS", "FX"}
    }
    assert {"NVDA", "^NDX", "HKD=X", "CNY=X"} <= set(symbols)
    assert "0700.HK" not in symbols
    assert RefreshPlan("first refresh").symbols(universe) is None


def test_a_whole_week_costs_far_fewer_refreshes_than_every_five_minutes() -> None:
    now, last, refreshes = at(23, 0), at(22, 23, 59), 0
    while now < at(30, 0):
        if refresh_plan(now, last, MARKETS, INTERVAL) is not None:
            refreshes += 1
            last = now
        now += dt.timedelta(minutes=1)
    every_five_minutes = 7 * 24 * 12
    # Trading hours, once per close and hourly otherwise: about a third.
    assert refreshes < every_five_minutes / 2


@pytest.mark.parametrize(("failures", "minutes"), [(1, 2), (2, 4), (3, 60), (7, 60)])
def test_a_failing_symbol_waits_longer_each_time_then_hourly(failures: int, minutes: int) -> None:
    assert retry_delay(failures, lambda: 0.0) == dt.timedelta(minutes=minutes)
    assert retry_delay(failures, lambda: 1.0) == dt.timedelta(minutes=minutes * 1.25)


@pytest.mark.parametrize(
    ("now", "last", "expected"),
    [
        (at(25, 2), at(25, 1, 58), at(25, 2, 3)),  # trading: the interval after the last
        (at(25, 8, 5), at(25, 7, 58), at(25, 8, 20)),  # Hong Kong's close settles at 8:20
        (at(25, 12), at(25, 11, 30), at(25, 12, 30)),  # idle: an hour after the last
    ],
)
def test_next_refresh_at(now: dt.datetime, last: dt.datetime, expected: dt.datetime) -> None:
    assert next_refresh_at(now, last, MARKETS, INTERVAL) == expected
