"""China-side daily closes through akshare (Eastmoney and Sina pages): the optional `cn` extra.

Covers the Hang Seng TECH index level (`HSTECH.HK`), Shanghai and Shenzhen indices
(`000xxx.SS`, `399xxx.SZ`) and A-share stocks (`6xxxxx.SS`; `00[0-3]xxx.SZ`, `30xxxx.SZ`).
Each symbol is fetched on its own, trying an Eastmoney and a Sina function in turn, because
Eastmoney drops connections from addresses it considers scrapers for hours at a time.

Stock closes are unadjusted: akshare's "qfq"/"hfq" adjust for cash dividends as well as
splits, which rallybot's price definition forbids. Unadjusted closes are right only after
the newest stored bar, so stock symbols come back in `append_only`; indices are levels and
are never adjusted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import importlib.util
import logging
import random
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from bot.core.calendars import DATE_UNIT
from bot.core.errors import DataError
from bot.core.universe import EXCHANGE_CURRENCY, HONG_KONG, SHANGHAI
from bot.sources.base import FetchResult, MetaResult, SymbolMeta

logger = logging.getLogger(__name__)

NOT_COVERED = "not covered by akshare"
INSTALL_HINT = "akshare is not installed: pip install 'rallybot[cn]'"

Sleep = Callable[[float], Awaitable[None]]
Kind = Literal["hk_index", "cn_index", "cn_stock"]

# Yahoo's symbol for each Hong Kong index akshare serves, and the code Sina and Eastmoney use.
_HK_INDICES = {"HSTECH.HK": "HSTECH"}
_CN_SYMBOL = re.compile(r"^(\d{6})\.(SS|SZ)$")
_SH_INDEX = re.compile(r"^000\d{3}$")
_SZ_INDEX = re.compile(r"^399\d{3}$")
# stock_zh_a_hist sends codes starting with 6 to Shanghai and every other code to Shenzhen,
# so only codes it routes right are covered: no Shanghai B shares (900xxx), funds or bonds.
_SH_STOCK = re.compile(r"^6\d{5}$")
_SZ_STOCK = re.compile(r"^(00[0-3]|30\d)\d{3}$")
_REASON_CHARS = 120


@dataclass(frozen=True)
class _Route:
    """How one rallybot symbol maps onto akshare."""

    symbol: str
    kind: Kind
    code: str  # six digits, or the Hong Kong index code
    prefix: str  # "sh"/"sz" market prefix Sina and Eastmoney index functions expect; "" for HK
    exchange: str


@dataclass(frozen=True)
class _Call:
    """One akshare function call and where its answer keeps dates and closes."""

    function: str
    kwargs: dict[str, Any] = field(hash=False)
    date_column: str
    close_column: str


@dataclass
class _Outcome:
    closes: pd.Series | None
    reason: str
    calls: int


def _route(symbol: str) -> _Route | None:
    """The akshare route for a Yahoo-style symbol, or None when akshare does not cover it."""
    key = symbol.strip().upper()
    if key in _HK_INDICES:
        return _Route(symbol, "hk_index", _HK_INDICES[key], "", HONG_KONG)
    match = _CN_SYMBOL.match(key)
    if match is None:
        return None
    code, suffix = match.groups()
    prefix = "sh" if suffix == "SS" else "sz"
    index = _SH_INDEX if suffix == "SS" else _SZ_INDEX
    stock = _SH_STOCK if suffix == "SS" else _SZ_STOCK
    if index.match(code):
        return _Route(symbol, "cn_index", code, prefix, SHANGHAI)
    if stock.match(code):
        return _Route(symbol, "cn_stock", code, prefix, SHANGHAI)
    return None


def _calls(route: _Route, start: dt.date, end: dt.date, timeout: float) -> tuple[_Call, ...]:
    """The akshare calls that can answer for `route`, preferred first.

    HTTP requests per call (akshare 1.19): stock_zh_a_hist, stock_zh_index_daily_em,
    stock_zh_index_daily and stock_hk_index_daily_sina make one GET; stock_zh_a_daily makes
    two (bars, then share counts); stock_hk_index_daily_em makes one, plus a paged walk of
    Eastmoney's Hong Kong index list the first time in a process (cached by akshare).
    The Sina functions return the whole history; the Eastmoney A-share ones filter by date
    at the server.
    """
    first, last = start.strftime("%Y%m%d"), end.strftime("%Y%m%d")
    if route.kind == "hk_index":
        # Sina first: one request; the Eastmoney variant must first page through a list.
        return (
            _Call("stock_hk_index_daily_sina", {"symbol": route.code}, "date", "close"),
            _Call("stock_hk_index_daily_em", {"symbol": route.code}, "date", "latest"),
        )
    sina_symbol = f"{route.prefix}{route.code}"
    if route.kind == "cn_index":
        return (
            _Call(
                "stock_zh_index_daily_em",
                {"symbol": sina_symbol, "start_date": first, "end_date": last},
                "date",
                "close",
            ),
            _Call("stock_zh_index_daily", {"symbol": sina_symbol}, "date", "close"),
        )
    return (
        _Call(
            "stock_zh_a_hist",
            {
                "symbol": route.code,
                "period": "daily",
                "start_date": first,
                "end_date": last,
                "adjust": "",  # unadjusted: qfq and hfq also take dividends out
                "timeout": timeout,
            },
            "日期",
            "收盘",
        ),
        _Call(
            "stock_zh_a_daily",
            {"symbol": sina_symbol, "start_date": first, "end_date": last, "adjust": ""},
            "date",
            "close",
        ),
    )


class AkshareProvider:
    """Daily closes for Chinese indices and A shares from akshare (blocking calls in threads)."""

    name = "akshare"

    def __init__(
        self,
        module: Any | None = None,
        *,
        concurrency: int = 2,
        sleep: Sleep = asyncio.sleep,
        retries: int = 2,
        backoff_seconds: float = 2.0,
        jitter_seconds: float = 0.5,
        timeout: float = 30.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._module = module
        self._concurrency = concurrency
        self._sleep = sleep
        self._retries = max(retries, 0)
        self._backoff = backoff_seconds
        self._jitter = jitter_seconds
        self._timeout = timeout

    @staticmethod
    def available() -> bool:
        """True when akshare is installed; looks it up without importing it (slow)."""
        try:
            return importlib.util.find_spec("akshare") is not None
        except (ImportError, ValueError):  # a half-imported or stubbed module in sys.modules
            return False

    def covers(self, symbol: str) -> bool:
        """True for the symbols this provider can fetch (HSTECH.HK, CN indices, A shares)."""
        return _route(symbol) is not None

    async def fetch_closes(
        self, symbols: Sequence[str], start: dt.date, end: dt.date
    ) -> FetchResult:
        """Daily closes for `symbols` from `start` to `end` inclusive; one failure per symbol."""
        wanted = list(dict.fromkeys(symbols))
        failures: dict[str, str] = {}
        routes: list[_Route] = []
        for symbol in wanted:
            route = _route(symbol)
            if route is None:
                failures[symbol] = NOT_COVERED
            else:
                routes.append(route)
        if not routes:
            return FetchResult(closes=_empty_frame(), failures=failures)
        module = await self._akshare()
        gate = asyncio.Semaphore(self._concurrency)
        outcomes = await asyncio.gather(
            *(self._fetch_symbol(module, gate, route, start, end) for route in routes)
        )
        columns: dict[str, pd.Series] = {}
        result = FetchResult(closes=_empty_frame(), failures=failures)
        for route, outcome in zip(routes, outcomes, strict=True):
            result.requests += outcome.calls
            if outcome.closes is None:
                failures[route.symbol] = outcome.reason
                continue
            columns[route.symbol] = outcome.closes
            result.sources[route.symbol] = self.name
            result.meta[route.symbol] = _meta(route)
            if route.kind == "cn_stock":
                result.append_only.add(route.symbol)
        if columns:
            frame = pd.concat(columns, axis=1, sort=True).astype(float)
            frame.index = pd.DatetimeIndex(frame.index).as_unit(DATE_UNIT)
            frame.index.name = None
            frame.columns.name = None
            result.closes = frame
        if failures:
            logger.warning(
                "akshare returned no closes for %d of %d symbols: %s",
                len(failures),
                len(wanted),
                ", ".join(failures),
            )
        return result

    async def fetch_meta(self, symbols: Sequence[str]) -> MetaResult:
        """Currency and exchange for the covered symbols; akshare is not asked for shares."""
        result = MetaResult()
        for symbol in dict.fromkeys(symbols):
            route = _route(symbol)
            if route is None:
                result.failures[symbol] = NOT_COVERED
            else:
                result.meta[symbol] = _meta(route)
        return result

    async def _akshare(self) -> Any:
        """The akshare module, imported on first use in a thread (the import takes ~1s)."""
        if self._module is None:
            try:
                self._module = await asyncio.to_thread(importlib.import_module, "akshare")
            except ImportError as exc:
                raise DataError(INSTALL_HINT) from exc
            except Exception as exc:  # e.g. an akshare release at odds with this pandas
                raise DataError(f"akshare failed to import: {_describe(exc)}") from exc
        return self._module

    async def _fetch_symbol(
        self,
        module: Any,
        gate: asyncio.Semaphore,
        route: _Route,
        start: dt.date,
        end: dt.date,
    ) -> _Outcome:
        """One symbol's closes: every call in turn, then again after a backoff, up to retries."""
        calls = 0
        reasons: list[str] = []
        for attempt in range(self._retries + 1):
            if attempt:
                delay = self._backoff * 2 ** (attempt - 1) + random.uniform(0.0, self._jitter)
                logger.info(
                    "akshare failed for %s (%s); retrying in %.1fs",
                    route.symbol,
                    "; ".join(reasons),
                    delay,
                )
                await self._sleep(delay)
            reasons = []
            for call in _calls(route, start, end, self._timeout):
                function = getattr(module, call.function, None)
                if not callable(function):
                    reasons.append(f"{call.function}: missing from this akshare version")
                    continue
                calls += 1
                # The gate is held only while a call runs, never across a backoff sleep.
                async with gate:
                    answer = await self._call(function, call)
                if isinstance(answer, str):
                    reasons.append(f"{call.function}: {answer}")
                    continue
                window = answer.loc[pd.Timestamp(start) : pd.Timestamp(end)]
                if window.empty:
                    # The source answered with history but nothing in the window (a holiday,
                    # a suspension): asking again or elsewhere would not change that.
                    return _Outcome(None, f"akshare has no bars from {start} to {end}", calls)
                logger.debug("akshare %s served %s", call.function, route.symbol)
                return _Outcome(window, "", calls)
        return _Outcome(None, "akshare: " + "; ".join(reasons), calls)

    async def _call(self, function: Callable[..., Any], call: _Call) -> pd.Series | str:
        """The closes one akshare call returned, or a short reason why there are none."""
        try:
            # wait_for stops waiting on a hung request; the thread itself cannot be cancelled
            # and ends when the socket gives up (only stock_zh_a_hist takes a timeout).
            answer = await asyncio.wait_for(
                asyncio.to_thread(function, **call.kwargs), self._timeout
            )
        except TimeoutError:
            return f"no answer within {self._timeout:g}s"
        except Exception as exc:  # akshare lets requests, JSON, KeyError, IndexError... escape
            return _describe(exc)
        try:
            return _closes_from(answer, call)
        except Exception as exc:  # a table shaped in a way this parser never saw
            return f"unreadable answer ({_describe(exc)})"


def _closes_from(answer: Any, call: _Call) -> pd.Series | str:
    """A float Series of closes by tz-naive midnight date, or why the answer has none."""
    if not isinstance(answer, pd.DataFrame):
        return f"returned {type(answer).__name__}, not a table"
    if answer.empty:
        # Eastmoney's answer to an unknown symbol and to a window without bars alike.
        return "returned no rows"
    missing = [c for c in (call.date_column, call.close_column) if c not in answer.columns]
    if missing:
        return f"answered without column {', '.join(missing)}"
    dates = _first_column(answer, call.date_column)
    days = pd.to_datetime(dates, errors="coerce")
    # Every source returns naive local dates (datetime.date objects or "YYYY-MM-DD"); should
    # one ever stamp them with a zone, the local wall date is still the trading day.
    index = pd.DatetimeIndex(days)
    if index.tz is not None:
        index = index.tz_localize(None)
    index = index.normalize().as_unit(DATE_UNIT)
    closes = pd.to_numeric(_first_column(answer, call.close_column), errors="coerce")
    values = closes.to_numpy(dtype=float)
    series = pd.Series(values, index=index)
    # Unparseable dates and zero or missing closes (a suspended day's filler) are dropped.
    series = series[index.notna() & np.isfinite(values) & (values > 0)]
    if series.empty:
        return "returned no usable closes"
    series = series.sort_index()
    return series[~series.index.duplicated(keep="last")]


def _first_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """frame[name] as a Series even when the name is duplicated (the first one wins)."""
    column = frame[name]
    return column.iloc[:, 0] if isinstance(column, pd.DataFrame) else column


def _meta(route: _Route) -> SymbolMeta:
    return SymbolMeta(
        route.symbol, route.symbol, EXCHANGE_CURRENCY[route.exchange], route.exchange
    )


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(index=pd.DatetimeIndex([], dtype=f"datetime64[{DATE_UNIT}]"), dtype=float)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return _shorten(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


def _shorten(text: str) -> str:
    return text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"
