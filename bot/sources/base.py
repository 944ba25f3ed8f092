"""What every market-data provider returns: plain DataFrames and metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

NOT_TRIED = "not tried: "
"""Prefix of the reason given to symbols a provider skipped once its source proved
unreachable: they did not fail themselves."""

Clock = Callable[[], dt.datetime]
"""Returns the current time as an aware datetime; injected so tests and the demo control it."""


@dataclass(frozen=True)
class SymbolMeta:
    """Slow-moving facts about a symbol. Shares are the latest reported count.

    `market_cap` is the source's own figure in the trading currency, when it reports one,
    and `cap_price` the price it was computed at: refresh uses them only to cross-check the
    share count (shares x price against the source's market cap).
    """

    symbol: str
    name: str
    currency: str
    exchange: str
    shares_outstanding: float | None = None
    market_cap: float | None = None
    cap_price: float | None = None


@dataclass(frozen=True)
class CorporateAction:
    """A split (or bonus issue) or a cash dividend the source reported for one day."""

    kind: str
    """"split" or "dividend"."""
    value: float
    """New shares per old share for a split; cash per share for a dividend."""
    day: dt.date

    def __str__(self) -> str:
        amount = f"{self.value:g}:1" if self.kind == "split" else f"{self.value:g}"
        return f"{self.kind} {amount} on {self.day.isoformat()}"


@dataclass
class FetchResult:
    """Daily closes for the symbols asked for, and the symbols that failed with why.

    `closes` has a tz-naive DatetimeIndex of trading dates (midnight, ascending, unique)
    and one float column per symbol that returned data; NaN where a symbol had no bar
    that day (another exchange's trading day, a holiday, a suspension). Closes are what
    traded, adjusted for splits and bonus shares only, never for dividends.

    `events` names, per symbol, the splits and dividends the source reported inside the
    fetched window (they mean older stored closes may be in other units or stale).
    `meta` holds what the price answer itself said about a symbol (currency, exchange,
    name; no share count). `requests` counts HTTP requests made. `sources` names the
    provider that served each symbol; `append_only` lists symbols served by a fallback
    whose closes are not split-adjusted, so they may extend stored history but never
    rewrite it.
    """

    closes: pd.DataFrame
    failures: dict[str, str] = field(default_factory=dict)
    events: dict[str, list[CorporateAction]] = field(default_factory=dict)
    meta: dict[str, SymbolMeta] = field(default_factory=dict)
    requests: int = 0
    sources: dict[str, str] = field(default_factory=dict)
    append_only: set[str] = field(default_factory=set)


def merge_into(merged: FetchResult, part: FetchResult) -> None:
    """Add one answer's columns, failures, events, metadata and request count to another's."""
    frame = part.closes.dropna(axis=1, how="all")
    if not frame.columns.empty:
        merged.closes = frame if merged.closes.empty else merged.closes.join(frame, how="outer")
    merged.failures.update(part.failures)
    merged.events.update(part.events)
    merged.meta.update(part.meta)
    merged.sources.update(part.sources)
    merged.append_only |= part.append_only
    merged.requests += part.requests


@dataclass
class MetaResult:
    """Metadata for the symbols that answered, and the symbols that failed with why."""

    meta: dict[str, SymbolMeta] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    requests: int = 0


class MarketDataProvider(Protocol):
    """A source of daily closes and metadata (yahoo, demo or csv)."""

    name: str
    """Short name shown to users: "yahoo", "demo" or "csv"."""

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        """Daily closes for `symbols` from `start` to `end`, both inclusive."""
        ...

    async def fetch_meta(self, symbols: Sequence[str]) -> MetaResult:
        """Name, currency, exchange and shares outstanding for each symbol it knows."""
        ...
