"""Pure parsers of command arguments; every failure is a UserError with a correct example."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analytics.periods import PERIODS
from bot.errors import UserError
from bot.universe import Universe

DEFAULT_PERIOD = "MTD"
MAX_CHART_SERIES = 6
MAX_ECHO_CHARS = 40
_PERIOD_ALIASES = {"1d": "1D", "5d": "5D", "mtd": "MTD", "ytd": "YTD", "1y": "1Y", "1w": "5D"}
_NAME = re.compile(r"^\^?[A-Za-z0-9][A-Za-z0-9._\-=]{0,19}$")


def clip(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """A user's argument shortened for echoing back in an error message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_period(token: str) -> str | None:
    """'ytd' -> 'YTD'; None when the token is not a period."""
    return _PERIOD_ALIASES.get(token.strip().lower())


def _period_error(token: str, example: str) -> UserError:
    return UserError(
        "period.invalid", token=clip(token), periods=", ".join(PERIODS), example=example
    )


def _split_period(args: Sequence[str]) -> tuple[list[str], str]:
    """Split a trailing period off the arguments (default MTD)."""
    if args and (period := parse_period(args[-1])):
        return list(args[:-1]), period
    return list(args), DEFAULT_PERIOD


def _is_name(token: str, universe: Universe) -> bool:
    return token.lower() in universe.indices or token.lower() in universe.baskets


@dataclass(frozen=True)
class RallyRequest:
    """`/rally [PERIOD]`."""

    period: str


def parse_rally(args: Sequence[str]) -> RallyRequest:
    """Parse `/rally [1D|5D|MTD|YTD|1Y]`."""
    example = "/rally ytd"
    if len(args) > 1:
        raise UserError("rally.too_many", example=example)
    if not args:
        return RallyRequest(DEFAULT_PERIOD)
    period = parse_period(args[0])
    if period is None:
        raise _period_error(args[0], example)
    return RallyRequest(period)


def resolve_name(
    token: str, universe: Universe, known_symbols: Sequence[str], example: str
) -> str:
    """The index key, basket key or cached symbol a user meant; suggestions when unknown."""
    if not _NAME.match(token):
        raise UserError("chart.bad_token", token=clip(token), example=example)
    lowered = token.lower()
    if lowered in universe.indices or lowered in universe.baskets:
        return lowered
    by_upper = {s.upper(): s for s in known_symbols}
    if token.upper() in by_upper:
        return by_upper[token.upper()]
    candidates = [*universe.indices, *universe.baskets, *known_symbols]
    by_lower = {c.lower(): c for c in candidates}
    matches = difflib.get_close_matches(lowered, list(by_lower), n=3, cutoff=0.6)
    if matches:
        names = ", ".join(by_lower[m] for m in matches)
        raise UserError("name.unknown_hint", token=clip(token), names=names)
    raise UserError("name.unknown", token=clip(token))


@dataclass(frozen=True)
class IndexRequest:
    """`/index KEY [PERIOD]`."""

    key: str
    period: str


def parse_index(args: Sequence[str], universe: Universe) -> IndexRequest:
    """Parse `/index KEY [PERIOD]`: KEY is one of the universe's index keys."""
    example = "/index star50 ytd"
    keys = ", ".join(universe.indices)
    if not args:
        raise UserError("index.missing", keys=keys, example=example)
    rest, period = _split_period(args)
    if len(rest) == 2 and rest[0].lower() in universe.indices and not _is_name(rest[1], universe):
        raise _period_error(rest[1], example)  # "/index star50 forever": a junk period
    if len(rest) > 1:
        raise UserError("index.too_many", example=example)
    if not rest:
        raise UserError("index.missing", keys=keys, example=example)
    key = rest[0].lower()
    if key not in universe.indices:
        raise UserError("index.unknown", token=clip(rest[0]), keys=keys, example=example)
    return IndexRequest(key, period)


@dataclass(frozen=True)
class BasketRequest:
    """`/basket [KEY] [PERIOD]`."""

    key: str
    period: str


def parse_basket(args: Sequence[str], universe: Universe) -> BasketRequest:
    """Parse `/basket [KEY] [PERIOD]`; the default basket is /rally's."""
    example = f"/basket {universe.rally.basket} ytd"
    rest, period = _split_period(args)
    if len(rest) == 2 and rest[0].lower() in universe.baskets and not _is_name(rest[1], universe):
        raise _period_error(rest[1], example)  # "/basket china_ai forever": a junk period
    if len(rest) > 1:
        raise UserError("basket.too_many", example=example)
    if not rest:
        return BasketRequest(universe.rally.basket, period)
    key = rest[0].lower()
    if key not in universe.baskets:
        raise UserError(
            "basket.unknown",
            token=clip(rest[0]),
            keys=", ".join(universe.baskets),
            example=example,
        )
    return BasketRequest(key, period)


@dataclass(frozen=True)
class ChartRequest:
    """`/chart NAME... [PERIOD]`: index keys, basket keys or symbols."""

    names: tuple[str, ...]
    period: str


def parse_chart(
    args: Sequence[str], universe: Universe, known_symbols: Sequence[str]
) -> ChartRequest:
    """Parse `/chart SYMBOL_OR_KEY... [PERIOD]` (up to six series)."""
    example = "/chart star50 chinext ndx ytd"
    rest, period = _split_period(args)
    if not rest:
        raise UserError("chart.missing", limit=MAX_CHART_SERIES, example=example)
    if len(rest) > MAX_CHART_SERIES:
        raise UserError("chart.too_many", limit=MAX_CHART_SERIES, example=example)
    names = [resolve_name(token, universe, known_symbols, example) for token in rest]
    return ChartRequest(tuple(dict.fromkeys(names)), period)


@dataclass(frozen=True)
class CompareRequest:
    """`/compare A B [PERIOD]`."""

    first: str
    second: str
    period: str


def parse_compare(
    args: Sequence[str], universe: Universe, known_symbols: Sequence[str]
) -> CompareRequest:
    """Parse `/compare A B [PERIOD]`: the spread A minus B over the period."""
    example = "/compare star50 ndx ytd"
    rest, period = _split_period(args)
    if len(rest) != 2:
        raise UserError("compare.arity", example=example)
    first, second = (resolve_name(token, universe, known_symbols, example) for token in rest)
    if first == second:
        raise UserError("compare.same", example=example)
    if first in universe.baskets or second in universe.baskets:
        raise UserError("compare.basket", example=example)
    return CompareRequest(first, second, period)
