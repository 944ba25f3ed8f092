"""Small builders of closes frames for table-driven tests."""

from __future__ import annotations

import pandas as pd


def frame(columns: dict[str, dict[str, float]]) -> pd.DataFrame:
    """A closes frame from {symbol: {date: close}}; the union of dates, NaN elsewhere."""
    series = {
        symbol: pd.Series(list(points.values()), index=pd.to_datetime(list(points)))
        for symbol, points in columns.items()
    }
    return pd.DataFrame(series).sort_index().astype(float)
