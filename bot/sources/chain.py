"""Several sources behind one provider: each symbol asks its own source first, then fallbacks.

The universe names a symbol's first source (`source = "akshare"` for the Hang Seng TECH
index level); every other symbol starts with Yahoo. A symbol its first source failed is
asked of the next source that covers it (akshare covers the China side). Fallback closes
that are not split-adjusted come back marked append-only, so the refresh only extends
stored history with them, never rewrites it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import pandas as pd

from bot.sources.base import FetchResult, MarketDataProvider, MetaResult, merge_into

logger = logging.getLogger(__name__)


class CoveringProvider(MarketDataProvider, Protocol):
    """A provider that can say which symbols it serves."""

    def covers(self, symbol: str) -> bool:
        """Whether this source has data for `symbol` at all."""
        ...


class SourceChain:
    """Routes each symbol to its first source and its failures to the fallbacks."""

    def __init__(
        self,
        sources: Mapping[str, MarketDataProvider],
        first_source: Callable[[str], str],
        fallbacks: Sequence[CoveringProvider] = (),
        name: str = "yahoo",
    ) -> None:
        self._sources = dict(sources)
        self._first_source = first_source
        self._fallbacks = list(fallbacks)
        self.name = name

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        """Closes from each symbol's first source, failures retried on covering fallbacks."""
        merged = FetchResult(closes=pd.DataFrame())
        for source, group in self._by_first_source(symbols).items():
            merge_into(merged, await self._sources[source].fetch_closes(group, start, end))
        for fallback in self._fallbacks:
            wanted = [
                s
                for s in merged.failures
                if s not in merged.sources
                and fallback.covers(s)
                and self._sources.get(self._first_source(s)) is not fallback
            ]
            if not wanted:
                continue
            logger.info("Asking %s for %d failed symbols", fallback.name, len(wanted))
            rescued = await fallback.fetch_closes(wanted, start, end)
            for symbol in rescued.sources:
                merged.failures.pop(symbol, None)
            rescued.failures = {
                s: f"{merged.failures.get(s, '')}; {fallback.name}: {r}".lstrip("; ")
                for s, r in rescued.failures.items()
            }
            merge_into(merged, rescued)
        return merged

    async def fetch_meta(self, symbols: Sequence[str]) -> MetaResult:
        """Metadata from each symbol's first source."""
        result = MetaResult()
        for source, group in self._by_first_source(symbols).items():
            part = await self._sources[source].fetch_meta(group)
            result.meta.update(part.meta)
            result.failures.update(part.failures)
            result.requests += part.requests
        return result

    def _by_first_source(self, symbols: Sequence[str]) -> dict[str, list[str]]:
        by_source: dict[str, list[str]] = {}
        for symbol in dict.fromkeys(symbols):
            by_source.setdefault(self._first_source(symbol), []).append(symbol)
        return by_source
