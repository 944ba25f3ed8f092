"""Period bases and per-instrument returns, exactly as DESIGN.md defines them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

PERIODS: Final = ("1D", "5D", "MTD", "YTD", "1Y")
"""Every period a return is computed for, shortest first."""


@dataclass(frozen=True)
class DateRange:
    """A custom period: since `start` (base: the last close before it), up to `end`.

    `end` None means up to the newest close; `label` is the named event it came from
    (shown to people), "" for plain dates. Two ranges over the same days share a `key`.
    """

    start: dt.date
    end: dt.date | None = None
    label: str = ""

    @property
    def key(self) -> str:
        """The period key in snapshots and the report: '2025-01-27..' or 'A..B'."""
        return f"{self.start.isoformat()}..{self.end.isoformat() if self.end else ''}"


Period = str | DateRange
"""A fixed period key ('YTD') or a custom date range."""


def period_key(period: Period) -> str:
    """The key a period's numbers are stored under in a snapshot."""
    return period if isinstance(period, str) else period.key


_BACK_BY_BARS: Final = {"1D": 1, "5D": 5}


def price_anchors(
    closes: pd.DataFrame, as_of: pd.Timestamp, ranges: Sequence[DateRange] = ()
) -> pd.DataFrame:
    """Each symbol's as-of close and, per period, its base date and base close.

    Trading days are the days that have bars, so each symbol walks its own calendar.
    Columns: date, close, then `<P>_date` and `<P>_close` for every period and then every
    range (by its key); NaN/NaT where there is no base close. Rows follow the closes'
    column order.
    """
    keys = [*PERIODS, *(r.key for r in ranges)]
    columns = ["date", "close"] + [f"{p}_{c}" for p in keys for c in ("date", "close")]
    if not len(closes.columns) or not len(closes.index):
        return pd.DataFrame(columns=columns, index=pd.Index([], name="symbol"))
    upto = closes.loc[closes.index <= as_of]
    values = upto.to_numpy(dtype=float).T  # one row per symbol, dates ascending
    valid = ~np.isnan(values)
    if not valid.any():
        return pd.DataFrame(columns=columns, index=pd.Index([], name="symbol"))
    symbol_at, date_at = np.nonzero(valid)  # grouped by symbol, dates ascending within
    close_at = values[valid]
    dates = pd.DatetimeIndex(upto.index)
    day_at = dates.values.astype("datetime64[D]").astype(np.int64)[date_at]
    starts = np.flatnonzero(np.r_[True, symbol_at[1:] != symbol_at[:-1]])
    lasts = np.r_[starts[1:], len(symbol_at)] - 1
    symbols = np.asarray(upto.columns, dtype=object)[symbol_at[starts]]
    last_dates = dates[date_at[lasts]]

    def picked(index: np.ndarray, ok: np.ndarray) -> tuple[pd.DatetimeIndex, np.ndarray]:
        safe = np.where(ok, index, 0)
        when = dates[date_at[safe]].where(ok)  # NaT where there is no base
        return when, np.where(ok, close_at[safe], np.nan)

    data = {"date": last_dates, "close": close_at[lasts]}
    for period, back in _BACK_BY_BARS.items():
        index = lasts - back
        data[f"{period}_date"], data[f"{period}_close"] = picked(index, index >= starts)
    # The bars are ordered by symbol, then day: as one integer per bar they sort the same,
    # so one binary search finds each symbol's last bar before its cutoff.
    span = 1 << 32
    keys = symbol_at.astype(np.int64) * span + day_at
    codes = symbol_at[starts].astype(np.int64)
    # The base is the last bar before the month's or year's first day, or on or before the
    # same day a year earlier: "left" finds the last bar before a cutoff, "right" on it.
    cutoffs: dict[str, tuple[pd.DatetimeIndex, Literal["left", "right"]]] = {
        "MTD": (last_dates.to_period("M").start_time, "left"),
        "YTD": (last_dates.to_period("Y").start_time, "left"),
        "1Y": (last_dates - pd.DateOffset(years=1), "right"),
    }
    # A range's base is the last close before its first day, the same day for every symbol.
    for date_range in ranges:
        start = pd.DatetimeIndex([pd.Timestamp(date_range.start)] * len(last_dates))
        cutoffs[date_range.key] = (start, "left")
    for period, (cutoff, side) in cutoffs.items():
        cutoff_days = cutoff.values.astype("datetime64[D]").astype(np.int64)
        index = np.searchsorted(keys, codes * span + cutoff_days, side=side) - 1
        data[f"{period}_date"], data[f"{period}_close"] = picked(index, index >= starts)
    anchors = pd.DataFrame(data, index=pd.Index(symbols, name="symbol"))
    return anchors[columns]


def anchor_periods(anchors: pd.DataFrame) -> list[str]:
    """The period keys `anchors` has bases for: the fixed periods, then any ranges."""
    return [str(c)[: -len("_close")] for c in anchors.columns if str(c).endswith("_close")]


def period_returns(anchors: pd.DataFrame) -> pd.DataFrame:
    """Return over each period (a fraction) per symbol; NaN where the base is missing."""
    returns = pd.DataFrame(index=anchors.index)
    for period in anchor_periods(anchors):
        returns[period] = anchors["close"] / anchors[f"{period}_close"] - 1.0
    return returns.astype(float)


def rebased(closes: pd.Series, base: pd.Timestamp, as_of: pd.Timestamp) -> pd.Series:
    """A close series from `base` to `as_of` scaled so the base close is 100."""
    window = closes.loc[(closes.index >= base) & (closes.index <= as_of)].dropna()
    if window.empty or not np.isfinite(window.iloc[0]) or window.iloc[0] == 0:
        return pd.Series(dtype=float)
    return window / window.iloc[0] * 100.0
