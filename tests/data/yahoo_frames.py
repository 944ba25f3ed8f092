"""Frames shaped exactly like yfinance 1.7 returns them, built offline for tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

PRICE_FIELDS = ("Open", "High", "Low", "Close", "Volume")


def history_frame(dates: pd.DatetimeIndex, closes: Sequence[float]) -> pd.DataFrame:
    """What `Ticker.history(auto_adjust=True)` returns for one ticker: OHLCV, index `Date`."""
    close = np.asarray(closes, dtype=float)
    frame = pd.DataFrame(
        {
            "Open": close * 0.99,
            "High": close * 1.01,
            "Low": close * 0.98,
            "Close": close,
            "Volume": np.where(np.isnan(close), np.nan, 1_000_000.0),
        },
        index=dates,
    )
    frame.index.name = "Date"
    return frame


def download_frame(per_ticker: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Assemble per-ticker histories as `yf.download(group_by="column")` does.

    Rows are the union of every ticker's dates (NaN where a ticker had no bar), columns a
    ('Price', 'Ticker') MultiIndex sorted by price field.
    """
    index = None
    for frame in per_ticker.values():
        index = frame.index if index is None else index.union(frame.index)
    assert index is not None
    aligned = {ticker: frame.reindex(index) for ticker, frame in per_ticker.items()}
    data = pd.concat(aligned.values(), axis=1, keys=aligned.keys(), names=["Ticker", "Price"])
    data.columns = data.columns.swaplevel(0, 1)
    return data.sort_index(level=0, axis=1)


def dates(*days: str, tz: str | None = None) -> pd.DatetimeIndex:
    """Midnight bars on `days`, in `tz` when given (how Yahoo stamps an exchange's dailies)."""
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in days])
    return index.tz_localize(tz) if tz else index
