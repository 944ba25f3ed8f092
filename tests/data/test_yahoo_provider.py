"""The Yahoo provider on a fake Yahoo at the HTTP layer: yfinance 1.7 runs unchanged on it."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yfinance.data

from bot.sources.yahoo import CountingSession, YahooProvider
from tests.support.fake_yahoo import FakeYahooSession, YahooWorld, install_fake_yahoo
from tests.support.yahoo_world import HK_DAYS, SH_DAYS, WEEKDAYS, golden_week_world, series

START, END = dt.date(2026, 9, 28), dt.date(2026, 10, 9)
SYMBOLS = ["NVDA", "0700.HK", "000688.SS", "HKD=X"]


async def no_sleep(_seconds: float) -> None:
    """Backoff without waiting."""


@pytest.fixture
def world() -> YahooWorld:
    return golden_week_world()


@pytest.fixture
def session(world: YahooWorld, tmp_path: Path) -> FakeYahooSession:
    return install_fake_yahoo(world, tmp_path / "yf")


@pytest.fixture
def provider(session: FakeYahooSession) -> YahooProvider:
    return YahooProvider(session, sleep=no_sleep, jitter=lambda: 0.0)


async def test_closes_are_split_adjusted_traded_prices_by_local_date(
    provider: YahooProvider, world: YahooWorld
) -> None:
    result = await provider.fetch_closes(SYMBOLS, START, END)
    assert result.failures == {}
    closes = result.closes
    assert closes.index.tz is None
    nvda = closes["NVDA"].dropna()
    assert nvda.tolist() == [90.0, 91.0, 92.0, 93.0, 94.0, 95.0, 96.0, 97.0, 98.0, 99.0]
    assert list(closes["0700.HK"].dropna().index.date) == HK_DAYS
    assert list(closes["000688.SS"].dropna().index.date) == SH_DAYS
    assert closes["HKD=X"].dropna().index[0] == pd.Timestamp("2026-09-28")  # London midnight
    assert np.isnan(closes.loc["2026-10-01", "0700.HK"])  # National Day in Hong Kong
    assert {s: [str(a) for a in actions] for s, actions in result.events.items()} == {
        "NVDA": [
            "split 2:1 on 2026-10-05",
            "dividend 0.04 on 2026-09-30",  # split-adjusted, as Yahoo reports it
            "dividend 0.05 on 2026-10-07",
        ]
    }
    assert {s: m.currency for s, m in result.meta.items()} == {
        "NVDA": "USD",
        "0700.HK": "HKD",
        "000688.SS": "CNY",
        "HKD=X": "HKD",
    }
    assert result.sources == dict.fromkeys(SYMBOLS, "yahoo")


async def test_one_chart_request_per_symbol_and_no_timezone_lookups(
    provider: YahooProvider, world: YahooWorld, session: FakeYahooSession
) -> None:
    result = await provider.fetch_closes(SYMBOLS, START, END)
    charts = [url for url in world.urls if "/v8/finance/chart/" in url]
    assert len(charts) == len(SYMBOLS)
    assert not any("range=1d" in url for url in charts)  # the universe knows the zones
    assert all("events=div,splits,capitalGains" in url for url in charts)
    assert result.requests == session.requests_sent == world.count()


async def test_an_unknown_symbol_fails_alone_without_retries(
    session: FakeYahooSession, world: YahooWorld
) -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    provider = YahooProvider(session, sleep=sleep, jitter=lambda: 0.0)
    result = await provider.fetch_closes(["NVDA", "NOPE.HK"], START, END)
    assert result.failures == {"NOPE.HK": "no data: unknown or delisted symbol"}
    assert list(result.closes.columns) == ["NVDA"]
    assert delays == []


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_server_error_is_retried_not_taken_for_a_delisting(
    session: FakeYahooSession, world: YahooWorld, status: int
) -> None:
    world.server_errors["0700.HK"] = status
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        world.server_errors.clear()  # Yahoo recovers after the pause
        # yfinance memoises answers to windows in the real clock's past, as this test's is;
        # production asks up to tomorrow, which is never memoised.
        yfinance.data.YfData.cache_get.cache_clear()

    provider = YahooProvider(session, sleep=sleep, jitter=lambda: 0.0)
    result = await provider.fetch_closes(["0700.HK", "NVDA"], START, END)
    assert result.failures == {}
    assert delays == [2.0]


async def test_yahoo_unreachable_stops_asking_after_the_first_symbols(
    session: FakeYahooSession, world: YahooWorld
) -> None:
    world.down = True
    symbols = [f"{n:04d}.HK" for n in range(1, 21)]
    provider = YahooProvider(session, sleep=no_sleep, jitter=lambda: 0.0, concurrency=4)
    result = await provider.fetch_closes(symbols, START, END)
    assert set(result.failures) == set(symbols)
    reasons = set(result.failures.values())
    assert all(
        r.startswith(("could not reach Yahoo", "not tried: could not reach")) for r in reasons
    )
    # At most the first four in flight tried (three attempts each), not all twenty.
    assert sum(r.startswith("could not reach") for r in result.failures.values()) <= 4
    assert result.closes.empty


async def test_fetches_run_at_most_four_at_a_time(world: YahooWorld, tmp_path: Path) -> None:
    install_fake_yahoo(world, tmp_path / "yf")
    lock = threading.Lock()
    active = peak = 0

    class SlowYahoo(FakeYahooSession):
        def request(self, method: str, url: str, params: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
            time.sleep(0.02)
            try:
                return super().request(method, url, params, **kwargs)
            finally:
                with lock:
                    active -= 1

    symbols = [f"S{n}" for n in range(10)]
    for symbol in symbols:
        world.add_symbol(symbol, closes=series(WEEKDAYS, [10.0] * 10))
    provider = YahooProvider(SlowYahoo(world), sleep=no_sleep, concurrency=4)
    result = await provider.fetch_closes(symbols, START, END)
    assert result.failures == {}
    assert 2 <= peak <= 4


async def test_metadata_comes_from_one_batched_quote(
    provider: YahooProvider, world: YahooWorld
) -> None:
    answer = await provider.fetch_meta(["NVDA", "0700.HK", "000688.SS", "HKD=X", "NOPE.HK"])
    assert world.count("quote") == 1
    assert answer.failures == {"NOPE.HK": "Yahoo's quote has no entry for it"}
    nvda = answer.meta["NVDA"]
    # Yahoo reports today's count (after the 2:1 split) and the cap at today's price.
    assert (nvda.shares_outstanding, nvda.cap_price) == (48.6e9, 99.0)
    assert nvda.market_cap == pytest.approx(48.6e9 * 99.0)
    tencent = answer.meta["0700.HK"]
    assert (tencent.currency, tencent.exchange, tencent.shares_outstanding) == (
        "HKD",
        "XHKG",
        9.1e9,
    )
    index, fx = answer.meta["000688.SS"], answer.meta["HKD=X"]
    assert (index.shares_outstanding, index.market_cap, index.currency) == (None, None, "CNY")
    assert (fx.shares_outstanding, fx.exchange, fx.currency) == (None, "FX", "HKD")
    assert answer.requests == world.count()


async def test_a_rate_limited_quote_fails_its_whole_batch_after_retries(
    session: FakeYahooSession, world: YahooWorld
) -> None:
    world.quote_rate_limited = True
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    provider = YahooProvider(session, sleep=sleep, jitter=lambda: 0.0, retries=2)
    answer = await provider.fetch_meta(["NVDA", "0700.HK"])
    assert answer.meta == {}
    assert answer.failures == dict.fromkeys(
        ["NVDA", "0700.HK"], "rate-limited by Yahoo (HTTP 429)"
    )
    assert len(delays) == 2


@pytest.fixture
def local_http() -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 that answers every GET with 204."""

    class Quiet(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_the_production_session_counts_what_it_sends(local_http: str) -> None:
    session = CountingSession.create()
    try:
        assert session.requests_sent == 0
        assert session.get(local_http).status_code == 204
        assert session.get(local_http, params={"a": "1"}).status_code == 204
        assert session.requests_sent == 2
    finally:
        session.close()
