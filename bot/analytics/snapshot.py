"""The snapshot: every number /rally, digests, alerts and `rallybot report` need, computed once."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from bot.analytics.baskets import BasketResult, basket_performance, usd_per_unit
from bot.analytics.model import (
    Basket,
    BasketStats,
    Carried,
    Coverage,
    Instrument,
    Move,
    Snapshot,
)
from bot.analytics.periods import DateRange, anchor_periods, period_returns, price_anchors
from bot.core.universe import EXCHANGE_CURRENCY, Universe
from bot.sources.base import SymbolMeta


def compute_snapshot(
    closes: pd.DataFrame,
    meta: Mapping[str, SymbolMeta],
    universe: Universe,
    as_of: dt.date,
    generated_at: dt.datetime,
    provider: str,
    last_values: Mapping[str, float] | None = None,
    ranges: Sequence[DateRange] = (),
) -> Snapshot:
    """Compute every number as of the end of `as_of`; each instrument uses its own last close.

    `last_values` are members' last known USD values: they weigh the members missing now
    (no close, share count or FX rate) when deciding whether the cap ratio can be shown.
    Each of `ranges` is one more period, under its key, beside the fixed ones.
    """
    cutoff = pd.Timestamp(as_of)
    anchors = price_anchors(closes, cutoff, ranges)
    periods = anchor_periods(anchors)
    returns = period_returns(anchors)
    rates = usd_per_unit(closes.loc[closes.index <= cutoff], universe.fx)

    instruments: dict[str, Instrument] = {}
    fx_symbols = set(universe.fx_symbols)
    # Plain dicts, read once: a scalar lookup in a frame costs tens of microseconds.
    days = pd.to_datetime(anchors["date"]).dt.strftime("%Y-%m-%d")
    last_day = dict(zip(anchors.index, days, strict=True))
    last_close = anchors["close"].to_dict()
    by_symbol = returns.to_dict("index")
    for symbol in universe.price_symbols:
        if symbol not in last_close or symbol in fx_symbols:
            continue
        exchange = universe.exchange(symbol)
        info = meta.get(symbol)
        index = universe.index_by_symbol(symbol)
        instruments[symbol] = Instrument(
            symbol=symbol,
            name=index.name if index else (info.name if info else symbol),
            date=last_day[symbol],
            close=float(last_close[symbol]),
            currency=info.currency if info else EXCHANGE_CURRENCY.get(exchange, "USD"),
            returns={p: _num(by_symbol[symbol][p]) for p in periods},
            exchange=exchange,
            kind="index" if index else "stock",
        )

    markets: dict[str, str] = {}
    for instrument in instruments.values():
        markets[instrument.exchange] = max(markets.get(instrument.exchange, ""), instrument.date)

    baskets: dict[str, Basket] = {}
    for key, spec in universe.baskets.items():
        result = basket_performance(anchors, spec.members, meta, rates)
        coverage = basket_coverage(result, instruments, markets, last_values or {})
        baskets[key] = _basket(key, spec.name, result, instruments, coverage)

    spreads: dict[str, dict[str, float | None]] = {}
    benchmark = universe.rally.benchmark
    for board in universe.rally.boards:
        first, second = universe.indices[board].symbol, universe.indices[benchmark].symbol
        spreads[f"{board}-{benchmark}"] = {p: _spread(returns, first, second, p) for p in periods}

    main, compare = universe.rally.basket, universe.rally.compare_basket
    ratio_key = f"{main}/{compare}"
    withheld = ratio_withheld(baskets[main], baskets[compare])
    ratios: dict[str, float | None] = {ratio_key: None}
    if withheld is None:
        ratios[ratio_key] = baskets[main].value_usd / baskets[compare].value_usd
    newest = max((i.date for i in instruments.values()), default=None)
    return Snapshot(
        as_of=as_of.isoformat() if newest is None else min(as_of.isoformat(), newest),
        provider=provider,
        generated_at=generated_at.isoformat(timespec="seconds"),
        instruments=instruments,
        baskets=baskets,
        spreads=spreads,
        ratios=ratios,
        ratio_notes={ratio_key: withheld} if withheld else {},
        markets=dict(sorted(markets.items())),
        indices={key: spec.symbol for key, spec in universe.indices.items()},
    )


def basket_coverage(
    result: BasketResult,
    instruments: Mapping[str, Instrument],
    markets: Mapping[str, str],
    last_values: Mapping[str, float],
) -> Coverage:
    """Members fresh (a close on their market's latest day), carried from earlier, missing.

    Missing means no usable value now (no close, share count or FX rate); its weight is its
    last known USD value as a share of the basket's last known value, when known.
    """
    fresh = 0
    carried: list[Carried] = []
    missing: list[str] = []
    for symbol, value in result.member_values.items():
        info = instruments.get(symbol)
        if info is None or not math.isfinite(value):
            missing.append(symbol)
        elif info.date < markets.get(info.exchange, info.date):
            carried.append(Carried(symbol, info.date))
        else:
            fresh += 1
    known = {s: v for s, v in result.member_values.items() if math.isfinite(v)}
    missing_value = sum(last_values.get(s, 0.0) for s in missing)
    last_total = sum(known.values()) + missing_value
    unknown = [s for s in missing if s not in last_values]
    share = missing_value / last_total if last_total > 0 else None
    return Coverage(
        fresh=fresh,
        carried=tuple(carried),
        missing=tuple(missing),
        missing_value_usd=missing_value,
        # None when a missing member's weight was never known: nothing says it is small.
        missing_share=None if unknown else share,
    )


def ratio_withheld(*baskets: Basket) -> str | None:
    """Why the cap ratio of these baskets cannot be shown, or None when it can."""
    return next((p for p in (b.ratio_problem() for b in baskets) if p), None)


def _basket(
    key: str,
    name: str,
    result: BasketResult,
    instruments: Mapping[str, Instrument],
    coverage: Coverage,
) -> Basket:
    def move(symbol: str, change: float, period_return: float) -> Move:
        info = instruments.get(symbol)
        return Move(symbol, info.name if info else symbol, change, _num(period_return))

    return Basket(
        key=key,
        name=name,
        members=result.members,
        value_usd=result.value_usd,
        returns={
            period: BasketStats(
                _num(stats.equal),
                _num(stats.cap),
                stats.value_change_usd,
                stats.included,
                stats.excluded,
            )
            for period, stats in result.periods.items()
        },
        moves={
            period: tuple(
                move(m.symbol, m.value_change_usd, m.period_return) for m in result.moves[period]
            )
            for period in result.moves
        },
        values={s: v for s, v in result.member_values.items() if math.isfinite(v)},
        coverage=coverage,
    )


def _spread(returns: pd.DataFrame, first: str, second: str, period: str) -> float | None:
    if first not in returns.index or second not in returns.index:
        return None
    return _num(returns.at[first, period] - returns.at[second, period])


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number
