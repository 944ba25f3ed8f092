"""Chart series: spreads over time across calendars, basket value over time."""

from __future__ import annotations

import pandas as pd
import pytest

from bot.analytics.baskets import usd_per_unit
from bot.analytics.series import basket_value_series, spread_series
from bot.core.universe import FxSpec
from bot.sources.base import SymbolMeta
from tests.support.frames import frame


def test_spread_carries_each_side_forward_across_the_other_calendar() -> None:
    closes = frame(
        {
            "SH": {"2025-09-30": 0.10, "2025-10-09": 0.20},  # Golden Week: no bars in between
            "NY": {"2025-09-30": 0.05, "2025-10-01": 0.06, "2025-10-09": 0.07},
        }
    )
    spread = spread_series(closes["SH"].dropna(), closes["NY"].dropna())
    assert list(spread.index) == list(pd.to_datetime(["2025-09-30", "2025-10-01", "2025-10-09"]))
    assert spread.round(6).tolist() == [0.05, 0.04, 0.13]


def test_basket_value_over_time_uses_fx_of_each_day_and_fills_holidays() -> None:
    closes = frame(
        {
            "A.HK": {"2025-01-02": 80, "2025-01-03": 80, "2025-01-06": 88},
            "B.SS": {"2025-01-02": 10, "2025-01-06": 11},  # shut on the 3rd
            "HKDUSD=X": {"2025-01-02": 0.125, "2025-01-03": 0.15, "2025-01-06": 0.15},
            "CNYUSD=X": {"2025-01-02": 0.2, "2025-01-06": 0.2},
        }
    )
    meta = {
        "A.HK": SymbolMeta("A.HK", "A", "HKD", "XHKG", 10),
        "B.SS": SymbolMeta("B.SS", "B", "CNY", "XSHG", 100),
    }
    rates = usd_per_unit(
        closes,
        {"HKD": FxSpec("HKD", "HKDUSD=X", False), "CNY": FxSpec("CNY", "CNYUSD=X", False)},
    )
    values = basket_value_series(
        closes,
        ["A.HK", "B.SS"],
        meta,
        rates,
        pd.Timestamp("2025-01-02"),
        pd.Timestamp("2025-01-06"),
    )
    # 2nd: 10*80*0.125 + 100*10*0.2 = 100 + 200; 3rd: 120 + 200 (B carried); 6th: 132 + 220.
    assert values.tolist() == pytest.approx([300.0, 320.0, 352.0])
