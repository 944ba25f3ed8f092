"""A deterministic synthetic market for the offline demo and tests, labelled DEMO where shown.

Every series is a log-level on a weekday grid from 2018-01-02 to 2032-12-31, sampled on its
exchange's trading days. Indices follow a curve through hand-picked anchor levels (roughly
the real path, with a 2025-26 China tech rally); stocks follow their board's curve with a
beta and their own drift. Around the curves sit mean-reverting (Ornstein-Uhlenbeck) noises:
a global factor, one factor per market and one per symbol, so names correlate and levels
stay plausible. Everything derives from (seed, symbol), so any range slices the same path.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from bot.core import calendars
from bot.core.errors import ConfigError
from bot.core.universe import (
    EXCHANGE_CURRENCY,
    FX_MARKET,
    HONG_KONG,
    NEW_YORK,
    Universe,
    exchange_of,
)
from bot.sources.base import Clock, FetchResult, MetaResult, SymbolMeta

logger = logging.getLogger(__name__)

ORIGIN = dt.date(2018, 1, 2)
HORIZON = dt.date(2032, 12, 31)
REFERENCE = dt.date(2026, 1, 30)
"""The day the stock prices in the table below refer to."""

_MARKET_VOL = 0.010  # daily vol of one unit of a market factor
_GLOBAL_VOL = 0.005
_MARKET_PERSISTENCE = 1 - 1 / 40  # market and global deviations from the curves fade in ~2 months
_IDIO_PERSISTENCE = 1 - 1 / 120  # a stock's own story lasts about half a year
_INTRADAY_WIGGLE = 0.004

Anchors = tuple[tuple[str, float], ...]
Floats = npt.NDArray[np.float64]
Positions = npt.NDArray[np.intp]

# symbol -> (loading on its market factor, anchor levels). Levels between anchors are
# log-linear; before the first and after the last they stay flat.
# fmt: off
_INDEX_CURVES: dict[str, tuple[float, Anchors]] = {
    "000688.SS": (1.5, (
        ("2018-01-02", 1000), ("2020-07-15", 1550), ("2021-12-31", 1350),
        ("2022-10-31", 950), ("2024-02-05", 800), ("2024-07-01", 1020),
        ("2024-10-08", 1150), ("2025-01-13", 1050), ("2025-06-30", 1080),
        ("2025-10-15", 1380), ("2026-01-30", 1340), ("2026-12-31", 1380),
    )),
    "399006.SZ": (1.5, (
        ("2018-01-02", 1750), ("2021-07-20", 3400), ("2022-10-31", 2300),
        ("2024-07-01", 2050), ("2024-10-08", 2300), ("2025-01-13", 2150),
        ("2025-06-30", 2200), ("2025-10-15", 3100), ("2026-01-30", 3100),
        ("2026-12-31", 3150),
    )),
    "000300.SS": (1.0, (
        ("2018-01-02", 4100), ("2021-02-10", 5800), ("2022-10-31", 3600),
        ("2024-07-01", 3500), ("2024-10-08", 4000), ("2025-01-13", 3750),
        ("2025-06-30", 3950), ("2025-10-15", 4600), ("2026-01-30", 4650),
        ("2026-12-31", 4700),
    )),
    "000001.SS": (0.9, (
        ("2018-01-02", 3350), ("2021-02-10", 3600), ("2022-10-31", 2900),
        ("2024-07-01", 2950), ("2024-10-08", 3300), ("2025-01-13", 3200),
        ("2025-06-30", 3450), ("2025-10-15", 3900), ("2026-01-30", 4000),
        ("2026-12-31", 4050),
    )),
    "^HSI": (1.1, (
        ("2018-01-02", 30500), ("2021-02-17", 30000), ("2022-10-31", 15000),
        ("2024-07-01", 17800), ("2024-10-08", 21000), ("2025-01-13", 18900),
        ("2025-06-30", 24000), ("2025-10-15", 25800), ("2026-01-30", 26500),
        ("2026-12-31", 26800),
    )),
    "3033.HK": (1.6, (
        ("2018-01-02", 6.0), ("2021-02-17", 11.0), ("2022-10-31", 3.2),
        ("2024-07-01", 4.0), ("2024-10-08", 5.0), ("2025-01-13", 4.6),
        ("2025-03-15", 6.0), ("2025-06-30", 5.6), ("2025-10-15", 6.6),
        ("2026-01-30", 6.5), ("2026-12-31", 6.8),
    )),
    # The index level itself: the tracker's path at about 830 index points per HK$1.
    "HSTECH.HK": (1.6, (
        ("2018-01-02", 4980), ("2021-02-17", 9130), ("2022-10-31", 2660),
        ("2024-07-01", 3320), ("2024-10-08", 4150), ("2025-01-13", 3820),
        ("2025-03-15", 4980), ("2025-06-30", 4650), ("2025-10-15", 5480),
        ("2026-01-30", 5400), ("2026-12-31", 5640),
    )),
    "^NDX": (1.15, (
        ("2018-01-02", 6500), ("2021-12-31", 16500), ("2022-10-31", 10700),
        ("2024-07-01", 19800), ("2024-10-08", 20200), ("2025-01-13", 21000),
        ("2025-04-08", 18500), ("2025-06-30", 22600), ("2025-10-15", 24800),
        ("2026-01-30", 25500), ("2026-12-31", 26000),
    )),
    "^IXIC": (1.15, (
        ("2018-01-02", 7000), ("2021-12-31", 15600), ("2022-10-31", 10500),
        ("2024-07-01", 17900), ("2025-01-13", 19100), ("2025-04-08", 16300),
        ("2025-06-30", 20400), ("2025-10-15", 22700), ("2026-01-30", 23400),
        ("2026-12-31", 23800),
    )),
    "^GSPC": (0.85, (
        ("2018-01-02", 2700), ("2021-12-31", 4750), ("2022-10-31", 3600),
        ("2024-07-01", 5450), ("2025-01-13", 5850), ("2025-04-08", 5050),
        ("2025-06-30", 6200), ("2025-10-15", 6650), ("2026-01-30", 6900),
        ("2026-12-31", 6950),
    )),
}

# FX quoted as Yahoo does: local currency per 1 USD. symbol -> (daily vol, anchors, band).
_FX_CURVES: dict[str, tuple[float, Anchors, tuple[float, float] | None]] = {
    # The Hong Kong dollar is pegged inside 7.75-7.85.
    "HKD=X": (0.0003, (("2018-01-02", 7.82), ("2026-12-31", 7.80)), (7.75, 7.85)),
    "CNY=X": (0.0015, (
        ("2018-01-02", 6.50), ("2019-08-30", 7.10), ("2020-06-30", 7.08),
        ("2021-06-01", 6.40), ("2022-10-31", 7.25), ("2024-07-01", 7.27),
        ("2025-04-10", 7.32), ("2025-10-15", 7.12), ("2026-01-30", 7.05),
        ("2026-12-31", 7.05),
    ), None),
}
# fmt: on
_FX_CURVES["CNH=X"] = _FX_CURVES["CNY=X"]


@dataclass(frozen=True)
class _Stock:
    name: str
    price: float  # local currency on REFERENCE, before noise
    shares: float


# Names are real; prices and share counts approximate early 2026 so the baskets' USD totals
# come out plausible (China AI 33 about US$2trn, US AI 14 about US$26trn).
_STOCKS: dict[str, _Stock] = {
    "0700.HK": _Stock("Tencent", 600, 9.15e9),
    "9988.HK": _Stock("Alibaba", 150, 19.1e9),
    "9888.HK": _Stock("Baidu", 120, 2.76e9),
    "1810.HK": _Stock("Xiaomi", 40, 26.0e9),
    "1024.HK": _Stock("Kuaishou", 70, 4.3e9),
    "3896.HK": _Stock("Kingsoft Cloud", 5.0, 3.8e9),
    "9698.HK": _Stock("GDS Holdings", 35, 1.5e9),
    "VNET": _Stock("VNET Group", 8.0, 0.27e9),
    "000977.SZ": _Stock("Inspur Electronic Information", 60, 1.47e9),
    "603019.SS": _Stock("Sugon", 90, 1.46e9),
    "601138.SS": _Stock("Foxconn Industrial Internet", 60, 19.9e9),
    "0981.HK": _Stock("SMIC", 70, 8.0e9),
    "1347.HK": _Stock("Hua Hong Semiconductor", 70, 1.73e9),
    "688256.SS": _Stock("Cambricon", 1300, 0.42e9),
    "688041.SS": _Stock("Hygon Information", 220, 2.32e9),
    "688008.SS": _Stock("Montage Technology", 130, 1.14e9),
    "603986.SS": _Stock("GigaDevice", 200, 0.67e9),
    "002371.SZ": _Stock("NAURA Technology", 450, 0.53e9),
    "688012.SS": _Stock("AMEC", 280, 0.62e9),
    "300308.SZ": _Stock("Innolight", 500, 1.1e9),
    "300502.SZ": _Stock("Eoptolink", 350, 0.99e9),
    "300394.SZ": _Stock("TFC Optical", 150, 0.55e9),
    "300476.SZ": _Stock("Victory Giant", 280, 0.86e9),
    "9660.HK": _Stock("Horizon Robotics", 8.0, 13.7e9),
    "9880.HK": _Stock("UBTech Robotics", 120, 0.5e9),
    "PONY": _Stock("Pony AI", 15, 0.36e9),
    "WRD": _Stock("WeRide", 9.0, 0.3e9),
    "2498.HK": _Stock("RoboSense", 35, 0.47e9),
    "002230.SZ": _Stock("iFlytek", 50, 2.31e9),
    "0020.HK": _Stock("SenseTime", 2.2, 36e9),
    "0268.HK": _Stock("Kingdee", 14, 3.5e9),
    "2513.HK": _Stock("Zhipu AI", 200, 0.44e9),
    "0100.HK": _Stock("MiniMax", 300, 0.3e9),
    "0992.HK": _Stock("Lenovo", 10, 12.4e9),
    "6682.HK": _Stock("4Paradigm", 50, 0.5e9),
    "2533.HK": _Stock("Black Sesame", 15, 0.6e9),
    "688047.SS": _Stock("Loongson", 150, 0.4e9),
    "002463.SZ": _Stock("WUS Printed Circuit", 60, 1.9e9),
    "NVDA": _Stock("NVIDIA", 185, 24.3e9),
    "MSFT": _Stock("Microsoft", 480, 7.43e9),
    "AAPL": _Stock("Apple", 260, 14.8e9),
    "GOOGL": _Stock("Alphabet", 320, 12.1e9),
    "AMZN": _Stock("Amazon", 230, 10.7e9),
    "META": _Stock("Meta Platforms", 650, 2.52e9),
    "AVGO": _Stock("Broadcom", 340, 4.7e9),
    "TSLA": _Stock("Tesla", 430, 3.22e9),
    "ORCL": _Stock("Oracle", 200, 2.85e9),
    "TSM": _Stock("TSMC (ADR)", 300, 5.19e9),
    "AMD": _Stock("AMD", 220, 1.62e9),
    "PLTR": _Stock("Palantir", 170, 2.37e9),
    "MU": _Stock("Micron", 300, 1.12e9),
    "ANET": _Stock("Arista Networks", 130, 1.26e9),
}

# First trading days after ORIGIN; the series are NaN before them.
_FIRST_TRADE = {
    "601138.SS": dt.date(2018, 6, 8),
    "688008.SS": dt.date(2019, 7, 22),
    "688012.SS": dt.date(2019, 7, 22),
    "9988.HK": dt.date(2019, 11, 26),
    "000688.SS": dt.date(2019, 12, 31),
    "688256.SS": dt.date(2020, 7, 20),
    "688047.SS": dt.date(2022, 6, 24),
    "9698.HK": dt.date(2020, 11, 2),
    "PLTR": dt.date(2020, 9, 30),
    "1024.HK": dt.date(2021, 2, 5),
    "9888.HK": dt.date(2021, 3, 23),
    "0020.HK": dt.date(2021, 12, 30),
    "688041.SS": dt.date(2022, 8, 12),
    "3896.HK": dt.date(2022, 12, 30),
    "6682.HK": dt.date(2023, 9, 28),
    "9880.HK": dt.date(2023, 12, 29),
    "2498.HK": dt.date(2024, 1, 5),
    "2533.HK": dt.date(2024, 8, 8),
    "9660.HK": dt.date(2024, 10, 24),
    "WRD": dt.date(2024, 10, 25),
    "PONY": dt.date(2024, 11, 27),
    "2513.HK": dt.date(2026, 1, 8),
    "0100.HK": dt.date(2026, 1, 9),
}

# Rough USD value of one unit of local currency, only to size made-up share counts.
_USD_PER_UNIT = {"USD": 1.0, "HKD": 1 / 7.8, "CNY": 1 / 7.1}


def _board_index(symbol: str, exchange: str) -> str:
    """The index whose curve a stock follows."""
    if exchange == HONG_KONG:
        return "3033.HK"
    if exchange == NEW_YORK:
        return "^NDX"
    if symbol.startswith("688"):
        return "000688.SS"
    if symbol.startswith(("300", "301")):
        return "399006.SZ"
    return "000300.SS"


def _key(*parts: object) -> int:
    # Python's hash() is salted per process; a digest keeps paths stable across runs.
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def _ou(shocks: Floats, persistence: float) -> Floats:
    """x[t] = persistence * x[t-1] + shocks[t] from x = 0, vectorised in blocks."""
    out = np.empty_like(shocks)
    block = 256  # keeps persistence ** -block far from overflow
    powers = persistence ** np.arange(block, dtype=float)
    carry = 0.0
    for start in range(0, len(shocks), block):
        chunk = shocks[start : start + block]
        scale = powers[: len(chunk)]
        values = scale * (persistence * carry + np.cumsum(chunk / scale))
        out[start : start + len(chunk)] = values
        carry = float(values[-1])
    return out


class DemoProvider:
    """Synthetic but plausible closes and metadata for every symbol, deterministic per seed."""

    name = "demo"

    def __init__(self, universe: Universe, seed: int, clock: Clock) -> None:
        self._universe = universe
        self._seed = seed & 0xFFFF_FFFF_FFFF_FFFF  # SeedSequence takes non-negative ints
        self._clock = clock
        self._grid = pd.bdate_range(ORIGIN, HORIZON).as_unit(calendars.DATE_UNIT)
        self._grid_days = self._grid.to_numpy().astype("datetime64[D]").astype(np.int64)
        self._years = (self._grid_days - self._day_number(REFERENCE)) / 365.25
        self._lock = threading.Lock()
        self._factors: dict[str, Floats] = {}
        self._series: dict[str, pd.Series] = {}
        self._sessions_by_exchange: dict[str, tuple[Positions, pd.DatetimeIndex]] = {}
        self._known = set(universe.all_symbols)

    @staticmethod
    def _day_number(day: dt.date) -> int:
        return int(np.datetime64(day, "D").astype(np.int64))

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        """Daily closes for `symbols` from `start` to `end` as seen at the clock's time."""
        now = self._clock()
        return await asyncio.to_thread(self.closes_at, symbols, start, end, now)

    async def fetch_meta(self, symbols: Sequence[str]) -> MetaResult:
        """Name, currency, exchange and shares for every symbol the demo can make up."""
        result = MetaResult()
        for symbol in dict.fromkeys(symbols):
            exchange = self._exchange(symbol)
            if exchange is None:
                result.failures[symbol] = "unknown symbol"
            else:
                result.meta[symbol] = self._meta(symbol, exchange)
        return result

    def closes_at(
        self, symbols: Sequence[str], start: dt.date, end: dt.date, now: dt.datetime
    ) -> FetchResult:
        """The closes `fetch_closes` returns when the clock reads `now` (no bar after `now`)."""
        columns: dict[str, pd.Series] = {}
        failures: dict[str, str] = {}
        for symbol in dict.fromkeys(symbols):
            exchange = self._exchange(symbol)
            if exchange is None:
                failures[symbol] = "unknown symbol: not in the universe and not a Yahoo symbol"
                continue
            series = self._visible(symbol, exchange, start, end, now)
            if series.empty:
                failures[symbol] = f"no demo bars from {start} to {end}" + self._listing_note(
                    symbol
                )
                continue
            columns[symbol] = series
        if columns:
            closes = pd.concat(columns, axis=1, sort=True)
        else:
            closes = pd.DataFrame(
                index=pd.DatetimeIndex([], dtype=f"datetime64[{calendars.DATE_UNIT}]")
            )
        closes.index.name = None
        return FetchResult(closes=closes.astype(float), failures=failures)

    @staticmethod
    def _listing_note(symbol: str) -> str:
        first = _FIRST_TRADE.get(symbol)
        return f" (first traded {first})" if first else ""

    def _exchange(self, symbol: str) -> str | None:
        if symbol in self._known:
            return self._universe.exchange(symbol)
        try:
            return exchange_of(symbol)
        except ConfigError:
            return None

    def _meta(self, symbol: str, exchange: str) -> SymbolMeta:
        index = self._universe.index_by_symbol(symbol)
        if exchange == FX_MARKET:
            currency = symbol.removesuffix("=X")[-3:]
            return SymbolMeta(symbol, f"USD/{currency}", currency, exchange)
        currency = EXCHANGE_CURRENCY[exchange]
        if index is not None or symbol in _INDEX_CURVES:
            return SymbolMeta(symbol, index.name if index else symbol, currency, exchange)
        stock = _STOCKS.get(symbol) or self._made_up_stock(symbol, currency)
        return SymbolMeta(symbol, stock.name, currency, exchange, stock.shares)

    def _made_up_stock(self, symbol: str, currency: str) -> _Stock:
        rng = np.random.default_rng([self._seed, _key("stock", symbol)])
        price = float(np.exp(rng.uniform(np.log(5), np.log(150))))
        value_usd = float(np.exp(rng.uniform(np.log(2e9), np.log(40e9))))
        shares = round(value_usd / (price * _USD_PER_UNIT[currency]), -5)
        return _Stock(symbol, price, shares)

    # --- paths -------------------------------------------------------------------------

    def _visible(
        self, symbol: str, exchange: str, start: dt.date, end: dt.date, now: dt.datetime
    ) -> pd.Series:
        """The bars of `symbol` in [start, end] that exist at `now`; today's still moving."""
        full = self._full_series(symbol, exchange)
        today = calendars.local_date(exchange, now)
        last = min(end, today)
        window = full.loc[pd.Timestamp(start) : pd.Timestamp(last)]
        today_label = pd.Timestamp(today)
        if last == today and today_label in window.index:
            session = calendars.trading_session(exchange, today)
            if session is None or now < session.open:
                window = window.drop(today_label)
            else:
                window = window.copy()
                window[today_label] = self._intraday(
                    symbol, full, today_label, session.trading_fraction(now)
                )
        return window.dropna()

    def _intraday(
        self, symbol: str, full: pd.Series, today: pd.Timestamp, fraction: float
    ) -> float:
        """Today's value moving smoothly from yesterday's close to today's as the day passes."""
        close = float(full[today])
        earlier = full.loc[: today - pd.Timedelta(days=1)].dropna()
        previous = float(earlier.iloc[-1]) if not earlier.empty else close
        phase = (_key("phase", symbol) % 1000) / 1000
        wiggle = (
            _INTRADAY_WIGGLE
            * math.sin(math.pi * fraction)
            * math.sin(2 * math.pi * (1.5 * fraction + phase))
        )
        log_value = math.log(previous) + fraction * (math.log(close) - math.log(previous))
        return math.exp(log_value + wiggle)

    def _full_series(self, symbol: str, exchange: str) -> pd.Series:
        with self._lock:
            cached = self._series.get(symbol)
        if cached is not None:
            return cached
        log_level = self._log_level(symbol, exchange)
        positions, index = self._sessions(exchange)
        values = np.exp(log_level[positions])
        first = _FIRST_TRADE.get(symbol)
        if first is not None:
            values[index < pd.Timestamp(first)] = np.nan
        series = pd.Series(values, index=index, name=symbol, dtype=float)
        with self._lock:
            self._series.setdefault(symbol, series)
        return series

    def _sessions(self, exchange: str) -> tuple[Positions, pd.DatetimeIndex]:
        """The exchange's sessions as positions on the grid and as one index that every
        symbol of the exchange shares: pandas builds a lookup table of some 100 KB per index
        object, so one per exchange rather than one per symbol."""
        with self._lock:
            cached = self._sessions_by_exchange.get(exchange)
        if cached is None:
            days = calendars.sessions(exchange, ORIGIN, HORIZON)
            positions = np.asarray(self._grid.get_indexer(days), dtype=np.intp)
            positions = positions[positions >= 0]  # a weekend session would not be on the grid
            cached = (positions, self._grid[positions])
            with self._lock:
                cached = self._sessions_by_exchange.setdefault(exchange, cached)
        return cached

    def _factor(self, name: str, vol: float) -> Floats:
        """A shared mean-reverting factor on the weekday grid (global or one market)."""
        with self._lock:
            cached = self._factors.get(name)
        if cached is None:
            rng = np.random.default_rng([self._seed, _key("factor", name)])
            cached = _ou(rng.standard_normal(len(self._grid)) * vol, _MARKET_PERSISTENCE)
            with self._lock:
                self._factors[name] = cached
        return cached

    def _curve(self, anchors: Anchors, at: Floats | None = None) -> Floats:
        """Log-level through the anchors on the grid (or on the day numbers `at`)."""
        days = [self._day_number(dt.date.fromisoformat(day)) for day, _ in anchors]
        levels = [math.log(level) for _, level in anchors]
        return np.asarray(np.interp(self._grid_days if at is None else at, days, levels), float)

    def _log_level(self, symbol: str, exchange: str) -> Floats:
        rng = np.random.default_rng([self._seed, _key("symbol", symbol)])
        n = len(self._grid)
        if exchange == FX_MARKET:
            vol, anchors, band = _FX_CURVES.get(symbol, (0.003, (("2018-01-02", 1.0),), None))
            level = self._curve(anchors) + _ou(rng.standard_normal(n) * vol, 1 - 1 / 30)
            if band is not None:
                level = np.clip(level, math.log(band[0]), math.log(band[1]))
            return np.asarray(level, float)
        market = self._factor(f"market:{exchange}", _MARKET_VOL)
        world = self._factor("global", _GLOBAL_VOL)
        if symbol in _INDEX_CURVES:
            loading, anchors = _INDEX_CURVES[symbol]
            own = _ou(rng.standard_normal(n) * 0.003, 1 - 1 / 20)
            index_level: Floats = self._curve(anchors) + loading * market + 0.5 * world + own
            return index_level
        board_loading, board_anchors = _INDEX_CURVES[_board_index(symbol, exchange)]
        board = self._curve(board_anchors)
        beta = rng.uniform(0.9, 1.4)
        world_beta = rng.uniform(0.3, 0.8)
        idio_vol = rng.uniform(0.010, 0.022)
        tilt = rng.normal(0.0, 0.06)  # own yearly drift against the board
        own = _ou(rng.standard_normal(n) * idio_vol, _IDIO_PERSISTENCE)
        stock = _STOCKS.get(symbol) or self._made_up_stock(symbol, EXCHANGE_CURRENCY[exchange])
        reference = np.array([self._day_number(REFERENCE)])
        board_at_reference = float(self._curve(board_anchors, reference)[0])
        stock_level: Floats = (
            math.log(stock.price)
            + beta * (board - board_at_reference)
            + tilt * self._years
            + beta * board_loading * market
            + world_beta * world
            + own
        )
        return stock_level
