"""What every market-data provider returns: plain DataFrames and metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

Clock = Callable[[], dt.datetime]
"""Returns the current time as an aware datetime; injected so tests and the demo control it."""


@dataclass(frozen=True)
class SymbolMeta:
    """Slow-moving facts about a symbol. Shares are the latest reported count."""

    symbol: str
    name: str
    currency: str
    exchange: str
    shares_outstanding: float | None = None


@dataclass
class FetchResult:
    """Daily closes for the symbols asked for, and the symbols that failed with why.

    `closes` has a tz-naive DatetimeIndex of trading dates (midnight, ascending, unique)
    and one float column per symbol that returned data; NaN where a symbol had no bar
    that day (another exchange's trading day, a holiday, a suspension).
    """

    closes: pd.DataFrame
    failures: dict[str, str] = field(default_factory=dict)


class MarketDataProvider(Protocol):
    """A source of daily closes and metadata (yahoo, demo or csv)."""

    name: str
    """Short name shown to users: "yahoo", "demo" or "csv"."""

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        """Daily closes for `symbols` from `start` to `end`, both inclusive."""
        ...

    async def fetch_meta(self, symbols: Sequence[str]) -> dict[str, SymbolMeta]:
        """Name, currency, exchange and shares outstanding for each symbol it knows."""
        ...
