"""The akshare provider through a fake akshare module: frames shaped like 1.19.5's, no network.

akshare itself is not installed in the test environment and is never imported here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pytest
import requests

from bot.core.calendars import DATE_UNIT
from bot.core.errors import DataError
from bot.sources import akshare_source
from bot.sources.akshare_source import INSTALL_HINT, NOT_COVERED, AkshareProvider
from bot.sources.base import SymbolMeta
from tests.data import akshare_frames as frames

START, END = dt.date(2025, 9, 29), dt.date(2025, 10, 10)
NAN = np.nan
Outcome: TypeAlias = pd.DataFrame | BaseException | None

# Golden week 2025: Shanghai and Shenzhen shut 1-8 October; Hong Kong shut 1 and 7 October.
HSTECH_BARS = [
    ("2025-09-26", 5990.0),  # before the window: dropped
    ("2025-09-29", 6012.75),
    ("2025-09-30", 6080.5),
    ("2025-10-02", 6150.25),
    ("2025-10-03", 6120.0),
    ("2025-10-06", 6101.5),
    ("2025-10-08", 6200.0),
    ("2025-10-09", 6210.0),
    ("2025-10-10", 6050.0),
    ("2025-10-13", 5900.0),  # after the window: dropped
]
CN_DAYS = ["2025-09-29", "2025-09-30", "2025-10-09", "2025-10-10"]


def cn_bars(*closes: float) -> list[frames.Bar]:
    """Bars on Shanghai's trading days in the window."""
    return list(zip(CN_DAYS, closes, strict=True))


class FakeAkshare:
    """Stands in for the akshare module with the real signatures of the functions used.

    `answers` maps (function, symbol argument) to one outcome or a list played in order (the
    last one repeats): a frame to return or an exception to raise. Unscripted calls raise
    requests' ConnectionError, which is what a blocked Eastmoney address sees.
    """

    def __init__(
        self,
        answers: dict[tuple[str, str], Outcome | list[Outcome]] | None = None,
        *,
        delay: float = 0.0,
    ) -> None:
        self.answers = {
            key: list(value) if isinstance(value, list) else [value]
            for key, value in (answers or {}).items()
        }
        self.delay = delay
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.peak = 0
        self._active = 0
        self._lock = threading.Lock()

    def stock_hk_index_daily_sina(self, symbol: str = "CES100") -> pd.DataFrame:
        return self._play("stock_hk_index_daily_sina", symbol=symbol)

    def stock_hk_index_daily_em(self, symbol: str = "HSTECF2L") -> pd.DataFrame:
        return self._play("stock_hk_index_daily_em", symbol=symbol)

    def stock_zh_index_daily_em(
        self, symbol: str = "csi931151", start_date: str = "19900101", end_date: str = "20500101"
    ) -> pd.DataFrame:
        return self._play(
            "stock_zh_index_daily_em", symbol=symbol, start_date=start_date, end_date=end_date
        )

    def stock_zh_index_daily(self, symbol: str = "sh000922") -> pd.DataFrame:
        return self._play("stock_zh_index_daily", symbol=symbol)

    def stock_zh_a_hist(
        self,
        symbol: str = "000001",
        period: str = "daily",
        start_date: str = "19700101",
        end_date: str = "20500101",
        adjust: str = "",
        timeout: float | None = None,
    ) -> pd.DataFrame:
        return self._play(
            "stock_zh_a_hist",
            symbol=symbol,
            period=period,
            start_date=start_date,
            end_date=end_date,
            adjust=adjust,
            timeout=timeout,
        )

    def stock_zh_a_daily(
        self,
        symbol: str = "sh603843",
        start_date: str = "19900101",
        end_date: str = "21000118",
        adjust: str = "",
    ) -> pd.DataFrame:
        return self._play(
            "stock_zh_a_daily",
            symbol=symbol,
            start_date=start_date,
            end_date=end_date,
            adjust=adjust,
        )

    def functions(self, symbol: str) -> list[str]:
        """The functions called for one akshare symbol argument, in order."""
        return [name for name, kwargs in self.calls if kwargs["symbol"] == symbol]

    def _play(self, function: str, **kwargs: Any) -> pd.DataFrame:
        with self._lock:
            self.calls.append((function, kwargs))
            self._active += 1
            self.peak = max(self.peak, self._active)
        try:
            if self.delay:
                time.sleep(self.delay)
            queue = self.answers.get((function, kwargs["symbol"]))
            if queue is None:
                raise requests.exceptions.ConnectionError(
                    "('Connection aborted.', RemoteDisconnected('Remote end closed "
                    "connection without response'))"
                )
            with self._lock:
                outcome = queue.pop(0) if len(queue) > 1 else queue[0]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome.copy() if isinstance(outcome, pd.DataFrame) else outcome
        finally:
            with self._lock:
                self._active -= 1


class FakeSleep:
    """Records backoff delays instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def provider(module: Any, **options: Any) -> tuple[AkshareProvider, FakeSleep]:
    sleep = FakeSleep()
    options.setdefault("jitter_seconds", 0.0)
    return AkshareProvider(module, sleep=sleep, **options), sleep


def golden_week_module() -> FakeAkshare:
    return FakeAkshare(
        {
            ("stock_hk_index_daily_sina", "HSTECH"): frames.stock_hk_index_daily_sina(HSTECH_BARS),
            ("stock_zh_index_daily_em", "sh000688"): frames.stock_zh_index_daily_em(
                cn_bars(1400.0, 1410.5, 1450.25, 1440.0)
            ),
            ("stock_zh_index_daily_em", "sz399006"): frames.stock_zh_index_daily_em(
                cn_bars(3200.0, 3238.16, 3300.5, 3290.0)
            ),
            ("stock_zh_a_hist", "300308"): frames.stock_zh_a_hist(
                "300308", cn_bars(405.0, 410.1, 420.0, 415.5)
            ),
            ("stock_zh_a_hist", "601138"): frames.stock_zh_a_hist(
                "601138", cn_bars(66.0, 67.2, 68.8, 69.0)
            ),
            ("stock_zh_a_hist", "688256"): frames.stock_zh_a_hist(
                "688256", cn_bars(1300.0, 1333.0, 1400.0, 1390.9)
            ),
        }
    )


SYMBOLS = ["HSTECH.HK", "000688.SS", "399006.SZ", "300308.SZ", "601138.SS", "688256.SS"]


def expected_golden_week() -> pd.DataFrame:
    days = [day for day, _ in HSTECH_BARS[1:-1]]
    return pd.DataFrame(
        {
            "HSTECH.HK": [close for _, close in HSTECH_BARS[1:-1]],
            "000688.SS": [1400.0, 1410.5, NAN, NAN, NAN, NAN, 1450.25, 1440.0],
            "399006.SZ": [3200.0, 3238.16, NAN, NAN, NAN, NAN, 3300.5, 3290.0],
            "300308.SZ": [405.0, 410.1, NAN, NAN, NAN, NAN, 420.0, 415.5],
            "601138.SS": [66.0, 67.2, NAN, NAN, NAN, NAN, 68.8, 69.0],
            "688256.SS": [1300.0, 1333.0, NAN, NAN, NAN, NAN, 1400.0, 1390.9],
        },
        index=pd.DatetimeIndex(days).as_unit(DATE_UNIT),
    )


async def test_golden_week_closes_by_local_date_with_nan_where_a_market_was_shut() -> None:
    fake = golden_week_module()
    source, sleep = provider(fake)

    result = await source.fetch_closes(SYMBOLS, START, END)

    pd.testing.assert_frame_equal(result.closes, expected_golden_week())
    assert result.closes.index.dtype == f"datetime64[{DATE_UNIT}]"
    assert result.closes.index.name is None
    assert all(dtype == np.float64 for dtype in result.closes.dtypes)
    assert result.failures == {}
    assert result.sources == dict.fromkeys(SYMBOLS, "akshare")
    assert result.append_only == {"300308.SZ", "601138.SS", "688256.SS"}
    assert result.requests == len(fake.calls) == len(SYMBOLS)
    assert result.events == {}
    assert sleep.delays == []


@pytest.mark.parametrize(
    ("symbol", "function", "kwargs", "currency", "append_only"),
    [
        ("HSTECH.HK", "stock_hk_index_daily_sina", {"symbol": "HSTECH"}, "HKD", False),
        (
            "000688.SS",
            "stock_zh_index_daily_em",
            {"symbol": "sh000688", "start_date": "20250929", "end_date": "20251010"},
            "CNY",
            False,
        ),
        (
            "399006.SZ",
            "stock_zh_index_daily_em",
            {"symbol": "sz399006", "start_date": "20250929", "end_date": "20251010"},
            "CNY",
            False,
        ),
        *[
            (
                f"{code}.{suffix}",
                "stock_zh_a_hist",
                {
                    "symbol": code,
                    "period": "daily",
                    "start_date": "20250929",
                    "end_date": "20251010",
                    "adjust": "",
                    "timeout": 30.0,
                },
                "CNY",
                True,
            )
            for code, suffix in [("300308", "SZ"), ("601138", "SS"), ("688256", "SS")]
        ],
    ],
)
async def test_each_symbol_maps_to_its_akshare_call(
    symbol: str, function: str, kwargs: dict[str, Any], currency: str, append_only: bool
) -> None:
    fake = golden_week_module()
    source, _ = provider(fake)

    result = await source.fetch_closes([symbol], START, END)

    assert fake.calls == [(function, kwargs)]
    assert list(result.closes.columns) == [symbol]
    exchange = "XHKG" if currency == "HKD" else "XSHG"
    assert result.meta == {symbol: SymbolMeta(symbol, symbol, currency, exchange)}
    assert (symbol in result.append_only) is append_only


@pytest.mark.parametrize(
    ("symbol", "covered"),
    [
        ("HSTECH.HK", True),
        ("hstech.hk", True),
        ("000688.SS", True),
        ("000300.SS", True),
        ("399006.SZ", True),
        ("300308.SZ", True),
        ("301236.SZ", True),
        ("000001.SZ", True),  # Ping An Bank: 000xxx is a stock in Shenzhen, an index in Shanghai
        ("002594.SZ", True),
        ("601138.SS", True),
        ("688256.SS", True),
        ("0700.HK", False),
        ("^HSI", False),
        ("NVDA", False),
        ("HSTECH", False),
        ("399006.SS", False),  # Shenzhen's index code under Shanghai's suffix
        ("900901.SS", False),  # Shanghai B share: stock_zh_a_hist would ask Shenzhen
        ("510300.SS", False),  # ETF
        ("159915.SZ", False),  # ETF
        ("200002.SZ", False),  # Shenzhen B share, quoted in HKD
        ("830799.BJ", False),
        ("60113.SS", False),
        ("", False),
    ],
)
def test_covers(symbol: str, covered: bool) -> None:
    assert AkshareProvider(FakeAkshare()).covers(symbol) is covered


async def test_window_is_inclusive_and_cut_even_when_the_server_sends_more() -> None:
    # Eastmoney filters by date at the server; a stray row outside the window is cut anyway.
    bars = [("2025-09-26", 1390.0), *cn_bars(1400.0, 1410.5, 1450.25, 1440.0)]
    fake = FakeAkshare(
        {("stock_zh_index_daily_em", "sh000688"): frames.stock_zh_index_daily_em(bars)}
    )
    source, _ = provider(fake)

    result = await source.fetch_closes(["000688.SS"], dt.date(2025, 9, 29), dt.date(2025, 10, 9))

    assert result.closes["000688.SS"].to_dict() == {
        pd.Timestamp("2025-09-29"): 1400.0,
        pd.Timestamp("2025-09-30"): 1410.5,
        pd.Timestamp("2025-10-09"): 1450.25,
    }


async def test_one_failing_symbol_does_not_stop_the_others() -> None:
    fake = golden_week_module()
    blocked = requests.exceptions.ConnectionError("Remote end closed connection")
    fake.answers[("stock_zh_a_hist", "300308")] = [blocked]
    fake.answers[("stock_zh_a_daily", "sz300308")] = [IndexError("list index out of range")]
    source, _ = provider(fake, retries=0)

    result = await source.fetch_closes(SYMBOLS, START, END)

    assert list(result.closes.columns) == [s for s in SYMBOLS if s != "300308.SZ"]
    assert result.failures == {
        "300308.SZ": "akshare: stock_zh_a_hist: ConnectionError: Remote end closed connection; "
        "stock_zh_a_daily: IndexError: list index out of range"
    }
    assert "300308.SZ" not in result.sources
    assert "300308.SZ" not in result.append_only
    assert "300308.SZ" not in result.meta
    assert result.requests == len(SYMBOLS) + 1


@pytest.mark.parametrize(
    ("symbol", "primary", "fallback", "answer"),
    [
        (
            "HSTECH.HK",
            ("stock_hk_index_daily_sina", "HSTECH"),
            ("stock_hk_index_daily_em", "HSTECH"),
            frames.stock_hk_index_daily_em(HSTECH_BARS),
        ),
        (
            "399006.SZ",
            ("stock_zh_index_daily_em", "sz399006"),
            ("stock_zh_index_daily", "sz399006"),
            frames.stock_zh_index_daily(HSTECH_BARS),
        ),
        (
            "601138.SS",
            ("stock_zh_a_hist", "601138"),
            ("stock_zh_a_daily", "sh601138"),
            frames.stock_zh_a_daily(HSTECH_BARS),
        ),
    ],
)
async def test_second_source_answers_when_the_first_fails(
    symbol: str, primary: tuple[str, str], fallback: tuple[str, str], answer: pd.DataFrame
) -> None:
    fake = FakeAkshare({primary: requests.exceptions.ConnectionError("blocked"), fallback: answer})
    source, sleep = provider(fake)

    result = await source.fetch_closes([symbol], START, END)

    expected = pd.Series(
        [close for _, close in HSTECH_BARS[1:-1]],
        index=pd.DatetimeIndex([day for day, _ in HSTECH_BARS[1:-1]]).as_unit(DATE_UNIT),
        name=symbol,
    )
    pd.testing.assert_series_equal(result.closes[symbol], expected)
    assert [name for name, _ in fake.calls] == [primary[0], fallback[0]]
    assert result.requests == 2
    assert result.sources == {symbol: "akshare"}
    assert sleep.delays == []


async def test_sina_stock_fallback_is_asked_for_unadjusted_closes_in_the_window() -> None:
    fake = FakeAkshare({("stock_zh_a_daily", "sz300308"): frames.stock_zh_a_daily(HSTECH_BARS)})
    source, _ = provider(fake)

    result = await source.fetch_closes(["300308.SZ"], START, END)

    assert fake.calls[1] == (
        "stock_zh_a_daily",
        {"symbol": "sz300308", "start_date": "20250929", "end_date": "20251010", "adjust": ""},
    )
    assert result.append_only == {"300308.SZ"}


async def test_a_window_without_bars_is_reported_without_retrying() -> None:
    # Golden week: Eastmoney sends no rows (as for an unknown code); Sina's history settles it.
    fake = FakeAkshare(
        {
            ("stock_zh_a_hist", "300308"): frames.no_rows(),
            ("stock_zh_a_daily", "sz300308"): frames.stock_zh_a_daily(cn_bars(1, 2, 3, 4)),
        }
    )
    source, sleep = provider(fake)

    result = await source.fetch_closes(["300308.SZ"], dt.date(2025, 10, 1), dt.date(2025, 10, 8))

    assert result.failures == {"300308.SZ": "akshare has no bars from 2025-10-01 to 2025-10-08"}
    assert result.closes.empty
    assert result.requests == 2
    assert sleep.delays == []


async def test_retries_back_off_exponentially_then_succeed() -> None:
    blocked = requests.exceptions.ConnectionError("blocked")
    fake = FakeAkshare(
        {
            ("stock_zh_index_daily_em", "sh000688"): [
                blocked,
                blocked,
                frames.stock_zh_index_daily_em(cn_bars(1400.0, 1410.5, 1450.25, 1440.0)),
            ],
            ("stock_zh_index_daily", "sh000688"): requests.exceptions.ReadTimeout("slow"),
        }
    )
    source, sleep = provider(fake, retries=2, backoff_seconds=2.0)

    result = await source.fetch_closes(["000688.SS"], START, END)

    assert sleep.delays == [2.0, 4.0]
    assert fake.functions("sh000688") == [
        "stock_zh_index_daily_em",
        "stock_zh_index_daily",
        "stock_zh_index_daily_em",
        "stock_zh_index_daily",
        "stock_zh_index_daily_em",
    ]
    assert result.requests == 5
    assert result.failures == {}
    assert result.closes["000688.SS"].iloc[-1] == 1440.0


async def test_retries_give_up_with_the_last_reasons() -> None:
    fake = FakeAkshare({("stock_hk_index_daily_em", "HSTECH"): KeyError("HSTECH")})
    source, sleep = provider(fake, retries=3, backoff_seconds=1.5)

    result = await source.fetch_closes(["HSTECH.HK"], START, END)

    assert sleep.delays == [1.5, 3.0, 6.0]
    assert result.requests == len(fake.calls) == 8
    assert result.failures["HSTECH.HK"].startswith(
        "akshare: stock_hk_index_daily_sina: ConnectionError:"
    )
    assert result.failures["HSTECH.HK"].endswith("stock_hk_index_daily_em: KeyError: 'HSTECH'")


async def test_backoff_jitter_stays_small() -> None:
    source, sleep = provider(FakeAkshare(), retries=2, backoff_seconds=2.0, jitter_seconds=0.5)

    await source.fetch_closes(["000688.SS"], START, END)

    assert len(sleep.delays) == 2
    assert 2.0 <= sleep.delays[0] <= 2.5
    assert 4.0 <= sleep.delays[1] <= 4.5


def empty_closes() -> pd.DataFrame:
    return frames.stock_zh_index_daily_em(cn_bars(NAN, NAN, NAN, NAN))


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (frames.no_rows(), "returned no rows"),
        (None, "returned NoneType, not a table"),
        (TypeError("'NoneType' object is not subscriptable"), "TypeError: 'NoneType' object"),
        (
            requests.exceptions.JSONDecodeError("Expecting value", "<html>", 0),
            "JSONDecodeError: Expecting value",
        ),
        (frames.stock_hk_index_daily_em(cn_bars(1, 2, 3, 4)), "answered without column close"),
        (empty_closes(), "returned no usable closes"),
        (requests.exceptions.ConnectionError(), "ConnectionError"),
    ],
)
async def test_unusable_answers_become_failures(answer: Any, reason: str) -> None:
    fake = FakeAkshare(
        {
            ("stock_zh_index_daily_em", "sh000688"): answer,
            ("stock_zh_index_daily", "sh000688"): IndexError("list index out of range"),
        }
    )
    source, _ = provider(fake, retries=0)

    result = await source.fetch_closes(["000688.SS"], START, END)

    assert result.failures["000688.SS"].startswith(f"akshare: stock_zh_index_daily_em: {reason}")
    assert result.closes.empty
    assert result.closes.index.dtype == f"datetime64[{DATE_UNIT}]"


async def test_bad_rows_are_dropped_and_duplicate_days_keep_the_last() -> None:
    bars = [
        ("2025-09-29", 1400.0),
        ("2025-09-30", 0.0),  # a suspended day's filler
        ("2025-10-09", NAN),
        ("2025-10-10", 1440.0),
        ("2025-10-10", 1441.0),
    ]
    answer = frames.stock_zh_index_daily_em(bars)
    answer.loc[1, "date"] = "not a date"
    source, _ = provider(FakeAkshare({("stock_zh_index_daily_em", "sh000688"): answer}))

    result = await source.fetch_closes(["000688.SS"], START, END)

    assert result.closes["000688.SS"].to_dict() == {
        pd.Timestamp("2025-09-29"): 1400.0,
        pd.Timestamp("2025-10-10"): 1441.0,
    }


async def test_zoned_dates_keep_their_local_day() -> None:
    answer = frames.stock_zh_index_daily_em(cn_bars(1400.0, 1410.5, 1450.25, 1440.0))
    answer["date"] = pd.to_datetime(answer["date"]).dt.tz_localize("Asia/Shanghai")
    source, _ = provider(FakeAkshare({("stock_zh_index_daily_em", "sh000688"): answer}))

    result = await source.fetch_closes(["000688.SS"], START, END)

    assert list(result.closes.index) == [pd.Timestamp(day) for day in CN_DAYS]


async def test_an_unreadable_answer_is_a_failure_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreadable(answer: pd.DataFrame, call: Any) -> pd.Series:
        raise RuntimeError("cannot read")

    monkeypatch.setattr(akshare_source, "_closes_from", unreadable)
    fake = golden_week_module()
    source, _ = provider(fake, retries=0)

    result = await source.fetch_closes(["000688.SS", "HSTECH.HK"], START, END)

    assert result.failures["000688.SS"] == (
        "akshare: stock_zh_index_daily_em: unreadable answer (RuntimeError: cannot read); "
        "stock_zh_index_daily: ConnectionError: ('Connection aborted.', "
        "RemoteDisconnected('Remote end closed connection without response'))"
    )
    assert result.failures["HSTECH.HK"].startswith(
        "akshare: stock_hk_index_daily_sina: unreadable answer"
    )


async def test_an_akshare_that_fails_to_import_is_a_data_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "akshare"
    package.mkdir()
    (package / "__init__.py").write_text("raise AttributeError('pandas has no attribute x')\n")
    monkeypatch.setitem(sys.modules, "akshare", None)
    monkeypatch.delitem(sys.modules, "akshare")
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(DataError, match="akshare failed to import: AttributeError: pandas"):
        await AkshareProvider().fetch_closes(["000688.SS"], START, END)


async def test_uncovered_symbols_fail_without_calls() -> None:
    fake = golden_week_module()
    source, _ = provider(fake)

    result = await source.fetch_closes(["0700.HK", "HSTECH.HK", "NVDA", "0700.HK"], START, END)

    assert result.failures == {"0700.HK": NOT_COVERED, "NVDA": NOT_COVERED}
    assert list(result.closes.columns) == ["HSTECH.HK"]
    assert fake.functions("HSTECH") == ["stock_hk_index_daily_sina"]
    assert len(fake.calls) == 1


async def test_no_symbols_or_none_covered_need_no_akshare(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "akshare", None)  # import akshare would now fail
    source = AkshareProvider()

    nothing = await source.fetch_closes([], START, END)
    uncovered = await source.fetch_closes(["0700.HK"], START, END)

    assert nothing.closes.empty
    assert nothing.closes.index.dtype == f"datetime64[{DATE_UNIT}]"
    assert uncovered.failures == {"0700.HK": NOT_COVERED}
    assert uncovered.requests == 0


async def test_missing_akshare_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "akshare", None)

    with pytest.raises(DataError, match=r"pip install 'rallybot\[cn\]'") as caught:
        await AkshareProvider().fetch_closes(["HSTECH.HK"], START, END)

    assert str(caught.value) == INSTALL_HINT


async def test_a_function_missing_from_an_older_akshare_is_a_failure() -> None:
    only_sina = SimpleNamespace(
        stock_hk_index_daily_sina=lambda symbol: frames.stock_hk_index_daily_sina(HSTECH_BARS)
    )
    source, _ = provider(only_sina, retries=0)

    served = await source.fetch_closes(["HSTECH.HK"], START, END)
    missing = await source.fetch_closes(["000688.SS"], START, END)

    assert list(served.closes.columns) == ["HSTECH.HK"]
    assert served.requests == 1
    assert missing.requests == 0
    assert missing.failures == {
        "000688.SS": "akshare: stock_zh_index_daily_em: missing from this akshare version; "
        "stock_zh_index_daily: missing from this akshare version"
    }


@pytest.mark.parametrize(("concurrency", "peak"), [(1, 1), (2, 2), (3, 3)])
async def test_calls_run_in_threads_at_most_concurrency_at_a_time(
    concurrency: int, peak: int
) -> None:
    fake = golden_week_module()
    fake.delay = 0.05
    source, _ = provider(fake, concurrency=concurrency)

    result = await source.fetch_closes(SYMBOLS, START, END)

    assert fake.peak == peak
    assert result.failures == {}


async def test_a_hung_call_times_out_into_a_failure() -> None:
    fake = FakeAkshare(
        {("stock_hk_index_daily_sina", "HSTECH"): frames.stock_hk_index_daily_sina(HSTECH_BARS)},
        delay=0.3,
    )
    source, _ = provider(fake, retries=0, timeout=0.05)

    result = await source.fetch_closes(["HSTECH.HK"], START, END)

    assert result.failures == {
        "HSTECH.HK": "akshare: stock_hk_index_daily_sina: no answer within 0.05s; "
        "stock_hk_index_daily_em: no answer within 0.05s"
    }


async def test_meta_has_currency_and_exchange_but_no_shares() -> None:
    fake = FakeAkshare()
    source = AkshareProvider(fake)

    result = await source.fetch_meta(["HSTECH.HK", "688256.SS", "300308.SZ", "0700.HK"])

    assert result.meta == {
        "HSTECH.HK": SymbolMeta("HSTECH.HK", "HSTECH.HK", "HKD", "XHKG"),
        "688256.SS": SymbolMeta("688256.SS", "688256.SS", "CNY", "XSHG"),
        "300308.SZ": SymbolMeta("300308.SZ", "300308.SZ", "CNY", "XSHG"),
    }
    assert result.failures == {"0700.HK": NOT_COVERED}
    assert result.requests == 0
    assert fake.calls == []


def test_available_looks_akshare_up_without_importing_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "akshare", None)
    monkeypatch.delitem(sys.modules, "akshare")
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    importlib.invalidate_caches()
    assert AkshareProvider.available() is False

    package = tmp_path / "akshare"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    importlib.invalidate_caches()
    assert AkshareProvider.available() is True
    assert "akshare" not in sys.modules


async def test_akshare_is_imported_lazily_when_no_module_is_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "akshare"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from tests.data import akshare_frames as _frames\n"
        "def stock_zh_index_daily_em(symbol, start_date, end_date):\n"
        "    return _frames.stock_zh_index_daily_em([('2025-09-30', 3238.16)])\n"
    )
    monkeypatch.setitem(sys.modules, "akshare", None)
    monkeypatch.delitem(sys.modules, "akshare")
    monkeypatch.syspath_prepend(str(tmp_path))
    source = AkshareProvider()

    result = await source.fetch_closes(["399006.SZ"], START, END)

    assert result.closes["399006.SZ"].tolist() == [3238.16]
    assert result.requests == 1


BUILDERS: dict[str, Callable[[], pd.DataFrame]] = {
    "stock_zh_a_hist": lambda: frames.stock_zh_a_hist("300308", cn_bars(1, 2, 3, 4.5)),
    "stock_zh_index_daily_em": lambda: frames.stock_zh_index_daily_em(cn_bars(1, 2, 3, 4.5)),
    "stock_hk_index_daily_em": lambda: frames.stock_hk_index_daily_em(cn_bars(1, 2, 3, 4.5)),
    "stock_hk_index_daily_sina": lambda: frames.stock_hk_index_daily_sina(cn_bars(1, 2, 3, 4)),
    "stock_zh_index_daily": lambda: frames.stock_zh_index_daily(cn_bars(1, 2, 3, 4)),
    "stock_zh_a_daily": lambda: frames.stock_zh_a_daily(cn_bars(1, 2, 3, 4)),
}


@pytest.mark.parametrize("function", sorted(frames.SHAPES))
def test_frames_have_akshares_columns_and_dtypes(function: str) -> None:
    frame = BUILDERS[function]()

    shape = tuple((str(name), str(dtype)) for name, dtype in frame.dtypes.items())
    assert shape == frames.SHAPES[function]
    assert isinstance(frame.index, pd.RangeIndex)
    first_date = frame.iloc[0, 0]
    if frames.SHAPES[function][0][1] == "object":
        assert type(first_date) is dt.date
    else:
        assert first_date == "2025-09-29"
