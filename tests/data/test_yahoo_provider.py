"""The Yahoo provider on frames shaped like yfinance 1.7's, with no network anywhere."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
import yfinance
import yfinance.multi
from curl_cffi.requests import exceptions as curl_exceptions
from yfinance.exceptions import YFRateLimitError

from bot.data.yahoo import NO_DATA, YahooProvider
from bot.errors import DataError
from bot.universe import exchange_of
from tests.data.yahoo_frames import dates, download_frame, history_frame

START, END = dt.date(2025, 9, 29), dt.date(2025, 10, 3)
NAN = np.nan


class FakeDownload:
    """A stand-in for yf.download that records calls and plays back results or errors."""

    def __init__(self, *outcomes: pd.DataFrame | BaseException) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        self.calls.append((args, kwargs))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class FakeSleep:
    """Records backoff delays instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def golden_week_frame(tz: bool) -> pd.DataFrame:
    """Shanghai shut 1-3 Oct, Hong Kong shut 1 Oct, New York open; one dead ticker."""
    sh = "Asia/Shanghai" if tz else None
    hk = "Asia/Hong_Kong" if tz else None
    ny = "America/New_York" if tz else None
    frames = {
        "000688.SS": history_frame(dates("2025-09-29", "2025-09-30", tz=sh), [1400.0, 1410.0]),
        "0700.HK": history_frame(
            dates("2025-09-29", "2025-09-30", "2025-10-02", "2025-10-03", tz=hk),
            [640.0, 645.0, 650.0, NAN],  # today's bar before the open (yfinance #2895)
        ),
        "NVDA": history_frame(
            dates("2025-09-29", "2025-09-30", "2025-10-01", "2025-10-02", "2025-10-03", tz=ny),
            [181.0, 186.5, 187.2, 188.9, 187.6],
        ),
        "NOPE.HK": history_frame(dates("2025-09-29", tz=hk), [NAN]),
    }
    if tz:
        # With ignore_tz=False yfinance converts every ticker to the most common zone.
        frames = {k: v.tz_convert("America/New_York") for k, v in frames.items()}
    return download_frame(frames)


def expected_closes() -> pd.DataFrame:
    """Golden week by local date: every row has a bar somewhere, holidays are NaN."""
    return pd.DataFrame(
        {
            "0700.HK": [640.0, 645.0, NAN, 650.0, NAN],
            "NVDA": [181.0, 186.5, 187.2, 188.9, 187.6],
            "000688.SS": [1400.0, 1410.0, NAN, NAN, NAN],
        },
        index=pd.DatetimeIndex(
            ["2025-09-29", "2025-09-30", "2025-10-01", "2025-10-02", "2025-10-03"]
        ),
    )


SYMBOLS = ["0700.HK", "NVDA", "000688.SS", "NOPE.HK"]


@pytest.mark.parametrize("tz", [False, True], ids=["tz-naive", "tz-aware"])
async def test_one_batched_download_gives_closes_by_local_date(tz: bool) -> None:
    download = FakeDownload(golden_week_frame(tz))
    result = await YahooProvider(download=download, sleep=FakeSleep()).fetch_closes(
        SYMBOLS, START, END
    )
    assert len(download.calls) == 1
    args, kwargs = download.calls[0]
    assert sorted(args[0]) == sorted(SYMBOLS)
    assert kwargs == {
        "start": "2025-09-29",
        "end": "2025-10-04",  # exclusive
        "auto_adjust": True,
        "group_by": "column",
        "progress": False,
        "threads": True,
        "multi_level_index": True,
        "timeout": kwargs["timeout"],
    }
    assert result.failures == {"NOPE.HK": NO_DATA}
    pd.testing.assert_frame_equal(result.closes, expected_closes())
    assert result.closes.index.tz is None


async def test_nan_last_row_stays_nan_and_all_nan_rows_are_dropped() -> None:
    hk = history_frame(dates("2025-10-02", "2025-10-03", "2025-10-06"), [650.0, 651.0, NAN])
    sh = history_frame(dates("2025-10-02", "2025-10-06"), [NAN, NAN])  # a holiday row
    download = FakeDownload(download_frame({"0700.HK": hk, "000688.SS": sh}))
    result = await YahooProvider(download=download).fetch_closes(
        ["0700.HK", "000688.SS"], START, END
    )
    assert list(result.closes.index) == [pd.Timestamp("2025-10-02"), pd.Timestamp("2025-10-03")]
    assert result.failures == {"000688.SS": NO_DATA}
    assert (result.closes.fillna(-1) != 0).all().all()


async def test_symbols_map_back_to_how_they_were_asked() -> None:
    frame = download_frame({"NVDA": history_frame(dates("2025-10-01"), [187.2])})
    download = FakeDownload(frame)
    result = await YahooProvider(download=download).fetch_closes(["nvda", "nvda"], START, END)
    assert download.calls[0][0][0] == ["nvda"]
    assert list(result.closes.columns) == ["nvda"]


async def test_a_rate_limit_is_retried_after_a_backoff() -> None:
    download = FakeDownload(YFRateLimitError(), golden_week_frame(False))
    sleep = FakeSleep()
    provider = YahooProvider(download=download, sleep=sleep, backoff_seconds=2.0)
    result = await provider.fetch_closes(SYMBOLS, START, END)
    assert len(download.calls) == 2
    assert sleep.delays == [2.0]
    assert list(result.closes.columns) == ["0700.HK", "NVDA", "000688.SS"]


@pytest.mark.parametrize(
    "error",
    [
        YFRateLimitError(),
        curl_exceptions.Timeout("timed out"),
        requests.exceptions.ConnectionError("refused"),
        TimeoutError("slow"),
        ConnectionError("reset"),
    ],
    ids=["rate-limit", "curl-timeout", "requests-connection", "timeout", "connection"],
)
async def test_exhausted_retries_raise_a_data_error(error: BaseException) -> None:
    download = FakeDownload(error)
    sleep = FakeSleep()
    provider = YahooProvider(download=download, sleep=sleep, retries=3, backoff_seconds=2.0)
    with pytest.raises(DataError, match=r"^Yahoo Finance could not be reached: "):
        await provider.fetch_closes(SYMBOLS, START, END)
    assert len(download.calls) == 4
    assert sleep.delays == [2.0, 4.0, 8.0]


async def test_other_errors_are_not_retried() -> None:
    download = FakeDownload(KeyError("Close"))
    with pytest.raises(KeyError):
        await YahooProvider(download=download, sleep=FakeSleep()).fetch_closes(SYMBOLS, START, END)
    assert len(download.calls) == 1


async def test_everything_empty_is_retried_once_then_reported() -> None:
    dead = download_frame({s: history_frame(dates("2025-10-01"), [NAN]) for s in SYMBOLS})
    download = FakeDownload(dead)
    sleep = FakeSleep()
    result = await YahooProvider(download=download, sleep=sleep).fetch_closes(SYMBOLS, START, END)
    assert len(download.calls) == 2
    assert sleep.delays == [2.0]
    assert result.failures == dict.fromkeys(SYMBOLS, NO_DATA)
    assert result.closes.empty


async def test_an_empty_frame_is_retried_once_then_reported() -> None:
    download = FakeDownload(pd.DataFrame())
    sleep = FakeSleep()
    result = await YahooProvider(download=download, sleep=sleep).fetch_closes(["NVDA"], START, END)
    assert len(download.calls) == 2
    assert result.failures == {"NVDA": NO_DATA}


async def test_recovery_after_an_empty_answer() -> None:
    dead = download_frame({s: history_frame(dates("2025-10-01"), [NAN]) for s in SYMBOLS})
    download = FakeDownload(dead, golden_week_frame(False))
    result = await YahooProvider(download=download, sleep=FakeSleep()).fetch_closes(
        SYMBOLS, START, END
    )
    assert result.failures == {"NOPE.HK": NO_DATA}


async def test_hang_seng_dates_follow_the_exchange_given_by_the_universe() -> None:
    # ^HSI looks like a US ticker; the universe says it trades in Hong Kong.
    bars = history_frame(dates("2025-10-02", tz="Asia/Hong_Kong"), [26800.0])
    frame = download_frame({"^HSI": bars.tz_convert("America/New_York")})
    exchanges = {"^HSI": "XHKG"}
    provider = YahooProvider(download=FakeDownload(frame), exchange_for=exchanges.__getitem__)
    result = await provider.fetch_closes(["^HSI"], START, END)
    assert list(result.closes.index) == [pd.Timestamp("2025-10-02")]


async def test_fx_bars_are_dated_in_london_like_yahoo_stamps_them() -> None:
    bars = history_frame(dates("2025-10-02", tz="Europe/London"), [7.78])
    provider = YahooProvider(download=FakeDownload(download_frame({"HKD=X": bars})))
    result = await provider.fetch_closes(["HKD=X"], START, END)
    assert list(result.closes.index) == [pd.Timestamp("2025-10-02")]


async def test_the_real_yf_download_assembles_what_we_expect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run yfinance 1.7's own download() with only the per-ticker fetch replaced."""
    histories = {
        "0700.HK": history_frame(
            dates("2025-09-29", "2025-09-30", "2025-10-02", tz="Asia/Hong_Kong"),
            [640.0, 645.0, 650.0],
        ),
        "NVDA": history_frame(
            dates("2025-09-29", "2025-10-01", "2025-10-03", tz="America/New_York"),
            [181.0, 187.2, NAN],
        ),
        "000688.SS": history_frame(
            dates("2025-09-29", "2025-09-30", tz="Asia/Shanghai"), [1400.0, 1410.0]
        ),
    }
    requested: list[tuple[str, Any, Any]] = []

    def fake_download_one(
        ctx: Any, ticker: str, start: Any = None, end: Any = None, *_: Any, **__: Any
    ) -> pd.DataFrame:
        requested.append((ticker, start, end))
        with ctx.lock:
            if ticker in histories:
                ctx.dfs[ticker.upper()] = histories[ticker].copy()
            else:
                ctx.dfs[ticker.upper()] = yfinance.utils.empty_df()
                ctx.errors[ticker.upper()] = f"${ticker}: possibly delisted; no price data found"
        return ctx.dfs[ticker.upper()]

    monkeypatch.setattr(yfinance.multi, "_download_one", fake_download_one)
    provider = YahooProvider(sleep=FakeSleep())
    result = await provider.fetch_closes([*histories, "NOPE.HK"], START, END)

    assert sorted(t for t, _, _ in requested) == sorted([*histories, "NOPE.HK"])
    assert {(s, e) for _, s, e in requested} == {("2025-09-29", "2025-10-04")}
    assert result.failures == {"NOPE.HK": NO_DATA}
    expected = pd.DataFrame(
        {
            "0700.HK": [640.0, 645.0, NAN, 650.0],
            "NVDA": [181.0, NAN, 187.2, NAN],
            "000688.SS": [1400.0, 1410.0, NAN, NAN],
        },
        index=pd.DatetimeIndex(["2025-09-29", "2025-09-30", "2025-10-01", "2025-10-02"]),
    )
    pd.testing.assert_frame_equal(result.closes, expected)


class FakeFastInfo(dict[str, Any]):
    """fast_info imitates a dict with lazily fetched keys."""


class FakeTicker:
    def __init__(self, symbol: str, table: dict[str, dict[str, Any] | BaseException]) -> None:
        self.symbol = symbol
        self._table = table

    @property
    def fast_info(self) -> FakeFastInfo:
        entry = self._table[self.symbol]
        if isinstance(entry, BaseException):
            raise entry
        return FakeFastInfo(entry)


async def test_metadata_from_fast_info_tolerates_failures() -> None:
    table: dict[str, dict[str, Any] | BaseException] = {
        "0700.HK": {"shares": 9.1e9, "currency": "HKD"},
        "NVDA": {"shares": 24.3e9, "currency": "USD"},
        "688256.SS": YFRateLimitError(),
        "^HSI": {"shares": None, "currency": "HKD"},
        "HKD=X": {"shares": None, "currency": "HKD"},
        "TSM": {"shares": float("nan"), "currency": "USD"},
    }
    provider = YahooProvider(
        ticker_factory=lambda s: FakeTicker(s, table),
        exchange_for=lambda s: "XHKG" if s == "^HSI" else exchange_of(s),
    )
    meta = await provider.fetch_meta(list(table))
    assert list(meta) == list(table)
    assert meta["0700.HK"].shares_outstanding == 9.1e9
    assert (meta["0700.HK"].currency, meta["0700.HK"].exchange) == ("HKD", "XHKG")
    assert (meta["688256.SS"].currency, meta["688256.SS"].shares_outstanding) == ("CNY", None)
    assert meta["688256.SS"].exchange == "XSHG"
    assert (meta["^HSI"].exchange, meta["^HSI"].shares_outstanding) == ("XHKG", None)
    assert (meta["HKD=X"].exchange, meta["HKD=X"].currency) == ("FX", "HKD")
    assert meta["TSM"].shares_outstanding is None
    assert meta["NVDA"].name == "NVDA"


async def test_metadata_requests_are_bounded() -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    class SlowTicker:
        @property
        def fast_info(self) -> dict[str, Any]:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
            time.sleep(0.01)
            with lock:
                active -= 1
            return {"shares": 1e9, "currency": "USD"}

    provider = YahooProvider(ticker_factory=lambda s: SlowTicker(), meta_concurrency=4)
    meta = await provider.fetch_meta([f"T{n}" for n in range(12)])
    assert len(meta) == 12
    assert 1 <= peak <= 4


async def test_a_frame_without_ticker_columns_is_a_data_error() -> None:
    flat = history_frame(dates("2025-10-01"), [187.2])
    provider = YahooProvider(download=FakeDownload(flat), sleep=FakeSleep())
    with pytest.raises(DataError, match="unexpected table"):
        await provider.fetch_closes(["NVDA"], START, END)
