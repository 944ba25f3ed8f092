"""The demo market: deterministic, plausible, alive during sessions, honest about listings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from bot.core.universe import Universe, load_universe, parse_universe
from bot.sources.base import FetchResult
from bot.sources.demo import DemoProvider

SEED = 20260113
HONG_KONG_TZ = ZoneInfo("Asia/Hong_Kong")
# Wednesday 18:00 in New York, 07:00 Thursday in Asia: every market is shut.
SETTLED = dt.datetime(2026, 3, 4, 23, 0, tzinfo=dt.UTC)
START, END = dt.date(2024, 7, 1), dt.date(2026, 3, 4)


@pytest.fixture(scope="module")
def universe() -> Universe:
    return load_universe()


@pytest.fixture(scope="module")
def provider(universe: Universe) -> DemoProvider:
    return DemoProvider(universe, SEED, lambda: SETTLED)


@pytest.fixture(scope="module")
def history(provider: DemoProvider, universe: Universe) -> FetchResult:
    return provider.closes_at(universe.all_symbols, START, END, SETTLED)


def at(zone: ZoneInfo, text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


def test_every_universe_symbol_has_closes(history: FetchResult, universe: Universe) -> None:
    assert history.failures == {}
    assert list(history.closes.columns) == universe.all_symbols
    index = history.closes.index
    assert index.tz is None
    assert index.is_monotonic_increasing
    assert index.is_unique
    assert (index == index.normalize()).all()
    assert index[0] >= pd.Timestamp(START)
    assert index[-1] == pd.Timestamp(END)
    assert all(dtype == np.float64 for dtype in history.closes.dtypes)


def test_each_symbol_trades_on_its_own_exchanges_days(history: FetchResult) -> None:
    closes = history.closes
    golden_week = pd.Timestamp("2025-10-01")
    assert np.isnan(closes.loc[golden_week, "000688.SS"])
    assert np.isnan(closes.loc[golden_week, "^HSI"])
    assert not np.isnan(closes.loc[golden_week, "^NDX"])
    independence_day = pd.Timestamp("2025-07-04")
    assert np.isnan(closes.loc[independence_day, "NVDA"])
    assert not np.isnan(closes.loc[independence_day, "0700.HK"])
    assert not np.isnan(closes.loc[independence_day, "HKD=X"])  # FX trades every weekday
    assert pd.Timestamp("2026-02-17") not in closes["000688.SS"].dropna().index


async def test_fetch_closes_is_the_same_on_any_range_and_repeatable(universe: Universe) -> None:
    first = DemoProvider(universe, SEED, lambda: SETTLED)
    second = DemoProvider(universe, SEED, lambda: SETTLED)
    wide = await first.fetch_closes(["0700.HK", "^NDX"], dt.date(2019, 1, 1), END)
    june = (dt.date(2025, 6, 2), dt.date(2025, 6, 30))
    narrow = await second.fetch_closes(["^NDX", "0700.HK"], *june)
    assert list(narrow.closes.columns) == ["^NDX", "0700.HK"]
    expected = wide.closes.loc["2025-06-02":"2025-06-30", ["^NDX", "0700.HK"]].dropna(how="all")
    pd.testing.assert_frame_equal(narrow.closes, expected)


def test_different_seeds_give_different_paths(universe: Universe) -> None:
    one = DemoProvider(universe, 1, lambda: SETTLED).closes_at(["0700.HK"], START, END, SETTLED)
    two = DemoProvider(universe, 2, lambda: SETTLED).closes_at(["0700.HK"], START, END, SETTLED)
    assert not np.allclose(one.closes["0700.HK"], two.closes["0700.HK"])


@pytest.mark.parametrize(
    ("symbol", "low", "high"),
    [
        ("000688.SS", 1000, 1400),
        ("399006.SZ", 2000, 3200),
        ("000300.SS", 3500, 4700),
        ("^HSI", 17000, 27000),
        ("3033.HK", 4, 7),
        ("^NDX", 18000, 26000),
        ("^GSPC", 5000, 7000),
        ("CNY=X", 7.0, 7.35),
    ],
)
@pytest.mark.parametrize("seed", [SEED, 7])
def test_index_levels_stay_around_their_real_ranges(
    universe: Universe, seed: int, symbol: str, low: float, high: float
) -> None:
    demo = DemoProvider(universe, seed, lambda: SETTLED)
    series = demo.closes_at([symbol], START, END, SETTLED).closes[symbol].dropna()
    # Mostly inside the range, never far outside it.
    assert low * 0.97 <= series.quantile(0.1)
    assert series.quantile(0.9) <= high * 1.03
    assert low * 0.85 <= series.min()
    assert series.max() <= high * 1.15


def test_hong_kong_dollar_stays_inside_the_peg(history: FetchResult) -> None:
    hkd = history.closes["HKD=X"].dropna()
    assert hkd.between(7.75, 7.85).all()


def test_stocks_have_realistic_daily_volatility_and_move_together(
    history: FetchResult, universe: Universe
) -> None:
    members = [*universe.baskets["china_ai"].members, *universe.baskets["us_ai"].members]
    vols = {m: np.log(history.closes[m].dropna()).diff().std() for m in members}
    assert all(0.015 <= vol <= 0.04 for vol in vols.values()), vols
    hong_kong = [m for m in members if m.endswith(".HK") and m not in ("2513.HK", "0100.HK")]
    returns = np.log(history.closes[hong_kong].dropna(how="all")).diff()
    correlations = returns.corr().to_numpy()[np.triu_indices(len(hong_kong), 1)]
    assert correlations.mean() > 0.2


def test_china_tech_rallies_in_2025(history: FetchResult) -> None:
    star = history.closes["000688.SS"].dropna()
    assert star.loc["2025-10-01":"2025-12-31"].mean() > star.loc["2025-01-01":"2025-03-31"].mean()


@pytest.mark.parametrize(
    ("symbol", "first_day"),
    [
        ("2513.HK", "2026-01-08"),
        ("0100.HK", "2026-01-09"),
        ("9660.HK", "2024-10-24"),
        ("WRD", "2024-10-25"),
        ("PONY", "2024-11-27"),
    ],
)
def test_new_listings_have_no_bars_before_their_first_trading_day(
    history: FetchResult, symbol: str, first_day: str
) -> None:
    series = history.closes[symbol]
    assert series.first_valid_index() == pd.Timestamp(first_day)
    assert series.loc[: pd.Timestamp(first_day) - pd.Timedelta(days=1)].isna().all()


def test_a_range_before_a_listing_is_a_failure_not_a_column(provider: DemoProvider) -> None:
    result = provider.closes_at(["2513.HK", "0700.HK"], START, dt.date(2025, 12, 31), SETTLED)
    assert list(result.closes.columns) == ["0700.HK"]
    assert "2026-01-08" in result.failures["2513.HK"]


def test_unknown_symbols_fail_and_recognisable_ones_are_made_up(provider: DemoProvider) -> None:
    result = provider.closes_at(["not a symbol", "0005.HK", "IBM"], START, END, SETTLED)
    assert set(result.failures) == {"not a symbol"}
    assert list(result.closes.columns) == ["0005.HK", "IBM"]
    assert (result.closes.min() > 0).all()


async def test_metadata_names_currencies_and_shares(
    provider: DemoProvider, universe: Universe
) -> None:
    answer = await provider.fetch_meta([*universe.all_symbols, "bad symbol"])
    meta = answer.meta
    assert "bad symbol" not in meta
    assert answer.failures == {"bad symbol": "unknown symbol"}
    assert meta["0700.HK"].name == "Tencent"
    assert (meta["0700.HK"].currency, meta["0700.HK"].exchange) == ("HKD", "XHKG")
    assert (meta["688256.SS"].currency, meta["688256.SS"].exchange) == ("CNY", "XSHG")
    assert (meta["TSM"].currency, meta["PONY"].currency) == ("USD", "USD")
    assert (meta["^HSI"].currency, meta["^HSI"].exchange) == ("HKD", "XHKG")
    assert meta["^HSI"].name == "Hang Seng"
    for symbol in [spec.symbol for spec in universe.indices.values()] + universe.fx_symbols:
        assert meta[symbol].shares_outstanding is None
    for symbol in universe.baskets["china_ai"].members:
        shares = meta[symbol].shares_outstanding
        assert shares is not None
        assert shares > 1e8


@pytest.mark.parametrize(
    ("basket", "bounds"), [("china_ai", (1.5e12, 2.5e12)), ("us_ai", (20e12, 30e12))]
)
async def test_basket_usd_values_are_plausible(
    provider: DemoProvider,
    history: FetchResult,
    universe: Universe,
    basket: str,
    bounds: tuple[float, float],
) -> None:
    meta = (await provider.fetch_meta(universe.all_symbols)).meta
    last = history.closes.ffill().iloc[-1]
    usd_per = {"USD": 1.0, "HKD": 1 / last["HKD=X"], "CNY": 1 / last["CNY=X"]}
    total = 0.0
    for symbol in universe.baskets[basket].members:
        info = meta[symbol]
        assert info.shares_outstanding is not None
        total += info.shares_outstanding * last[symbol] * usd_per[info.currency]
    assert bounds[0] <= total <= bounds[1]


def test_today_appears_at_the_open_and_moves_with_the_minute(universe: Universe) -> None:
    demo = DemoProvider(universe, SEED, lambda: SETTLED)
    today = pd.Timestamp("2026-03-04")

    def hang_seng_at(text: str) -> pd.Series:
        now = at(HONG_KONG_TZ, text)
        return demo.closes_at(["^HSI"], dt.date(2026, 2, 23), dt.date(2026, 3, 31), now).closes[
            "^HSI"
        ]

    before_open = hang_seng_at("2026-03-04 09:15")
    assert before_open.index[-1] == pd.Timestamp("2026-03-03")
    morning, later = hang_seng_at("2026-03-04 10:00"), hang_seng_at("2026-03-04 10:30")
    assert morning.index[-1] == today
    assert morning[today] != later[today]
    assert hang_seng_at("2026-03-04 10:00")[today] == morning[today]  # deterministic
    lunch_start, lunch_end = hang_seng_at("2026-03-04 12:00"), hang_seng_at("2026-03-04 12:59")
    assert lunch_start[today] == lunch_end[today]  # frozen over lunch
    after_close = hang_seng_at("2026-03-04 16:30")
    next_day = hang_seng_at("2026-03-05 09:00")
    assert after_close[today] == next_day[today]
    # Earlier bars never change with the clock.
    pd.testing.assert_series_equal(morning.iloc[:-1], next_day.loc[: today - pd.Timedelta(days=1)])


def test_no_bars_after_the_clock(universe: Universe) -> None:
    now = at(HONG_KONG_TZ, "2026-03-04 10:00")  # 21:00 on 3 March in New York
    demo = DemoProvider(universe, SEED, lambda: now)
    result = demo.closes_at(["^NDX", "^HSI", "000688.SS"], START, dt.date(2026, 12, 31), now)
    assert result.closes["^NDX"].last_valid_index() == pd.Timestamp("2026-03-03")
    assert result.closes["^HSI"].last_valid_index() == pd.Timestamp("2026-03-04")
    assert result.closes.index[-1] == pd.Timestamp("2026-03-04")


async def test_fetch_closes_reads_the_clock(universe: Universe) -> None:
    moments = iter([at(HONG_KONG_TZ, "2026-03-04 09:00"), at(HONG_KONG_TZ, "2026-03-04 11:00")])
    demo = DemoProvider(universe, SEED, lambda: next(moments))
    first = await demo.fetch_closes(["0700.HK"], dt.date(2026, 3, 2), dt.date(2026, 3, 4))
    second = await demo.fetch_closes(["0700.HK"], dt.date(2026, 3, 2), dt.date(2026, 3, 4))
    assert len(first.closes) == 2
    assert len(second.closes) == 3


def test_a_large_universe_works() -> None:
    hong_kong = [f"{n:04d}.HK" for n in range(1, 201)]
    shanghai = [f"{600000 + n}.SS" for n in range(200)]
    new_york = [f"T{chr(65 + n // 26)}{chr(65 + n % 26)}" for n in range(100)]
    big = parse_universe(
        {
            "indices": {"hsi": {"symbol": "^HSI", "exchange": "XHKG"}, "ndx": {"symbol": "^NDX"}},
            "baskets": {"big": {"members": hong_kong + shanghai + new_york}},
            "fx": {"HKD": {"symbol": "HKD=X", "invert": True}},
            "rally": {
                "onshore": ["hsi"],
                "offshore": [],
                "benchmark": "ndx",
                "basket": "big",
                "compare_basket": "big",
            },
        }
    )
    demo = DemoProvider(big, SEED, lambda: SETTLED)
    result = demo.closes_at(big.all_symbols, dt.date(2024, 3, 1), END, SETTLED)
    assert result.failures == {}
    assert result.closes.shape[1] == 503
    assert result.closes.notna().sum().median() > 480  # 0100.HK is MiniMax, listed in 2026
