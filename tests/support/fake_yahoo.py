"""An offline Yahoo Finance at the HTTP layer, for running yfinance 1.7 unchanged in tests.

`YahooWorld` holds the true market (traded closes, splits, dividends) and answers the
endpoints yfinance calls the way Yahoo does at `world.now`; `FakeYahooSession` is the
curl_cffi session yfinance is handed, and `install_fake_yahoo` wires it in with fresh,
private yfinance caches. Any URL the fake does not know fails the test loudly.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import pathlib
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pandas as pd
import yfinance
import yfinance.base
import yfinance.cache
import yfinance.data
from curl_cffi.const import CurlECode
from curl_cffi.requests import Headers, Response, Session
from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError
from curl_cffi.requests.utils import quote_path_and_params, update_url_params

CRUMB = "fAkEcRuMb1"
VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]
_MONTHS = {"1mo": 1, "3mo": 3, "6mo": 6, "1y": 12, "2y": 24, "5y": 60, "10y": 120}
# Regular session (open, close) in exchange-local time; Yahoo stamps each daily bar with
# its session's open. FX trades round the clock: its daily bars start at midnight London.
_SESSIONS = {
    "America/New_York": (dt.time(9, 30), dt.time(16, 0)),
    "Asia/Hong_Kong": (dt.time(9, 30), dt.time(16, 0)),
    "Asia/Shanghai": (dt.time(9, 30), dt.time(15, 0)),
}
_FX_SESSION = (dt.time(0, 0), dt.time(23, 59))
_TYPE_DISP = {"EQUITY": "Equity", "ETF": "ETF", "INDEX": "Index", "CURRENCY": "Currency"}
_FAR = 2**62
_HTML = "text/html; charset=utf-8"
_JSON = "application/json;charset=utf-8"
# Yahoo's edge answers a rate limit with this plain body, whatever the endpoint.
_TOO_MANY = ("Too Many Requests\r\n", "text/html")
_DENIED = {
    "finance": {"result": None, "error": {"code": "Unauthorized", "description": "Invalid Crumb"}}
}

Body = dict[str, Any] | tuple[str, str]  # JSON, or (text, content type)


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), allow_nan=False)  # Yahoo sends null, not NaN


def _server_error(status: int) -> tuple[int, Body]:
    if status == 500:
        error = {"code": "Internal Server Error", "description": "Internal error occurred"}
        return 500, {"chart": {"result": None, "error": error}}
    page = f"<html><body><h1>{status} {HTTPStatus(status).phrase}</h1></body></html>"
    return status, (page, _HTML)


def _not_found(root: str, description: str) -> tuple[int, Body]:
    return 404, {
        root: {"result": None, "error": {"code": "Not Found", "description": description}}
    }


@dataclass
class _Listing:
    """One symbol's static description plus its corporate actions."""

    symbol: str
    closes: pd.Series
    tz: str
    currency: str
    exchange_name: str
    full_exchange_name: str
    instrument_type: str
    long_name: str | None
    shares: float | None
    market_cap: float | None
    financial_currency: str | None
    splits: list[tuple[dt.date, float, float]] = field(default_factory=list)
    dividends: list[tuple[dt.date, float]] = field(default_factory=list)

    @property
    def hours(self) -> tuple[dt.time, dt.time]:
        if self.instrument_type == "CURRENCY":
            return _FX_SESSION
        return _SESSIONS.get(self.tz, (dt.time(9, 30), dt.time(16, 0)))

    @property
    def corporate(self) -> bool:
        """Whether Yahoo reports shares and market cap (never for indices or FX)."""
        return self.instrument_type not in ("INDEX", "CURRENCY")

    def at(self, day: dt.date, clock: dt.time | None = None) -> int:
        """Epoch seconds of a local wall-clock time on `day` (default: the session open)."""
        moment = dt.datetime.combine(day, clock or self.hours[0], tzinfo=ZoneInfo(self.tz))
        return int(moment.timestamp())


class YahooWorld:
    """Traded prices and corporate actions per symbol; answers as Yahoo would at `now`."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or dt.datetime.now(dt.UTC)
        self.rate_limited: set[str] = set()
        self.server_errors: dict[str, int] = {}
        """Chart requests for these symbols answer this 5xx status (500: a JSON error body
        like the API's own; others: an HTML error page from the edge)."""
        self.quote_rate_limited = False
        self.down = False
        # yfinance#2895: before the open, Yahoo sends the last completed session with null
        # OHLC (volume intact) until the market opens and backfills it.
        self.pre_open_bar = False
        self.requests: list[tuple[str, str]] = []
        self.urls: list[str] = []
        """Every answered request's URL as sent, query included."""
        self._listings: dict[str, _Listing] = {}
        self._lock = threading.Lock()

    def add_symbol(
        self,
        symbol: str,
        *,
        closes: pd.Series,
        timezone: str = "America/New_York",
        currency: str = "USD",
        exchange_name: str = "NMS",
        full_exchange_name: str = "NasdaqGS",
        instrument_type: str = "EQUITY",
        long_name: str | None = None,
        shares: float | None = None,
        market_cap: float | None = None,
        financial_currency: str | None = None,
    ) -> None:
        """List a symbol; `closes` holds each local date's traded price in that day's units."""
        series = pd.Series(closes, dtype=float).sort_index()
        series.index = pd.DatetimeIndex(series.index).normalize()
        self._listings[symbol.upper()] = _Listing(
            symbol.upper(), series, timezone, currency, exchange_name, full_exchange_name,
            instrument_type, long_name, shares, market_cap, financial_currency,
        )  # fmt: skip

    def add_split(
        self, symbol: str, ex_date: dt.date, numerator: float, denominator: float
    ) -> None:
        """A split effective from `ex_date`: `numerator` new shares per `denominator` old."""
        self._listings[symbol.upper()].splits.append((ex_date, numerator, denominator))

    def add_dividend(self, symbol: str, ex_date: dt.date, amount: float) -> None:
        """A cash dividend per share, in the share units traded on `ex_date`."""
        self._listings[symbol.upper()].dividends.append((ex_date, amount))

    def count(self, kind: str | None = None) -> int:
        """How many requests of `kind` (or of any kind) were answered."""
        return sum(1 for k, _ in self.requests if kind is None or k == kind)

    # --- the market as of now -------------------------------------------------------

    def _local(self, lst: _Listing) -> dt.datetime:
        return self.now.astimezone(ZoneInfo(lst.tz))

    def _ratio_after(self, lst: _Listing, day: dt.date) -> float:
        """Cumulative ratio of the splits Yahoo already knows that come after `day`."""
        today = self._local(lst).date()
        return math.prod(n / d for ex, n, d in lst.splits if day < ex <= today)

    def _tape(self, lst: _Listing) -> pd.DataFrame:
        """Visible bars: split-adjusted close, Yahoo's adjclose and the #2895 null flag."""
        today = self._local(lst).date()
        opened = self.now.timestamp() >= lst.at(today)
        days = lst.closes.index.date
        traded = lst.closes[(days < today) | ((days == today) & opened)]
        close = traded / [self._ratio_after(lst, d) for d in traded.index.date]
        adj = close.copy()
        for ex, amount in lst.dividends:
            before = close[close.index.date < ex]
            if ex <= today and len(before):
                adj[before.index] *= 1 - amount / self._ratio_after(lst, ex) / before.iloc[-1]
        tape = pd.DataFrame({"close": close, "adjclose": adj, "null": False})
        if self.pre_open_bar and not opened and (days == today).any() and len(tape):
            tape.loc[tape.index[-1], "null"] = True
        return tape

    # --- endpoints ---------------------------------------------------------------------

    def _chart_or_fault(self, symbol: str, q: dict[str, str]) -> tuple[int, Body]:
        if symbol in self.rate_limited:
            return 429, _TOO_MANY
        if symbol in self.server_errors:
            return _server_error(self.server_errors[symbol])
        return self._chart(symbol, q)

    def _chart(self, symbol: str, q: dict[str, str]) -> tuple[int, Body]:
        lst = self._listings.get(symbol)
        if lst is None:
            return _not_found("chart", "No data found, symbol may be delisted")
        assert q.get("interval", "1d") == "1d", f"fake Yahoo serves daily bars only: {q}"
        tape, today = self._tape(lst), self._local(lst).date()
        stamps = [lst.at(d) for d in tape.index.date]
        rng, lo, hi = "", int(q.get("period1", -_FAR)), int(q.get("period2", _FAR))
        if "period1" not in q:  # the range= form, e.g. range=1d for the timezone probe
            rng = q.get("range", "1mo")
            assert rng in VALID_RANGES, f"fake Yahoo does not know range {rng!r}"
            if rng in ("1d", "5d"):
                lo = stamps[-int(rng[0])] if len(stamps) >= int(rng[0]) else -_FAR
            elif rng != "max":
                first = pd.Timestamp(today) - pd.DateOffset(months=_MONTHS.get(rng, 0))
                lo = lst.at(dt.date(today.year, 1, 1) if rng == "ytd" else first.date(), dt.time())
        inside = [lo <= s < hi for s in stamps]
        sel, ts = tape[inside], [s for s, keep in zip(stamps, inside, strict=True) if keep]
        result: dict[str, Any] = {"meta": self._meta(lst, tape, sel, rng)}
        if ts:
            result["timestamp"] = ts
        events = self._events(lst, lo, hi, q.get("events", ""))
        if events:
            result["events"] = events
        quote: dict[str, Any] = {}
        adjclose: dict[str, Any] = {}
        if ts:
            live = [None if n else c for c, n in zip(sel["close"], sel["null"], strict=True)]
            adj = [None if n else c for c, n in zip(sel["adjclose"], sel["null"], strict=True)]
            quote = {
                "open": [c and c * 0.995 for c in live],
                "high": [c and c * 1.01 for c in live],
                "low": [c and c * 0.985 for c in live],
                "close": live,
                "volume": [self._volume(lst)] * len(ts),
            }
            adjclose = {"adjclose": adj}
        result["indicators"] = {"quote": [quote], "adjclose": [adjclose]}
        return 200, {"chart": {"result": [result], "error": None}}

    @staticmethod
    def _volume(lst: _Listing) -> int:
        return 0 if lst.instrument_type == "CURRENCY" else 1_000_000  # Yahoo: FX has none

    def _events(self, lst: _Listing, lo: int, hi: int, wanted: str) -> dict[str, Any]:
        """Known splits and dividends whose ex-date session falls inside [lo, hi)."""
        today = self._local(lst).date()
        divs, splits = {}, {}
        for ex, amount in sorted(lst.dividends):
            if ex <= today and lo <= lst.at(ex) < hi:
                adjusted = amount / self._ratio_after(lst, ex)
                divs[str(lst.at(ex))] = {"amount": adjusted, "date": lst.at(ex)}
        for ex, n, d in sorted(lst.splits):
            if ex <= today and lo <= lst.at(ex) < hi:
                split = {"date": lst.at(ex), "numerator": float(n), "denominator": float(d)}
                splits[str(lst.at(ex))] = split | {"splitRatio": f"{n:g}:{d:g}"}
        events: dict[str, Any] = {}
        if divs and "div" in wanted:
            events["dividends"] = divs
        if splits and "split" in wanted:
            events["splits"] = splits
        return events

    def _meta(
        self, lst: _Listing, tape: pd.DataFrame, sel: pd.DataFrame, rng: str
    ) -> dict[str, Any]:
        local = self._local(lst)
        today, zone, offset = local.date(), local.tzname(), self._offset(lst)
        us = lst.tz == "America/New_York" and lst.corporate
        opening, closing = lst.hours

        def period(start: dt.time, end: dt.time) -> dict[str, Any]:
            return {"timezone": zone, "start": lst.at(today, start), "end": lst.at(today, end),
                    "gmtoffset": offset}  # fmt: skip

        meta: dict[str, Any] = {
            "currency": lst.currency, "symbol": lst.symbol, "exchangeName": lst.exchange_name,
            "fullExchangeName": lst.full_exchange_name, "instrumentType": lst.instrument_type,
            "firstTradeDate": None, "regularMarketTime": None, "hasPrePostMarketData": us,
            "gmtoffset": offset, "timezone": zone, "exchangeTimezoneName": lst.tz,
        }  # fmt: skip
        if len(tape):
            close = tape["close"]
            price = float(close.iloc[-1])
            year = close[close.index > close.index[-1] - pd.Timedelta(weeks=52)]
            before = close[close.index < sel.index[0]] if len(sel) else close
            meta |= {
                "firstTradeDate": lst.at(tape.index[0].date()),
                "regularMarketTime": self._market_time(lst, tape),
                "regularMarketPrice": price,
                "fiftyTwoWeekHigh": float(year.max() * 1.01),
                "fiftyTwoWeekLow": float(year.min() * 0.985),
                "regularMarketDayHigh": price * 1.01,
                "regularMarketDayLow": price * 0.985,
                "regularMarketVolume": self._volume(lst),
            }
            if lst.long_name:
                meta |= {"longName": lst.long_name, "shortName": lst.long_name}
            meta["chartPreviousClose"] = float(before.iloc[-1] if len(before) else price)
        meta |= {
            "priceHint": 2 if lst.corporate or lst.instrument_type == "INDEX" else 4,
            "currentTradingPeriod": {
                "pre": period(dt.time(4) if us else opening, opening),
                "regular": period(opening, closing),
                "post": period(closing, dt.time(20) if us else closing),
            },
            "dataGranularity": "1d",
            "range": rng,
            "validRanges": VALID_RANGES,
        }
        return meta

    def _offset(self, lst: _Listing) -> int:
        return int((self._local(lst).utcoffset() or dt.timedelta()).total_seconds())

    def _market_time(self, lst: _Listing, tape: pd.DataFrame) -> int:
        """The last trade: now while the session runs, else the last session's close."""
        return min(int(self.now.timestamp()), lst.at(tape.index[-1].date(), lst.hours[1]))

    def _quote_row(self, lst: _Listing) -> dict[str, Any]:
        tape = self._tape(lst)
        source = "Nasdaq Real Time Price" if lst.exchange_name == "NMS" else "Delayed Quote"
        row: dict[str, Any] = {
            "language": "en-US", "region": "US", "quoteType": lst.instrument_type,
            "typeDisp": _TYPE_DISP.get(lst.instrument_type, lst.instrument_type.title()),
            "quoteSourceName": source, "currency": lst.currency, "exchange": lst.exchange_name,
            "fullExchangeName": lst.full_exchange_name, "exchangeTimezoneName": lst.tz,
            "exchangeTimezoneShortName": self._local(lst).tzname(),
            "gmtOffSetMilliseconds": self._offset(lst) * 1000,
            "shortName": lst.long_name or lst.symbol, "symbol": lst.symbol,
        }  # fmt: skip
        if lst.long_name:
            row["longName"] = lst.long_name
        # `shares` is the count before any split in the world; Yahoo reports today's count.
        today = self._local(lst).date()
        split = math.prod(n / d for ex, n, d in lst.splits if ex <= today)
        shares = None if lst.shares is None else lst.shares * split
        if len(tape):
            price = float(tape["close"].iloc[-1])
            row |= {"regularMarketPrice": price, "regularMarketTime": self._market_time(lst, tape)}
            if lst.corporate and (lst.market_cap or shares):
                row["marketCap"] = lst.market_cap or (shares or 0.0) * price
        if lst.corporate and shares is not None:
            row["sharesOutstanding"] = shares
        if lst.corporate:  # the currency of the company's accounts, e.g. CNY for 0700.HK
            row["financialCurrency"] = lst.financial_currency or lst.currency
        return row

    def _quote_summary(self, symbol: str) -> tuple[int, Body]:
        """Ticker.info's quoteSummary: only the quoteType module is modelled."""
        lst = self._listings.get(symbol)
        if lst is None:
            return _not_found("quoteSummary", f"Quote not found for symbol: {symbol}")
        row = self._quote_row(lst)
        quote_type = {k: row[k] for k in ("exchange", "quoteType", "symbol", "shortName")} | {
            "longName": lst.long_name,
            "underlyingSymbol": symbol,
            "gmtOffSetMilliseconds": row["gmtOffSetMilliseconds"],
            "timeZoneFullName": lst.tz,
            "timeZoneShortName": row["exchangeTimezoneShortName"],
            "maxAge": 1,
        }
        return 200, {"quoteSummary": {"result": [{"quoteType": quote_type}], "error": None}}

    def _timeseries(self, symbol: str, q: dict[str, str]) -> tuple[int, Body]:
        """Fundamentals timeseries: share counts (no `type`), no data for any other type."""
        types = [t for t in q.get("type", "").split(",") if t] or ["shares_out"]
        results: list[dict[str, Any]] = [
            {"meta": {"symbol": [symbol], "type": [t]}} for t in types
        ]
        lst = self._listings.get(symbol)
        if types == ["shares_out"] and lst and lst.corporate and lst.shares is not None:
            today = self._local(lst).date()
            stamp = int(dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC).timestamp())
            if int(q.get("period1", -_FAR)) <= stamp < int(q.get("period2", _FAR)):
                results[0] |= {"timestamp": [stamp], "shares_out": [int(lst.shares)]}
        return 200, {"timeseries": {"result": results, "error": None}}

    # --- the wire ---------------------------------------------------------------------

    def serve(self, session: FakeYahooSession, method: str, url: str, params: Any) -> Response:
        """Answer one HTTP request the way Yahoo would, or raise like curl_cffi would."""
        wire = quote_path_and_params(update_url_params(url, params) if params else url)
        parts = urlsplit(wire)
        host, path = parts.hostname or "", unquote(parts.path)
        if self.down:
            code = CurlECode.COULDNT_CONNECT
            raise CurlConnectionError(
                f"Failed to perform, curl: ({int(code)}) Failed to connect to {host}:443 after "
                "0 ms: Could not connect to server. See "
                "https://curl.se/libcurl/c/libcurl-errors.html first for more details.",
                code,
            )
        q = {k: ",".join(v) for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        kind, what, status, body = self._route(session, host, path, q)
        if kind == "":
            raise AssertionError(f"fake Yahoo does not know {method} {wire}")
        with self._lock:
            self.requests.append((kind, what or url))
            self.urls.append(wire)
        text, content_type = body if isinstance(body, tuple) else (_json(body), _JSON)
        response = Response()
        # Outside the EU, the consent host redirects to Yahoo's home page.
        response.url = "https://www.yahoo.com/" if kind == "consent" else wire
        response.status_code, response.reason = status, HTTPStatus(status).phrase
        response.ok = 200 <= status < 400
        response.headers = Headers({"content-type": content_type})
        response.content = text.encode()
        return response

    def _route(
        self, session: FakeYahooSession, host: str, path: str, q: dict[str, str]
    ) -> tuple[str, str, int, Body]:
        """(kind, symbol or "" for the URL, status, body); kind "" for an unknown URL."""
        if host == "fc.yahoo.com":
            # Yahoo answers 404 but sets the A3 cookie, which yfinance then caches on disk.
            expires = int(time.time()) + 365 * 86400
            cookie = (
                f"SET\t#HttpOnly_.yahoo.com\tTRUE\t/\tTRUE\t{expires}\tA3\td=AQABBfAkE&S=AQAAAfAkE"
            )
            session.cookies.update_cookies_from_curl_changes([cookie.encode()])
            return "cookie", "", 404, ("<html><body>404 Not Found</body></html>", _HTML)
        if host in ("guce.yahoo.com", "consent.yahoo.com"):
            # No consent form outside the EU: yfinance's csrf strategy finds no csrfToken
            # and falls back to the basic cookie.
            return "consent", "", 200, ("<html><body>Yahoo</body></html>", _HTML)
        if host not in ("query1.finance.yahoo.com", "query2.finance.yahoo.com"):
            return "", "", 0, {}
        symbol = path.rsplit("/", 1)[-1].upper()
        symbols = ",".join(s.upper() for s in q.get("symbols", "").split(",") if s)
        crumbed = q.get("crumb") == CRUMB and any(c.name == "A3" for c in session.cookies.jar)
        if path == "/v1/test/getcrumb":
            return "crumb", "", 200, (CRUMB, "text/plain;charset=utf-8")
        if path.startswith("/v8/finance/chart/"):
            return "chart", symbol, *self._chart_or_fault(symbol, q)
        if path == "/v7/finance/quote":
            if self.quote_rate_limited:
                return "quote", symbols, 429, _TOO_MANY
            if not crumbed:
                return "quote", symbols, 401, _DENIED
            known = [self._listings[s] for s in symbols.split(",") if s in self._listings]
            rows = [self._quote_row(lst) for lst in known]
            return "quote", symbols, 200, {"quoteResponse": {"result": rows, "error": None}}
        if path.startswith("/v10/finance/quoteSummary/"):
            if not crumbed:
                return "quoteSummary", symbol, 401, _DENIED
            return "quoteSummary", symbol, *self._quote_summary(symbol)
        if path.startswith("/ws/fundamentals-timeseries/v1/finance/timeseries/"):
            return "timeseries", symbol, *self._timeseries(symbol, q)
        return "", "", 0, {}


class FakeYahooSession(Session[Response]):
    """A curl_cffi Session whose every request is answered by a YahooWorld, never the network."""

    def __init__(self, world: YahooWorld) -> None:
        super().__init__()
        self.world = world
        self.requests_sent = 0
        """Every request attempted, answered or not (what the production session counts)."""

    def request(  # type: ignore[override]
        self, method: str, url: str, params: Any = None, **kwargs: Any
    ) -> Response:
        """Route get/post/head (which all call request) to the world."""
        self.requests_sent += 1
        return self.world.serve(self, method, url, params)


def install_fake_yahoo(world: YahooWorld, cache_dir: pathlib.Path) -> FakeYahooSession:
    """Make yfinance talk to `world` with caches under `cache_dir`, as in a fresh process."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    yfinance.set_tz_cache_location(str(cache_dir))
    # set_tz_cache_location only closes the old databases; the cache objects would reopen
    # them at the old path, so drop those too and let yfinance build new ones.
    yfinance.cache._TzCacheManager._tz_cache = None
    yfinance.cache._CookieCacheManager._Cookie_cache = None
    yfinance.cache._ISINCacheManager._isin_cache = None
    # Past-dated chart answers are memoised per process; a previous test's must not leak.
    yfinance.data.YfData.cache_get.cache_clear()
    # After a timezone miss yfinance asks Ticker.info, but only twice per process.
    yfinance.base._tz_info_fetch_ctr = 0
    session = FakeYahooSession(world)
    data = yfinance.data.YfData(session=session)
    # Re-run __init__ on the singleton: forgets crumb, cookie, cookie strategy and login.
    data.__init__(session=session)
    return session
