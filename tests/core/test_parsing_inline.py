"""Inline queries read with the commands' parsers, and the Share query that asks again."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.analytics.periods import DateRange
from bot.commands.inline import MarketRequest, inline_query_for, parse_inline_query
from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    HeatmapRequest,
    IndexRequest,
    RallyRequest,
)
from bot.core.errors import UserError
from bot.core.universe import Universe, load_universe

UNIVERSE: Universe = load_universe()
SYMBOLS = UNIVERSE.price_symbols
TODAY = dt.date(2026, 11, 26)
DEEPSEEK = DateRange(dt.date(2025, 1, 27), None, "DeepSeek R1 shock")
YEAR_2025 = DateRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def parse(query: str) -> MarketRequest:
    return parse_inline_query(query, UNIVERSE, SYMBOLS, TODAY)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", RallyRequest("MTD")),
        ("   ", RallyRequest("MTD")),
        ("ytd", RallyRequest("YTD")),
        ("rally", RallyRequest("MTD")),
        ("rally ytd", RallyRequest("YTD")),
        ("/rally 1y", RallyRequest("1Y")),
        ("/rally@rallybot 5d", RallyRequest("5D")),
        ("RALLY  YTD", RallyRequest("YTD")),
        ("star50", IndexRequest("star50", "MTD")),
        ("STAR50 ytd", IndexRequest("star50", "YTD")),
        ("index ndx 1d", IndexRequest("ndx", "1D")),
        ("china_ai", BasketRequest("china_ai", "MTD")),
        ("china_ai ytd", BasketRequest("china_ai", "YTD")),
        ("basket us_ai 1y", BasketRequest("us_ai", "1Y")),
        ("chart star50 ndx ytd", ChartRequest(("star50", "ndx"), "YTD")),
        ("9988.hk", ChartRequest(("9988.HK",), "MTD")),
        ("9988.HK ytd", ChartRequest(("9988.HK",), "YTD")),
        ("compare star50 ndx", CompareRequest("star50", "ndx", "MTD")),
        ("compare chinext ndx ytd", CompareRequest("chinext", "ndx", "YTD")),
        ("since deepseek", RallyRequest(DEEPSEEK)),
        ("2025-01-01..2025-12-31", RallyRequest(YEAR_2025)),
        ("china_ai since deepseek", BasketRequest("china_ai", DEEPSEEK)),
        ("star50 2025-01-01..2025-12-31", IndexRequest("star50", YEAR_2025)),
        ("9988.HK since 2025-01-27", ChartRequest(("9988.HK",), DEEPSEEK)),
        ("heatmap us_ai 1y", HeatmapRequest("us_ai", "1Y")),
    ],
)
def test_inline_query_maps_to_the_command_request(query: str, expected: MarketRequest) -> None:
    assert parse(query) == expected


@pytest.mark.parametrize(
    ("query", "key", "english"),
    [
        ("rally forever", "period.invalid_or_range", "“forever” is not a period."),
        ("rally ytd mtd", "rally.too_many", "/rally takes at most a period, e.g. /rally ytd"),
        ("star50 forever", "period.invalid_or_range", "“forever” is not a period."),
        ("china_ai since atlantis", "range.unknown_event", "deepseek"),
        ("hello there friend", "inline.unknown", "I don't understand “hello”."),
        ("star5", "name.unknown_hint", "Did you mean star50"),
        ("compare star50 star50", "compare.same", "/compare star50 ndx ytd"),
    ],
)
def test_bad_inline_query_raises_the_parsers_hint(query: str, key: str, english: str) -> None:
    with pytest.raises(UserError) as raised:
        parse(query)
    assert raised.value.key == key
    assert english in raised.value.render("en")


@pytest.mark.parametrize(
    ("request_", "query"),
    [
        (RallyRequest("MTD"), "rally mtd"),
        (RallyRequest("YTD"), "rally ytd"),
        (IndexRequest("star50", "1D"), "star50 1d"),
        (BasketRequest("china_ai", "YTD"), "basket china_ai ytd"),
        (ChartRequest(("star50", "9988.HK"), "5D"), "chart star50 9988.HK 5d"),
        (CompareRequest("star50", "ndx", "1Y"), "compare star50 ndx 1y"),
        (RallyRequest(DEEPSEEK), "rally since 2025-01-27"),
        (IndexRequest("star50", YEAR_2025), "star50 2025-01-01..2025-12-31"),
        (HeatmapRequest("china_ai", "YTD"), "heatmap china_ai ytd"),
    ],
)
def test_share_query_asks_the_same_question_again(request_: MarketRequest, query: str) -> None:
    assert inline_query_for(request_) == query
    assert parse(query) == request_
