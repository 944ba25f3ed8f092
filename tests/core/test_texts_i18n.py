"""Every answer text in English and Simplified Chinese: same numbers, valid HTML, within limits."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
import string
from collections.abc import Callable

import pytest

from bot.analytics.model import Snapshot
from bot.analytics.snapshot import compute_snapshot
from bot.core.universe import Universe, load_universe
from bot.sandbox.localapi import parse_html
from bot.sources.demo import DemoProvider
from bot.text.formatting import fmt_pct, fmt_pp, fmt_price, fmt_usd
from bot.text.i18n import CATALOGUE, LANGUAGES, t
from bot.text.market import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    basket_page,
    chart_caption,
    compare_caption,
    exchange_label,
    index_caption,
    market_dates,
    markets_line,
    rally_caption,
    source_line,
    status_text,
    visible_length,
)

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
START = dt.date(2025, 10, 1)
PERIOD = "YTD"
CJK = re.compile(r"[\u4e00-\u9fff]")
TAG = re.compile(r"</?(?:b|i|code)>")
REFRESH = {"finished_at": "2026-11-20T11:58:00+00:00", "symbols": 54, "failures": {"VNET": "x"}}

Render = Callable[[Snapshot, Universe, str], str]


@pytest.fixture(scope="module")
def universe() -> Universe:
    """The default universe."""
    return load_universe()


@pytest.fixture(scope="module")
def snapshot(universe: Universe) -> Snapshot:
    """A demo snapshot of the default universe, computed once for this module."""
    provider = DemoProvider(universe, seed=1, clock=lambda: NOW)
    closes = provider.closes_at(universe.all_symbols, START, NOW.date(), NOW).closes
    meta = asyncio.run(provider.fetch_meta(universe.price_symbols)).meta
    return compute_snapshot(closes, meta, universe, NOW.date(), NOW, "demo")


def _rally(snapshot: Snapshot, universe: Universe, lang: str) -> str:
    return rally_caption(snapshot, universe, PERIOD, lang=lang)


def _index(snapshot: Snapshot, universe: Universe, lang: str) -> str:
    return index_caption(snapshot, universe, "star50", PERIOD, lang=lang)


def _basket(snapshot: Snapshot, universe: Universe, lang: str) -> str:
    return basket_page(snapshot, "china_ai", PERIOD, 0, 12, lang=lang)[0]


def _compare(snapshot: Snapshot, universe: Universe, lang: str) -> str:
    returns = (_return(snapshot, universe, "star50"), _return(snapshot, universe, "ndx"))
    return compare_caption(
        ("star50", "ndx"),
        ("STAR 50", "Nasdaq 100"),
        returns,
        PERIOD,
        "demo",
        market_dates(snapshot, lang),
        lang=lang,
    )


def _chart(snapshot: Snapshot, universe: Universe, lang: str) -> str:
    return chart_caption(
        ["STAR 50", "ChiNext", "Nasdaq 100"],
        PERIOD,
        "demo",
        market_dates(snapshot, lang),
        lang=lang,
    )


def _status(snapshot: Snapshot, universe: Universe, lang: str) -> str:
    open_now = {"XSHG": False, "XHKG": True, "XNYS": False}
    return status_text(snapshot, REFRESH, open_now, "2026-11-20T12:15:00+00:00", "demo", lang=lang)


def _return(snapshot: Snapshot, universe: Universe, key: str) -> float | None:
    return snapshot.period_return(universe.indices[key].symbol, PERIOD)


def _key_numbers(name: str, snapshot: Snapshot, universe: Universe) -> list[str]:
    """The numbers a reader must find in the text whatever its language."""
    basket = snapshot.baskets["china_ai"]
    star50 = snapshot.instruments[universe.indices["star50"].symbol]
    spread = snapshot.spread("star50", "ndx", PERIOD)
    return {
        "rally": [
            fmt_pct(_return(snapshot, universe, "ndx")),
            fmt_pct(_return(snapshot, universe, "star50")),
            fmt_pp(spread),
            fmt_usd(basket.stats(PERIOD).value_change_usd),
            f"{(snapshot.ratios['china_ai/us_ai'] or 0) * 100:.1f}%",
        ],
        "index": [fmt_price(star50.close), star50.date, fmt_pp(spread)],
        "basket": [
            fmt_usd(basket.stats(PERIOD).value_change_usd),
            fmt_pct(basket.stats(PERIOD).equal),
            fmt_usd(basket.value_usd, signed=False),
            basket.moves[PERIOD][0].symbol,
            "1/3",
        ],
        "compare": [
            fmt_pct(_return(snapshot, universe, "star50")),
            fmt_pct(_return(snapshot, universe, "ndx")),
            fmt_pp(spread),
        ],
        "chart": ["STAR 50 · ChiNext · Nasdaq 100", PERIOD, "100"],
        "status": ["54", "2026-11-20T11:58:00+00:00", "2026-11-20T12:15:00+00:00"],
    }[name]


# name -> (renderer, Telegram's limit for it: a photo caption or a message)
TEXTS: dict[str, tuple[Render, int]] = {
    "rally": (_rally, CAPTION_LIMIT),
    "index": (_index, CAPTION_LIMIT),
    "basket": (_basket, MESSAGE_LIMIT),
    "compare": (_compare, CAPTION_LIMIT),
    "chart": (_chart, CAPTION_LIMIT),
    "status": (_status, MESSAGE_LIMIT),
}
TEXT_IDS = list(TEXTS)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", TEXT_IDS)
def test_every_text_is_valid_telegram_html_within_its_limit(
    snapshot: Snapshot, universe: Universe, name: str, lang: str
) -> None:
    render, limit = TEXTS[name]
    text = render(snapshot, universe, lang)
    parse_html(text)  # raises on anything Telegram would refuse
    assert visible_length(text) <= limit


@pytest.mark.parametrize("name", TEXT_IDS)
def test_chinese_text_is_chinese_and_keeps_the_numbers(
    snapshot: Snapshot, universe: Universe, name: str
) -> None:
    render, _ = TEXTS[name]
    english = render(snapshot, universe, "en")
    chinese = render(snapshot, universe, "zh")
    assert not CJK.search(english)
    assert CJK.search(chinese)
    for number in _key_numbers(name, snapshot, universe):
        assert number in english
        assert number in chinese


@pytest.mark.parametrize(
    ("name", "render", "expected"),
    [
        (
            "rally",
            _rally,
            [
                "China tech rally · YTD",
                "(benchmark)",
                "vs NDX",
                "💰",
                "(cap-weighted ",
                "Top: ",
                "AI market cap",
                "<i>as of SH/SZ ",
            ],
        ),
        ("index", _index, ["<b>STAR 50</b> (000688.SS) · YTD", "Close ", "vs Nasdaq 100: "]),
        ("basket", _basket, ["Value change <b>", "cap-weighted", "Page 1/3 · shares are "]),
        (
            "compare",
            _compare,
            ["<b>STAR 50 vs Nasdaq 100 · YTD</b>", "Spread: <b>", "<i>as of SH/SZ "],
        ),
        ("chart", _chart, [" · YTD, rebased to 100", "<i>as of SH/SZ "]),
        (
            "status",
            _status,
            [
                "<b>rallybot status</b>",
                "Provider: demo",
                "(54 symbols, 1 failed)",
                "Hong Kong: open",
                "Shanghai/Shenzhen: closed",
            ],
        ),
    ],
    ids=TEXT_IDS,
)
def test_english_wording_is_unchanged(
    snapshot: Snapshot, universe: Universe, name: str, render: Render, expected: list[str]
) -> None:
    text = render(snapshot, universe, "en")
    for fragment in expected:
        assert fragment in text


@pytest.mark.parametrize(
    ("name", "render", "expected"),
    [
        (
            "rally",
            _rally,
            [
                "中国科技股行情 · YTD",
                "（基准）",
                "相对 NDX",
                "跑输",
                "市值变化",
                "按市值加权",
                "成分股",
                "<i>截至 沪深 ",
            ],
        ),
        ("index", _index, ["收盘", "相对 Nasdaq 100："]),
        ("basket", _basket, ["市值变化 <b>", "按市值加权", "第 1/3 页"]),
        ("compare", _compare, ["STAR 50 对比 Nasdaq 100 · YTD", "涨幅差：", "<i>截至 沪深 "]),
        ("chart", _chart, ["以 100 为基准", "<i>截至 沪深 "]),
        ("status", _status, ["rallybot 状态", "香港：开市", "沪深：休市"]),
    ],
    ids=TEXT_IDS,
)
def test_chinese_wording(
    snapshot: Snapshot, universe: Universe, name: str, render: Render, expected: list[str]
) -> None:
    text = render(snapshot, universe, "zh")
    for fragment in expected:
        assert fragment in text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", TEXT_IDS)
def test_demo_data_is_labelled_demo_in_every_language(
    snapshot: Snapshot, universe: Universe, name: str, lang: str
) -> None:
    render, _ = TEXTS[name]
    assert "DEMO" in render(snapshot, universe, lang)


def test_chinese_rally_caption_with_many_warnings_drops_them_to_fit(
    snapshot: Snapshot, universe: Universe
) -> None:
    warnings = [t("zh", "market.stale", market="香港", minutes=n) for n in range(100)]
    text = rally_caption(snapshot, universe, PERIOD, warnings, lang="zh")
    assert visible_length(text) <= CAPTION_LIMIT
    assert text.endswith(t("zh", "source.demo"))
    parse_html(text)


@pytest.mark.parametrize(
    ("provider", "lang", "expected"),
    [
        ("demo", "en", "⚠️ DEMO data: synthetic prices, not real quotes"),
        ("demo", "zh", "⚠️ DEMO 演示数据：合成价格，非真实行情"),
        ("yahoo", "en", "Source: Yahoo Finance"),
        ("yahoo", "zh", "数据来源：Yahoo Finance"),
        ("csv", "en", "Source: your CSV files"),
        ("csv", "zh", "数据来源：您的 CSV 文件"),
        ("a<b", "en", "Source: a&lt;b"),
        ("a<b", "zh", "数据来源：a&lt;b"),
    ],
)
def test_source_line_names_the_provider(provider: str, lang: str, expected: str) -> None:
    assert source_line(provider, lang) == expected


@pytest.mark.parametrize(
    ("markets", "lang", "expected"),
    [
        (
            {"XSHG": "2026-11-20", "XHKG": "2026-11-20", "XNYS": "2026-11-19"},
            "en",
            "as of SH/SZ 11-20 · HK 11-20 · NY 11-19",
        ),
        (
            {"XSHG": "2026-11-20", "XHKG": "2026-11-20", "XNYS": "2026-11-19"},
            "zh",
            "截至 沪深 11-20 · 港股 11-20 · 美股 11-19",
        ),
        ({"XNYS": "2026-11-19"}, "en", "as of NY 11-19"),
        ({}, "en", "no data yet"),
        ({}, "zh", "暂无数据"),
    ],
)
def test_markets_line_lists_each_markets_newest_bar(
    snapshot: Snapshot, markets: dict[str, str], lang: str, expected: str
) -> None:
    assert markets_line(dataclasses.replace(snapshot, markets=markets), lang) == expected


@pytest.mark.parametrize(
    ("exchange", "lang", "expected"),
    [
        ("XSHG", "en", "Shanghai/Shenzhen"),
        ("XHKG", "zh", "香港"),
        ("XNYS", "zh", "纽约"),
        ("XLON", "zh", "XLON"),
    ],
)
def test_exchange_label_translates_known_exchanges(
    exchange: str, lang: str, expected: str
) -> None:
    assert exchange_label(exchange, lang) == expected


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_catalogue_entry_has_every_language_with_the_same_placeholders(key: str) -> None:
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGUAGES)
    assert all(entry[lang].strip() for lang in LANGUAGES)
    assert _placeholders(entry["zh"]) == _placeholders(entry["en"])


HTML_KEYS = sorted(k for k, entry in CATALOGUE.items() if TAG.search(entry["en"]))


@pytest.mark.parametrize("key", HTML_KEYS)
def test_catalogue_html_is_valid_with_the_same_tags_in_every_language(key: str) -> None:
    entry = CATALOGUE[key]
    for lang in LANGUAGES:
        parse_html(entry[lang].format(**dict.fromkeys(_placeholders(entry[lang]), "1")))
        assert TAG.findall(entry[lang]) == TAG.findall(entry["en"])


def test_t_falls_back_to_english_for_a_language_we_do_not_speak() -> None:
    assert t("fr", "rally.title", period="YTD") == "China tech rally · YTD"


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_status_names_failures_set_aside_symbols_share_mismatches_and_a_failed_attempt(
    snapshot: Snapshot, lang: str
) -> None:
    refresh = {
        "finished_at": "2026-11-20T11:58:00+00:00",
        "symbols": 55,
        "requests": 57,
        "failures": {"9988.HK": "rate-limited by Yahoo (HTTP 429)"},
        "set_aside": {"2513.HK": "no data: unknown or delisted symbol (failing since …)"},
        "share_mismatches": [
            {"symbol": "GOOGL", "shares": 5.8e9, "implied_shares": 12.1e9, "ratio": 0.48}
        ],
    }
    failure = {"at": "2026-11-20T12:10:00+00:00", "reason": "yahoo returned no data for any"}
    text = status_text(snapshot, refresh, {}, None, "yahoo", failure=failure, lang=lang)
    assert visible_length(text) <= MESSAGE_LIMIT
    assert parse_html(text) is not None
    for fragment in ("57", "9988.HK", "HTTP 429", "2513.HK", "GOOGL ×0.48", "12:10:00"):
        assert fragment in text
