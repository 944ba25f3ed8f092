"""Time series for charts: rebased lines, basket value over time, spreads over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from bot.analytics.baskets import rate_on
from bot.sources.base import SymbolMeta


def basket_value_series(
    closes: pd.DataFrame,
    members: Sequence[str],
    meta: Mapping[str, SymbolMeta],
    rates: Mapping[str, pd.Series],
    base: pd.Timestamp,
    as_of: pd.Timestamp,
) -> pd.Series:
    """The basket's USD value from `base` to `as_of`, over members that had a base close.

    Each member's close is carried forward across its own holidays so the total does not
    dip on days one exchange is shut.
    """
    present = [m for m in members if m in closes.columns]
    window = closes.loc[closes.index <= as_of, present].ffill()
    window = window.loc[window.index >= base]
    if window.empty:
        return pd.Series(dtype=float)
    at_base = window.iloc[0]
    kept = [m for m in present if not np.isnan(at_base[m]) and _shares(meta, m) > 0]
    total = pd.Series(0.0, index=window.index)
    dates = pd.Series(window.index, index=window.index)
    for member in kept:
        info = meta[member]
        fx = rate_on(rates, info.currency.upper(), dates)
        total = total + window[member].to_numpy() * fx * _shares(meta, member)
    return total if kept else pd.Series(dtype=float)


def spread_series(first: pd.Series, second: pd.Series) -> pd.Series:
    """A minus B in percentage points, each already rebased to 100 at its own base.

    Dates are the union of both calendars, each side carried forward, never inner-joined.
    """
    joined = pd.concat({"a": first, "b": second}, axis=1, sort=True).ffill().dropna()
    return (joined["a"] - joined["b"]).astype(float)


def _shares(meta: Mapping[str, SymbolMeta], symbol: str) -> float:
    info = meta.get(symbol)
    if info is None or info.shares_outstanding is None:
        return 0.0
    return float(info.shares_outstanding)
