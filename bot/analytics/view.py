"""A market view: one snapshot with the bars and metadata it was computed from.

Everything that answers from market data reads one of these; charts of the same snapshot
version are built from it once and kept with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import pandas as pd

from bot.analytics.baskets import usd_per_unit
from bot.analytics.model import Snapshot
from bot.analytics.periods import price_anchors
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
