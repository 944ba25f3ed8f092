"""The fake Yahoo is faithful: yfinance 1.7's own code, fed by it, yields what Yahoo would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance as yf
from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError
from curl_cffi.requests.exceptions import HTTPError
from yfinance.data import YfData
from yfinance.exceptions import YFRateLimitError, YFTzMissingError

from tests.support.fake_yahoo import CRUMB, FakeYahooSession, YahooWorld, install_fake_yahoo
from tests.support.yahoo_world import (
    GOLDEN_WEEK_NOW,
    HK_DAYS,
    NVDA_TRADED,
    SH_DAYS,
    WEEKDAYS,
    golden_week_world,
)

# Friday 9 Oct 2026, after the New York close; already Saturday in Hong Kong and Shanghai.
NOW = GOLDEN_WEEK_NOW
START, END = "2026-09-28", "2026-10-10"
QUOTE_URL = "https://query1.finance.yahoo.com/v7/finance/quote"
COOKIE = ("cookie", "https://fc.yahoo.com")
CRUMB1 = ("crumb", "https://query1.finance.yahoo.com/v1/test/getcrumb")
CRUMB2 = ("crumb", "https://query2.finance.yahoo.com/v1/test/getcrumb")


@pytest.fixture
def world() -> YahooWorld:
    """The market as of NOW."""
    return golden_week_world()


@pytest.fixture
def session(world: YahooWorld, tmp_path: Path) -> FakeYahooSession:
    """yfinance wired to `world`, with private caches, as in a fresh process."""
    return install_fake_yahoo(world, tmp_path / "yf-cache")


@contextmanager
def exceptions_hidden(hidden: bool) -> Iterator[None]:
    """yfinance's global switch: log and return empty frames, or raise."""
    before = yf.config.debug.hide_exceptions
    yf.config.debug.hide_exceptions = hidden
    try:
        yield
    finally:
        yf.config.debug.hide_exceptions = before


@pytest.fixture
def loud() -> Iterator[None]:
    """What production sets: yfinance raises instead of logging and returning empty frames."""
    with exceptions_hidden(False):
        yield


@pytest.fixture(params=[False, True], ids=["loud", "hidden"])
def hidden(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Both settings of yfinance's hide_exceptions, restored afterwards."""
    with exceptions_hidden(request.param):
        yield request.param


def history(session: FakeYahooSession, symbol: str, **kwargs: object) -> pd.DataFrame:
    """Ticker.history as production calls it: daily, unadjusted, with actions."""
    window: dict[str, object] = {"start": START, "end": END}
    return yf.Ticker(symbol, session=session).history(
        **(window | kwargs), interval="1d", auto_adjust=False, actions=True
    )


def local_dates(frame: pd.DataFrame) -> list[dt.date]:
    """The exchange-local date of each row."""
    return [ts.date() for ts in frame.index]


def test_new_york_history_is_split_adjusted_with_yahoo_adj_close(
    session: FakeYahooSession,
) -> None:
    frame = history(session, "NVDA")
    assert str(frame.index.tz) == "America/New_York"
    assert local_dates(frame) == WEEKDAYS
    assert frame["Close"].tolist() == pytest.approx([90, 91, 92, 93, 94, 95, 96, 97, 98, 99])
    late = 1 - 0.05 / 96  # every close before 7 Oct, against the 6 Oct close
    early = 1 - 0.04 / 91  # before 30 Sep: the 0.08 dividend halved by the split, vs 29 Sep
    expected = [
        90 * late * early,
        91 * late * early,
        *(c * late for c in range(92, 97)),
        97,
        98,
        99,
    ]
    assert frame["Adj Close"].tolist() == pytest.approx(expected)
    assert frame["Dividends"][frame["Dividends"] > 0].to_dict() == {
        pd.Timestamp("2026-09-30", tz="America/New_York"): pytest.approx(0.04),
        pd.Timestamp("2026-10-07", tz="America/New_York"): pytest.approx(0.05),
    }
    assert frame["Stock Splits"][frame["Stock Splits"] > 0].to_dict() == {
        pd.Timestamp("2026-10-05", tz="America/New_York"): 2.0
    }


@pytest.mark.parametrize(
    ("symbol", "tz", "days"),
    [
        ("0700.HK", "Asia/Hong_Kong", HK_DAYS),
        ("000688.SS", "Asia/Shanghai", SH_DAYS),
        ("HKD=X", "Europe/London", WEEKDAYS),
    ],
)
def test_each_exchange_keeps_its_own_local_dates(
    session: FakeYahooSession, symbol: str, tz: str, days: list[dt.date]
) -> None:
    frame = history(session, symbol)
    assert str(frame.index.tz) == tz
    assert local_dates(frame) == days
    assert (frame.index == frame.index.normalize()).all()
    assert frame["Close"].notna().all()
    metadata = yf.Ticker(symbol, session=session).history_metadata
    assert metadata["exchangeTimezoneName"] == tz


def test_a_split_is_unknown_until_its_ex_date(tmp_path: Path) -> None:
    world = golden_week_world(dt.datetime(2026, 10, 2, 21, 0, tzinfo=dt.UTC))
    session = install_fake_yahoo(world, tmp_path / "a")
    before = history(session, "NVDA")
    assert local_dates(before) == WEEKDAYS[:5]  # nothing after Yahoo's today
    assert before["Close"].tolist() == NVDA_TRADED[:5]
    assert before["Stock Splits"].sum() == 0
    assert before["Dividends"].max() == pytest.approx(0.08)  # still in old units

    # yfinance memoises past-dated requests for the life of the process, so the same call
    # after the split still shows old units and never reaches Yahoo.
    world.now = NOW
    charts = world.count("chart")
    pd.testing.assert_frame_equal(history(session, "NVDA"), before)
    assert world.count("chart") == charts

    session = install_fake_yahoo(world, tmp_path / "b")  # a fresh process
    after = history(session, "NVDA")
    assert after["Close"].tolist() == pytest.approx([90, 91, 92, 93, 94, 95, 96, 97, 98, 99])


def test_todays_bar_appears_once_the_session_opens(tmp_path: Path) -> None:
    world = golden_week_world(dt.datetime(2026, 10, 9, 13, 0, tzinfo=dt.UTC))  # 09:00 New York
    session = install_fake_yahoo(world, tmp_path)
    assert local_dates(history(session, "NVDA", end=None))[-1] == dt.date(2026, 10, 8)
    world.now = dt.datetime(2026, 10, 9, 14, 0, tzinfo=dt.UTC)  # 10:00, live
    assert local_dates(history(session, "NVDA", end=None))[-1] == dt.date(2026, 10, 9)


def test_pre_open_bar_blanks_the_last_session_until_the_open(tmp_path: Path) -> None:
    world = golden_week_world(dt.datetime(2026, 10, 9, 0, 30, tzinfo=dt.UTC))  # 08:30 Hong Kong
    world.pre_open_bar = True
    frame = history(install_fake_yahoo(world, tmp_path), "0700.HK", end=None)
    assert local_dates(frame)[-1] == dt.date(2026, 10, 8)
    last = frame.iloc[-1]
    assert np.isnan(last["Close"])
    assert np.isnan(last["Adj Close"])
    assert last["Volume"] > 0  # which is why yfinance keeps the row (yfinance#2895)
    assert frame["Close"].iloc[:-1].notna().all()


def test_rate_limit_raises_even_with_exceptions_hidden(
    world: YahooWorld, session: FakeYahooSession, hidden: bool
) -> None:
    world.rate_limited.add("NVDA")
    with pytest.raises(YFRateLimitError):
        history(session, "NVDA")
    # The timezone probe hits 429, yfinance switches cookie strategy, re-crumbs, retries.
    assert world.requests == [COOKIE, CRUMB1, ("chart", "NVDA"), CRUMB2, ("chart", "NVDA")]

    world.rate_limited.clear()
    assert len(history(session, "NVDA", end="2026-10-03")) == 5  # timezone now on disk
    world.rate_limited.add("NVDA")
    with pytest.raises(YFRateLimitError):  # now from the price request itself
        history(session, "NVDA")


@pytest.mark.usefixtures("loud")
def test_unknown_symbol_raises_http_404_then_tz_missing(
    world: YahooWorld, session: FakeYahooSession
) -> None:
    # The chart 404 only leaves the timezone unknown; yfinance then falls back to
    # Ticker.info, whose quoteSummary 404 raises -- but only twice per process.
    for symbol in ("NOPE.HK", "GONE.HK"):
        with pytest.raises(HTTPError, match="HTTP Error 404: Not Found"):
            history(session, symbol)
    with pytest.raises(YFTzMissingError, match="no timezone found"):
        history(session, "VOID.HK")
    assert world.requests[:8] == [
        COOKIE,
        CRUMB1,
        ("chart", "NOPE.HK"),
        CRUMB2,
        ("chart", "NOPE.HK"),
        ("quoteSummary", "NOPE.HK"),
        CRUMB1,
        ("quoteSummary", "NOPE.HK"),
    ]
    assert world.count("chart") == 6
    assert world.count("quoteSummary") == 4


def test_unknown_symbol_is_an_empty_frame_when_exceptions_are_hidden(
    world: YahooWorld, session: FakeYahooSession
) -> None:
    with exceptions_hidden(True):  # yfinance's default, whatever ran before
        assert history(session, "NOPE.HK").empty
    assert world.count("quote") == 1  # Ticker.info also asked v7 quote: absent there too


def test_outage_raises_curl_connection_error(
    world: YahooWorld, session: FakeYahooSession, hidden: bool
) -> None:
    world.down = True
    # Even with exceptions hidden, for the first two timezone misses in the process:
    # the fallback to Ticker.info only guards against HTTP errors.
    for _ in range(2):
        with pytest.raises(CurlConnectionError, match=r"curl: \(7\) Failed to connect"):
            history(session, "NVDA")
    if hidden:
        assert history(session, "NVDA").empty
    else:
        with pytest.raises(CurlConnectionError):
            history(session, "NVDA")
    assert world.requests == []


def test_recovers_after_an_outage_via_yfinance_cookie_fallback(
    world: YahooWorld, session: FakeYahooSession
) -> None:
    world.down = True
    with pytest.raises(CurlConnectionError):
        history(session, "NVDA")
    world.down = False
    assert len(history(session, "NVDA")) == 10
    # The outage left yfinance on its csrf strategy: it tries the consent page first.
    assert world.requests[:3] == [("consent", "https://guce.yahoo.com/consent"), COOKIE, CRUMB1]


def test_download_turns_failures_into_nan_columns(
    world: YahooWorld, session: FakeYahooSession, hidden: bool
) -> None:
    # yf.download catches every exception per ticker (hide_exceptions or not), logs
    # "1 Failed download", and leaves that ticker's columns all NaN.
    world.rate_limited.add("NVDA")
    frame = yf.download(
        ["NVDA", "0700.HK", "NOPE.HK"],
        start=START,
        end=END,
        session=session,
        auto_adjust=False,
        progress=False,
        threads=False,
    )
    assert frame is not None
    closes = frame["Close"]
    assert closes["NVDA"].isna().all()
    assert closes["NOPE.HK"].isna().all()
    assert closes["0700.HK"].dropna().tolist() == [640.0 + i for i in range(len(HK_DAYS))]


def test_download_with_threads_sees_the_same_market(session: FakeYahooSession) -> None:
    frame = yf.download(
        ["NVDA", "0700.HK", "HKD=X"],
        start=START,
        end=END,
        session=session,
        auto_adjust=False,
        progress=False,
    )
    assert frame is not None
    assert frame["Close"]["NVDA"].dropna().iloc[0] == pytest.approx(90.0)
    assert frame["Close"]["0700.HK"].count() == len(HK_DAYS)


def test_batched_quote_has_yahoo_shape(world: YahooWorld, session: FakeYahooSession) -> None:
    data = YfData(session=session).get_raw_json(
        QUOTE_URL, params={"symbols": "NVDA,0700.HK,000688.SS,HKD=X,NOPE", "formatted": "false"}
    )
    assert data["quoteResponse"]["error"] is None
    rows = {row["symbol"]: row for row in data["quoteResponse"]["result"]}
    assert list(rows) == ["NVDA", "0700.HK", "000688.SS", "HKD=X"]  # unknown: just absent
    nvda, tencent = rows["NVDA"], rows["0700.HK"]
    assert nvda["regularMarketPrice"] == 99.0
    # The world's count is from before the 2:1 split; Yahoo reports today's, doubled.
    assert nvda["marketCap"] == pytest.approx(48.6e9 * 99.0)
    assert nvda["sharesOutstanding"] == 48.6e9
    assert nvda["regularMarketTime"] == int(
        dt.datetime(2026, 10, 9, 20, tzinfo=dt.UTC).timestamp()
    )
    assert (tencent["currency"], tencent["financialCurrency"]) == ("HKD", "CNY")
    assert tencent["exchangeTimezoneName"] == "Asia/Hong_Kong"
    for symbol in ("000688.SS", "HKD=X"):
        assert "marketCap" not in rows[symbol]
        assert "sharesOutstanding" not in rows[symbol]
    assert world.requests == [COOKIE, CRUMB1, ("quote", "NVDA,0700.HK,000688.SS,HKD=X,NOPE")]


def test_rate_limited_quote_raises(world: YahooWorld, session: FakeYahooSession) -> None:
    world.quote_rate_limited = True
    with pytest.raises(YFRateLimitError):
        YfData(session=session).get_raw_json(QUOTE_URL, params={"symbols": "NVDA"})
    assert world.requests == [COOKIE, CRUMB1, ("quote", "NVDA"), CRUMB2, ("quote", "NVDA")]


def test_quote_without_crumb_is_unauthorized(session: FakeYahooSession) -> None:
    response = session.get(QUOTE_URL, params={"symbols": "NVDA"})
    assert response.status_code == 401
    assert response.json()["finance"]["error"]["description"] == "Invalid Crumb"
    session.get("https://fc.yahoo.com")
    assert session.get(QUOTE_URL, params={"symbols": "NVDA", "crumb": CRUMB}).ok


def test_wire_log_of_a_fresh_history_then_quote(
    world: YahooWorld, session: FakeYahooSession
) -> None:
    history(session, "NVDA")
    history(session, "NVDA")  # timezone now cached on disk, chart memoised in process
    YfData(session=session).get_raw_json(QUOTE_URL, params={"symbols": "NVDA,0700.HK"})
    assert world.requests == [
        COOKIE,
        CRUMB1,
        ("chart", "NVDA"),
        ("chart", "NVDA"),
        ("quote", "NVDA,0700.HK"),
    ]
    assert (world.count(), world.count("chart")) == (5, 2)


def test_info_and_share_count(world: YahooWorld, session: FakeYahooSession) -> None:
    ticker = yf.Ticker("0700.HK", session=session)
    info = ticker.info
    assert info["marketCap"] == pytest.approx(9.1e9 * 648.0)
    assert info["sharesOutstanding"] == 9.1e9
    assert info["exchangeTimezoneName"] == "Asia/Hong_Kong"
    assert info["longName"] == "Tencent Holdings Limited"
    shares = ticker.get_shares_full(start="2026-09-01", end="2026-10-31")
    assert shares is not None
    assert shares.tolist() == [9_100_000_000]


def epoch(day: str, clock: str, tz: str) -> int:
    """Epoch seconds of a wall-clock time in `tz`."""
    return int(pd.Timestamp(f"{day} {clock}", tz=tz).timestamp())


def test_chart_json_has_yahoo_shape(session: FakeYahooSession) -> None:
    url = "https://query2.finance.yahoo.com/v8/finance/chart/NVDA"
    window = {
        "period1": epoch("2026-10-02", "00:00", "America/New_York"),
        "period2": epoch("2026-10-06", "00:00", "America/New_York"),
        "interval": "1d",
        "includePrePost": False,
        "events": "div,splits,capitalGains",
    }
    chart = session.get(url, params=window).json()["chart"]
    assert chart["error"] is None
    (result,) = chart["result"]
    assert list(result) == ["meta", "timestamp", "events", "indicators"]
    assert result["timestamp"] == [  # each daily bar is stamped with its 09:30 open
        epoch(day, "09:30", "America/New_York") for day in ("2026-10-02", "2026-10-05")
    ]
    split_at = str(epoch("2026-10-05", "09:30", "America/New_York"))
    assert result["events"] == {
        "splits": {
            split_at: {  # no dividend inside the window
                "date": int(split_at),
                "numerator": 2.0,
                "denominator": 1.0,
                "splitRatio": "2:1",
            }
        }
    }
    assert result["indicators"]["quote"][0]["close"] == [94.0, 95.0]
    meta = result["meta"]
    assert list(meta) == [
        "currency", "symbol", "exchangeName", "fullExchangeName", "instrumentType",
        "firstTradeDate", "regularMarketTime", "hasPrePostMarketData", "gmtoffset", "timezone",
        "exchangeTimezoneName", "regularMarketPrice", "fiftyTwoWeekHigh", "fiftyTwoWeekLow",
        "regularMarketDayHigh", "regularMarketDayLow", "regularMarketVolume", "longName",
        "shortName", "chartPreviousClose", "priceHint", "currentTradingPeriod",
        "dataGranularity", "range", "validRanges"]  # fmt: skip
    assert (meta["timezone"], meta["gmtoffset"], meta["range"]) == ("EDT", -14400, "")
    assert (meta["regularMarketPrice"], meta["chartPreviousClose"]) == (99.0, 93.0)
    regular = meta["currentTradingPeriod"]["regular"]
    assert regular["start"] == epoch("2026-10-09", "09:30", "America/New_York")

    tz_probe = {"range": "1d", "interval": "1d"}  # how yfinance looks up a timezone
    probe = session.get(url, params=tz_probe).json()["chart"]["result"][0]
    assert probe["timestamp"] == [epoch("2026-10-09", "09:30", "America/New_York")]
    assert "events" not in probe  # not asked for
    fx_url = "https://query2.finance.yahoo.com/v8/finance/chart/HKD=X"
    fx = session.get(fx_url, params=tz_probe).json()["chart"]["result"][0]
    assert fx["timestamp"] == [epoch("2026-10-09", "00:00", "Europe/London")]
    assert fx["meta"]["exchangeTimezoneName"] == "Europe/London"

    missing = session.get("https://query2.finance.yahoo.com/v8/finance/chart/NOPE")
    assert missing.status_code == 404
    assert missing.json() == {"chart": {"result": None, "error": {
        "code": "Not Found", "description": "No data found, symbol may be delisted"}}}  # fmt: skip


def test_unknown_urls_fail_the_test(session: FakeYahooSession) -> None:
    with pytest.raises(AssertionError, match="does not know"):
        session.get("https://query2.finance.yahoo.com/v1/finance/search", params={"q": "x"})
