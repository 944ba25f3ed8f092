"""Inline queries (`@bot star50`, `@bot rally ytd`): read with the commands' own parsers.

A query is a command without its slash (`rally ytd`, `index star50 mtd`, `compare star50 ndx`)
or, shorter, a bare index or basket key with an optional period (`star50`, `china_ai ytd`);
a bare period (`ytd`) is /rally's. Whatever the command parsers learn, inline learns too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from bot.analytics.periods import DateRange, Period
from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    HeatmapRequest,
    IndexRequest,
    RallyRequest,
    clip,
    parse_basket,
    parse_chart,
    parse_compare,
    parse_heatmap,
    parse_index,
    parse_period,
    parse_rally,
)
from bot.core.errors import UserError
from bot.core.universe import Universe

MarketRequest = (
    RallyRequest | IndexRequest | BasketRequest | HeatmapRequest | ChartRequest | CompareRequest
)
"""Every question an inline query can ask."""

INLINE_EXAMPLES = (
    "star50",
    "rally ytd",
    "china_ai since deepseek",
    "compare star50 ndx ytd",
)


def _is_period(tokens: Sequence[str]) -> bool:
    """Whether the tokens are one period as the commands write it: `ytd`, `since …`, `A..B`."""
    if len(tokens) == 1:
        return parse_period(tokens[0]) is not None or ".." in tokens[0]
    return len(tokens) == 2 and tokens[0].lower() == "since"


def parse_inline_query(
    query: str, universe: Universe, known_symbols: Sequence[str], today: dt.date
) -> MarketRequest:
    """The market question an inline query asks; UserError (with the parser's hint) if none."""
    tokens = query.split()
    if not tokens:
        return parse_rally([], universe, today)
    head, args = tokens[0].lower().removeprefix("/").split("@", 1)[0], tokens[1:]
    parsers: dict[str, Callable[[Sequence[str]], MarketRequest]] = {
        "rally": lambda rest: parse_rally(rest, universe, today),
        "index": lambda rest: parse_index(rest, universe, today),
        "basket": lambda rest: parse_basket(rest, universe, today),
        "heatmap": lambda rest: parse_heatmap(rest, universe, today),
        "chart": lambda rest: parse_chart(rest, universe, known_symbols, today),
        "compare": lambda rest: parse_compare(rest, universe, known_symbols, today),
    }
    if head in parsers:
        return parsers[head](args)
    if _is_period(tokens):
        return parse_rally(tokens, universe, today)
    if head in universe.indices:
        return parse_index(tokens, universe, today)
    if head in universe.baskets:
        return parse_basket(tokens, universe, today)
    if len(tokens) == 1 or _is_period(tokens[1:]):
        # `9988.HK` or `9988.HK ytd`: one series, drawn by /chart (which suggests near names).
        return parse_chart(tokens, universe, known_symbols, today)
    raise UserError("inline.unknown", token=clip(tokens[0]))


def period_query(period: Period) -> str:
    """A period as a query writes it: `ytd`, `since 2025-01-27`, `2025-04-01..2025-12-31`."""
    if not isinstance(period, DateRange):
        return period.lower()
    if period.end is None:
        return f"since {period.start.isoformat()}"
    return f"{period.start.isoformat()}..{period.end.isoformat()}"


def inline_query_for(request: MarketRequest) -> str:
    """The inline query that asks `request` again: what a Share button puts after @bot."""
    period = period_query(request.period)
    match request:
        case RallyRequest():
            return f"rally {period}"
        case IndexRequest(key=key):
            return f"{key} {period}"
        case BasketRequest(key=key):
            return f"basket {key} {period}"
        case HeatmapRequest(key=key):
            return f"heatmap {key} {period}"
        case ChartRequest(names=names):
            return f"chart {' '.join(names)} {period}"
        case CompareRequest(first=first, second=second):
            return f"compare {first} {second} {period}"
