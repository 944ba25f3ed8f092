"""Period bases and per-instrument returns, exactly as DESIGN.md defines them."""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

PERIODS: Final = ("1D", "5D", "MTD", "YTD", "1Y")
"""Every period a return is computed for, shortest first."""

_BACK_BY_BARS: Final = {"1D": 1, "5D": 5}


def long_closes(closes: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Valid closes on or before `as_of` as rows of (symbol, date, close), sorted."""
    upto = closes.loc[closes.index <= as_of]
    by_symbol = upto.to_numpy(dtype=float).T  # one row per symbol, dates ascending
    valid = ~np.isnan(by_symbol)
    symbol_at, date_at = np.nonzero(valid)  # row-major: grouped by symbol, then by date
    return pd.DataFrame(
        {
            "symbol": np.asarray(upto.columns, dtype=object)[symbol_at],
            "date": pd.DatetimeIndex(upto.index)[date_at],
            "close": by_symbol[valid],
        }
    )


def price_anchors(closes: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each symbol's as-of close and, per period, its base date and base close.

    Trading days are the days that have bars, so each symbol walks its own calendar.
    Columns: date, close, then `<P>_date` and `<P>_close` for every period; NaN/NaT
    where there is no base close.
    """
    long = long_closes(closes, as_of) if len(closes.columns) else pd.DataFrame()
    if long.empty:
        columns = ["date", "close"] + [f"{p}_{c}" for p in PERIODS for c in ("date", "close")]
        return pd.DataFrame(columns=columns, index=pd.Index([], name="symbol"))
    by_symbol = long.groupby("symbol", sort=True)
    last_rows = by_symbol.tail(1)
    anchors = last_rows.set_index("symbol")[["date", "close"]]
    last_date = long["symbol"].map(anchors["date"])

    for period, back in _BACK_BY_BARS.items():
        base = by_symbol[["date", "close"]].shift(back).loc[last_rows.index]
        base.index = pd.Index(last_rows["symbol"], name="symbol")
        anchors[f"{period}_date"] = base["date"]
        anchors[f"{period}_close"] = base["close"]

    cutoffs = {
        "MTD": (last_date.dt.to_period("M").dt.start_time, False),
        "YTD": (last_date.dt.to_period("Y").dt.start_time, False),
        "1Y": (last_date - pd.DateOffset(years=1), True),
    }
    for period, (cutoff, inclusive) in cutoffs.items():
        eligible = long[(long["date"] <= cutoff) if inclusive else (long["date"] < cutoff)]
        base = eligible.groupby("symbol", sort=True).tail(1).set_index("symbol")
        anchors[f"{period}_date"] = base["date"]
        anchors[f"{period}_close"] = base["close"]
    return anchors


def period_returns(anchors: pd.DataFrame) -> pd.DataFrame:
    """Return over each period (a fraction) per symbol; NaN where the base is missing."""
    returns = pd.DataFrame(index=anchors.index)
    for period in PERIODS:
        returns[period] = anchors["close"] / anchors[f"{period}_close"] - 1.0
    return returns.astype(float)


def base_date(anchors: pd.DataFrame, symbol: str, period: str) -> pd.Timestamp | None:
    """The base date of one symbol's period, or None when it has none."""
    if symbol not in anchors.index:
        return None
    value = anchors.at[symbol, f"{period}_date"]
    return None if pd.isna(value) else pd.Timestamp(value)


def rebased(closes: pd.Series, base: pd.Timestamp, as_of: pd.Timestamp) -> pd.Series:
    """A close series from `base` to `as_of` scaled so the base close is 100."""
    window = closes.loc[(closes.index >= base) & (closes.index <= as_of)].dropna()
    if window.empty or not np.isfinite(window.iloc[0]) or window.iloc[0] == 0:
        return pd.Series(dtype=float)
    return window / window.iloc[0] * 100.0
