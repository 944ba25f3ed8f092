"""The snapshot: every number /rally, digests, alerts and `rallybot report` need, computed once."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from bot.analytics.baskets import BasketResult, basket_performance, usd_per_unit
from bot.analytics.periods import PERIODS, period_returns, price_anchors
from bot.core.universe import EXCHANGE_CURRENCY, Universe
from bot.sources.base import SymbolMeta

Snapshot = dict[str, Any]
"""The `report --json` document (fixed schema) plus a few extra keys the bot reads."""

TOP_N = 5
RATIO_MISSING_LIMIT = 0.10
"""The AI cap ratio is withheld when a basket misses more than this share of its value."""


def compute_snapshot(
    closes: pd.DataFrame,
    meta: Mapping[str, SymbolMeta],
    universe: Universe,
    as_of: dt.date,
    generated_at: dt.datetime,
    provider: str,
    last_values: Mapping[str, float] | None = None,
) -> Snapshot:
    """Compute every number as of the end of `as_of`; each instrument uses its own last close.

    `last_values` are members' last known USD values: they weigh the members missing now
    (no close, share count or FX rate) when deciding whether the cap ratio can be shown.
    """
    cutoff = pd.Timestamp(as_of)
    anchors = price_anchors(closes, cutoff)
    returns = period_returns(anchors)
    rates = usd_per_unit(closes.loc[closes.index <= cutoff], universe.fx)

    instruments: dict[str, Any] = {}
    fx_symbols = set(universe.fx_symbols)
    for symbol in universe.price_symbols:
        if symbol not in anchors.index or symbol in fx_symbols:
            continue
        exchange = universe.exchange(symbol)
        info = meta.get(symbol)
        index = universe.index_by_symbol(symbol)
        name = index.name if index else (info.name if info else symbol)
        currency = info.currency if info else EXCHANGE_CURRENCY.get(exchange, "USD")
        instruments[symbol] = {
            "name": name,
            "date": _day(anchors.at[symbol, "date"]),
            "close": float(anchors.at[symbol, "close"]),
            "currency": currency,
            "returns": {p: _num(returns.at[symbol, p]) for p in PERIODS},
            "exchange": exchange,
            "kind": "index" if index else "stock",
        }

    markets: dict[str, str] = {}
    for info in instruments.values():
        exchange = info["exchange"]
        markets[exchange] = max(markets.get(exchange, ""), info["date"])

    baskets: dict[str, Any] = {}
    results: dict[str, BasketResult] = {}
    for key, spec in universe.baskets.items():
        result = basket_performance(anchors, spec.members, meta, rates)
        results[key] = result
        baskets[key] = _basket_json(spec.name, result, instruments)
        baskets[key]["coverage"] = basket_coverage(result, instruments, markets, last_values or {})

    index_returns = {
        key: returns.loc[spec.symbol] if spec.symbol in returns.index else None
        for key, spec in universe.indices.items()
    }
    spreads: dict[str, Any] = {}
    benchmark = universe.rally.benchmark
    for board in universe.rally.boards:
        spreads[f"{board}-{benchmark}"] = {
            p: _spread(index_returns[board], index_returns[benchmark], p) for p in PERIODS
        }

    main, compare = universe.rally.basket, universe.rally.compare_basket
    ratio_key = f"{main}/{compare}"
    withheld = _ratio_withheld(baskets, (main, compare))
    ratios: dict[str, float | None] = {ratio_key: None}
    if withheld is None:
        ratios[ratio_key] = results[main].value_usd / results[compare].value_usd
    ratio_notes = {ratio_key: withheld} if withheld else {}

    newest = max((info["date"] for info in instruments.values()), default=None)
    return {
        "as_of": as_of.isoformat() if newest is None else min(as_of.isoformat(), newest),
        "provider": provider,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "instruments": instruments,
        "baskets": baskets,
        "spreads": spreads,
        "ratios": ratios,
        "ratio_notes": ratio_notes,
        "markets": dict(sorted(markets.items())),
        "indices": {key: spec.symbol for key, spec in universe.indices.items()},
    }


def basket_coverage(
    result: BasketResult,
    instruments: Mapping[str, Any],
    markets: Mapping[str, str],
    last_values: Mapping[str, float],
) -> dict[str, Any]:
    """Members fresh (a close on their market's latest day), carried from earlier, missing.

    Missing means no usable value now (no close, share count or FX rate); its weight is its
    last known USD value as a share of the basket's last known value, when known.
    """
    fresh = 0
    carried: list[dict[str, str]] = []
    missing: list[str] = []
    for symbol, value in result.member_values.items():
        info = instruments.get(symbol)
        if info is None or not math.isfinite(value):
            missing.append(symbol)
        elif info["date"] < markets.get(info["exchange"], info["date"]):
            carried.append({"symbol": symbol, "date": info["date"]})
        else:
            fresh += 1
    known = {s: v for s, v in result.member_values.items() if math.isfinite(v)}
    missing_value = sum(last_values.get(s, 0.0) for s in missing)
    last_total = sum(known.values()) + missing_value
    unknown = [s for s in missing if s not in last_values]
    share = missing_value / last_total if last_total > 0 else None
    return {
        "fresh": fresh,
        "carried": carried,
        "missing": missing,
        "missing_value_usd": missing_value,
        # None when a missing member's weight was never known: nothing says it is small.
        "missing_share": None if unknown else share,
    }


def member_values_of(snapshot: Snapshot) -> dict[str, float]:
    """Every basket member's USD value in a snapshot, where it has one now."""
    values: dict[str, float] = {}
    for basket in snapshot["baskets"].values():
        values.update(basket.get("values", {}))
    return values


def _ratio_withheld(baskets: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """Why the cap ratio cannot be shown (a basket misses too much of its value), or None."""
    for key in keys:
        coverage = baskets[key]["coverage"]
        share = coverage["missing_share"]
        missing = ", ".join(coverage["missing"])
        if baskets[key]["value_usd"] <= 0:
            return f"{key} has no market value (no share counts or closes)"
        if missing and share is None:
            return f"{key} misses {missing} (weight never known)"
        if share is not None and share > RATIO_MISSING_LIMIT:
            return f"{key} misses {missing} ({share:.0%} of its last known value)"
    return None


def _basket_json(name: str, result: BasketResult, instruments: Mapping[str, Any]) -> Any:
    def move(symbol: str, change: float, period_return: float) -> dict[str, Any]:
        info = instruments.get(symbol)
        return {
            "symbol": symbol,
            "name": info["name"] if info else symbol,
            "value_change_usd": change,
            "return": _num(period_return),
        }

    moves = {
        period: [move(m.symbol, m.value_change_usd, m.period_return) for m in result.moves[period]]
        for period in PERIODS
    }
    return {
        "name": name,
        "members": result.members,
        "value_usd": result.value_usd,
        "returns": {
            period: {
                "equal": _num(stats.equal),
                "cap": _num(stats.cap),
                "value_change_usd": stats.value_change_usd,
                "included": stats.included,
                "excluded": stats.excluded,
            }
            for period, stats in result.periods.items()
        },
        "top_contributors": {p: moves[p][:TOP_N] for p in PERIODS},
        "bottom_contributors": {p: moves[p][::-1][:TOP_N] for p in PERIODS},
        "moves": moves,
        "values": {s: v for s, v in result.member_values.items() if math.isfinite(v)},
    }


def _spread(a: pd.Series | None, b: pd.Series | None, period: str) -> float | None:
    if a is None or b is None:
        return None
    value = a[period] - b[period]
    return _num(value)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def _day(value: Any) -> str:
    return str(pd.Timestamp(value).date().isoformat())
