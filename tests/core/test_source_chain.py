"""Yahoo and akshare behind one provider: the HS TECH index level, and A-share fallbacks."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pandas as pd
import pytest
import redis.asyncio as redis

from bot.analytics.model import Carried
from bot.core.universe import Universe, parse_universe
from bot.refresh import current_snapshot, refresh_market
from bot.sources.akshare_source import AkshareProvider
from bot.sources.chain import SourceChain
from bot.sources.yahoo import YahooProvider
from bot.storage.keys import Keys
from bot.storage.market import MarketStore
from tests.data import akshare_frames as frames
from tests.data.test_akshare_provider import FakeAkshare
from tests.support.fake_yahoo import YahooWorld, install_fake_yahoo
from tests.support.yahoo_world import MarketPaths, market_paths, yahoo_world

FIRST_LOAD = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
NEXT_DAY = dt.datetime(2026, 11, 11, 12, tzinfo=dt.UTC)
STOCK = "300308.SZ"

UNIVERSE = parse_universe(
    {
        "indices": {
            "star50": {"symbol": "000688.SS", "name": "STAR 50"},
            "hstech": {
                "symbol": "HSTECH.HK",
                "name": "Hang Seng TECH",
                "exchange": "XHKG",
                "source": "akshare",
                "stand_in": {"symbol": "3033.HK", "name": "HS TECH (3033.HK tracker ETF)"},
            },
            "ndx": {"symbol": "^NDX", "name": "Nasdaq 100"},
        },
        "baskets": {
            "china_ai": {"name": "China AI 3", "members": ["0700.HK", STOCK, "601138.SS"]},
            "us_ai": {"name": "US AI 1", "members": ["NVDA"]},
        },
        "fx": {
            "HKD": {"symbol": "HKD=X", "invert": True},
            "CNY": {"symbol": "CNY=X", "invert": True},
        },
        "rally": {
            "onshore": ["star50"],
            "offshore": ["hstech"],
            "benchmark": "ndx",
            "basket": "china_ai",
            "compare_basket": "us_ai",
        },
    },
    "chain test universe",
)


async def no_sleep(_seconds: float) -> None:
    """Backoff without waiting."""


def bars(series: pd.Series, until: str) -> list[frames.Bar]:
    """(ISO date, close) pairs of a path up to `until`, as akshare frames are built from."""
    kept = series.dropna().loc[:until]
    return [(day.date().isoformat(), float(close)) for day, close in kept.items()]


def akshare_serving(
    paths: MarketPaths,
    until: str,
    stock: pd.Series | None = None,
    stock_until: str | None = None,
) -> FakeAkshare:
    """akshare answering the HS TECH index up to `until`, and 300308's `stock` closes."""
    answers = {
        ("stock_hk_index_daily_sina", "HSTECH"): frames.stock_hk_index_daily_sina(
            bars(paths.closes["HSTECH.HK"], until)
        )
    }
    if stock is not None:
        answers[("stock_zh_a_hist", "300308")] = frames.stock_zh_a_hist(
            "300308", bars(stock, stock_until or until)
        )
    return FakeAkshare(answers)


@pytest.fixture
async def paths() -> MarketPaths:
    return await market_paths(UNIVERSE)


@pytest.fixture
def store(redis_client: redis.Redis, keys: Keys) -> MarketStore:
    return MarketStore(redis_client, keys)


def chain(
    world: YahooWorld, module: FakeAkshare, cache: Path, universe: Universe = UNIVERSE
) -> SourceChain:
    session = install_fake_yahoo(world, cache / uuid.uuid4().hex)
    yahoo = YahooProvider(
        session, sleep=no_sleep, jitter=lambda: 0.0, exchange_for=universe.exchange
    )
    akshare = AkshareProvider(module, sleep=no_sleep, jitter_seconds=0.0)
    return SourceChain(
        {"yahoo": yahoo, "akshare": akshare}, universe.source_of, fallbacks=[akshare]
    )


async def test_hs_tech_is_the_index_level_from_akshare_and_yahoo_is_never_asked(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(UNIVERSE, paths, FIRST_LOAD, missing=("HSTECH.HK",))
    index = paths.closes["HSTECH.HK"]
    module = akshare_serving(paths, "2026-11-10")
    provider = chain(world, module, tmp_path)
    report = await refresh_market(provider, store, UNIVERSE, FIRST_LOAD, 800)
    assert report.failures == {}
    assert not any("HSTECH" in url for url in world.urls)
    snapshot = await current_snapshot(store, UNIVERSE, FIRST_LOAD, "yahoo")
    hstech = snapshot.instruments["HSTECH.HK"]
    assert hstech.name == "Hang Seng TECH"
    assert hstech.close == pytest.approx(index.dropna().loc[:"2026-11-10"].iloc[-1])
    assert hstech.close > 1000  # an index level, not a HK$6 ETF


def test_without_akshare_the_tracker_stands_in_and_is_named_so() -> None:
    universe = UNIVERSE.without_source("akshare")
    spec = universe.indices["hstech"]
    assert (spec.symbol, spec.name, spec.exchange) == (
        "3033.HK",
        "HS TECH (3033.HK tracker ETF)",
        "XHKG",
    )
    assert "HSTECH.HK" not in universe.all_symbols


async def test_a_failed_a_share_is_extended_from_akshare_when_the_sources_agree(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(UNIVERSE, paths, FIRST_LOAD, missing=("HSTECH.HK",))
    module = akshare_serving(paths, "2026-11-11", paths.closes[STOCK], "2026-11-11")
    provider = chain(world, module, tmp_path)
    await refresh_market(provider, store, UNIVERSE, FIRST_LOAD, 800)
    assert not any(kwargs["symbol"] == "300308" for _, kwargs in module.calls)

    world.rate_limited.add(STOCK)
    world.now = NEXT_DAY
    report = await refresh_market(provider, store, UNIVERSE, NEXT_DAY, 800)
    assert STOCK not in report.failures
    stored = (await store.read_closes([STOCK]))[STOCK].dropna()
    assert stored.index[-1] == pd.Timestamp("2026-11-11")
    assert stored.iloc[-1] == pytest.approx(paths.closes[STOCK].loc["2026-11-11"])
    snapshot = await current_snapshot(store, UNIVERSE, NEXT_DAY, "yahoo")
    assert snapshot.baskets["china_ai"].coverage.carried == ()


async def test_fallback_bars_that_disagree_with_stored_history_are_refused(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(UNIVERSE, paths, FIRST_LOAD, missing=("HSTECH.HK",))
    # akshare's unadjusted closes after a 2:1 bonus issue Yahoo has not seen: half the price.
    unadjusted = paths.closes[STOCK] / 2
    module = akshare_serving(paths, "2026-11-11", unadjusted, "2026-11-11")
    provider = chain(world, module, tmp_path)
    await refresh_market(provider, store, UNIVERSE, FIRST_LOAD, 800)
    before = (await store.read_closes([STOCK]))[STOCK].dropna()

    world.rate_limited.add(STOCK)
    world.now = NEXT_DAY
    report = await refresh_market(provider, store, UNIVERSE, NEXT_DAY, 800)
    assert report.failures == {STOCK: "fallback source disagrees with stored history (a split?)"}
    after = (await store.read_closes([STOCK]))[STOCK].dropna()
    assert after.equals(before)
    snapshot = await current_snapshot(store, UNIVERSE, NEXT_DAY, "yahoo")
    carried = snapshot.baskets["china_ai"].coverage.carried
    assert carried == (Carried(STOCK, "2026-11-10"),)


async def test_a_fallback_never_starts_a_history_it_cannot_check(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(UNIVERSE, paths, FIRST_LOAD, missing=("HSTECH.HK",))
    world.rate_limited.add(STOCK)
    module = akshare_serving(paths, "2026-11-10", paths.closes[STOCK], "2026-11-10")
    provider = chain(world, module, tmp_path)
    report = await refresh_market(provider, store, UNIVERSE, FIRST_LOAD, 800)
    assert report.failures == {STOCK: "fallback source has no day in common with stored history"}
    assert STOCK not in (await store.read_closes([STOCK])).columns


async def test_bars_from_a_fallback_are_replaced_by_the_first_sources_history_when_it_returns(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(UNIVERSE, paths, FIRST_LOAD, missing=("HSTECH.HK",))
    module = akshare_serving(paths, "2026-11-12", paths.closes[STOCK], "2026-11-11")
    provider = chain(world, module, tmp_path)
    await refresh_market(provider, store, UNIVERSE, FIRST_LOAD, 800)
    world.rate_limited.add(STOCK)
    world.now = NEXT_DAY
    await refresh_market(provider, store, UNIVERSE, NEXT_DAY, 800)
    # A split could hide after the day both sources agreed on: the whole history is due.
    health = await store.load_symbol_health()
    assert health[STOCK]["rewrite"] is True
    assert health[STOCK]["failures"] == 0

    world.rate_limited.clear()
    day_after = NEXT_DAY + dt.timedelta(days=1)
    world.now = day_after
    report = await refresh_market(provider, store, UNIVERSE, day_after, 800)
    assert STOCK not in report.failures
    assert STOCK not in await store.load_symbol_health()
    first = (await store.read_closes([STOCK]))[STOCK].dropna().index[0]
    assert first < pd.Timestamp("2025-01-01")  # the whole history, from Yahoo


async def test_an_index_whose_own_source_is_the_fallback_is_not_asked_twice(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(UNIVERSE, paths, FIRST_LOAD, missing=("HSTECH.HK",))
    module = FakeAkshare({})  # akshare cannot be reached
    provider = chain(world, module, tmp_path)
    result = await provider.fetch_closes(
        ["HSTECH.HK", "NVDA"], dt.date(2026, 11, 2), FIRST_LOAD.date()
    )
    assert "HSTECH.HK" in result.failures
    rounds = [name for name, kwargs in module.calls if kwargs["symbol"] == "HSTECH"]
    # One round of akshare's two functions, plus its own retries: never a second round.
    assert len(rounds) == 2 * 3
