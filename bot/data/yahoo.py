"""Yahoo Finance through yfinance: one batched download per refresh, with backoff."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pandas as pd

from bot.calendars import DATE_UNIT
from bot.data.base import FetchResult, SymbolMeta
from bot.errors import ConfigError, DataError
from bot.universe import EXCHANGE_CURRENCY, EXCHANGE_TIMEZONE, FX_MARKET, NEW_YORK, exchange_of

logger = logging.getLogger(__name__)

NO_DATA = "no data returned by Yahoo (unknown symbol, delisted or rate-limited)"

Download = Callable[..., pd.DataFrame | None]
TickerFactory = Callable[[str], Any]
Sleep = Callable[[float], Awaitable[None]]

# Yahoo stamps currency bars at London midnight, not UTC: converting them to UTC would put
# summer bars on the previous day.
_YAHOO_TIMEZONE = {**EXCHANGE_TIMEZONE, FX_MARKET: "Europe/London"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _yf_download(*args: Any, **kwargs: Any) -> pd.DataFrame | None:
    import yfinance  # noqa: PLC0415 - importing yfinance is slow; only the yahoo path needs it

    result: pd.DataFrame | None = yfinance.download(*args, **kwargs)
    return result


def _yf_ticker(symbol: str) -> Any:
    import yfinance  # noqa: PLC0415

    return yfinance.Ticker(symbol)


def _retryable_errors() -> tuple[type[BaseException], ...]:
    """Exceptions worth another try: rate limits, timeouts and connection failures."""
    from yfinance.exceptions import YFRateLimitError  # noqa: PLC0415

    errors: list[type[BaseException]] = [YFRateLimitError, TimeoutError, ConnectionError]
    try:
        import requests  # noqa: PLC0415

        errors.append(requests.exceptions.RequestException)
    except ImportError:  # pragma: no cover - requests comes with yfinance
        pass
    try:
        from curl_cffi.requests import exceptions as curl_exceptions  # noqa: PLC0415

        errors.append(curl_exceptions.RequestException)
    except ImportError:  # pragma: no cover - yfinance falls back to requests without it
        pass
    return tuple(errors)


def _default_exchange(symbol: str) -> str:
    try:
        return exchange_of(symbol.upper())
    except ConfigError:
        # Only how bars are dated and the default currency depend on it: assume Yahoo's home.
        return NEW_YORK


class YahooProvider:
    """Daily closes and metadata from Yahoo Finance (blocking yfinance calls in threads)."""

    name = "yahoo"

    def __init__(
        self,
        download: Download | None = None,
        ticker_factory: TickerFactory | None = None,
        sleep: Sleep = asyncio.sleep,
        retries: int = 3,
        backoff_seconds: float = 2.0,
        *,
        timeout: float = 30.0,
        exchange_for: Callable[[str], str] = _default_exchange,
        meta_concurrency: int = 4,
    ) -> None:
        self._download = download or _yf_download
        self._ticker_factory = ticker_factory or _yf_ticker
        self._sleep = sleep
        self._retries = retries
        self._backoff = backoff_seconds
        self._timeout = timeout
        self._exchange_for = exchange_for
        self._meta_concurrency = meta_concurrency

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        """Daily closes for `symbols` from `start` to `end` inclusive, in one batched download."""
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return FetchResult(closes=_empty_frame())
        retryable = _retryable_errors()
        empty_retried = False
        attempt = 0
        while True:
            try:
                raw = await asyncio.to_thread(self._download_all, wanted, start, end)
            except retryable as exc:
                if attempt >= self._retries:
                    logger.warning("Yahoo download failed %d times: %r", attempt + 1, exc)
                    raise DataError(
                        f"Yahoo Finance could not be reached: {_describe(exc)}"
                    ) from exc
                delay = self._backoff * 2**attempt
                logger.info("Yahoo download failed (%r); retrying in %.1fs", exc, delay)
                attempt += 1
                await self._sleep(delay)
                continue
            result = self._closes_from(raw, wanted)
            if result.closes.columns.empty and not empty_retried and attempt < self._retries:
                # download() swallows 429s and returns empty columns: back off once.
                empty_retried = True
                delay = self._backoff * 2**attempt
                logger.info("Yahoo returned no data at all; retrying in %.1fs", delay)
                attempt += 1
                await self._sleep(delay)
                continue
            if result.failures:
                logger.warning(
                    "Yahoo returned no data for %d of %d symbols: %s",
                    len(result.failures),
                    len(wanted),
                    ", ".join(result.failures),
                )
            return result

    def _download_all(self, symbols: list[str], start: dt.date, end: dt.date) -> Any:
        return self._download(
            symbols,
            start=start.isoformat(),
            end=(end + dt.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
            auto_adjust=True,
            group_by="column",
            progress=False,
            threads=True,
            multi_level_index=True,
            timeout=self._timeout,
        )

    def _closes_from(self, raw: Any, wanted: list[str]) -> FetchResult:
        """The Close prices of a yf.download frame, one column per requested symbol."""
        closes = _close_columns(raw)
        # yfinance upper-cases tickers and loses their order; map back to what was asked.
        by_upper = {str(column).upper(): column for column in closes.columns}
        columns: dict[str, pd.Series] = {}
        failures: dict[str, str] = {}
        for symbol in wanted:
            column = by_upper.get(symbol.upper())
            series = None if column is None else closes[column]
            if isinstance(series, pd.DataFrame):  # duplicated column: keep the fullest
                series = series.iloc[:, int(series.notna().sum().argmax())]
            if series is None:
                failures[symbol] = NO_DATA
                continue
            series = _to_local_dates(
                pd.to_numeric(series, errors="coerce"), self._exchange_of(symbol)
            )
            if series.empty:
                failures[symbol] = NO_DATA
                continue
            columns[symbol] = series
        if not columns:
            return FetchResult(closes=_empty_frame(), failures=failures)
        frame = pd.concat(columns, axis=1, sort=True).dropna(how="all").astype(float)
        frame.index = pd.DatetimeIndex(frame.index).as_unit(DATE_UNIT)
        frame.index.name = None
        frame.columns.name = None
        return FetchResult(closes=frame, failures=failures)

    def _exchange_of(self, symbol: str) -> str:
        try:
            return self._exchange_for(symbol)
        except ConfigError:
            return _default_exchange(symbol)

    async def fetch_meta(self, symbols: Sequence[str]) -> dict[str, SymbolMeta]:
        """Shares and currency per symbol from `Ticker.fast_info`; defaults when Yahoo fails."""
        gate = asyncio.Semaphore(self._meta_concurrency)

        async def one(symbol: str) -> SymbolMeta:
            async with gate:
                return await asyncio.to_thread(self._meta, symbol)

        wanted = list(dict.fromkeys(symbols))
        metas = await asyncio.gather(*(one(symbol) for symbol in wanted))
        return dict(zip(wanted, metas, strict=True))

    def _meta(self, symbol: str) -> SymbolMeta:
        exchange = self._exchange_of(symbol)
        currency = EXCHANGE_CURRENCY.get(exchange, "USD")
        if exchange == FX_MARKET:
            currency = symbol.removesuffix("=X")[-3:] or currency
        shares: float | None = None
        try:
            info = self._ticker_factory(symbol).fast_info
            shares = _positive(info["shares"])
            reported = info["currency"]
            if isinstance(reported, str) and _CURRENCY.match(reported):
                currency = reported
        except Exception as exc:  # metadata is best effort; closes still count
            logger.warning("Yahoo metadata for %s unavailable: %r", symbol, exc)
        if exchange == FX_MARKET or symbol.startswith("^"):
            shares = None  # share counts of indices and FX series mean nothing
        return SymbolMeta(symbol, symbol, currency, exchange, shares)


def _close_columns(raw: Any) -> pd.DataFrame:
    """The Close level of a yf.download frame as a frame with one column per ticker."""
    if not isinstance(raw, pd.DataFrame) or raw.empty:
        return _empty_frame()
    columns = raw.columns
    if isinstance(columns, pd.MultiIndex):
        level = "Price" if "Price" in columns.names else _level_holding(columns, "Close")
        if level is None or "Close" not in columns.get_level_values(level):
            return _empty_frame()
        closes = raw.xs("Close", axis=1, level=level)
        if isinstance(closes, pd.Series):
            closes = closes.to_frame()
        return closes
    raise DataError("Yahoo Finance returned an unexpected table (no ticker column level)")


def _level_holding(columns: pd.MultiIndex, value: str) -> int | None:
    for number in range(columns.nlevels):
        if value in columns.get_level_values(number):
            return number
    return None


def _to_local_dates(series: pd.Series, exchange: str) -> pd.Series:
    """Bars keyed by the exchange-local trading date (tz-naive midnight), without NaNs."""
    series = series.dropna()
    index = pd.DatetimeIndex(series.index)
    if index.tz is not None:
        index = index.tz_convert(_YAHOO_TIMEZONE.get(exchange, "UTC")).tz_localize(None)
    series.index = index.normalize()
    # Two bars on one local date (an odd intraday stamp) keep the later one.
    return series[~series.index.duplicated(keep="last")]


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(index=pd.DatetimeIndex([], dtype=f"datetime64[{DATE_UNIT}]"), dtype=float)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text[:200] or type(exc).__name__
