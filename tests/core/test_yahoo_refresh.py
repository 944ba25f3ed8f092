"""The Yahoo path end to end: yfinance's real code on a fake Yahoo, the real store, refresh.

Every finding of issue 7 is reproduced here with answers shaped like Yahoo's (HTTP 429s,
404s, splits and dividends in the chart's events), never with mocked exceptions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pandas as pd
import pytest
import redis.asyncio as redis
import yfinance.data

from bot.core.errors import DataError
from bot.core.universe import Universe, load_universe
from bot.refresh import SET_ASIDE_AFTER, RefreshReport, current_snapshot, refresh_market
from bot.sources.yahoo import YahooProvider
from bot.storage.keys import Keys
from bot.storage.market import MarketStore
from bot.text.report import report_json
from tests.support.fake_yahoo import YahooWorld, install_fake_yahoo
from tests.support.yahoo_world import SMALL_UNIVERSE, MarketPaths, market_paths, yahoo_world

# Tuesday 10 and Wednesday 25 November 2026 at noon UTC: Asia has closed, New York not open.
FIRST_LOAD = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
SPLIT = ("300308.SZ", dt.date(2026, 11, 16), 2.0)
HISTORY_DAYS = 800


async def no_sleep(_seconds: float) -> None:
    """Backoff without waiting."""


def provider_on(world: YahooWorld, cache: Path, universe: Universe) -> YahooProvider:
    """A Yahoo provider talking to `world` as a freshly started process would."""
    session = install_fake_yahoo(world, cache / uuid.uuid4().hex)
    return YahooProvider(
        session, sleep=no_sleep, jitter=lambda: 0.0, exchange_for=universe.exchange
    )


async def refresh(
    world: YahooWorld,
    provider: YahooProvider,
    store: MarketStore,
    universe: Universe,
    now: dt.datetime,
) -> RefreshReport:
    world.now = now
    # yfinance memoises chart answers whose end lies in the past of the real clock, as the
    # test's dates do; in production the end is always tomorrow, so nothing is memoised.
    yfinance.data.YfData.cache_get.cache_clear()
    return await refresh_market(provider, store, universe, now, HISTORY_DAYS, jitter=lambda: 0.0)


@pytest.fixture
async def paths() -> MarketPaths:
    return await market_paths(SMALL_UNIVERSE)


@pytest.fixture
def store(redis_client: redis.Redis, keys: Keys) -> MarketStore:
    return MarketStore(redis_client, keys)


@pytest.fixture
def fresh_store(redis_client: redis.Redis, key_prefix: str) -> MarketStore:
    """A second install's store on the same server."""
    return MarketStore(redis_client, Keys(f"{key_prefix}-fresh"))


async def report_of(store: MarketStore, universe: Universe, now: dt.datetime) -> dict:
    return report_json(await current_snapshot(store, universe, now, "yahoo"))


# --- finding 1: a split between two refreshes ---------------------------------------------


async def test_a_split_between_refreshes_rewrites_that_symbols_history(
    paths: MarketPaths, store: MarketStore, fresh_store: MarketStore, tmp_path: Path
) -> None:
    symbol, ex_date, ratio = SPLIT
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD, splits={symbol: (ex_date, ratio)})
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    later = await refresh(world, provider, store, SMALL_UNIVERSE, LATER)

    assert later.rewritten == {symbol: "split 2:1 on 2026-11-16"}
    report = await report_of(store, SMALL_UNIVERSE, LATER)
    ytd = report["instruments"][symbol]["returns"]["YTD"]
    assert ytd == pytest.approx(paths.period_return(symbol, "2025-12-31", "2026-11-25"))
    # The share count doubled with the split, so the market value did not halve.
    old_units = paths.closes[symbol].dropna().loc[:"2026-11-25"].iloc[-1]
    stored = await store.read_meta([symbol])
    assert stored[symbol].shares_outstanding == pytest.approx(
        2 * (paths.meta[symbol].shares_outstanding or 0)
    )
    assert report["instruments"][symbol]["close"] == pytest.approx(old_units / 2)

    # A fresh install on the same day computes exactly the same numbers.
    fresh = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, fresh, fresh_store, SMALL_UNIVERSE, LATER)
    assert await report_of(fresh_store, SMALL_UNIVERSE, LATER) == report


async def test_a_split_whose_history_cannot_be_fetched_keeps_the_old_bars(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    symbol, ex_date, ratio = SPLIT
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD, splits={symbol: (ex_date, ratio)})
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    before = (await store.read_closes([symbol]))[symbol].dropna()

    class SplitThenRateLimited(YahooProvider):
        """The incremental fetch sees the split; the whole-history fetch gets a 429."""

        async def fetch_closes(self, symbols, start, end):  # type: ignore[no-untyped-def]
            if start < dt.date(2026, 1, 1):
                world.rate_limited.add(symbol)
            return await super().fetch_closes(symbols, start, end)

    flaky = SplitThenRateLimited(
        provider.session, sleep=no_sleep, jitter=lambda: 0.0, exchange_for=SMALL_UNIVERSE.exchange
    )
    report = await refresh(world, flaky, store, SMALL_UNIVERSE, LATER)
    assert report.failures == {symbol: "history revised at the source; re-fetch failed"}
    after = (await store.read_closes([symbol]))[symbol].dropna()
    assert after.equals(before)  # old units kept whole, never mixed with new ones
    health = await store.load_symbol_health()
    assert health[symbol]["rewrite"] is True

    # Next time the whole history is fetched straight away, and the numbers are right.
    world.rate_limited.clear()
    retry = await refresh(world, provider, store, SMALL_UNIVERSE, LATER + dt.timedelta(hours=1))
    assert retry.failures == {}
    report_after = await report_of(store, SMALL_UNIVERSE, LATER + dt.timedelta(hours=1))
    assert report_after["instruments"][symbol]["returns"]["YTD"] == pytest.approx(
        paths.period_return(symbol, "2025-12-31", "2026-11-25")
    )


# --- finding 2: closes are what traded, not dividend-adjusted ------------------------------


async def test_closes_are_what_traded_never_dividend_adjusted(
    paths: MarketPaths, store: MarketStore, fresh_store: MarketStore, tmp_path: Path
) -> None:
    symbol = "601138.SS"
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    june = paths.closes[symbol].dropna().loc[:"2026-06-12"].iloc[-1]
    world.add_dividend(symbol, dt.date(2026, 6, 15), round(june * 0.04, 2))
    november = round(june * 0.03, 2)
    world.add_dividend(symbol, dt.date(2026, 11, 18), november)
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    first = await report_of(store, SMALL_UNIVERSE, FIRST_LOAD)
    assert first["instruments"][symbol]["returns"]["YTD"] == pytest.approx(
        paths.period_return(symbol, "2025-12-31", "2026-11-10")
    )
    later = await refresh(world, provider, store, SMALL_UNIVERSE, LATER)
    assert later.rewritten == {symbol: f"dividend {november:g} on 2026-11-18"}
    report = await report_of(store, SMALL_UNIVERSE, LATER)
    assert report["instruments"][symbol]["returns"]["YTD"] == pytest.approx(
        paths.period_return(symbol, "2025-12-31", "2026-11-25")
    )
    fresh = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, fresh, fresh_store, SMALL_UNIVERSE, LATER)
    assert await report_of(fresh_store, SMALL_UNIVERSE, LATER) == report


# --- finding 3: a rate-limited share-count fetch -----------------------------------------


async def test_a_rate_limited_quote_never_wipes_the_stored_share_counts(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    good = await report_of(store, SMALL_UNIVERSE, FIRST_LOAD)

    world.quote_rate_limited = True
    two_days = FIRST_LOAD + dt.timedelta(days=2)
    limited = await refresh(world, provider, store, SMALL_UNIVERSE, two_days)
    members = SMALL_UNIVERSE.basket_symbols
    assert limited.meta_failures == dict.fromkeys(members, "rate-limited by Yahoo (HTTP 429)")
    report = await report_of(store, SMALL_UNIVERSE, two_days)
    assert (
        report["baskets"]["china_ai"]["value_usd"] > 0.5 * good["baskets"]["china_ai"]["value_usd"]
    )
    assert report["ratios"]["china_ai/us_ai"] is not None
    # Nothing counts as fetched: the next refresh asks again, and gets them.
    day = dt.timedelta(days=1)
    assert await store.meta_due(members, two_days, day) == members
    world.quote_rate_limited = False
    hour_later = two_days + dt.timedelta(hours=1)
    healthy = await refresh(world, provider, store, SMALL_UNIVERSE, hour_later)
    assert healthy.meta_failures == {}
    assert await store.meta_due(members, hour_later, day) == []


# --- finding 4: a 429 is found per symbol and retried -------------------------------------


async def test_a_rate_limited_symbol_is_retried_alone_after_a_backoff(
    paths: MarketPaths, tmp_path: Path
) -> None:
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    world.rate_limited.add("0700.HK")
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        world.rate_limited.clear()  # Yahoo lets us back in after the pause

    session = install_fake_yahoo(world, tmp_path / "yf")
    provider = YahooProvider(session, sleep=sleep, jitter=lambda: 0.5, backoff_seconds=2.0)
    symbols = ["0700.HK", "9988.HK", "NVDA"]
    result = await provider.fetch_closes(symbols, dt.date(2026, 11, 2), dt.date(2026, 11, 10))
    assert result.failures == {}
    assert sorted(result.closes.columns) == sorted(symbols)
    assert delays == [3.0]  # 2 s doubled per attempt, times 1 + jitter
    charts = [name for kind, name in world.requests if kind == "chart"]
    # yfinance itself asks twice before raising the 429; then our retry asks once more.
    assert sum("0700.HK" in name for name in charts) == 3
    assert sum("9988.HK" in name for name in charts) == 1


async def test_a_symbol_still_rate_limited_after_its_retries_is_reported(
    paths: MarketPaths, tmp_path: Path
) -> None:
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    world.rate_limited.add("0700.HK")
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    session = install_fake_yahoo(world, tmp_path / "yf")
    provider = YahooProvider(session, sleep=sleep, jitter=lambda: 0.0, retries=2)
    result = await provider.fetch_closes(
        ["0700.HK", "NVDA"], dt.date(2026, 11, 2), dt.date(2026, 11, 10)
    )
    assert result.failures == {"0700.HK": "rate-limited by Yahoo (HTTP 429)"}
    assert list(result.closes.columns) == ["NVDA"]
    assert delays == [2.0, 4.0]


# --- finding 5: partial failures are carried, not dropped ----------------------------------


async def test_failed_symbols_keep_their_bars_and_are_shown_as_carried(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    good = await report_of(store, SMALL_UNIVERSE, FIRST_LOAD)

    world.rate_limited |= {"0700.HK", "9988.HK", "NVDA"}
    next_day = FIRST_LOAD + dt.timedelta(days=1)
    partial = await refresh(world, provider, store, SMALL_UNIVERSE, next_day)
    assert set(partial.failures) == {"0700.HK", "9988.HK", "NVDA"}
    report = await report_of(store, SMALL_UNIVERSE, next_day)
    china = report["baskets"]["china_ai"]
    assert china["members"] == 4
    assert china["coverage"]["fresh"] == 2
    assert china["coverage"]["carried"] == [
        {"symbol": "0700.HK", "date": "2026-11-10"},
        {"symbol": "9988.HK", "date": "2026-11-10"},
    ]
    assert china["coverage"]["missing"] == []
    assert report["instruments"]["0700.HK"]["date"] == "2026-11-10"
    # The totals still count every member: within a day's moves of the day before.
    for key in ("china_ai", "us_ai"):
        before, after = good["baskets"][key]["value_usd"], report["baskets"][key]["value_usd"]
        assert after == pytest.approx(before, rel=0.15)
    assert report["ratios"]["china_ai/us_ai"] == pytest.approx(
        good["ratios"]["china_ai/us_ai"], rel=0.15
    )


async def test_the_ratio_is_withheld_when_a_basket_misses_over_a_tenth_of_its_value(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    # Tencent's share count disappears (say, an override file removed it and the source
    # stops reporting it): its value is now unknown, its last known value is not.
    await store.client.hdel(store.keys.meta("0700.HK"), "shares")
    snapshot = await current_snapshot(store, SMALL_UNIVERSE, FIRST_LOAD, "yahoo")
    coverage = snapshot.baskets["china_ai"].coverage
    assert coverage.missing == ("0700.HK",)
    assert coverage.missing_share > 0.10
    assert snapshot.ratios["china_ai/us_ai"] is None
    assert snapshot.ratio_notes["china_ai/us_ai"].startswith("china_ai misses 0700.HK (")


# --- finding 6: one dead symbol does not force a full reload -------------------------------


class RecordingYahoo(YahooProvider):
    """Remembers which window each symbol was asked for."""

    windows: list[tuple[tuple[str, ...], dt.date]]

    async def fetch_closes(self, symbols, start, end):  # type: ignore[no-untyped-def]
        self.windows.append((tuple(symbols), start))
        return await super().fetch_closes(symbols, start, end)


async def test_a_symbol_that_never_answers_is_set_aside_without_widening_any_window(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    dead = "9988.HK"
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD, missing=(dead,))
    session = install_fake_yahoo(world, tmp_path / "yf")
    provider = RecordingYahoo(
        session, sleep=no_sleep, jitter=lambda: 0.0, exchange_for=SMALL_UNIVERSE.exchange
    )
    provider.windows = []
    now = FIRST_LOAD
    reports = []
    for _ in range(SET_ASIDE_AFTER):
        reports.append(await refresh(world, provider, store, SMALL_UNIVERSE, now))
        now += dt.timedelta(hours=1)
    assert all(r.failures == {dead: "no data: unknown or delisted symbol"} for r in reports)
    history_start = FIRST_LOAD.date() - dt.timedelta(days=HISTORY_DAYS)
    for symbols, start in provider.windows[1:]:  # after the first load
        if symbols == (dead,):
            assert start == history_start
        else:
            assert dead not in symbols
            assert start >= FIRST_LOAD.date() - dt.timedelta(days=10)
    assert reports[-1].set_aside.keys() == {dead}

    # Set aside: refreshes within the next hour leave it alone; after it, one try.
    last_failure = now - dt.timedelta(hours=1)
    before = world.count("chart")
    provider.windows = []
    await refresh(world, provider, store, SMALL_UNIVERSE, last_failure + dt.timedelta(minutes=30))
    assert all(dead not in symbols for symbols, _ in provider.windows)
    assert world.count("chart") - before == len(SMALL_UNIVERSE.all_symbols) - 1
    provider.windows = []
    await refresh(world, provider, store, SMALL_UNIVERSE, last_failure + dt.timedelta(hours=1))
    assert ((dead,), FIRST_LOAD.date() - dt.timedelta(days=HISTORY_DAYS)) in provider.windows


# --- the invariant: an install that loaded earlier computes what a fresh one does --------


async def test_a_long_running_install_and_a_fresh_one_compute_identical_reports(
    store: MarketStore, fresh_store: MarketStore, tmp_path: Path
) -> None:
    universe = load_universe().without_source("akshare")
    paths = await market_paths(universe)
    symbol, ex_date, ratio = SPLIT
    world = yahoo_world(universe, paths, FIRST_LOAD, splits={symbol: (ex_date, ratio)})
    before_dividend = paths.closes["601138.SS"].dropna().loc[:"2026-11-17"].iloc[-1]
    world.add_dividend("601138.SS", dt.date(2026, 11, 18), round(before_dividend * 0.02, 2))
    world.add_dividend("NVDA", dt.date(2026, 11, 20), 0.01)

    running = provider_on(world, tmp_path, universe)
    await refresh(world, running, store, universe, FIRST_LOAD)
    later = await refresh(world, running, store, universe, LATER)
    assert set(later.rewritten) == {symbol, "601138.SS", "NVDA"}
    long_running = await report_of(store, universe, LATER)

    fresh = provider_on(world, tmp_path, universe)
    await refresh(world, fresh, fresh_store, universe, LATER)
    fresh_report = await report_of(fresh_store, universe, LATER)

    assert long_running["instruments"] == fresh_report["instruments"]
    assert long_running["baskets"] == fresh_report["baskets"]
    assert long_running == fresh_report
    assert long_running["instruments"][symbol]["returns"]["YTD"] == pytest.approx(
        paths.period_return(symbol, "2025-12-31", "2026-11-25")
    )


# --- an outage counts against Yahoo, not against every symbol ------------------------------


async def test_after_an_outage_every_symbol_is_fetched_again_at_once(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    world.down = True
    now = FIRST_LOAD
    for _ in range(SET_ASIDE_AFTER + 1):
        now += dt.timedelta(minutes=5)
        with pytest.raises(DataError, match="could not reach Yahoo"):
            await refresh(world, provider, store, SMALL_UNIVERSE, now)
    assert await store.load_symbol_health() == {}  # nobody is set aside for Yahoo's outage
    failure = await store.load_refresh_failure()
    assert failure is not None
    assert failure["at"] == now.isoformat(timespec="seconds")

    world.down = False
    back = await refresh(world, provider, store, SMALL_UNIVERSE, now + dt.timedelta(minutes=5))
    assert back.symbols == len(SMALL_UNIVERSE.all_symbols)
    assert back.failures == {}
    assert await store.load_refresh_failure() is None


async def test_a_retry_run_that_fails_again_counts_only_that_symbol(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    world.rate_limited.add("0700.HK")
    later = FIRST_LOAD + dt.timedelta(minutes=5)
    await refresh(world, provider, store, SMALL_UNIVERSE, later)
    status = await store.load_refresh_status()

    retry_at = later + dt.timedelta(minutes=2)
    world.now = retry_at
    report = await refresh_market(
        provider, store, SMALL_UNIVERSE, retry_at, HISTORY_DAYS, only=["0700.HK"], retry=True
    )
    assert report.failures == {"0700.HK": "rate-limited by Yahoo (HTTP 429)"}
    assert await store.load_refresh_status() == status  # the schedule's clock is untouched
    assert await store.load_refresh_failure() is None
    assert (await store.load_symbol_health())["0700.HK"]["failures"] == 2


async def test_a_dividend_rewrites_a_history_once_not_every_refresh_after_it(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    world.add_dividend("NVDA", dt.date(2026, 11, 12), 0.01)
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    rewritten = []
    for day in range(13, 18):
        now = dt.datetime(2026, 11, day, 22, tzinfo=dt.UTC)
        rewritten.append((await refresh(world, provider, store, SMALL_UNIVERSE, now)).rewritten)
    assert rewritten[0] == {"NVDA": "dividend 0.01 on 2026-11-12"}
    assert rewritten[1:] == [{}] * 4
    assert await store.actions_seen(["NVDA"]) == {"NVDA": dt.date(2026, 11, 12)}


async def test_an_old_install_holds_no_more_history_than_a_fresh_one(
    paths: MarketPaths, store: MarketStore, tmp_path: Path
) -> None:
    world = yahoo_world(SMALL_UNIVERSE, paths, FIRST_LOAD)
    provider = provider_on(world, tmp_path, SMALL_UNIVERSE)
    await refresh(world, provider, store, SMALL_UNIVERSE, FIRST_LOAD)
    await refresh(world, provider, store, SMALL_UNIVERSE, LATER)
    first = (await store.read_closes(["NVDA"]))["NVDA"].dropna().index[0]
    assert first >= pd.Timestamp(LATER.date() - dt.timedelta(days=HISTORY_DAYS))
