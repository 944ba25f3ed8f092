"""Yahoo Finance through yfinance: one chart request per symbol, failures found and retried.

Why per symbol: `yf.download` hides every per-symbol error (429 included) as an all-NaN
column and never raises, so nothing above it can tell a rate limit from a delisting or
retry only what failed. `Ticker.history` with yfinance's exceptions switched on raises
the real error per symbol, returns the corporate actions in the window and the chart's
own metadata (currency, exchange) with the same request. It costs no extra requests:
`download` also makes one chart request per ticker.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import math
import random
import re
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from bot.core.calendars import DATE_UNIT
from bot.core.errors import ConfigError
from bot.core.universe import (
    EXCHANGE_CURRENCY,
    EXCHANGE_TIMEZONE,
    FX_MARKET,
    NEW_YORK,
    exchange_of,
)
from bot.sources.base import NOT_TRIED, CorporateAction, FetchResult, MetaResult, SymbolMeta

logger = logging.getLogger(__name__)

QUOTE_URL = "https://query1.finance.yahoo.com/v7/finance/quote"
QUOTE_BATCH = 50
"""Symbols per batched quote request (Yahoo answers far more; small batches fail small)."""

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Jitter = Callable[[], float]

# Yahoo stamps currency bars at London midnight, not UTC: converting them to UTC would put
# summer bars on the previous day.
YAHOO_TIMEZONE = {**EXCHANGE_TIMEZONE, FX_MARKET: "Europe/London"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class CountingSession:
    """Builds the curl_cffi session yfinance uses, counting every HTTP request it sends."""

    @staticmethod
    def create() -> Any:
        """A new browser-impersonating session whose `requests_sent` counts requests."""
        from curl_cffi import requests as curl  # noqa: PLC0415 - only the yahoo path needs it

        class _Session(curl.Session):  # type: ignore[type-arg]
            def __init__(self) -> None:
                super().__init__(impersonate="chrome")
                self._count_lock = threading.Lock()
                self.requests_sent = 0

            def request(self, *args: Any, **kwargs: Any) -> Any:
                with self._count_lock:
                    self.requests_sent += 1
                return super().request(*args, **kwargs)

        return _Session()


def requests_sent(session: Any) -> int:
    """How many requests `session` has sent, when it counts them."""
    return int(getattr(session, "requests_sent", 0))


@dataclass(frozen=True)
class _Bars:
    """One symbol's answer: closes by local date, the events in it, the chart's metadata."""

    closes: pd.Series
    events: list[CorporateAction]
    currency: str | None


class _FetchFailedError(Exception):
    """A symbol's fetch failed; `retryable` says whether another try may help.

    `unreachable` marks a failure to reach Yahoo at all: one more try, then the rest of
    the symbols are not tried.
    """

    def __init__(self, reason: str, retryable: bool, *, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.unreachable = unreachable


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
        session: Any | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        jitter: Jitter = random.random,
        retries: int = 1,
        backoff_seconds: float = 2.0,
        concurrency: int = 4,
        timeout: float = 20.0,
        exchange_for: Callable[[str], str] = _default_exchange,
    ) -> None:
        self._session = session
        self._sleep = sleep
        self._jitter = jitter
        self._retries = retries
        self._backoff = backoff_seconds
        self._concurrency = concurrency
        self._timeout = timeout
        self._exchange_for = exchange_for

    @property
    def session(self) -> Any:
        """The HTTP session every yfinance call of this provider goes through."""
        if self._session is None:
            self._session = CountingSession.create()
        return self._session

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        """Closes from `start` to `end` inclusive, one request per symbol, at most 4 at once."""
        wanted = list(dict.fromkeys(symbols))
        result = FetchResult(closes=_empty_frame())
        if not wanted:
            return result
        session = self.session
        before = requests_sent(session)
        gate = asyncio.Semaphore(self._concurrency)
        unreachable: list[str] = []
        await asyncio.to_thread(self._seed_timezones, wanted)

        async def one(symbol: str) -> tuple[str, _Bars | str]:
            async with gate:
                if unreachable:
                    # Yahoo itself is down: trying 50 more symbols only delays the answer.
                    return symbol, f"{NOT_TRIED}{unreachable[0]}"
                try:
                    bars = await self._with_retries(
                        symbol, functools.partial(self._history, symbol, start, end)
                    )
                    return symbol, bars
                except _FetchFailedError as exc:
                    if exc.unreachable:
                        unreachable.append(exc.reason)
                    return symbol, exc.reason

        outcomes = await asyncio.gather(*(one(symbol) for symbol in wanted))
        columns: dict[str, pd.Series] = {}
        for symbol, outcome in outcomes:
            if isinstance(outcome, str):
                result.failures[symbol] = outcome
                continue
            columns[symbol] = outcome.closes
            result.sources[symbol] = self.name
            if outcome.events:
                result.events[symbol] = outcome.events
            exchange = self._exchange_of(symbol)
            result.meta[symbol] = SymbolMeta(
                symbol, symbol, outcome.currency or _home_currency(symbol, exchange), exchange
            )
        if columns:
            frame = pd.concat(columns, axis=1, sort=True).astype(float)
            frame.index = pd.DatetimeIndex(frame.index).as_unit(DATE_UNIT)
            frame.index.name = None
            frame.columns.name = None
            result.closes = frame
        result.requests = requests_sent(session) - before
        if result.failures:
            logger.warning(
                "Yahoo gave no bars for %d of %d symbols: %s",
                len(result.failures),
                len(wanted),
                "; ".join(f"{s}: {r}" for s, r in result.failures.items()),
            )
        return result

    async def _with_retries(self, what: str, blocking: Callable[[], T]) -> T:
        """Run one blocking Yahoo call in a thread, again after a backoff when it may help.

        Unreachable Yahoo gets one more try at most: the rest of the symbols wait on it.
        """
        attempt = 0
        while True:
            try:
                return await asyncio.to_thread(blocking)
            except _FetchFailedError as exc:
                limit = min(self._retries, 1) if exc.unreachable else self._retries
                if not exc.retryable or attempt >= limit:
                    raise
                delay = self._backoff * 2**attempt * (1.0 + self._jitter())
                logger.info("%s: %s; trying again in %.1f s", what, exc.reason, delay)
                attempt += 1
                await self._sleep(delay)

    def _history(self, symbol: str, start: dt.date, end: dt.date) -> _Bars:
        """One chart request for `symbol` (blocking: run it in a thread)."""
        import yfinance  # noqa: PLC0415 - importing yfinance is slow; only this path needs it

        _raise_yfinance_errors()
        exchange = self._exchange_of(symbol)
        ticker = yfinance.Ticker(symbol, session=self.session)
        try:
            frame = ticker.history(
                start=start.isoformat(),
                end=(end + dt.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
                interval="1d",
                auto_adjust=False,  # Close is what traded (split-adjusted), not dividend-adjusted
                actions=True,
                timeout=self._timeout,
            )
            # Only .get what is needed: reading every key of this lazy mapping would send
            # one more (intraday) request for its tradingPeriods.
            currency = (ticker.get_history_metadata() or {}).get("currency")
        except Exception as exc:
            raise _classify(exc) from exc
        if not isinstance(frame, pd.DataFrame) or "Close" not in frame.columns:
            raise _FetchFailedError("Yahoo returned no price table", retryable=False)
        closes = _to_local_dates(pd.to_numeric(frame["Close"], errors="coerce"), exchange)
        closes = closes[(closes > 0) & (closes.index <= pd.Timestamp(end))]
        if closes.empty:
            raise _FetchFailedError(f"no bars from {start} to {end}", retryable=False)
        return _Bars(
            closes=closes,
            events=_events(frame),
            currency=currency if isinstance(currency, str) and _CURRENCY.match(currency) else None,
        )

    def _seed_timezones(self, symbols: Sequence[str]) -> None:
        """Tell yfinance's timezone cache what the universe already knows, in one thread.

        yfinance otherwise spends one extra chart request per symbol on first use, only to
        learn the exchange's timezone. Its cache is SQLite: written from one thread, not
        from the four that fetch.
        """
        from yfinance import cache  # noqa: PLC0415

        tz_cache = cache.get_tz_cache()
        for symbol in symbols:
            zone = YAHOO_TIMEZONE.get(self._exchange_of(symbol), "America/New_York")
            try:
                if tz_cache.lookup(symbol) is None:
                    tz_cache.store(symbol, zone)
            except Exception as exc:  # best effort: yfinance looks the zone up itself
                logger.info("Could not seed yfinance's timezone cache for %s: %r", symbol, exc)

    def _exchange_of(self, symbol: str) -> str:
        try:
            return self._exchange_for(symbol)
        except ConfigError:
            return _default_exchange(symbol)

    async def fetch_meta(self, symbols: Sequence[str]) -> MetaResult:
        """Shares, market cap and currency from Yahoo's batched quote, 50 symbols a request."""
        wanted = list(dict.fromkeys(symbols))
        result = MetaResult()
        session = self.session
        before = requests_sent(session)
        for offset in range(0, len(wanted), QUOTE_BATCH):
            batch = wanted[offset : offset + QUOTE_BATCH]
            try:
                quotes = await self._with_retries("quote", functools.partial(self._quote, batch))
            except _FetchFailedError as exc:
                result.failures.update(dict.fromkeys(batch, exc.reason))
                continue
            for symbol in batch:
                quote = quotes.get(symbol.upper())
                if quote is None:
                    result.failures[symbol] = "Yahoo's quote has no entry for it"
                    continue
                result.meta[symbol] = self._meta_from_quote(symbol, quote)
        result.requests = requests_sent(session) - before
        if result.failures:
            logger.warning(
                "Yahoo metadata missing for %d symbols: %s",
                len(result.failures),
                "; ".join(f"{s}: {r}" for s, r in result.failures.items()),
            )
        return result

    def _quote(self, batch: list[str]) -> dict[str, dict[str, Any]]:
        """One batched quote request through yfinance's cookie and crumb handling."""
        from yfinance.data import YfData  # noqa: PLC0415

        _raise_yfinance_errors()
        try:
            answer = YfData(session=self.session).get_raw_json(
                QUOTE_URL,
                params={"symbols": ",".join(batch), "formatted": "false"},
                timeout=self._timeout,
            )
            rows = answer["quoteResponse"]["result"] or []
        except (KeyError, TypeError) as exc:
            raise _FetchFailedError("Yahoo's quote answer had an unexpected shape", False) from exc
        except Exception as exc:
            raise _classify(exc) from exc
        return {str(row.get("symbol", "")).upper(): row for row in rows if isinstance(row, dict)}

    def _meta_from_quote(self, symbol: str, quote: dict[str, Any]) -> SymbolMeta:
        exchange = self._exchange_of(symbol)
        currency = quote.get("currency")
        if not (isinstance(currency, str) and _CURRENCY.match(currency)):
            currency = _home_currency(symbol, exchange)
        shares = _positive(quote.get("sharesOutstanding"))
        market_cap = _positive(quote.get("marketCap"))
        if exchange == FX_MARKET or symbol.startswith("^"):
            shares = market_cap = None  # share counts of indices and FX series mean nothing
        return SymbolMeta(
            symbol,
            symbol,
            currency,
            exchange,
            shares_outstanding=shares,
            market_cap=market_cap,
            cap_price=_positive(quote.get("regularMarketPrice")),
        )


def _raise_yfinance_errors() -> None:
    """Make yfinance raise per-symbol errors (429, unknown symbol) instead of logging them."""
    import yfinance  # noqa: PLC0415

    yfinance.config.debug.hide_exceptions = False


def _classify(exc: BaseException) -> _FetchFailedError:
    """A short reason for a failed request, and whether another try may help.

    yfinance already asks once more (with a new crumb) after any HTTP error before it
    raises, so every reason here is Yahoo's second answer.
    """
    from yfinance import exceptions as yf_errors  # noqa: PLC0415

    if isinstance(exc, yf_errors.YFRateLimitError):
        return _FetchFailedError("rate-limited by Yahoo (HTTP 429)", retryable=True)
    if isinstance(exc, yf_errors.YFTzMissingError):
        return _FetchFailedError("no data: unknown or delisted symbol", retryable=False)
    if isinstance(exc, yf_errors.YFPricesMissingError):
        reason = (exc.yahoo_reason or "").strip()
        if not reason:
            return _FetchFailedError("no price data for the window", retryable=False)
        if any(word in reason.lower() for word in ("not found", "delisted", "no data found")):
            return _FetchFailedError("no data: unknown or delisted symbol", retryable=False)
        # Yahoo explained an error of its own (a 5xx with a chart error body): try again.
        return _FetchFailedError(f"Yahoo: {_describe(exc)}", retryable=True)
    if isinstance(exc, TimeoutError) or "timed out" in str(exc).lower():
        return _FetchFailedError("Yahoo timed out", retryable=True, unreachable=True)
    if _is_connection_error(exc):
        return _FetchFailedError(
            f"could not reach Yahoo ({_describe(exc)})", retryable=True, unreachable=True
        )
    if isinstance(exc, yf_errors.YFDataException | ValueError):
        # "Yahoo is currently down" pages, or HTML where JSON belongs (JSONDecodeError is a
        # ValueError): Yahoo is having a bad moment.
        return _FetchFailedError(f"Yahoo answered no data ({_describe(exc)})", retryable=True)
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int) and status >= 500:
        return _FetchFailedError(f"Yahoo answered HTTP {status}", retryable=True)
    return _FetchFailedError(f"{type(exc).__name__}: {_describe(exc)}", retryable=False)


def _is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionError):
        return True
    try:
        from curl_cffi.requests import exceptions as curl_errors  # noqa: PLC0415
    except ImportError:  # pragma: no cover - curl_cffi comes with yfinance
        return False
    return isinstance(exc, curl_errors.ConnectionError | curl_errors.DNSError)


def _events(frame: pd.DataFrame) -> list[CorporateAction]:
    """The splits and dividends Yahoo reported inside the fetched window."""
    found: list[CorporateAction] = []
    for column, kind in (("Stock Splits", "split"), ("Dividends", "dividend")):
        if column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").fillna(0.0)
        for stamp, value in values[values != 0].items():
            found.append(CorporateAction(kind, float(value), pd.Timestamp(stamp).date()))
    return found


def _to_local_dates(series: pd.Series, exchange: str) -> pd.Series:
    """Bars keyed by the exchange-local trading date (tz-naive midnight), without NaNs."""
    series = series.dropna()
    index = pd.DatetimeIndex(series.index)
    if index.tz is not None:
        index = index.tz_convert(YAHOO_TIMEZONE.get(exchange, "UTC")).tz_localize(None)
    series.index = index.normalize()
    # Two bars on one local date (an odd intraday stamp) keep the later one.
    return series[~series.index.duplicated(keep="last")].astype(float)


def _home_currency(symbol: str, exchange: str) -> str:
    if exchange == FX_MARKET:
        return symbol.removesuffix("=X")[-3:] or "USD"
    return EXCHANGE_CURRENCY.get(exchange, "USD")


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
    return text[:160] or type(exc).__name__
