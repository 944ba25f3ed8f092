"""Frames shaped exactly like akshare 1.19.5 returns them, built offline for tests.

Read in the akshare-1.19.5 wheel (paths inside it), then checked by running those functions
in a throwaway virtualenv against canned HTTP answers (requests.get and Sina's JS decoder
stubbed) under pandas 3.1:

- stock_zh_a_hist: akshare/stock_feature/stock_hist_em.py, lines 952-1039. Eastmoney kline
  strings split on ","; `日期` becomes datetime.date objects (object dtype), `股票代码` is the
  symbol string, `成交量` int64, every other column float64. No klines (or `data: null`, which
  is Eastmoney's answer to an unknown code) gives `pd.DataFrame()` with no columns at all.
- stock_zh_index_daily_em: akshare/index/index_stock_zh.py, lines 428-479. Same Eastmoney
  kline feed, but `date` is left as the "YYYY-MM-DD" string (pandas' default string dtype,
  `str` under pandas 3, object under pandas 2); `volume` int64. No klines gives
  `pd.DataFrame()`; `data: null` raises TypeError instead.
- stock_hk_index_daily_em: akshare/index/index_stock_hk.py, lines 235-288. Columns
  date/open/high/low/latest (`latest` is the close), date a string.
- stock_hk_index_daily_sina: akshare/index/index_stock_hk.py, lines 121-145, and
  stock_zh_index_daily: akshare/index/index_stock_zh.py, lines 293-316. Sina's decoder
  (hk_js_decode in akshare/stock/cons.py) yields {date, open, high, low, close, volume,
  amount} per bar, a JS Date that the V8 bridge turns into a naive UTC midnight datetime, so
  `date` ends up datetime.date objects. `amount` is not converted by akshare: float64 here,
  int64 if every amount happened to be a whole number. The whole history comes back.
- stock_zh_a_daily (adjust=""): akshare/stock/stock_zh_a_sina.py, lines 133-238. Sina bars
  merged with share counts: date (datetime.date) then eight float64 columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

Bar = tuple[str, float]
"""("YYYY-MM-DD", close) for one trading day."""

SHAPES: dict[str, tuple[tuple[str, str], ...]] = {
    "stock_zh_a_hist": (
        ("日期", "object"),
        ("股票代码", "str"),
        ("开盘", "float64"),
        ("收盘", "float64"),
        ("最高", "float64"),
        ("最低", "float64"),
        ("成交量", "int64"),
        ("成交额", "float64"),
        ("振幅", "float64"),
        ("涨跌幅", "float64"),
        ("涨跌额", "float64"),
        ("换手率", "float64"),
    ),
    "stock_zh_index_daily_em": (
        ("date", "str"),
        ("open", "float64"),
        ("close", "float64"),
        ("high", "float64"),
        ("low", "float64"),
        ("volume", "int64"),
        ("amount", "float64"),
    ),
    "stock_hk_index_daily_em": (
        ("date", "str"),
        ("open", "float64"),
        ("high", "float64"),
        ("low", "float64"),
        ("latest", "float64"),
    ),
    "stock_hk_index_daily_sina": (
        ("date", "object"),
        ("open", "float64"),
        ("high", "float64"),
        ("low", "float64"),
        ("close", "float64"),
        ("volume", "int64"),
        ("amount", "float64"),
    ),
    "stock_zh_index_daily": (
        ("date", "object"),
        ("open", "float64"),
        ("high", "float64"),
        ("low", "float64"),
        ("close", "float64"),
        ("volume", "int64"),
        ("amount", "float64"),
    ),
    "stock_zh_a_daily": (
        ("date", "object"),
        ("open", "float64"),
        ("high", "float64"),
        ("low", "float64"),
        ("close", "float64"),
        ("volume", "float64"),
        ("amount", "float64"),
        ("outstanding_share", "float64"),
        ("turnover", "float64"),
    ),
}
"""Column names and dtypes (str(dtype), pandas 3.1) each function returned when run."""


def no_rows() -> pd.DataFrame:
    """What the Eastmoney functions return for an unknown code or a window without bars."""
    return pd.DataFrame()


def stock_zh_a_hist(symbol: str, bars: Sequence[Bar]) -> pd.DataFrame:
    """`stock_zh_a_hist(symbol, period="daily", adjust="")`: Eastmoney, Chinese columns."""
    close = _closes(bars)
    rows = len(bars)
    return pd.DataFrame(
        {
            "日期": _date_objects(bars),
            "股票代码": pd.Series([symbol] * rows, dtype="str"),
            "开盘": close * 0.99,
            "收盘": close,
            "最高": close * 1.01,
            "最低": close * 0.98,
            "成交量": np.full(rows, 123_456, dtype=np.int64),
            "成交额": close * 123_456.0,
            "振幅": np.full(rows, 3.0),
            "涨跌幅": np.full(rows, 0.5),
            "涨跌额": close * 0.005,
            "换手率": np.full(rows, 1.2),
        }
    )


def stock_zh_index_daily_em(bars: Sequence[Bar]) -> pd.DataFrame:
    """`stock_zh_index_daily_em(symbol="sh000688", ...)`: Eastmoney, date as a string."""
    close = _closes(bars)
    return pd.DataFrame(
        {
            "date": _date_strings(bars),
            "open": close * 0.99,
            "close": close,
            "high": close * 1.01,
            "low": close * 0.98,
            "volume": np.full(len(bars), 45_678_900, dtype=np.int64),
            "amount": close * 1.0e7,
        }
    )


def stock_hk_index_daily_em(bars: Sequence[Bar]) -> pd.DataFrame:
    """`stock_hk_index_daily_em(symbol="HSTECH")`: Eastmoney, the close is `latest`."""
    close = _closes(bars)
    return pd.DataFrame(
        {
            "date": _date_strings(bars),
            "open": close * 0.99,
            "high": close * 1.01,
            "low": close * 0.98,
            "latest": close,
        }
    )


def stock_hk_index_daily_sina(bars: Sequence[Bar]) -> pd.DataFrame:
    """`stock_hk_index_daily_sina(symbol="HSTECH")`: Sina, whole history, date objects."""
    return _sina_index(bars)


def stock_zh_index_daily(bars: Sequence[Bar]) -> pd.DataFrame:
    """`stock_zh_index_daily(symbol="sh000688")`: Sina, whole history, date objects."""
    return _sina_index(bars)


def stock_zh_a_daily(bars: Sequence[Bar]) -> pd.DataFrame:
    """`stock_zh_a_daily(symbol="sz300308", adjust="")`: Sina, unadjusted, share counts."""
    close = _closes(bars)
    rows = len(bars)
    volume = np.full(rows, 12_345_600.0)
    shares = np.full(rows, 1.1e9)
    return pd.DataFrame(
        {
            "date": _date_objects(bars),
            "open": close * 0.99,
            "high": close * 1.01,
            "low": close * 0.98,
            "close": close,
            "volume": volume,
            "amount": close * volume,
            "outstanding_share": shares,
            "turnover": volume / shares,
        }
    )


def _sina_index(bars: Sequence[Bar]) -> pd.DataFrame:
    close = _closes(bars)
    return pd.DataFrame(
        {
            "date": _date_objects(bars),
            "open": close * 0.99,
            "high": close * 1.01,
            "low": close * 0.98,
            "close": close,
            "volume": np.full(len(bars), 1_234_567_890, dtype=np.int64),
            "amount": close * 1.0e6 + 0.5,
        }
    )


def _closes(bars: Sequence[Bar]) -> np.ndarray:
    return np.array([close for _, close in bars], dtype=float)


def _date_objects(bars: Sequence[Bar]) -> pd.Series:
    return pd.Series([dt.date.fromisoformat(day) for day, _ in bars], dtype=object)


def _date_strings(bars: Sequence[Bar]) -> pd.Series:
    return pd.Series([day for day, _ in bars], dtype="str")
