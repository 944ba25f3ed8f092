"""A user's own market data: `prices.csv` and `meta.csv` in one directory, strictly checked.

prices.csv: `date,symbol,close`, one row per trading day per symbol (FX series included).
meta.csv: `symbol,name,currency,shares_outstanding`, shares empty for indices and FX.
Files are re-read on every fetch, so edits show up at the next refresh.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import logging
import math
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pandas as pd

from bot.core.calendars import DATE_UNIT
from bot.core.errors import ConfigError, DataError
from bot.core.universe import exchange_of
from bot.sources.base import FetchResult, MetaResult, SymbolMeta

logger = logging.getLogger(__name__)

PRICES_FILE = "prices.csv"
META_FILE = "meta.csv"
PRICES_HEADER = ("date", "symbol", "close")
META_HEADER = ("symbol", "name", "currency", "shares_outstanding")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class CsvProvider:
    """Daily closes and metadata read from CSV files the user maintains."""

    name = "csv"

    def __init__(self, directory: Path, exchange_for: Callable[[str], str] = exchange_of) -> None:
        self._directory = Path(directory)
        self._exchange_for = exchange_for

    @property
    def directory(self) -> Path:
        """The directory holding prices.csv and meta.csv."""
        return self._directory

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        """Closes for `symbols` from `start` to `end` inclusive; absent symbols are failures."""
        every = await asyncio.to_thread(self.read_prices)
        closes = every.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        wanted = list(dict.fromkeys(symbols))
        failures: dict[str, str] = {}
        kept: list[str] = []
        for symbol in wanted:
            if symbol not in every.columns:
                failures[symbol] = f"{symbol} is not in {PRICES_FILE}"
            elif closes[symbol].notna().any():
                kept.append(symbol)
            else:
                failures[symbol] = f"{PRICES_FILE} has no {symbol} rows from {start} to {end}"
        frame = closes[kept].dropna(how="all")
        frame.columns.name = None
        return FetchResult(closes=frame, failures=failures)

    async def fetch_meta(self, symbols: Sequence[str]) -> MetaResult:
        """Metadata for the requested symbols that meta.csv lists."""
        metas = await asyncio.to_thread(self.read_meta)
        result = MetaResult()
        for symbol in dict.fromkeys(symbols):
            if symbol in metas:
                result.meta[symbol] = metas[symbol]
            else:
                result.failures[symbol] = f"{symbol} is not in {META_FILE}"
        return result

    def read_prices(self) -> pd.DataFrame:
        """Every close in prices.csv, dates by symbols; DataError names the file, line, problem."""
        path = self._directory / PRICES_FILE
        values: dict[tuple[pd.Timestamp, str], float] = {}
        for line, row in _rows(path, PRICES_HEADER):
            day = _parse_date(row[0], path, line)
            symbol = _parse_symbol(row[1], path, line)
            close = _parse_number(row[2], path, line, "close")
            if (day, symbol) in values:
                raise _error(path, line, f"duplicate row for {symbol} on {row[0].strip()}")
            values[(day, symbol)] = close
        if not values:
            raise DataError(f"{path}: no price rows after the header")
        series = pd.Series(values, dtype=float)
        closes = series.unstack(level=1).sort_index()
        closes.index = pd.DatetimeIndex(closes.index).as_unit(DATE_UNIT)
        closes.index.name = None
        closes.columns.name = None
        return closes

    def read_meta(self) -> dict[str, SymbolMeta]:
        """Parse and validate meta.csv; DataError names the file, line and problem."""
        path = self._directory / META_FILE
        metas: dict[str, SymbolMeta] = {}
        for line, row in _rows(path, META_HEADER):
            symbol = _parse_symbol(row[0], path, line)
            if symbol in metas:
                raise _error(path, line, f"{symbol} is listed twice")
            name = row[1].strip() or symbol
            currency = row[2].strip()
            if not _CURRENCY.match(currency):
                raise _error(
                    path, line, f"currency {currency!r} is not a three-letter code like HKD"
                )
            shares_text = row[3].strip()
            shares = (
                _parse_number(shares_text, path, line, "shares_outstanding")
                if shares_text
                else None
            )
            try:
                exchange = self._exchange_for(symbol)
            except ConfigError as exc:
                raise _error(path, line, str(exc)) from exc
            metas[symbol] = SymbolMeta(symbol, name, currency, exchange, shares)
        return metas


def _rows(path: Path, header: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """Data rows with their 1-based line numbers, after checking the header."""
    try:
        # utf-8-sig: spreadsheets often save a byte-order mark in front of the header.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise DataError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read ({exc})") from exc
    reader = csv.reader(text.splitlines())
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise _error(path, 1, f"not a readable CSV line ({exc})") from exc
    if first is None or tuple(cell.strip().lower() for cell in first) != header:
        found = ",".join(first)[:80] if first else "an empty file"
        raise DataError(f"{path} line 1: header must be {','.join(header)} (found {found})")
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            # A field over csv's size limit (or a stray NUL) stops the reader mid-file.
            raise _error(path, reader.line_num, f"not a readable CSV line ({exc})") from exc
        if row is None:
            return
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise _error(path, line, f"expected {len(header)} fields, found {len(row)}")
        yield line, row


def _error(path: Path, line: int, problem: str) -> DataError:
    return DataError(f"{path} line {line}: {problem}")


def _parse_date(text: str, path: Path, line: int) -> pd.Timestamp:
    try:
        return pd.Timestamp(dt.date.fromisoformat(text.strip()))
    except ValueError as exc:
        raise _error(path, line, f"date {text!r} is not YYYY-MM-DD") from exc


def _parse_symbol(text: str, path: Path, line: int) -> str:
    symbol = text.strip()
    if not symbol:
        raise _error(path, line, "symbol is empty")
    return symbol


def _parse_number(text: str, path: Path, line: int, field: str) -> float:
    try:
        number = float(text.strip())
    except ValueError as exc:
        raise _error(path, line, f"{field} {text!r} is not a number") from exc
    if not math.isfinite(number) or number <= 0:
        raise _error(path, line, f"{field} must be a positive number, got {text.strip()}")
    return number
