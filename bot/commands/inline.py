"""Inline queries (`@bot star50`, `@bot rally ytd`): read with the commands' own parsers.

A query is a command without its slash (`rally ytd`, `index star50 mtd`, `compare star50 ndx`)
or, shorter, a bare index or basket key with an optional period (`star50`, `china_ai ytd`);
a bare period (`ytd`) is /rally's. Whatever the command parsers learn, inline learns too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    IndexRequest,
    RallyRequest,
    clip,
    parse_basket,
    parse_chart,
    parse_compare,
    parse_index,
    parse_period,
    parse_rally,
)
from bot.core.errors import UserError
from bot.core.universe import Universe

MarketRequest = RallyRequest | IndexRequest | BasketRequest | ChartRequest | CompareRequest
"""Every question an inline query can ask."""

INLINE_EXAMPLES = ("star50", "rally ytd", "china_ai ytd", "compare star50 ndx ytd")


def parse_inline_query(
    query: str, universe: Universe, known_symbols: Sequence[str]
) -> MarketRequest:
    """The market question an inline query asks; UserError (with the parser's hint) if none."""
    tokens = query.split()
    if not tokens:
        return parse_rally([])
    head, args = tokens[0].lower().removeprefix("/").split("@", 1)[0], tokens[1:]
    parsers: dict[str, Callable[[Sequence[str]], MarketRequest]] = {
        "rally": parse_rally,
        "index": lambda rest: parse_index(rest, universe),
        "basket": lambda rest: parse_basket(rest, universe),
        "chart": lambda rest: parse_chart(rest, universe, known_symbols),
        "compare": lambda rest: parse_compare(rest, universe, known_symbols),
    }
    if head in parsers:
        return parsers[head](args)
    if len(tokens) == 1 and parse_period(head):
        return parse_rally(tokens)
    if head in universe.indices:
        return parse_index(tokens, universe)
    if head in universe.baskets:
        return parse_basket(tokens, universe)
    if len(tokens) == 1 or (len(tokens) == 2 and parse_period(tokens[1])):
        # `9988.HK` or `9988.HK ytd`: one series, drawn by /chart (which suggests near names).
        return parse_chart(tokens, universe, known_symbols)
    raise UserError("inline.unknown", token=clip(tokens[0]))


def inline_query_for(request: MarketRequest) -> str:
    """The inline query that asks `request` again: what a Share button puts after @bot."""
    period = request.period.lower()
    match request:
        case RallyRequest():
            return f"rally {period}"
        case IndexRequest(key=key):
            return f"{key} {period}"
        case BasketRequest(key=key):
            return f"basket {key} {period}"
        case ChartRequest(names=names):
            return f"chart {' '.join(names)} {period}"
        case CompareRequest(first=first, second=second):
            return f"compare {first} {second} {period}"
