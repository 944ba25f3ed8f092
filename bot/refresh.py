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
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import pandas as pd

from bot.analytics.shares import ShareCheck, share_checks
from bot.analytics.snapshot import Snapshot, compute_snapshot, member_values_of
from bot.calendars import is_open, local_date, session_close
from bot.data.base import (
    NOT_TRIED,
    CorporateAction,
    FetchResult,
    MarketDataProvider,
    SymbolMeta,
    merge_into,
)
from bot.errors import DataError
from bot.storage.market import MarketStore
from bot.universe import EXCHANGE_CURRENCY, FX_MARKET, Universe

logger = logging.getLogger(__name__)

# No covered market's trading date runs ahead of Shanghai's calendar date.
EASTMOST_MARKET_TZ = ZoneInfo("Asia/Shanghai")
INCREMENTAL_OVERLAP_DAYS = 7
META_MAX_AGE = dt.timedelta(days=1)
BARS_FORMAT = "close-traded-split-adjusted/2"
"""The price definition stored bars follow; bars stored under another are reloaded."""
MISMATCH_TOLERANCE = 5e-4
"""Relative difference above which a re-fetched close is a revision, not rounding."""
SET_ASIDE_AFTER = 3
"""Consecutive failed refreshes after which a symbol is retried only hourly."""
FIRST_RETRY = dt.timedelta(minutes=2)
SET_ASIDE_RETRY = dt.timedelta(hours=1)
AFTER_CLOSE_DELAY = dt.timedelta(minutes=20)
"""How long after a close the final bars are fetched (Yahoo settles them within minutes)."""
IDLE_REFRESH = dt.timedelta(hours=1)

Progress = Callable[[str], None]
Jitter = Callable[[], float]


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


@dataclass(frozen=True)
class SymbolHealth:
    """A symbol's run of failed fetches and when to try it again."""

    failures: int
    since: str
    next_attempt: dt.datetime
    reason: str
    rewrite: bool = False
    """Its stored history is known to be stale (a split seen) and must be fetched whole."""

    @property
    def set_aside(self) -> bool:
        """Failed so often that it is tried only on the slow schedule."""
        return self.failures >= SET_ASIDE_AFTER

    def as_json(self) -> dict[str, Any]:
        """The form kept in Redis."""
        return {
            "failures": self.failures,
            "since": self.since,
            "next_attempt": self.next_attempt.isoformat(),
            "reason": self.reason,
            "rewrite": self.rewrite,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SymbolHealth:
        """Read the form kept in Redis."""
        return cls(
            failures=int(raw["failures"]),
            since=str(raw["since"]),
            next_attempt=dt.datetime.fromisoformat(raw["next_attempt"]),
            reason=str(raw["reason"]),
            rewrite=bool(raw.get("rewrite", False)),
        )

    def failed_again(
        self, reason: str, now: dt.datetime, jitter: Jitter, rewrite: bool = False
    ) -> SymbolHealth:
        """The record after one more failure: the wait doubles, up to the hourly slow lane."""
        failures = self.failures + 1
        return SymbolHealth(
            failures=failures,
            since=self.since,
            next_attempt=now + retry_delay(failures, jitter),
            reason=reason,
            rewrite=rewrite or self.rewrite,
        )


NO_FAILURES = SymbolHealth(0, "", dt.datetime.min.replace(tzinfo=dt.UTC), "")


def retry_delay(failures: int, jitter: Jitter) -> dt.timedelta:
    """How long a symbol that failed `failures` times in a row waits, with up to 25% jitter."""
    if failures >= SET_ASIDE_AFTER:
        base = SET_ASIDE_RETRY
    else:
        base = min(FIRST_RETRY * 2 ** (failures - 1), SET_ASIDE_RETRY)
    return base * (1.0 + 0.25 * jitter())


def market_today(now: dt.datetime) -> dt.date:
    """The latest calendar date any covered market can have a bar for."""
    return now.astimezone(EASTMOST_MARKET_TZ).date()


@dataclass(frozen=True)
class RefreshPlan:
    """Why a scheduled refresh runs now, and the markets whose symbols it fetches."""

    reason: str
    exchanges: frozenset[str] | None = None
    """None: every symbol. FX series are always fetched: every USD value needs them."""

    def symbols(self, universe: Universe) -> list[str] | None:
        """The symbols to fetch (None: all of them)."""
        if self.exchanges is None:
            return None
        wanted = self.exchanges | {FX_MARKET}
        return [s for s in universe.all_symbols if universe.exchange(s) in wanted]


def refresh_plan(
    now: dt.datetime,
    last_finished: dt.datetime | None,
    exchanges: Iterable[str],
    interval: dt.timedelta,
) -> RefreshPlan | None:
    """What a scheduled refresh should fetch now, or None: the request budget's one rule.

    Every `interval` while a covered market trades, only the markets trading; once after
    each close, when the final bars have settled; everything hourly otherwise.
    """
    if last_finished is None:
        return RefreshPlan("first refresh")
    since = now - last_finished
    markets = [e for e in dict.fromkeys(exchanges) if e != FX_MARKET]
    trading = [e for e in markets if is_open(e, now)]
    settled = [e for e in markets if _settled_since(e, last_finished, now)]
    if trading and since >= interval:
        return RefreshPlan("a market is open", frozenset(trading + settled))
    if settled:
        return RefreshPlan(f"{', '.join(settled)} closed", frozenset(settled))
    if not trading and since >= IDLE_REFRESH:
        return RefreshPlan("hourly while markets are closed")
    return None


def next_refresh_at(
    now: dt.datetime,
    last_finished: dt.datetime | None,
    exchanges: Iterable[str],
    interval: dt.timedelta,
) -> dt.datetime:
    """The first minute from `now` at which the schedule has a refresh to run."""
    markets = list(exchanges)
    moment = now
    # The hourly rule bounds the wait; the horizon only guards against a calendar gap.
    while moment < now + 2 * IDLE_REFRESH:
        if refresh_plan(moment, last_finished, markets, interval) is not None:
            return moment
        moment += dt.timedelta(minutes=1)
    return moment


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


def _settled_since(exchange: str, last_finished: dt.datetime, now: dt.datetime) -> bool:
    """Whether `exchange`'s last close has settled after the last refresh."""
    close = _last_close(exchange, now)
    return close is not None and last_finished < close + AFTER_CLOSE_DELAY <= now


def _last_close(exchange: str, now: dt.datetime) -> dt.datetime | None:
    day = local_date(exchange, now)
    for back in range(8):
        try:
            close = session_close(exchange, day - dt.timedelta(days=back))
        except ValueError:
            continue
        if close <= now:
            return close
    return None


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
    health = {
        s: SymbolHealth.from_json(raw) for s, raw in (await store.load_symbol_health()).items()
    }
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
        await _record_failures(store, health, result.failures, now, jitter)
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
    rewrites = _history_revisions(result, stored, windows, history_start, seen)
    await _fetch_whole_histories(provider, result, rewrites, windows, (history_start, today), say)
    extended = _keep_extending_bars(result, stored)
    say(f"Storing {result.closes.shape[1]} symbols")
    rows = await _store_bars(store, result, rewrites, windows, history_start)
    await store.save_actions_seen(_actions_reflected(result, seen))
    await store.trim_closes(history_start, result.closes.columns)
    await store.write_meta(result.meta)

    meta_outcome = await _refresh_meta(
        provider, store, universe, now, result, refetch=list(rewrites), say=say
    )
    failed_rewrites = {
        s for s, reason in result.failures.items() if reason.startswith("history revised")
    }
    health = await _record_failures(
        store,
        health,
        result.failures,
        now,
        jitter,
        succeeded=[s for s in result.closes.columns if s not in extended],
        rewrite=failed_rewrites,
        pending=extended,
    )

    say("Computing the snapshot")
    snapshot, checks = await compute_current(store, universe, now, provider.name)
    version = await store.save_snapshot(snapshot)
    await store.save_last_values(member_values_of(snapshot))
    report = RefreshReport(
        symbols=int(result.closes.shape[1]),
        rows=rows,
        start=min(windows.values(), default=today),
        end=today,
        newest_by_exchange=dict(snapshot.get("markets", {})),
        failures=dict(result.failures),
        snapshot_version=version,
        seconds=time.perf_counter() - started,
        requests=result.requests + meta_outcome.requests,
        rewritten={s: ", ".join(map(str, actions)) for s, actions in rewrites.items()},
        failing={
            s: f"{h.reason} (since {h.since})"
            for s, h in health.items()
            if s in universe.all_symbols
        },
        set_aside={
            s: f"{h.reason} (failing since {h.since}; next try {h.next_attempt:%H:%M} UTC)"
            for s, h in health.items()
            if h.set_aside and s in universe.all_symbols
        },
        meta_failures=meta_outcome.failures,
        share_mismatches=checks,
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
) -> None:
    """Replace the incremental bars of revised symbols by their whole history, fetched again.

    A symbol whose whole history cannot be fetched keeps its old, consistent bars and is
    marked failed: mixing units would be worse than being a day late.
    """
    history_start, end = span
    partial = [s for s in rewrites if windows[s] > history_start]
    if not partial:
        return
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


def _history_revisions(
    result: FetchResult,
    stored: pd.DataFrame,
    windows: Mapping[str, dt.date],
    history_start: dt.date,
    seen: Mapping[str, dt.date],
) -> dict[str, list[CorporateAction]]:
    """Per symbol whose stored history no longer matches the source, the actions why.

    A split or dividend counts once: the stored bars of a symbol already reflect every
    action on or before its `seen` day. A changed overlapping close counts always (an
    empty list of actions).
    """
    revised: dict[str, list[CorporateAction]] = {}
    for symbol in result.closes.columns:
        if symbol in result.append_only or symbol not in stored.columns:
            continue
        if windows[symbol] == history_start:
            continue  # fetched whole anyway
        reflected = seen.get(symbol, dt.date.min)
        new = [a for a in result.events.get(symbol, []) if a.day > reflected]
        if new:
            revised[symbol] = new
        elif _differing_day(stored[symbol], result.closes[symbol]) is not None:
            revised[symbol] = []
    return revised


def _actions_reflected(result: FetchResult, seen: Mapping[str, dt.date]) -> dict[str, dt.date]:
    """The newest action each stored symbol's bars now reflect, where it moved on."""
    moved: dict[str, dt.date] = {}
    for symbol, actions in result.events.items():
        if symbol not in result.closes.columns or symbol in result.append_only or not actions:
            continue
        newest = max(a.day for a in actions)
        if newest > seen.get(symbol, dt.date.min):
            moved[symbol] = newest
    return moved


def _differing_day(stored: pd.Series, fetched: pd.Series) -> str | None:
    """The first overlapping settled day whose close changed at the source, if any.

    The newest stored bar is left out: it may have been taken while its market traded.
    """
    old = stored.dropna()
    if old.empty:
        return None
    old = old.iloc[:-1]
    both = pd.concat({"old": old, "new": fetched.dropna()}, axis=1, join="inner")
    if both.empty:
        return None
    change = (both["new"] / both["old"] - 1.0).abs()
    off = change[change > MISMATCH_TOLERANCE]
    return None if off.empty else pd.Timestamp(off.index[0]).date().isoformat()


def _keep_extending_bars(result: FetchResult, stored: pd.DataFrame) -> set[str]:
    """Cut a fallback's bars (not split-adjusted) to the days that extend stored history.

    They are kept only after the newest stored close, and only when both sources agree on
    that close; otherwise the symbol counts as failed. Returns the symbols extended: a split
    after the checked day could still hide in their new bars, so their whole history is to
    be fetched again from the first source as soon as it answers.
    """
    extended: set[str] = set()
    for symbol in [s for s in result.closes.columns if s in result.append_only]:
        old = stored[symbol].dropna() if symbol in stored.columns else pd.Series(dtype=float)
        new = result.closes[symbol].dropna()
        if old.empty or old.index[-1] not in new.index:
            reason = "fallback source has no day in common with stored history"
        elif abs(new[old.index[-1]] / old.iloc[-1] - 1.0) > MISMATCH_TOLERANCE:
            reason = "fallback source disagrees with stored history (a split?)"
        else:
            result.closes.loc[result.closes.index <= old.index[-1], symbol] = math.nan
            extended.add(symbol)
            continue
        result.closes = result.closes.drop(columns=symbol)
        result.failures[symbol] = reason
    return extended


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


async def _record_failures(
    store: MarketStore,
    health: Mapping[str, SymbolHealth],
    failures: Mapping[str, str],
    now: dt.datetime,
    jitter: Jitter,
    succeeded: Iterable[str] = (),
    rewrite: Iterable[str] = (),
    pending: Iterable[str] = (),
) -> dict[str, SymbolHealth]:
    """Count one more failure for each failed symbol; forget the ones that answered.

    A symbol skipped because the source was unreachable did not fail itself and is not
    counted. `pending` symbols were served by a fallback: not failing, but their whole
    history is due from the first source.
    """
    stamp = now.isoformat(timespec="minutes")
    needs_rewrite = set(rewrite)
    updated = dict(health)
    changed: dict[str, dict[str, Any]] = {}
    for symbol, reason in failures.items():
        if reason.startswith(NOT_TRIED):
            continue
        record = health.get(symbol, dataclasses.replace(NO_FAILURES, since=stamp))
        updated[symbol] = record.failed_again(reason, now, jitter, symbol in needs_rewrite)
        changed[symbol] = updated[symbol].as_json()
    for symbol in pending:
        record = health.get(symbol, dataclasses.replace(NO_FAILURES, since=stamp))
        updated[symbol] = dataclasses.replace(
            record, reason="extended from a fallback source; whole history due", rewrite=True
        )
        changed[symbol] = updated[symbol].as_json()
    recovered = [s for s in succeeded if s in health and s not in failures]
    for symbol in recovered:
        updated.pop(symbol, None)
    await store.save_symbol_health(changed, recovered)
    return updated


def _newest(series: pd.Series) -> dt.date:
    newest: dt.date = pd.Timestamp(series.dropna().index[-1]).date()
    return newest


def _with_column(frame: pd.DataFrame, symbol: str, series: pd.Series) -> pd.DataFrame:
    rest = frame.drop(columns=symbol)
    joined = rest.join(series.rename(symbol).to_frame(), how="outer")
    return joined.dropna(how="all")


async def compute_current(
    store: MarketStore,
    universe: Universe,
    now: dt.datetime,
    provider: str,
    as_of: dt.date | None = None,
) -> tuple[Snapshot, list[ShareCheck]]:
    """A snapshot from the stored bars (as of `as_of`, default now) and the share checks."""
    closes = await store.read_closes(universe.all_symbols)
    meta = with_defaults(await store.read_meta(universe.price_symbols), universe)
    last_values = await store.load_last_values()
    day = as_of or market_today(now)
    snapshot = await asyncio.to_thread(
        compute_snapshot, closes, meta, universe, day, now, provider, last_values
    )
    checks = share_checks(meta, closes, universe.basket_symbols)
    return snapshot, checks


async def current_snapshot(
    store: MarketStore,
    universe: Universe,
    now: dt.datetime,
    provider: str,
    as_of: dt.date | None = None,
) -> Snapshot:
    """Compute a snapshot from the stored bars, as of `as_of` (default: now)."""
    snapshot, _checks = await compute_current(store, universe, now, provider, as_of)
    return snapshot


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
