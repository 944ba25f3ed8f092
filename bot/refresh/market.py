"""The refresh: provider -> Redis bars and metadata -> one new snapshot.

Stored history never drifts from the source: when a fetch reports a split or dividend in
its window, or an overlapping stored close differs from the fetched one, that symbol's
whole history is fetched again and replaced at once. A symbol that fails keeps its stored
bars; one that keeps failing is set aside and tried on a slower schedule, with its own
window, so it never widens anyone else's incremental fetch.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import pandas as pd

from bot.analytics.model import Snapshot
from bot.analytics.shares import ShareCheck, share_checks
from bot.analytics.snapshot import compute_snapshot
from bot.analytics.view import MarketView, market_view
from bot.core.errors import DataError
from bot.core.universe import EXCHANGE_CURRENCY, Universe
from bot.refresh.health import (
    NO_FAILURES,
    Jitter,
    load_health,
    record_failures,
)
from bot.refresh.history import actions_reflected, history_revisions, keep_extending_bars
from bot.sources.base import (
    NOT_TRIED,
    CorporateAction,
    FetchResult,
    MarketDataProvider,
    SymbolMeta,
    merge_into,
)
from bot.storage.market import MarketStore

logger = logging.getLogger(__name__)

# No covered market's trading date runs ahead of Shanghai's calendar date.
EASTMOST_MARKET_TZ = ZoneInfo("Asia/Shanghai")
INCREMENTAL_OVERLAP_DAYS = 7
META_MAX_AGE = dt.timedelta(days=1)
BARS_FORMAT = "close-traded-split-adjusted/2"
"""The price definition stored bars follow; bars stored under another are reloaded."""

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
    requests: int = 0
    rewritten: dict[str, str] = field(default_factory=dict)
    failing: dict[str, str] = field(default_factory=dict)
    """Every symbol failing now, this refresh's or an earlier one's, with why and since when."""
    set_aside: dict[str, str] = field(default_factory=dict)
    meta_failures: dict[str, str] = field(default_factory=dict)
    share_mismatches: list[ShareCheck] = field(default_factory=list)
    view: MarketView | None = field(default=None, repr=False, compare=False)
    """The new snapshot with the bars and metadata it was computed from."""

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
            "requests": self.requests,
            "rewritten": self.rewritten,
            "failing": self.failing,
            "set_aside": self.set_aside,
            "meta_failures": self.meta_failures,
            "share_mismatches": [dataclasses.asdict(c) for c in self.share_mismatches],
        }


def market_today(now: dt.datetime) -> dt.date:
    """The latest calendar date any covered market can have a bar for."""
    return now.astimezone(EASTMOST_MARKET_TZ).date()


async def last_refresh_attempt(store: MarketStore) -> dt.datetime | None:
    """When the last refresh finished or failed, whichever is later."""
    attempts = []
    status = await store.load_refresh_status()
    if status is not None:
        attempts.append(dt.datetime.fromisoformat(status["finished_at"]))
    failure = await store.load_refresh_failure()
    if failure is not None:
        attempts.append(dt.datetime.fromisoformat(failure["at"]))
    return max(attempts, default=None)


async def refresh_market(
    provider: MarketDataProvider,
    store: MarketStore,
    universe: Universe,
    now: dt.datetime,
    history_days: int,
    progress: Progress | None = None,
    *,
    only: Sequence[str] | None = None,
    retry: bool = False,
    jitter: Jitter = random.random,
) -> RefreshReport:
    """Fetch what is due (`only` those symbols when given), keep history true, re-snapshot.

    A `retry` run only tries failing symbols again: it neither counts as a scheduled
    refresh nor reports the source down when they fail once more.
    """
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    symbols = list(only) if only is not None else universe.all_symbols
    today = market_today(now)
    history_start = today - dt.timedelta(days=history_days)
    health = await load_health(store)
    waiting = {
        s: record
        for s, record in health.items()
        if s in symbols and record.set_aside and record.next_attempt > now
    }
    due = [s for s in symbols if s not in waiting]
    formats = await store.bars_formats(due)
    stored = await store.read_closes(due)
    windows = {
        symbol: history_start
        if formats.get(symbol) != BARS_FORMAT
        or symbol not in stored
        or health.get(symbol, NO_FAILURES).rewrite
        else _newest(stored[symbol]) - dt.timedelta(days=INCREMENTAL_OVERLAP_DAYS)
        for symbol in due
    }
    say(f"Fetching {len(due)} symbols from {provider.name} (to {today})")
    result = await _fetch_windows(provider, windows, today)
    if not result.closes.columns.size and due:
        if not retry:
            await _nothing_answered(store, provider.name, result, len(due), now)
        await record_failures(store, health, result.failures, now, jitter)
        return RefreshReport(
            symbols=0,
            rows=0,
            start=min(windows.values()),
            end=today,
            newest_by_exchange={},
            failures=dict(result.failures),
            seconds=time.perf_counter() - started,
            requests=result.requests,
        )

    seen = await store.actions_seen(due)
    rewrites = history_revisions(result, stored, windows, history_start, seen)
    failed_rewrites = await _fetch_whole_histories(
        provider, result, rewrites, windows, (history_start, today), say
    )
    extended = keep_extending_bars(result, stored)
    say(f"Storing {result.closes.shape[1]} symbols")
    rows = await _store_bars(store, result, rewrites, windows, history_start)
    await store.save_actions_seen(actions_reflected(result, seen))
    # An old install keeps no more history than a fresh one loads.
    await store.delete_closes(_bars_before(stored, history_start, result.closes.columns))
    await store.write_meta(result.meta)

    meta_outcome = await _refresh_meta(
        provider, store, universe, now, result, refetch=list(rewrites), say=say
    )
    health = await record_failures(
        store,
        health,
        result.failures,
        now,
        jitter,
        succeeded=[s for s in result.closes.columns if s not in extended],
        rewrite=failed_rewrites,
        pending=extended,
    )

    everything = set(universe.all_symbols)
    tracked = {s: h for s, h in health.items() if s in everything}

    say("Computing the snapshot")
    view, checks = await compute_current(store, universe, now, provider.name)
    version = await store.save_snapshot(view.snapshot)
    view = dataclasses.replace(view, snapshot=dataclasses.replace(view.snapshot, version=version))
    snapshot = view.snapshot
    await store.save_last_values(snapshot.member_values())
    report = RefreshReport(
        symbols=int(result.closes.shape[1]),
        rows=rows,
        start=min(windows.values(), default=today),
        end=today,
        newest_by_exchange=dict(snapshot.markets),
        failures=dict(result.failures),
        snapshot_version=version,
        seconds=time.perf_counter() - started,
        requests=result.requests + meta_outcome.requests,
        rewritten={s: ", ".join(map(str, actions)) for s, actions in rewrites.items()},
        failing={s: f"{h.reason} (since {h.since})" for s, h in tracked.items()},
        set_aside={
            s: f"{h.reason} (failing since {h.since}; next try {h.next_attempt:%H:%M} UTC)"
            for s, h in tracked.items()
            if h.set_aside
        },
        meta_failures=meta_outcome.failures,
        share_mismatches=checks,
        view=view,
    )
    if not retry:
        await store.save_refresh_status(report.as_status(now, provider.name))
        await store.save_refresh_failure(None)
    if report.failures:
        logger.warning("Refresh: %d symbols failed: %s", len(report.failures), report.failures)
    logger.info(
        "Refresh stored %d rows for %d symbols with %d requests; snapshot v%d",
        rows,
        report.symbols,
        report.requests,
        version,
    )
    return report


async def _nothing_answered(
    store: MarketStore, source: str, result: FetchResult, asked: int, now: dt.datetime
) -> NoReturn:
    """Keep everything stored and say why: the source answered for none of the symbols.

    No symbol's failure is counted: the source failed, not they. The schedule waits for
    its next slot from this attempt, so an outage is retried once per interval.
    """
    reasons = sorted({r.removeprefix(NOT_TRIED) for r in result.failures.values()}) or ["no rows"]
    failure = (
        f"{source} returned no data for any of {asked} symbols "
        f"({'; '.join(reasons)[:300]}); the stored data is unchanged"
    )
    await store.save_refresh_failure({"at": now.isoformat(timespec="seconds"), "reason": failure})
    raise DataError(failure)


async def _fetch_whole_histories(
    provider: MarketDataProvider,
    result: FetchResult,
    rewrites: dict[str, list[CorporateAction]],
    windows: Mapping[str, dt.date],
    span: tuple[dt.date, dt.date],
    say: Progress,
) -> set[str]:
    """Replace the incremental bars of revised symbols by their whole history, fetched again.

    A symbol whose whole history cannot be fetched keeps its old, consistent bars and is
    marked failed: mixing units would be worse than being a day late. Returns those.
    """
    history_start, end = span
    partial = [s for s in rewrites if windows[s] > history_start]
    failed: set[str] = set()
    if not partial:
        return failed
    say(f"Re-fetching the whole history of {len(partial)} symbols ({', '.join(partial)})")
    whole = await _fetch_windows(provider, dict.fromkeys(partial, history_start), end)
    result.requests += whole.requests
    for symbol in partial:
        if symbol in whole.closes.columns:
            result.closes = _with_column(result.closes, symbol, whole.closes[symbol])
        else:
            result.closes = result.closes.drop(columns=symbol)
            result.failures[symbol] = "history revised at the source; re-fetch failed"
            rewrites.pop(symbol)
            failed.add(symbol)
    return failed


async def _store_bars(
    store: MarketStore,
    result: FetchResult,
    rewrites: Mapping[str, list[CorporateAction]],
    windows: Mapping[str, dt.date],
    history_start: dt.date,
) -> int:
    """Whole histories replace what was stored; incremental windows extend it."""
    replace = [
        s
        for s in result.closes.columns
        if s not in result.append_only and (s in rewrites or windows[s] == history_start)
    ]
    extend = [s for s in result.closes.columns if s not in replace]
    rows = await store.replace_closes(result.closes[replace], BARS_FORMAT) if replace else 0
    rows += await store.write_closes(result.closes[extend]) if extend else 0
    return rows


async def _fetch_windows(
    provider: MarketDataProvider, windows: Mapping[str, dt.date], end: dt.date
) -> FetchResult:
    """One provider call per distinct window start, merged into one result."""
    by_start: dict[dt.date, list[str]] = {}
    for symbol, start in windows.items():
        by_start.setdefault(start, []).append(symbol)
    merged = FetchResult(closes=pd.DataFrame())
    # One after another: each answer counts the requests it made on a shared session.
    for start, group in sorted(by_start.items()):
        merge_into(merged, await provider.fetch_closes(group, start, end))
    for symbol in windows:
        if symbol not in merged.closes.columns:
            merged.failures.setdefault(symbol, "no data returned")
    return merged


@dataclass
class _MetaOutcome:
    failures: dict[str, str]
    requests: int


async def _refresh_meta(
    provider: MarketDataProvider,
    store: MarketStore,
    universe: Universe,
    now: dt.datetime,
    result: FetchResult,
    refetch: Sequence[str],
    say: Progress,
) -> _MetaOutcome:
    """Fetch share counts that are a day old, never fetched, or made stale by a split."""
    stocks = [s for s in universe.basket_symbols if s not in result.failures]
    due = set(await store.meta_due(stocks, now, META_MAX_AGE)) | set(refetch)
    wanted = [s for s in stocks if s in due]
    if not wanted:
        return _MetaOutcome({}, 0)
    say(f"Fetching metadata (shares outstanding, market cap) for {len(wanted)} symbols")
    answer = await provider.fetch_meta(wanted)
    # Only what answered counts as fetched: the rest is asked again next refresh.
    await store.write_meta(answer.meta, fetched_at=now)
    return _MetaOutcome(dict(answer.failures), answer.requests)


def _newest(series: pd.Series) -> dt.date:
    newest: dt.date = pd.Timestamp(series.dropna().index[-1]).date()
    return newest


def _bars_before(
    stored: pd.DataFrame, day: dt.date, symbols: Iterable[str]
) -> dict[str, list[dt.date]]:
    cutoff = pd.Timestamp(day)
    return {
        symbol: [stamp.date() for stamp in stored[symbol].dropna().index if stamp < cutoff]
        for symbol in symbols
        if symbol in stored.columns
    }


def _with_column(frame: pd.DataFrame, symbol: str, series: pd.Series) -> pd.DataFrame:
    rest = frame.drop(columns=symbol)
    joined = rest.join(series.rename(symbol).to_frame(), how="outer")
    return joined.dropna(how="all")


async def stored_market(
    store: MarketStore, universe: Universe
) -> tuple[pd.DataFrame, dict[str, SymbolMeta]]:
    """Every stored bar of the universe and its metadata, gaps filled from the universe."""
    closes = await store.read_closes(universe.all_symbols)
    meta = with_defaults(await store.read_meta(universe.price_symbols), universe)
    return closes, meta


async def compute_current(
    store: MarketStore,
    universe: Universe,
    now: dt.datetime,
    provider: str,
    as_of: dt.date | None = None,
) -> tuple[MarketView, list[ShareCheck]]:
    """A snapshot from the stored bars (as of `as_of`, default now), as a market view, and
    the share checks."""
    closes, meta = await stored_market(store, universe)
    last_values = await store.load_last_values()
    day = as_of or market_today(now)

    def compute() -> MarketView:
        snapshot = compute_snapshot(closes, meta, universe, day, now, provider, last_values)
        return market_view(snapshot, closes, meta, universe)

    view = await asyncio.to_thread(compute)
    checks = share_checks(meta, closes, universe.basket_symbols)
    return view, checks


async def current_snapshot(
    store: MarketStore,
    universe: Universe,
    now: dt.datetime,
    provider: str,
    as_of: dt.date | None = None,
) -> Snapshot:
    """Compute a snapshot from the stored bars, as of `as_of` (default: now)."""
    view, _checks = await compute_current(store, universe, now, provider, as_of)
    return view.snapshot


def with_defaults(meta: dict[str, SymbolMeta], universe: Universe) -> dict[str, SymbolMeta]:
    """Fill in what a provider did not give, and apply the universe's share overrides.

    Names come from the universe when the source gave none; the currency from the
    exchange; an override in `[shares]` replaces the source's count for that line.
    """
    filled = dict(meta)
    for symbol in universe.price_symbols:
        known = filled.get(symbol)
        name = universe.names.get(symbol, symbol)
        if known is None:
            exchange = universe.exchange(symbol)
            known = SymbolMeta(
                symbol=symbol,
                name=name,
                currency=EXCHANGE_CURRENCY.get(exchange, "USD"),
                exchange=exchange,
            )
        elif known.name in {"", symbol}:
            known = dataclasses.replace(known, name=name)
        override = universe.shares.get(symbol)
        if override is not None:
            known = dataclasses.replace(known, shares_outstanding=override.shares)
        filled[symbol] = known
    return filled
