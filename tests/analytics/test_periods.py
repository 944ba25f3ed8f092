"""Period bases and returns, pinned to DESIGN.md's definitions with hand-computed numbers."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from bot.analytics.periods import (
    DateRange,
    period_key,
    period_returns,
    price_anchors,
    rebased,
)
from tests.support.frames import frame

NAN = float("nan")


# One Shanghai-listed series crossing 29 February and a month start.
LEAP = frame(
    {
        "S": {
            "2023-02-28": 80,
            "2023-03-01": 81,
            "2024-02-28": 90,
            "2024-02-29": 95,
            "2024-03-01": 96,
            "2025-02-27": 100,
            "2025-02-28": 110,
            "2025-03-03": 121,
            "2025-03-04": 110,
        }
    }
)


@pytest.mark.parametrize(
    ("as_of", "period", "base_date", "expected"),
    [
        # MTD on the first trading day of a month: the base is the last close of February.
        ("2025-03-03", "MTD", "2025-02-28", 121 / 110 - 1),
        ("2025-03-03", "1D", "2025-02-28", 121 / 110 - 1),
        # 5D walks back five bars of this symbol's own calendar (the gap year is no bars).
        ("2025-03-03", "5D", "2024-02-28", 121 / 90 - 1),
        # YTD: the last close before 1 January of D's year.
        ("2025-03-03", "YTD", "2024-03-01", 121 / 96 - 1),
        # 1Y: last close on or before D minus a year (2024-03-03 -> Friday 2024-03-01).
        ("2025-03-03", "1Y", "2024-03-01", 121 / 96 - 1),
        # 1Y from 2025-02-28 lands on 2024-02-28 itself, not on the 29th.
        ("2025-02-28", "1Y", "2024-02-28", 110 / 90 - 1),
        # 1Y from 29 February: a year back is 2023-02-28.
        ("2024-02-29", "1Y", "2023-02-28", 95 / 80 - 1),
        # As of a Sunday: D is Friday 2025-02-28 and its previous close is the 27th.
        ("2025-03-02", "1D", "2025-02-27", 110 / 100 - 1),
        # ... and its MTD base is the last close before 1 February: 2024-03-01 here.
        ("2025-03-02", "MTD", "2024-03-01", 110 / 96 - 1),
        # The first bar ever has no base at all: missing, never zero.
        ("2023-02-28", "1D", None, None),
        ("2023-03-01", "1Y", None, None),
    ],
)
def test_period_base_and_return(
    as_of: str, period: str, base_date: str | None, expected: float | None
) -> None:
    anchors = price_anchors(LEAP, pd.Timestamp(as_of))
    returns = period_returns(anchors)
    got_base = anchors.at["S", f"{period}_date"]
    if base_date is None:
        assert pd.isna(got_base)
    else:
        assert got_base == pd.Timestamp(base_date)
    if expected is None:
        assert math.isnan(returns.at["S", period])
    else:
        assert returns.at["S", period] == pytest.approx(expected)


def test_mtd_base_missing_when_the_series_starts_inside_the_month() -> None:
    closes = frame({"N": {"2025-03-03": 10, "2025-03-04": 11}})
    returns = period_returns(price_anchors(closes, pd.Timestamp("2025-03-04")))
    assert math.isnan(returns.at["N", "MTD"])
    assert math.isnan(returns.at["N", "YTD"])
    assert returns.at["N", "1D"] == pytest.approx(0.1)


# Golden Week 2025: Shanghai shut 1-8 October, Hong Kong shut 1 and 7 October, New York open.
HOLIDAYS = frame(
    {
        "SH": {"2025-09-29": 100, "2025-09-30": 101, "2025-10-09": 103},
        "HK": {
            "2025-09-29": 50,
            "2025-09-30": 51,
            "2025-10-02": 52,
            "2025-10-03": 53,
            "2025-10-06": 54,
            "2025-10-08": 55,
            "2025-10-09": 56,
        },
        "NY": {
            "2025-09-29": 200,
            "2025-09-30": 202,
            "2025-10-01": 204,
            "2025-10-02": 206,
            "2025-10-03": 208,
            "2025-10-06": 210,
            "2025-10-07": 212,
            "2025-10-08": 214,
            "2025-10-09": 216,
        },
    }
)


@pytest.mark.parametrize(
    ("as_of", "symbol", "as_of_date", "base_1d", "return_1d", "return_mtd"),
    [
        # As of a holiday of Shanghai and Hong Kong only: each keeps its own last close.
        ("2025-10-01", "SH", "2025-09-30", "2025-09-29", 101 / 100 - 1, None),
        ("2025-10-01", "HK", "2025-09-30", "2025-09-29", 51 / 50 - 1, None),
        ("2025-10-01", "NY", "2025-10-01", "2025-09-30", 204 / 202 - 1, 204 / 202 - 1),
        # Mid-holiday Friday: Shanghai still shows September, Hong Kong and New York trade.
        ("2025-10-03", "SH", "2025-09-30", "2025-09-29", 101 / 100 - 1, None),
        ("2025-10-03", "HK", "2025-10-03", "2025-10-02", 53 / 52 - 1, 53 / 51 - 1),
        # Hong Kong's 7 October holiday: its 1D base skips back to the 6th.
        ("2025-10-08", "HK", "2025-10-08", "2025-10-06", 55 / 54 - 1, 55 / 51 - 1),
        # Shanghai's first day back: 1D spans the whole holiday, MTD too.
        ("2025-10-09", "SH", "2025-10-09", "2025-09-30", 103 / 101 - 1, 103 / 101 - 1),
    ],
)
def test_each_instrument_walks_its_own_calendar(
    as_of: str,
    symbol: str,
    as_of_date: str,
    base_1d: str,
    return_1d: float,
    return_mtd: float | None,
) -> None:
    anchors = price_anchors(HOLIDAYS, pd.Timestamp(as_of))
    returns = period_returns(anchors)
    assert anchors.at[symbol, "date"] == pd.Timestamp(as_of_date)
    assert anchors.at[symbol, "1D_date"] == pd.Timestamp(base_1d)
    assert returns.at[symbol, "1D"] == pytest.approx(return_1d)
    if return_mtd is None:
        # Shanghai's D is still in September: its MTD base is August's last close, absent here.
        assert math.isnan(returns.at[symbol, "MTD"])
    else:
        assert returns.at[symbol, "MTD"] == pytest.approx(return_mtd)


def test_a_symbol_missing_one_day_uses_its_previous_bar() -> None:
    closes = frame(
        {
            "A": {"2025-03-03": 10, "2025-03-04": 11, "2025-03-05": 12},
            "B": {"2025-03-03": 20, "2025-03-05": 25},  # no bar on the 4th
        }
    )
    returns = period_returns(price_anchors(closes, pd.Timestamp("2025-03-05")))
    assert returns.at["A", "1D"] == pytest.approx(12 / 11 - 1)
    assert returns.at["B", "1D"] == pytest.approx(25 / 20 - 1)


def test_nan_last_row_is_never_the_close() -> None:
    closes = frame({"A": {"2025-03-03": 10, "2025-03-04": 11}})
    closes.loc[pd.Timestamp("2025-03-05")] = np.nan
    anchors = price_anchors(closes, pd.Timestamp("2025-03-05"))
    assert anchors.at["A", "date"] == pd.Timestamp("2025-03-04")
    assert anchors.at["A", "close"] == 11


def test_symbol_with_no_data_before_as_of_is_absent() -> None:
    closes = frame({"A": {"2025-03-03": 10}, "B": {"2025-03-05": 20}})
    anchors = price_anchors(closes, pd.Timestamp("2025-03-04"))
    assert list(anchors.index) == ["A"]


def test_empty_frame_gives_empty_anchors() -> None:
    anchors = price_anchors(pd.DataFrame(dtype=float), pd.Timestamp("2025-03-04"))
    assert anchors.empty


def test_rebased_starts_at_100_on_the_base() -> None:
    closes = LEAP["S"]
    series = rebased(closes, pd.Timestamp("2025-02-28"), pd.Timestamp("2025-03-04"))
    assert list(series.round(6)) == [100.0, 110.0, 100.0]


@pytest.mark.parametrize(
    ("as_of", "start", "symbol", "base_date", "end_date", "expected"),
    [
        # Since 2 October, as of the 9th: each base is its own last close before the 2nd.
        ("2025-10-09", "2025-10-02", "SH", "2025-09-30", "2025-10-09", 103 / 101 - 1),
        ("2025-10-09", "2025-10-02", "HK", "2025-09-30", "2025-10-09", 56 / 51 - 1),
        ("2025-10-09", "2025-10-02", "NY", "2025-10-01", "2025-10-09", 216 / 204 - 1),
        # Ending on 6 October: Shanghai is still shut, its end is its base (no move at all).
        ("2025-10-06", "2025-10-01", "SH", "2025-09-30", "2025-09-30", 0.0),
        ("2025-10-06", "2025-10-01", "HK", "2025-09-30", "2025-10-06", 54 / 51 - 1),
        ("2025-10-06", "2025-10-01", "NY", "2025-09-30", "2025-10-06", 210 / 202 - 1),
        # A start on a trading day: the base is the close before, not that day's.
        ("2025-10-09", "2025-10-08", "HK", "2025-10-06", "2025-10-09", 56 / 54 - 1),
        # A start on the first stored day: no close before it, so no return (never zero).
        ("2025-10-09", "2025-09-29", "NY", None, "2025-10-09", None),
    ],
)
def test_a_date_range_bases_on_the_last_close_before_its_start(
    as_of: str,
    start: str,
    symbol: str,
    base_date: str | None,
    end_date: str,
    expected: float | None,
) -> None:
    since = DateRange(dt.date.fromisoformat(start))
    anchors = price_anchors(HOLIDAYS, pd.Timestamp(as_of), (since,))
    returns = period_returns(anchors)
    assert anchors.at[symbol, "date"] == pd.Timestamp(end_date)
    got_base = anchors.at[symbol, f"{since.key}_date"]
    if base_date is None:
        assert pd.isna(got_base)
        assert math.isnan(returns.at[symbol, since.key])
    else:
        assert got_base == pd.Timestamp(base_date)
        assert returns.at[symbol, since.key] == pytest.approx(expected)
    # The fixed periods are unchanged by a range beside them.
    assert list(returns.columns) == ["1D", "5D", "MTD", "YTD", "1Y", since.key]


@pytest.mark.parametrize(
    ("date_range", "key"),
    [
        (DateRange(dt.date(2025, 1, 27)), "2025-01-27.."),
        (DateRange(dt.date(2025, 1, 27), None, "DeepSeek R1 shock"), "2025-01-27.."),
        (DateRange(dt.date(2025, 4, 1), dt.date(2025, 12, 31)), "2025-04-01..2025-12-31"),
    ],
)
def test_a_range_is_keyed_by_its_days_alone(date_range: DateRange, key: str) -> None:
    assert period_key(date_range) == key
    assert period_key("YTD") == "YTD"
