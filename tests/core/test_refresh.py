"""The refresh: incremental fetches, and a failed fetch never replaces good data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import pytest
import redis.asyncio as redis

from bot.core.errors import DataError
from bot.core.universe import load_universe
from bot.refresh import refresh_market, with_defaults
from bot.sources.base import FetchResult, MetaResult, SymbolMeta
from bot.sources.demo import DemoProvider
from bot.storage.keys import Keys
from bot.storage.market import MarketStore

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


class RecordingDemo(DemoProvider):
    """The demo market, remembering the ranges it was asked for."""

    def __init__(self) -> None:
        super().__init__(load_universe(), seed=3, clock=lambda: NOW)
        self.ranges: list[tuple[dt.date, dt.date]] = []

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        self.ranges.append((start, end))
        return await super().fetch_closes(symbols, start, end)


class Unreachable(DemoProvider):
    """A market that answers nothing, as Yahoo does when it cannot be reached."""

    name = "yahoo"

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        return FetchResult(pd.DataFrame(), dict.fromkeys(symbols, "no data returned by Yahoo"))

    async def fetch_meta(self, symbols: Sequence[str]) -> MetaResult:
        return MetaResult(failures=dict.fromkeys(symbols, "unreachable"))


async def test_first_refresh_loads_history_then_fetches_incrementally(
    redis_client: redis.Redis, keys: Keys
) -> None:
    store = MarketStore(redis_client, keys)
    provider = RecordingDemo()
    first = await refresh_market(provider, store, provider._universe, NOW, 800)
    second = await refresh_market(provider, store, provider._universe, NOW, 800)
    assert provider.ranges[0] == (dt.date(2024, 9, 16), dt.date(2026, 11, 25))
    # From the oldest "newest bar" (New York, 24 November, not open yet today) less a week.
    assert provider.ranges[1][0] == dt.date(2026, 11, 17)
    assert second.snapshot_version == (first.snapshot_version or 0) + 1
    assert first.newest_by_exchange["XHKG"] == "2026-11-25"


async def test_a_fetch_with_no_data_keeps_the_last_snapshot(
    redis_client: redis.Redis, keys: Keys
) -> None:
    store = MarketStore(redis_client, keys)
    good = RecordingDemo()
    await refresh_market(good, store, good._universe, NOW, 800)
    before = await store.load_snapshot()
    dead = Unreachable(load_universe(), seed=3, clock=lambda: NOW)
    with pytest.raises(DataError, match="returned no data for any of 57 symbols"):
        await refresh_market(dead, store, dead._universe, NOW, 800)
    assert await store.load_snapshot() == before


def test_names_come_from_the_universe_when_the_source_gives_tickers() -> None:
    universe = load_universe()
    from_yahoo = {
        "0700.HK": SymbolMeta("0700.HK", "0700.HK", "HKD", "XHKG", 9.1e9),
        "NVDA": SymbolMeta("NVDA", "NVIDIA Corp", "USD", "XNYS", 2.4e10),
    }
    filled = with_defaults(from_yahoo, universe)
    assert filled["0700.HK"].name == "Tencent"
    assert filled["0700.HK"].shares_outstanding == 9.1e9
    assert filled["NVDA"].name == "NVIDIA Corp"  # a source's own name is kept
    assert filled["688256.SS"] == SymbolMeta("688256.SS", "Cambricon", "CNY", "XSHG", None)
