"""Requests Yahoo sees: per refresh (first load, incremental, markets closed) and per day.

Run: .venv/bin/python bench/requests_bench.py [--runs 3]

The default universe without the `cn` extra (HS TECH by its tracker ETF), Yahoo played
at the HTTP layer by the test suite's fake (yfinance's own code runs unchanged on it),
an embedded Valkey. Requests are what the provider's session sent, as `rallybot refresh`
prints them. The day's total follows the refresh schedule (every RALLYBOT_REFRESH_SECONDS while a
market trades, for that market's symbols and FX; once after each close; everything hourly
otherwise), simulated minute by minute over the week of 23 November 2026 and set against
refreshing every symbol every 300 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import redis.asyncio as redis
import yfinance.data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

from bot.core.universe import Universe, load_universe
from bot.refresh import refresh_market, refresh_plan
from bot.sources.yahoo import YahooProvider
from bot.storage.embedded import EmbeddedValkey
from bot.storage.keys import Keys
from bot.storage.market import MarketStore
from tests.support.fake_yahoo import install_fake_yahoo
from tests.support.yahoo_world import market_paths, yahoo_world

WEDNESDAY_NOON = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)  # Asia closed, NY not open
SATURDAY = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
INTERVAL = dt.timedelta(seconds=300)


async def no_sleep(_seconds: float) -> None:
    """No backoff is needed: the fake Yahoo never rate-limits here."""


def week_of_refreshes(universe: Universe) -> tuple[int, int, int]:
    """(scheduled refreshes, chart requests they make, fixed-interval refreshes) in a week."""
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    end = now + dt.timedelta(days=7)
    last = now - dt.timedelta(minutes=1)
    exchanges = [universe.exchange(s) for s in universe.all_symbols]
    scheduled = charts = 0
    while now < end:
        plan = refresh_plan(now, last, exchanges, INTERVAL)
        if plan is not None:
            scheduled += 1
            charts += len(plan.symbols(universe) or universe.all_symbols)
            last = now
        now += dt.timedelta(minutes=1)
    return scheduled, charts, int(dt.timedelta(days=7) / INTERVAL)


async def measure(url: str, runs: int, cache: Path) -> None:
    universe = load_universe().without_source("akshare")
    paths = await market_paths(universe)
    world = yahoo_world(universe, paths, WEDNESDAY_NOON)
    session = install_fake_yahoo(world, cache)
    provider = YahooProvider(session, sleep=no_sleep, exchange_for=universe.exchange)
    client = redis.Redis.from_url(url)
    store = MarketStore(client, Keys("bench-requests"))
    symbols = len(universe.all_symbols)

    async def refresh(now: dt.datetime) -> tuple[int, float]:
        world.now = now
        # yfinance memoises chart answers whose end is in the real clock's past, as this
        # week's are; in production the end is always tomorrow and nothing is memoised.
        yfinance.data.YfData.cache_get.cache_clear()
        started = time.perf_counter()
        report = await refresh_market(provider, store, universe, now, 800)
        return report.requests, time.perf_counter() - started

    first, first_seconds = await refresh(WEDNESDAY_NOON)
    incremental: list[int] = []
    timings: list[float] = []
    for run in range(runs):
        requests, seconds = await refresh(WEDNESDAY_NOON + dt.timedelta(minutes=5 * (run + 1)))
        incremental.append(requests)
        timings.append(seconds)
    next_day, _ = await refresh(WEDNESDAY_NOON + dt.timedelta(days=1, hours=1))
    closed, _ = await refresh(SATURDAY)
    await client.aclose()

    scheduled, charts, fixed = week_of_refreshes(universe)
    per_refresh = statistics.median(incremental)
    print(f"requests_bench: {symbols} symbols, Yahoo faked at the HTTP layer")
    print(f"  first load             {first:5d} requests ({first_seconds:.2f} s)")
    print(
        f"  incremental            {per_refresh:5.0f} requests "
        f"(median of {runs}; {statistics.median(timings):.2f} s median)"
    )
    print(f"  next day (share counts) {next_day:4d} requests")
    print(f"  all markets closed     {closed:5d} requests (hourly)")
    print(f"  refreshes per week     {scheduled:5d} scheduled vs {fixed} every 300 s")
    old_daily = fixed * symbols / 7
    print(
        f"  chart requests per day {charts / 7:7.0f} scheduled vs {old_daily:.0f} every 300 s "
        f"for all symbols (ratio {charts / 7 / old_daily:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="incremental refreshes to time")
    args, _ = parser.parse_known_args()
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore", module="yfinance")  # pandas 3 deprecations inside it
    with tempfile.TemporaryDirectory() as directory:
        valkey = EmbeddedValkey(Path(directory) / "valkey")
        url = valkey.start()
        try:
            asyncio.run(measure(url, args.runs, Path(directory) / "yf"))
        finally:
            valkey.stop()


if __name__ == "__main__":
    main()
