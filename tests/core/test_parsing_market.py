"""The market parsers (/rally, /index, /basket, /heatmap, /chart, /compare), in tables.

Every valid form maps to its exact request; every error is checked word for word in
English and in Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pytest

from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    HeatmapRequest,
    IndexRequest,
    RallyRequest,
    parse_basket,
    parse_chart,
    parse_compare,
    parse_heatmap,
    parse_index,
    parse_rally,
)
from bot.core.errors import UserError
from bot.core.universe import Universe, load_universe

UNIVERSE: Universe = load_universe()
SYMBOLS = UNIVERSE.price_symbols
INDICES = "star50, chinext, csi300, hsi, hstech, hstech_etf, ndx, spx"
PERIODS = "1D, 5D, MTD, YTD, 1Y"

Parser = Callable[[Sequence[str]], object]
TODAY = dt.date(2026, 11, 26)
PARSERS: dict[str, Parser] = {
    "rally": lambda args: parse_rally(args, UNIVERSE, TODAY),
    "index": lambda args: parse_index(args, UNIVERSE, TODAY),
    "basket": lambda args: parse_basket(args, UNIVERSE, TODAY),
    "heatmap": lambda args: parse_heatmap(args, UNIVERSE, TODAY),
    "chart": lambda args: parse_chart(args, UNIVERSE, SYMBOLS, TODAY),
    "compare": lambda args: parse_compare(args, UNIVERSE, SYMBOLS, TODAY),
}

VALID = [
    ("rally", "", RallyRequest("MTD")),
    ("rally", "ytd", RallyRequest("YTD")),
    ("rally", "1w", RallyRequest("5D")),
    ("rally", "1Y", RallyRequest("1Y")),
    ("index", "star50", IndexRequest("star50", "MTD")),
    ("index", "NDX 1d", IndexRequest("ndx", "1D")),
    ("index", "hstech ytd", IndexRequest("hstech", "YTD")),
    ("basket", "", BasketRequest("china_ai", "MTD")),
    ("basket", "ytd", BasketRequest("china_ai", "YTD")),
    ("basket", "us_ai 5d", BasketRequest("us_ai", "5D")),
    ("heatmap", "", HeatmapRequest("china_ai", "MTD")),
    ("heatmap", "1w", HeatmapRequest("china_ai", "5D")),
    ("heatmap", "US_AI ytd", HeatmapRequest("us_ai", "YTD")),
    ("chart", "star50", ChartRequest(("star50",), "MTD")),
    ("chart", "star50 chinext ndx ytd", ChartRequest(("star50", "chinext", "ndx"), "YTD")),
    ("chart", "9988.hk china_ai 1y", ChartRequest(("9988.HK", "china_ai"), "1Y")),
    ("chart", "ndx NDX ytd", ChartRequest(("ndx",), "YTD")),
    ("compare", "star50 ndx", CompareRequest("star50", "ndx", "MTD")),
    ("compare", "0700.hk 9988.HK ytd", CompareRequest("0700.HK", "9988.HK", "YTD")),
]


@pytest.mark.parametrize(("command", "text", "expected"), VALID)
def test_a_valid_command_becomes_its_request(command: str, text: str, expected: object) -> None:
    assert PARSERS[command](text.split()) == expected


INVALID = [
    (
        "rally",
        "ytd mtd",
        "/rally takes at most a period, e.g. /rally ytd",
        "/rally 最多接受一个区间参数，例如 /rally ytd",
    ),
    (
        "rally",
        "forever",
        f"“forever” is not a period. Use one of {PERIODS}, since DATE|EVENT or START..END, "
        "e.g. /rally ytd",
        f"“forever” 不是有效的区间。可用：{PERIODS}、since 日期|事件 或 开始..结束，"
        "例如 /rally ytd",
    ),
    (
        "index",
        "",
        f"Which index? One of {INDICES}, e.g. /index star50 ytd",
        f"请指定指数：{INDICES}，例如 /index star50 ytd",
    ),
    (
        "index",
        "ytd",
        f"Which index? One of {INDICES}, e.g. /index star50 ytd",
        f"请指定指数：{INDICES}，例如 /index star50 ytd",
    ),
    (
        "index",
        "star50 forever",
        f"“forever” is not a period. Use one of {PERIODS}, since DATE|EVENT or START..END, "
        "e.g. /index star50 ytd",
        f"“forever” 不是有效的区间。可用：{PERIODS}、since 日期|事件 或 开始..结束，"
        "例如 /index star50 ytd",
    ),
    (
        "index",
        "star50 ndx",
        "/index takes an index and a period, e.g. /index star50 ytd",
        "/index 接受一个指数和一个区间，例如 /index star50 ytd",
    ),
    (
        "index",
        "nope",
        f"“nope” is not an index. Indices: {INDICES}, e.g. /index star50 ytd",
        f"“nope” 不是指数。可用指数：{INDICES}，例如 /index star50 ytd",
    ),
    (
        "basket",
        "china_ai forever",
        f"“forever” is not a period. Use one of {PERIODS}, since DATE|EVENT or START..END, "
        "e.g. /basket china_ai ytd",
        f"“forever” 不是有效的区间。可用：{PERIODS}、since 日期|事件 或 开始..结束，"
        "例如 /basket china_ai ytd",
    ),
    (
        "basket",
        "china_ai us_ai",
        "/basket takes a basket and a period, e.g. /basket china_ai ytd",
        "/basket 接受一个篮子和一个区间，例如 /basket china_ai ytd",
    ),
    (
        "basket",
        "nope",
        "“nope” is not a basket. Baskets: china_ai, us_ai, e.g. /basket china_ai ytd",
        "“nope” 不是篮子。可用篮子：china_ai, us_ai，例如 /basket china_ai ytd",
    ),
    (
        "heatmap",
        "china_ai forever",
        f"“forever” is not a period. Use one of {PERIODS}, since DATE|EVENT or START..END, "
        "e.g. /heatmap china_ai ytd",
        f"“forever” 不是有效的区间。可用：{PERIODS}、since 日期|事件 或 开始..结束，"
        "例如 /heatmap china_ai ytd",
    ),
    (
        "heatmap",
        "china_ai us_ai",
        "/heatmap takes a basket and a period, e.g. /heatmap china_ai ytd",
        "/heatmap 接受一个篮子和一个区间，例如 /heatmap china_ai ytd",
    ),
    (
        "heatmap",
        "star50 ytd",
        "“star50” is not a basket. Baskets: china_ai, us_ai, e.g. /heatmap china_ai ytd",
        "“star50” 不是篮子。可用篮子：china_ai, us_ai，例如 /heatmap china_ai ytd",
    ),
    (
        "chart",
        "",
        "What should I chart? Give up to 6 names, e.g. /chart star50 chinext ndx ytd",
        "要画哪些？最多 6 个名称，例如 /chart star50 chinext ndx ytd",
    ),
    (
        "chart",
        "a b c d e f g",
        "At most 6 series in one chart, e.g. /chart star50 chinext ndx ytd",
        "一张图最多 6 条线，例如 /chart star50 chinext ndx ytd",
    ),
    (
        "chart",
        "<b>",
        "“<b>” is not a symbol or key, e.g. /chart star50 chinext ndx ytd",
        "“<b>” 不是代码或键名，例如 /chart star50 chinext ndx ytd",
    ),
    (
        "chart",
        "star5",
        "I don't know “star5”. Did you mean star50?",
        "找不到 “star5”。您是不是要找 star50？",
    ),
    (
        "chart",
        "zzzzzz",
        "I don't know “zzzzzz”. Try /help for the list.",
        "找不到 “zzzzzz”。发送 /help 查看列表。",
    ),
    (
        "compare",
        "star50",
        "/compare needs two names and an optional period, e.g. /compare star50 ndx ytd",
        "/compare 需要两个名称和可选的区间，例如 /compare star50 ndx ytd",
    ),
    (
        "compare",
        "star50 STAR50",
        "Compare two different things, e.g. /compare star50 ndx ytd",
        "请比较两个不同的对象，例如 /compare star50 ndx ytd",
    ),
    (
        "compare",
        "china_ai ndx",
        "/compare works on indices and symbols, e.g. /compare star50 ndx ytd",
        "/compare 只支持指数和股票代码，例如 /compare star50 ndx ytd",
    ),
    (
        "compare",
        "star50 nope",
        "I don't know “nope”. Try /help for the list.",
        "找不到 “nope”。发送 /help 查看列表。",
    ),
]


@pytest.mark.parametrize(("command", "text", "english", "chinese"), INVALID)
def test_a_bad_command_says_exactly_what_was_wrong(
    command: str, text: str, english: str, chinese: str
) -> None:
    with pytest.raises(UserError) as caught:
        PARSERS[command](text.split())
    assert str(caught.value) == english
    assert caught.value.render("zh") == chinese


def test_a_long_token_is_clipped_when_echoed() -> None:
    with pytest.raises(UserError) as caught:
        parse_index(["x" * 300], UNIVERSE, TODAY)
    assert "x" * 39 + "…" in str(caught.value)
    assert "x" * 41 not in str(caught.value)


def test_every_market_command_has_valid_and_invalid_rows() -> None:
    assert {row[0] for row in VALID} == set(PARSERS)
    assert {row[0] for row in INVALID} == set(PARSERS)
