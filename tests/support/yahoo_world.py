"""A fake Yahoo holding a whole universe's prices, taken from the demo market's paths.

The demo market gives believable, calendar-true closes for every symbol; here they become
the prices that traded, so a test can add a split or a dividend on top and know, from
the demo's own numbers, what every return must be.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from bot.core.universe import EXCHANGE_CURRENCY, FX_MARKET, Universe, parse_universe
from bot.sources.base import SymbolMeta
from bot.sources.demo import DemoProvider
from bot.sources.yahoo import YAHOO_TIMEZONE
from tests.support.fake_yahoo import YahooWorld

FIRST_DAY = dt.date(2024, 1, 2)
LAST_DAY = dt.date(2026, 12, 31)
_SEEN_FROM = dt.datetime(2027, 1, 5, tzinfo=dt.UTC)
_EXCHANGE_NAMES = {
    "XSHG": ("SHH", "Shanghai"),
    "XHKG": ("HKG", "HKSE"),
    "XNYS": ("NMS", "NasdaqGS"),
    FX_MARKET: ("CCY", "CCY"),
}

SMALL_UNIVERSE = parse_universe(
    {
        "indices": {
            "star50": {"symbol": "000688.SS", "name": "STAR 50"},
            "hstech": {"symbol": "3033.HK", "name": "HS TECH (3033.HK tracker ETF)"},
            "ndx": {"symbol": "^NDX", "name": "Nasdaq 100"},
        },
        "baskets": {
            "china_ai": {
                "name": "China AI 4",
                "members": ["0700.HK", "9988.HK", "300308.SZ", "601138.SS"],
            },
            "us_ai": {"name": "US AI 2", "members": ["NVDA", "GOOGL"]},
        },
        "fx": {
            "HKD": {"symbol": "HKD=X", "invert": True},
            "CNY": {"symbol": "CNY=X", "invert": True},
        },
        "rally": {
            "onshore": ["star50"],
            "offshore": ["hstech"],
            "benchmark": "ndx",
            "basket": "china_ai",
            "compare_basket": "us_ai",
        },
    },
    "small test universe",
)
"""Four China names, two US ones, an index per market and both FX series."""


@dataclass
class MarketPaths:
    """What traded, per symbol, before any split a test adds (the demo's paths)."""

    closes: pd.DataFrame
    meta: dict[str, SymbolMeta]

    def period_return(self, symbol: str, base: str, day: str) -> float:
        """close(day) / close(last bar on or before base) - 1, on the unsplit path."""
        series = self.closes[symbol].dropna()
        close = float(series.loc[: pd.Timestamp(day)].iloc[-1])
        base_close = float(series.loc[: pd.Timestamp(base)].iloc[-1])
        return close / base_close - 1.0


async def market_paths(universe: Universe, seed: int = 11) -> MarketPaths:
    """Every symbol's demo path from 2024 to the end of 2026, all bars settled."""
    demo = DemoProvider(universe, seed=seed, clock=lambda: _SEEN_FROM)
    result = demo.closes_at(universe.all_symbols, FIRST_DAY, LAST_DAY, _SEEN_FROM)
    meta = (await demo.fetch_meta(universe.price_symbols)).meta
    return MarketPaths(result.closes, meta)


def yahoo_world(
    universe: Universe,
    paths: MarketPaths,
    now: dt.datetime,
    splits: dict[str, tuple[dt.date, float]] | None = None,
    missing: tuple[str, ...] = (),
) -> YahooWorld:
    """A fake Yahoo whose traded prices follow `paths`, with `splits` (ex-date, ratio).

    After a split's ex-date the traded price is the path divided by the ratio, so the
    split-adjusted closes Yahoo sends always follow the path. `missing` symbols are
    unknown to this Yahoo.
    """
    world = YahooWorld(now)
    for symbol in universe.all_symbols:
        if symbol in missing or symbol not in paths.closes.columns:
            continue
        exchange = universe.exchange(symbol)
        traded = paths.closes[symbol].dropna()
        split = (splits or {}).get(symbol)
        if split is not None:
            ex_date, ratio = split
            traded = traded.where(traded.index < pd.Timestamp(ex_date), traded / ratio)
        info = paths.meta.get(symbol)
        index = universe.index_by_symbol(symbol) is not None
        kind = "CURRENCY" if exchange == FX_MARKET else "INDEX" if index else "EQUITY"
        short, full = _EXCHANGE_NAMES[exchange]
        currency = info.currency if info else EXCHANGE_CURRENCY.get(exchange, "USD")
        if exchange == FX_MARKET:
            currency = symbol.removesuffix("=X")[-3:]  # HKD=X is quoted in HKD per USD
        world.add_symbol(
            symbol,
            closes=traded,
            timezone=YAHOO_TIMEZONE[exchange],
            currency=currency,
            exchange_name=short,
            full_exchange_name=full,
            instrument_type=kind,
            shares=info.shares_outstanding if info and kind == "EQUITY" else None,
        )
        if split is not None:
            world.add_split(symbol, split[0], split[1], 1)
    return world


# --- a small hand-made world: Golden Week 2026 ------------------------------------------

GOLDEN_WEEK_NOW = dt.datetime(2026, 10, 9, 21, 0, tzinfo=dt.UTC)
"""Friday 9 Oct 2026 after the New York close; already Saturday in Asia."""
WEEKDAYS = [d.date() for d in pd.bdate_range("2026-09-28", "2026-10-09")]
HK_DAYS = [d for d in WEEKDAYS if d != dt.date(2026, 10, 1)]  # National Day
SH_DAYS = [d for d in WEEKDAYS if not dt.date(2026, 10, 1) <= d <= dt.date(2026, 10, 8)]
NVDA_TRADED = [180.0, 182.0, 184.0, 186.0, 188.0, 95.0, 96.0, 97.0, 98.0, 99.0]  # 2:1 on 5 Oct


def series(days: list[dt.date], values: list[float]) -> pd.Series:
    """Closes indexed by tz-naive local dates."""
    return pd.Series(values, index=pd.to_datetime(days))


def golden_week_world(now: dt.datetime = GOLDEN_WEEK_NOW) -> YahooWorld:
    """A New York stock with a split and dividends, an HK stock, a Shanghai index and FX."""
    world = YahooWorld(now)
    world.add_symbol(
        "NVDA", closes=series(WEEKDAYS, NVDA_TRADED), long_name="NVIDIA Corporation", shares=24.3e9
    )
    world.add_split("NVDA", dt.date(2026, 10, 5), 2, 1)
    world.add_dividend("NVDA", dt.date(2026, 9, 30), 0.08)  # in pre-split units
    world.add_dividend("NVDA", dt.date(2026, 10, 7), 0.05)
    world.add_symbol(
        "0700.HK",
        closes=series(HK_DAYS, [640.0 + i for i in range(len(HK_DAYS))]),
        timezone="Asia/Hong_Kong",
        currency="HKD",
        exchange_name="HKG",
        full_exchange_name="HKSE",
        long_name="Tencent Holdings Limited",
        shares=9.1e9,
        financial_currency="CNY",
    )
    world.add_symbol(
        "000688.SS",
        closes=series(SH_DAYS, [1400.0, 1410.0, 1420.0, 1430.0]),
        timezone="Asia/Shanghai",
        currency="CNY",
        exchange_name="SHH",
        full_exchange_name="Shanghai",
        instrument_type="INDEX",
    )
    world.add_symbol(
        "HKD=X",
        closes=series(WEEKDAYS, [7.78 + i / 1000 for i in range(10)]),
        timezone="Europe/London",
        currency="HKD",
        exchange_name="CCY",
        full_exchange_name="CCY",
        instrument_type="CURRENCY",
        long_name="USD/HKD",
    )
    return world
