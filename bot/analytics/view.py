"""A market view: one snapshot with the bars and metadata it was computed from.

Everything that answers from market data reads one of these; charts of the same snapshot
version are built from it once and kept with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import pandas as pd

from bot.analytics.baskets import usd_per_unit
from bot.analytics.model import Snapshot
from bot.analytics.periods import DateRange, price_anchors
from bot.analytics.snapshot import compute_snapshot
from bot.core.universe import Universe
from bot.sources.base import SymbolMeta

T = TypeVar("T")
MEMO_LIMIT = 256
"""Built chart data kept per view; /chart's combinations are many, each small."""


@dataclass(frozen=True, eq=False)
class MarketView:
    """A snapshot, its bars and metadata, each symbol's period anchors and USD rates."""

    snapshot: Snapshot
    closes: pd.DataFrame
    meta: Mapping[str, SymbolMeta]
    anchors: pd.DataFrame
    """Per symbol: its newest date and close, and each period's base date and close."""
    rates: Mapping[str, pd.Series]
    """Currency -> USD per unit, by day."""
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def version(self) -> int:
        """The stored snapshot's version (0 for one never stored)."""
        return self.snapshot.version

    def memo(self, name: str, build: Callable[[], T]) -> T:
        """`build()` once per view for `name` (a name unique within this version)."""
        if name not in self._memo:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.pop(next(iter(self._memo)))
            self._memo[name] = build()
        return cast(T, self._memo[name])

    @property
    def first_day(self) -> dt.date | None:
        """The oldest day any bar was stored for; None without bars."""
        return None if self.closes.empty else pd.Timestamp(self.closes.index.min()).date()


def market_view(
    snapshot: Snapshot,
    closes: pd.DataFrame,
    meta: Mapping[str, SymbolMeta],
    universe: Universe,
) -> MarketView:
    """The view of `snapshot` over the bars and metadata it was computed from."""
    as_of = pd.Timestamp(snapshot.as_of)
    anchors = price_anchors(closes, as_of)
    rates = usd_per_unit(closes.loc[closes.index <= as_of], universe.fx)
    return MarketView(snapshot, closes, meta, anchors, rates)


def range_view(view: MarketView, universe: Universe, date_range: DateRange) -> MarketView:
    """The view over `date_range`: every number as of its end, plus the range as a period.

    Computed from the view's stored bars (never a new fetch); it keeps the view's version,
    so charts of the range are cached per (range, snapshot version).
    """
    snapshot = view.snapshot
    as_of = dt.date.fromisoformat(snapshot.as_of)
    if date_range.end is not None:
        as_of = min(as_of, date_range.end)
    ranged = compute_snapshot(
        view.closes,
        view.meta,
        universe,
        as_of,
        dt.datetime.fromisoformat(snapshot.generated_at),
        snapshot.provider,
        last_values=snapshot.member_values(),
        ranges=(date_range,),
    )
    ranged = dataclasses.replace(ranged, version=snapshot.version)
    anchors = price_anchors(view.closes, pd.Timestamp(as_of), (date_range,))
    rates = usd_per_unit(view.closes.loc[view.closes.index <= pd.Timestamp(as_of)], universe.fx)
    return MarketView(ranged, view.closes, view.meta, anchors, rates)
