"""The CSV provider: the shipped sample reads cleanly, and every bad file is named precisely."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bot.core.errors import DataError
from bot.core.universe import exchange_of
from bot.sources.csvfiles import CsvProvider

SAMPLE = Path(__file__).parent / "csv_sample"
GOOD_META = "symbol,name,currency,shares_outstanding\n0700.HK,Tencent,HKD,9150000000\n"
GOOD_PRICES = "date,symbol,close\n2025-10-02,0700.HK,650\n"


def hang_seng_on_xhkg(symbol: str) -> str:
    return "XHKG" if symbol == "^HSI" else exchange_of(symbol)


async def test_sample_closes_pivot_to_the_provider_frame() -> None:
    provider = CsvProvider(SAMPLE)
    result = await provider.fetch_closes(
        ["0700.HK", "000688.SS", "NVDA", "HKD=X", "MISSING"],
        dt.date(2025, 9, 29),
        dt.date(2025, 10, 3),
    )
    assert result.failures == {"MISSING": "MISSING is not in prices.csv"}
    closes = result.closes
    assert list(closes.columns) == ["0700.HK", "000688.SS", "NVDA", "HKD=X"]
    assert list(closes.index) == list(pd.bdate_range("2025-09-29", "2025-10-03"))
    assert closes.index.tz is None
    assert np.isnan(closes.loc["2025-10-01", "0700.HK"])
    assert np.isnan(closes.loc["2025-10-02", "000688.SS"])
    assert closes.loc["2025-10-01", "NVDA"] == pytest.approx(181.0 + 0.8 * 7)
    assert closes.loc["2025-09-29", "000688.SS"] == pytest.approx(1400.0 + 6.0 * 5)


async def test_a_symbol_without_rows_in_range_is_a_failure() -> None:
    result = await CsvProvider(SAMPLE).fetch_closes(
        ["000688.SS", "NVDA"], dt.date(2025, 10, 1), dt.date(2025, 10, 3)
    )
    assert list(result.closes.columns) == ["NVDA"]
    assert "000688.SS" in result.failures
    assert "no 000688.SS rows" in result.failures["000688.SS"]


async def test_sample_metadata() -> None:
    provider = CsvProvider(SAMPLE, exchange_for=hang_seng_on_xhkg)
    answer = await provider.fetch_meta(["0700.HK", "^HSI", "HKD=X", "MISSING"])
    meta = answer.meta
    assert set(meta) == {"0700.HK", "^HSI", "HKD=X"}
    assert answer.failures == {"MISSING": "MISSING is not in meta.csv"}
    assert meta["0700.HK"].name == "Tencent"
    assert meta["0700.HK"].shares_outstanding == 9_150_000_000
    assert (meta["^HSI"].exchange, meta["^HSI"].shares_outstanding) == ("XHKG", None)
    assert (meta["HKD=X"].exchange, meta["HKD=X"].currency) == ("FX", "HKD")


def write(directory: Path, prices: str = GOOD_PRICES, meta: str = GOOD_META) -> CsvProvider:
    (directory / "prices.csv").write_text(prices, encoding="utf-8")
    (directory / "meta.csv").write_text(meta, encoding="utf-8")
    return CsvProvider(directory)


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        ("day,symbol,close\n2025-10-02,0700.HK,650\n", r"prices.csv line 1: header must be"),
        ("", r"prices.csv line 1: header must be date,symbol,close \(found an empty file\)"),
        ("date,symbol,close\n", r"prices.csv: no price rows"),
        ("date,symbol,close\n2025-10-02,0700.HK,650\n02/10/2025,NVDA,1\n", r"line 3: date"),
        ("date,symbol,close\n2025-13-02,0700.HK,650\n", r"line 2: date '2025-13-02'"),
        ("date,symbol,close\n2025-10-02,0700.HK,n/a\n", r"line 2: close 'n/a' is not a number"),
        ("date,symbol,close\n2025-10-02,0700.HK,0\n", r"line 2: close must be a positive"),
        ("date,symbol,close\n2025-10-02,0700.HK,-3\n", r"line 2: close must be a positive"),
        ("date,symbol,close\n2025-10-02,0700.HK,nan\n", r"line 2: close must be a positive"),
        ("date,symbol,close\n2025-10-02,0700.HK\n", r"line 2: expected 3 fields, found 2"),
        ("date,symbol,close\n2025-10-02,,650\n", r"line 2: symbol is empty"),
        (
            "date,symbol,close\n2025-10-02,0700.HK,650\n\n2025-10-02,0700.HK,651\n",
            r"prices.csv line 4: duplicate row for 0700.HK on 2025-10-02",
        ),
        (
            # One field past csv's 128 KiB limit: the reader raises csv.Error mid-file.
            f"date,symbol,close\n2025-10-02,0700.HK,650\n2025-10-03,{'X' * 200_000},1\n",
            r"prices.csv line 3: not a readable CSV line \(field larger than field limit",
        ),
        (
            f"date,symbol,{'c' * 200_000}\n",
            r"prices.csv line 1: not a readable CSV line",
        ),
    ],
)
async def test_bad_prices_name_the_file_line_and_problem(
    tmp_path: Path, prices: str, message: str
) -> None:
    provider = write(tmp_path, prices=prices)
    with pytest.raises(DataError, match=message):
        await provider.fetch_closes(["0700.HK"], dt.date(2025, 10, 1), dt.date(2025, 10, 3))


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ("symbol,name,currency\n0700.HK,Tencent,HKD\n", r"meta.csv line 1: header must be"),
        (GOOD_META + "NVDA,NVIDIA,usd,1\n", r"meta.csv line 3: currency 'usd'"),
        (GOOD_META + "NVDA,NVIDIA,US$,1\n", r"meta.csv line 3: currency 'US\$'"),
        (GOOD_META + "NVDA,NVIDIA,USD,lots\n", r"line 3: shares_outstanding 'lots'"),
        (GOOD_META + "NVDA,NVIDIA,USD,-5\n", r"line 3: shares_outstanding must be a positive"),
        (GOOD_META + "0700.HK,Tencent,HKD,1\n", r"meta.csv line 3: 0700.HK is listed twice"),
        (GOOD_META + "0700.XX,Odd,HKD,1\n", r"meta.csv line 3: .*no exchange"),
    ],
)
async def test_bad_meta_names_the_file_line_and_problem(
    tmp_path: Path, meta: str, message: str
) -> None:
    provider = write(tmp_path, meta=meta)
    with pytest.raises(DataError, match=message):
        await provider.fetch_meta(["0700.HK"])


async def test_a_missing_prices_file_is_named(tmp_path: Path) -> None:
    provider = write(tmp_path)
    (tmp_path / "prices.csv").unlink()
    with pytest.raises(DataError, match=r"prices.csv: file not found"):
        await provider.fetch_closes(["0700.HK"], dt.date(2025, 10, 1), dt.date(2025, 10, 3))


async def test_a_missing_meta_file_is_named(tmp_path: Path) -> None:
    provider = write(tmp_path)
    (tmp_path / "meta.csv").unlink()
    with pytest.raises(DataError, match=r"meta.csv: file not found"):
        await provider.fetch_meta(["0700.HK"])


async def test_a_byte_order_mark_and_spaces_are_tolerated(tmp_path: Path) -> None:
    provider = write(tmp_path, prices="\ufeffdate, symbol ,close\n2025-10-02, 0700.HK , 650.5\n")
    result = await provider.fetch_closes(["0700.HK"], dt.date(2025, 10, 1), dt.date(2025, 10, 3))
    assert result.closes.loc["2025-10-02", "0700.HK"] == 650.5


async def test_edits_show_up_on_the_next_fetch(tmp_path: Path) -> None:
    provider = write(tmp_path)
    span = (dt.date(2025, 10, 1), dt.date(2025, 10, 3))
    before = await provider.fetch_closes(["0700.HK"], *span)
    (tmp_path / "prices.csv").write_text(GOOD_PRICES + "2025-10-03,0700.HK,655\n")
    after = await provider.fetch_closes(["0700.HK"], *span)
    assert len(before.closes) == 1
    assert len(after.closes) == 2
