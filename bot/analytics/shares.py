"""Cross-checks of share counts against the source's own market capitalisation."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from bot.sources.base import SymbolMeta

MISMATCH_LIMIT = 0.15
"""Share counts off by more than this fraction are reported."""


@dataclass(frozen=True)
class ShareCheck:
    """A line whose shares x price disagrees with the source's market cap."""

    symbol: str
    shares: float
    implied_shares: float
    ratio: float
    """shares / implied_shares: 0.5 means half the company (one class), 5 an ADS ratio."""


def share_checks(
    meta: Mapping[str, SymbolMeta], closes: pd.DataFrame, symbols: Iterable[str]
) -> list[ShareCheck]:
    """The lines whose share count is more than 15% off the source's market cap.

    The market cap is in the trading currency, computed by the source at `cap_price`
    (its quote's price); without one the latest stored close stands in. Lines without
    a market cap cannot be checked and are not listed.
    """
    found = []
    for symbol in symbols:
        info = meta.get(symbol)
        if info is None or not info.shares_outstanding or not info.market_cap:
            continue
        price = info.cap_price or _last_close(closes, symbol)
        if price is None:
            continue
        implied = info.market_cap / price
        ratio = info.shares_outstanding / implied
        if abs(ratio - 1.0) > MISMATCH_LIMIT:
            found.append(ShareCheck(symbol, info.shares_outstanding, implied, ratio))
    return found


def _last_close(closes: pd.DataFrame, symbol: str) -> float | None:
    if symbol not in closes.columns:
        return None
    valid = closes[symbol].dropna()
    value = float(valid.iloc[-1]) if not valid.empty else math.nan
    return value if math.isfinite(value) and value > 0 else None
