"""The refresh: provider -> Redis bars and metadata -> one new snapshot."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.analytics.snapshot import Snapshot, compute_snapshot
from bot.data.base import MarketDataProvider, SymbolMeta
from bot.errors import DataError
from bot.storage.market import MarketStore
from bot.universe import EXCHANGE_CURRENCY, Universe

logger = logging.getLogger(__name__)

# No covered market's trading date runs ahead of Shanghai's calendar date.
EASTMOST_MARKET_TZ = ZoneInfo("Asia/Shanghai")
INCREMENTAL_OVERLAP_DAYS = 7
META_MAX_AGE = dt.timedelta(days=1)

Progress = Callable[[str], None]


@dataclass
class RefreshReport:
    """What one refresh stored and what failed."""

    symbols: int
    rows: int
    start: dt.date
    end: dt.date
    newest_by_exchange: dict[str, str]
    failures: dict[str, str] = field(default_factory=dict)
    snapshot_version: int | None = None
    seconds: float = 0.0

    def as_status(self, finished_at: dt.datetime, provider: str) -> dict[str, Any]:
        """The JSON form kept in Redis for /status."""
        return {
            "finished_at": finished_at.isoformat(timespec="seconds"),
            "provider": provider,
            "symbols": self.symbols,
            "rows": self.rows,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "newest_by_exchange": self.newest_by_exchange,
            "failures": self.failures,
            "snapshot_version": self.snapshot_version,
            "seconds": round(self.seconds, 3),
        }


def market_today(now: dt.datetime) -> dt.date:
    """The latest calendar date any covered market can have a bar for."""
    return now.astimezone(EASTMOST_MARKET_TZ).date()


async def refresh_market(
    provider: MarketDataProvider,
    store: MarketStore,
    universe: Universe,
    now: dt.datetime,
    history_days: int,
    progress: Progress | None = None,
) -> RefreshReport:
    """Fetch every symbol in one batch (incrementally when possible), store it, re-snapshot."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    symbols = universe.all_symbols
    today = market_today(now)
    newest = await store.newest_dates(symbols)
    if len(newest) < len(symbols):
        start = today - dt.timedelta(days=history_days)
    else:
        start = min(newest.values()) - dt.timedelta(days=INCREMENTAL_OVERLAP_DAYS)
    say(f"Fetching {len(symbols)} symbols from {provider.name} ({start} to {today})")
    result = await provider.fetch_closes(symbols, start, today)
    if result.closes.dropna(axis=1, how="all").empty:
        # Keep the last good snapshot rather than replace it with an empty one.
        reasons = sorted(set(result.failures.values())) or ["no rows"]
        raise DataError(
            f"{provider.name} returned no data for any of {len(symbols)} symbols "
            f"({'; '.join(reasons)[:300]}); the stored data is unchanged"
        )
    say(f"Storing {result.closes.shape[1]} symbols")
    rows = await store.write_closes(result.closes)

    fetched_at = await store.meta_fetched_at()
    if fetched_at is None or now - fetched_at > META_MAX_AGE:
        say("Fetching metadata (shares outstanding, currency, names)")
        meta = await provider.fetch_meta(universe.price_symbols)
        await store.write_meta(meta, now)

    say("Computing the snapshot")
    snapshot = await current_snapshot(store, universe, now, provider.name)
    version = await store.save_snapshot(snapshot)
    stored = result.closes.dropna(axis=1, how="all")
    report = RefreshReport(
        symbols=stored.shape[1],
        rows=rows,
        start=start,
        end=today,
        newest_by_exchange=dict(snapshot.get("markets", {})),
        failures=dict(result.failures),
        snapshot_version=version,
        seconds=time.perf_counter() - started,
    )
    await store.save_refresh_status(report.as_status(now, provider.name))
    if report.failures:
        logger.warning("Refresh: %d symbols failed: %s", len(report.failures), report.failures)
    logger.info(
        "Refresh stored %d rows for %d symbols; snapshot v%d", rows, report.symbols, version
    )
    return report


async def current_snapshot(
    store: MarketStore,
    universe: Universe,
    now: dt.datetime,
    provider: str,
    as_of: dt.date | None = None,
) -> Snapshot:
    """Compute a snapshot from the stored bars, as of `as_of` (default: now)."""
    closes = await store.read_closes(universe.all_symbols)
    meta = with_defaults(await store.read_meta(universe.price_symbols), universe)
    day = as_of or market_today(now)
    return await asyncio.to_thread(compute_snapshot, closes, meta, universe, day, now, provider)


def with_defaults(meta: dict[str, SymbolMeta], universe: Universe) -> dict[str, SymbolMeta]:
    """Fill in what a provider did not give: the universe's name, the exchange's currency."""
    filled = dict(meta)
    for symbol in universe.price_symbols:
        known = filled.get(symbol)
        name = universe.names.get(symbol, symbol)
        if known is None:
            exchange = universe.exchange(symbol)
            filled[symbol] = SymbolMeta(
                symbol=symbol,
                name=name,
                currency=EXCHANGE_CURRENCY.get(exchange, "USD"),
                exchange=exchange,
            )
        elif known.name in {"", symbol}:
            filled[symbol] = dataclasses.replace(known, name=name)
    return filled
