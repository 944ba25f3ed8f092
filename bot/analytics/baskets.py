"""USD market values and basket performance, as DESIGN.md defines them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot.analytics.model import Move
from bot.analytics.periods import anchor_periods
from bot.core.universe import BasketSpec, FxSpec
from bot.sources.base import SymbolMeta


def usd_per_unit(closes: pd.DataFrame, fx: Mapping[str, FxSpec]) -> dict[str, pd.Series]:
    """Per currency, a series of USD per one unit, inverted where the quote is the other way."""
    rates: dict[str, pd.Series] = {"USD": pd.Series([1.0], index=[pd.Timestamp("1900-01-01")])}
    for currency, spec in fx.items():
        if spec.symbol not in closes.columns:
            continue
        series = closes[spec.symbol].dropna()
        series = series[series > 0]
        rates[currency] = (1.0 / series) if spec.invert else series
    return rates


def rate_on(rates: Mapping[str, pd.Series], currency: str, dates: pd.Series) -> np.ndarray:
    """The last known USD rate on or before each date; NaN where none is known."""
    series = rates.get(currency)
    out = np.full(len(dates), np.nan)
    if series is None or series.empty:
        return out
    valid = dates.notna().to_numpy()
    if valid.any():
        stamps = pd.DatetimeIndex(dates[valid])
        positions = series.index.searchsorted(stamps, side="right") - 1
        values = np.where(positions >= 0, series.to_numpy()[np.maximum(positions, 0)], np.nan)
        out[valid] = values
    return out


@dataclass(frozen=True)
class BasketPeriod:
    """One basket over one period."""

    equal: float | None
    cap: float | None
    value_change_usd: float
    included: int
    excluded: int


@dataclass(frozen=True)
class MemberMove:
    """One member's USD value change and return over a period."""

    symbol: str
    value_change_usd: float
    period_return: float


@dataclass(frozen=True)
class BasketResult:
    """A basket's value now and its performance per period."""

    members: int
    value_usd: float
    periods: dict[str, BasketPeriod]
    moves: dict[str, list[MemberMove]]
    """Per period, included members sorted by value change, largest gain first."""
    member_values: dict[str, float]
    """Each member's USD value at its as-of date; NaN where it has none."""


def member_values(
    anchors: pd.DataFrame,
    members: Sequence[str],
    meta: Mapping[str, SymbolMeta],
    rates: Mapping[str, pd.Series],
) -> pd.DataFrame:
    """USD value of each member at its as-of date and at each period's base.

    Columns: `value` and `<P>_value`; NaN where a close, the share count or the FX rate
    is missing. Shares are the latest reported count, applied to every date.
    """
    frame = anchors.reindex(list(members))
    shares = pd.Series([_shares(meta.get(m)) for m in members], index=frame.index, dtype=float)
    currencies = [_currency(meta.get(m)) for m in members]
    values = pd.DataFrame(index=frame.index)

    def usd(date_column: str, close_column: str) -> np.ndarray:
        fx_now = np.full(len(frame), np.nan)
        for currency in set(currencies):
            mask = np.array([c == currency for c in currencies])
            fx_now[mask] = rate_on(rates, currency, frame.loc[mask, date_column])
        closes = frame[close_column].to_numpy(dtype=float)
        return np.asarray(shares.to_numpy() * closes * fx_now, dtype=float)

    values["value"] = usd("date", "close")
    for period in anchor_periods(anchors):
        values[f"{period}_value"] = usd(f"{period}_date", f"{period}_close")
    return values


def basket_performance(
    anchors: pd.DataFrame,
    members: Sequence[str],
    meta: Mapping[str, SymbolMeta],
    rates: Mapping[str, pd.Series],
) -> BasketResult:
    """Equal- and cap-weighted returns, USD value change and member moves per period."""
    values = member_values(anchors, members, meta, rates)
    frame = anchors.reindex(list(members))
    periods: dict[str, BasketPeriod] = {}
    moves: dict[str, list[MemberMove]] = {}
    for period in anchor_periods(anchors):
        now, base = values["value"], values[f"{period}_value"]
        included = now.notna() & base.notna() & (base > 0)
        member_return = frame["close"] / frame[f"{period}_close"] - 1.0
        change = (now - base)[included]
        base_total = float(base[included].sum())
        count = int(included.sum())
        periods[period] = BasketPeriod(
            equal=float(member_return[included].mean()) if count else None,
            cap=float(change.sum() / base_total) if count and base_total > 0 else None,
            value_change_usd=float(change.sum()),
            included=count,
            excluded=len(members) - count,
        )
        ordered = change.sort_values(ascending=False, kind="stable")
        moves[period] = [
            MemberMove(str(symbol), float(delta), float(member_return[symbol]))
            for symbol, delta in ordered.items()
        ]
    return BasketResult(
        members=len(members),
        value_usd=float(values["value"].sum(min_count=1))
        if values["value"].notna().any()
        else 0.0,
        periods=periods,
        moves=moves,
        member_values={str(s): float(v) for s, v in values["value"].items()},
    )


def _shares(meta: SymbolMeta | None) -> float:
    if meta is None or meta.shares_outstanding is None or meta.shares_outstanding <= 0:
        return float("nan")
    return float(meta.shares_outstanding)


def _currency(meta: SymbolMeta | None) -> str:
    return meta.currency.upper() if meta is not None else "?"


def sector_groups(spec: BasketSpec) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A basket's (sector, members) in the universe's order; one "all" group without sectors."""
    if not spec.sectors:
        return (("all", spec.members),)
    return tuple(spec.sectors.items())


def sector_value_changes(spec: BasketSpec, moves: Sequence[Move]) -> tuple[tuple[str, float], ...]:
    """Each sector's summed USD value change over the members that moved, largest first."""
    changes = {move.symbol: move.value_change_usd for move in moves}
    totals = [
        (sector, sum(changes[m] for m in members if m in changes))
        for sector, members in sector_groups(spec)
        if any(m in changes for m in members)
    ]
    return tuple(sorted(totals, key=lambda item: item[1], reverse=True))
