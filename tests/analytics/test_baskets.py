"""Basket USD values, equal/cap-weighted returns, exclusions, FX, spreads and the ratio."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from bot.analytics.baskets import basket_performance, usd_per_unit
from bot.analytics.periods import price_anchors
from bot.analytics.snapshot import compute_snapshot
from bot.core.universe import FxSpec, parse_universe
from bot.sources.base import SymbolMeta
from tests.support.frames import frame

# Base 2024-12-31, as-of 2025-01-02.
#   A (HKD, 10 shares): price flat at 80 while HKD moves 0.125 -> 0.15 USD:
#       value 100 -> 120, change +20, price return 0.
#   B (CNY, 100 shares, quoted CNY per USD so inverted): 10 -> 12 while CNY=X goes 8 -> 5,
#       and CNY=X has no bar on the 2nd, so the 1st's rate (5 -> 0.2 USD) is used:
#       value 100*10/8 = 125 -> 100*12*0.2 = 240, change +115, return +20%.
#   C (USD, 5 shares): first trades 2025-01-02 at 50 -> value 250, no base: excluded.
# YTD: change 135, base value 225, cap-weighted 135/225 = 0.6, equal mean(0, 0.2) = 0.1.
CLOSES = frame(
    {
        "A.HK": {"2024-12-31": 80, "2025-01-02": 80},
        "B.SS": {"2024-12-31": 10, "2025-01-02": 12},
        "C": {"2025-01-02": 50},
        "HKDUSD=X": {"2024-12-31": 0.125, "2025-01-02": 0.15},
        "CNY=X": {"2024-12-31": 8, "2025-01-01": 5},
        "U1": {"2024-12-31": 100, "2025-01-02": 110},
        "IDX1": {"2024-12-31": 1000, "2025-01-02": 1100},
        "IDX2": {"2024-12-31": 2000, "2025-01-02": 2040},
    }
)
META = {
    "A.HK": SymbolMeta("A.HK", "Alpha", "HKD", "XHKG", 10),
    "B.SS": SymbolMeta("B.SS", "Beta", "CNY", "XSHG", 100),
    "C": SymbolMeta("C", "Gamma", "USD", "XNYS", 5),
    "U1": SymbolMeta("U1", "Uno", "USD", "XNYS", 20),
}
FX = {
    "HKD": FxSpec("HKD", "HKDUSD=X", invert=False),
    "CNY": FxSpec("CNY", "CNY=X", invert=True),
}
AS_OF = pd.Timestamp("2025-01-02")


def performance(members: list[str], meta: dict[str, SymbolMeta] | None = None):  # type: ignore[no-untyped-def]
    anchors = price_anchors(CLOSES, AS_OF)
    return basket_performance(anchors, members, meta or META, usd_per_unit(CLOSES, FX))


def test_ytd_cap_and_equal_weighted_with_fx_and_a_new_listing() -> None:
    ytd = performance(["A.HK", "B.SS", "C"]).periods["YTD"]
    assert ytd.value_change_usd == pytest.approx(135.0)
    assert ytd.cap == pytest.approx(0.6)
    assert ytd.equal == pytest.approx(0.1)
    assert (ytd.included, ytd.excluded) == (2, 1)


def test_fx_moving_while_the_price_does_not_changes_value_not_return() -> None:
    result = performance(["A.HK"])
    assert result.periods["YTD"].value_change_usd == pytest.approx(20.0)
    assert result.periods["YTD"].equal == pytest.approx(0.0)
    assert result.moves["YTD"][0].period_return == pytest.approx(0.0)


def test_value_now_counts_every_member_with_a_close_even_without_base() -> None:
    assert performance(["A.HK", "B.SS", "C"]).value_usd == pytest.approx(120 + 240 + 250)


def test_moves_are_sorted_by_value_change() -> None:
    moves = performance(["A.HK", "B.SS", "C"]).moves["YTD"]
    assert [(m.symbol, round(m.value_change_usd, 6)) for m in moves] == [
        ("B.SS", 115.0),
        ("A.HK", 20.0),
    ]


def test_member_without_share_count_is_excluded_from_value_numbers() -> None:
    meta = dict(META, **{"B.SS": SymbolMeta("B.SS", "Beta", "CNY", "XSHG", None)})
    ytd = performance(["A.HK", "B.SS"], meta).periods["YTD"]
    assert (ytd.included, ytd.excluded) == (1, 1)
    assert ytd.value_change_usd == pytest.approx(20.0)


def test_no_member_with_both_closes_gives_missing_returns() -> None:
    ytd = performance(["C"]).periods["YTD"]
    assert ytd.equal is None
    assert ytd.cap is None
    assert (ytd.included, ytd.excluded) == (0, 1)


UNIVERSE = parse_universe(
    {
        "indices": {
            "one": {"symbol": "IDX1", "name": "Index One"},
            "two": {"symbol": "IDX2", "name": "Index Two"},
        },
        "baskets": {
            "cn": {"name": "CN", "members": ["A.HK", "B.SS", "C"]},
            "us": {"name": "US", "members": ["U1"]},
        },
        "fx": {"HKD": "HKDUSD=X", "CNY": {"symbol": "CNY=X", "invert": True}},
        "rally": {
            "onshore": ["one"],
            "offshore": [],
            "benchmark": "two",
            "basket": "cn",
            "compare_basket": "us",
        },
    }
)


def test_snapshot_spreads_ratio_and_schema() -> None:
    snapshot = compute_snapshot(
        CLOSES,
        META,
        UNIVERSE,
        dt.date(2025, 1, 2),
        dt.datetime(2025, 1, 2, 12, tzinfo=dt.UTC),
        "demo",
    )
    # Index One +10%, Index Two +2%: spread +8 pp (as a fraction 0.08).
    assert snapshot.spreads["one-two"]["YTD"] == pytest.approx(0.08)
    # US basket: 20 shares * 110 = 2200 USD; CN basket 610 USD.
    assert snapshot.ratios["cn/us"] == pytest.approx(610 / 2200)
    basket = snapshot.baskets["cn"]
    assert basket.members == 3
    assert basket.returns["YTD"].to_json() == {
        "equal": pytest.approx(0.1),
        "cap": pytest.approx(0.6),
        "value_change_usd": pytest.approx(135.0),
        "included": 2,
        "excluded": 1,
    }
    assert basket.top("YTD")[0].symbol == "B.SS"
    assert snapshot.instruments["IDX1"].returns["1D"] == pytest.approx(0.1)
    assert snapshot.instruments["C"].returns["YTD"] is None
    assert "HKDUSD=X" not in snapshot.instruments
    assert snapshot.as_of == "2025-01-02"
    assert snapshot.provider == "demo"


def test_a_member_listed_mid_year_is_excluded_from_1y_and_counted() -> None:
    # Old trades a year and more; New lists in June. As of 2025-12-31 the 1Y base date is
    # 2024-12-31: Old has a close there (100 -> 150), New does not and is excluded.
    closes = frame(
        {
            "OLD": {"2024-12-31": 100, "2025-06-30": 120, "2025-12-31": 150},
            "NEW": {"2025-06-30": 10, "2025-12-31": 20},
        }
    )
    meta = {
        "OLD": SymbolMeta("OLD", "Old", "USD", "XNYS", 2),
        "NEW": SymbolMeta("NEW", "New", "USD", "XNYS", 10),
    }
    anchors = price_anchors(closes, pd.Timestamp("2025-12-31"))
    result = basket_performance(anchors, ["OLD", "NEW"], meta, usd_per_unit(closes, {}))
    one_year = result.periods["1Y"]
    assert (one_year.included, one_year.excluded) == (1, 1)
    assert one_year.value_change_usd == pytest.approx(2 * 150 - 2 * 100)
    assert one_year.cap == pytest.approx(0.5)
    assert one_year.equal == pytest.approx(0.5)
    # The basket's value now includes it all the same: 2*150 + 10*20.
    assert result.value_usd == pytest.approx(500.0)
