"""Chart data from a market view: pure functions from the view to a chart described as data."""

from __future__ import annotations

import dataclasses

import pandas as pd

from bot.analytics.baskets import sector_groups
from bot.analytics.model import Snapshot
from bot.analytics.periods import DateRange, Period, period_key, rebased
from bot.analytics.series import basket_value_series, spread_series
from bot.analytics.view import MarketView
from bot.core.universe import Universe
from bot.text.formatting import fmt_pct
from bot.text.i18n import t
from bot.text.market import chart_source, markets_line, period_name, sector_name
from charts.model import (
    Bar,
    BarsChart,
    ChartFrame,
    HeatmapChart,
    HeatSector,
    HeatTile,
    Line,
    LineRole,
    LinesChart,
    RallyChart,
    SpreadChart,
)
from charts.treemap import colour_cap

RALLY_TOP, RALLY_BOTTOM = 5, 3
"""The /rally chart's bars: the biggest gains, then the biggest losses not already shown."""


def chart_frame(snapshot: Snapshot, title: str, lang: str = "en") -> ChartFrame:
    """Title, the markets' dates, the source and the demo flag every chart carries."""
    return ChartFrame(
        title=title,
        subtitle=markets_line(snapshot, lang),
        source=chart_source(snapshot.provider, lang),
        demo=snapshot.is_demo,
        lang=lang,
    )


def label(universe: Universe, name: str, lang: str = "en") -> str:
    """A person's name for an index key, a basket key or a symbol, in charts in `lang`."""
    if name in universe.indices:
        spec = universe.indices[name]
        return universe.name_in(lang, spec.symbol, spec.name)
    if name in universe.baskets:
        return universe.name_in(lang, name, universe.baskets[name].name)
    return universe.name_in(lang, name, name)


def period_title(universe: Universe, period: Period, lang: str = "en") -> str:
    """`period_name` for a chart in `lang`: a named event's name in that language."""
    if isinstance(period, DateRange) and period.label:
        for key, event in universe.events.items():
            if event.name == period.label:
                named = universe.name_in(lang, key, event.name)
                return period_name(dataclasses.replace(period, label=named), lang)
    return period_name(period, lang)


def period_bounds(
    view: MarketView, symbol: str, period: str
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The period's base date and the symbol's newest date; None without a base close."""
    anchors = view.anchors
    if symbol not in anchors.index or pd.isna(anchors.at[symbol, f"{period}_date"]):
        return None
    return pd.Timestamp(anchors.at[symbol, f"{period}_date"]), pd.Timestamp(
        anchors.at[symbol, "date"]
    )


def rebased_line(view: MarketView, symbol: str, period: str) -> pd.Series:
    """A symbol's closes over the period, rebased to 100 at the period's base close."""
    bounds = period_bounds(view, symbol, period)
    return pd.Series(dtype=float) if bounds is None else rebased(view.closes[symbol], *bounds)


def series(view: MarketView, universe: Universe, name: str, period: str) -> pd.Series:
    """An index, basket (USD market value) or symbol over the period, rebased to 100."""
    if name in universe.indices:
        return rebased_line(view, universe.indices[name].symbol, period)
    if name in universe.baskets:
        members = universe.baskets[name].members
        dates = view.anchors.reindex(list(members))[f"{period}_date"].dropna()
        if dates.empty:
            return pd.Series(dtype=float)
        as_of = pd.Timestamp(view.snapshot.as_of)
        start = pd.Timestamp(dates.min())
        values = basket_value_series(view.closes, members, view.meta, view.rates, start, as_of)
        return values / values.iloc[0] * 100.0 if not values.empty else values
    return rebased_line(view, name, period)


def period_return(snapshot: Snapshot, universe: Universe, name: str, period: str) -> float | None:
    """The period's return of an index, a basket (cap-weighted) or a symbol."""
    if name in universe.baskets:
        basket = snapshot.basket(name)
        return None if basket is None else basket.stats(period).cap
    symbol = universe.indices[name].symbol if name in universe.indices else name
    return snapshot.period_return(symbol, period)


def rally_chart(
    view: MarketView, universe: Universe, period: Period, lang: str = "en"
) -> RallyChart:
    """The /rally chart: the boards and the benchmark rebased, the basket's biggest movers."""
    title, period = period_title(universe, period, lang), period_key(period)
    rally = universe.rally
    snapshot = view.snapshot
    lines = []
    for key in (*rally.boards, rally.benchmark):
        spec = universe.indices[key]
        change = fmt_pct(snapshot.period_return(spec.symbol, period))
        role: LineRole = "benchmark" if key == rally.benchmark else "board"
        name = label(universe, key, lang)
        lines.append(Line(f"{name} {change}", rebased_line(view, spec.symbol, period), role))
    basket = snapshot.baskets[rally.basket]
    moves = basket.moves[period]
    top = moves[:RALLY_TOP]
    picked = top + tuple(m for m in moves[-RALLY_BOTTOM:] if m not in top)
    return RallyChart(
        chart_frame(snapshot, t(lang, "rally.title", period=title), lang),
        tuple(lines),
        tuple(Bar(universe.name_in(lang, m.symbol, m.name), m.value_change_usd) for m in picked),
        t(lang, "chart.rally_movers", name=universe.name_in(lang, rally.basket, basket.name)),
    )


def index_chart(
    view: MarketView, universe: Universe, key: str, period: Period, lang: str = "en"
) -> LinesChart:
    """The /index chart: the index's closes over the period."""
    title, period = period_title(universe, period, lang), period_key(period)
    spec = universe.indices[key]
    closes = pd.Series(dtype=float)
    bounds = period_bounds(view, spec.symbol, period)
    if bounds is not None:
        base, as_of = bounds
        column = view.closes[spec.symbol]
        closes = column.loc[(column.index >= base) & (column.index <= as_of)].dropna()
    name = label(universe, key, lang)
    frame = chart_frame(view.snapshot, f"{name} · {title}", lang)
    return LinesChart(frame, (Line(name, closes),), t(lang, "chart.close"))


def basket_chart(
    view: MarketView, universe: Universe, key: str, period: Period, lang: str = "en"
) -> BarsChart:
    """The /basket chart: every member's USD value change over the period."""
    title, period = period_title(universe, period, lang), period_key(period)
    basket = view.snapshot.baskets[key]
    bars = tuple(
        Bar(universe.name_in(lang, m.symbol, m.name), m.value_change_usd)
        for m in basket.moves[period]
    )
    frame = chart_frame(
        view.snapshot, f"{universe.name_in(lang, key, basket.name)} · {title}", lang
    )
    return BarsChart(frame, bars, t(lang, "chart.basket_bars"))


def heatmap_chart(
    view: MarketView, universe: Universe, key: str, period: Period, lang: str = "en"
) -> HeatmapChart:
    """The /heatmap chart: each member with a USD value as a tile, grouped by sector."""
    title, period = period_title(universe, period, lang), period_key(period)
    basket = view.snapshot.baskets[key]
    returns = {move.symbol: move.period_return for move in basket.moves[period]}
    names = {move.symbol: move.name for move in basket.moves[period]}
    sectors = []
    for sector, members in sector_groups(universe.baskets[key]):
        tiles = tuple(
            HeatTile(
                symbol,
                universe.name_in(
                    lang, symbol, names.get(symbol) or universe.names.get(symbol, symbol)
                ),
                basket.values[symbol],
                returns.get(symbol),
            )
            for symbol in members
            if basket.values.get(symbol, 0.0) > 0
        )
        if tiles:
            sectors.append(HeatSector(sector_name(sector, lang), tiles))
    cap = colour_cap([tile.period_return for sector in sectors for tile in sector.tiles])
    return HeatmapChart(
        chart_frame(
            view.snapshot,
            t(
                lang,
                "chart.heatmap_title",
                name=universe.name_in(lang, key, basket.name),
                period=title,
            ),
            lang,
        ),
        tuple(sectors),
        cap,
        t(lang, "chart.heatmap_scale", period=title, cap=fmt_pct(cap, 0).lstrip("+")),
    )


def lines_chart(
    view: MarketView, universe: Universe, names: tuple[str, ...], period: Period, lang: str = "en"
) -> LinesChart:
    """The /chart chart: each name rebased to 100 at the period's base, labelled with its
    return; a name with no data is an empty line."""
    title, period = period_title(universe, period, lang), period_key(period)
    labels = [label(universe, name, lang) for name in names]
    lines = tuple(
        Line(
            f"{text} {fmt_pct(period_return(view.snapshot, universe, name, period))}",
            series(view, universe, name, period),
        )
        for name, text in zip(names, labels, strict=True)
    )
    frame = chart_frame(view.snapshot, f"{t(lang, 'chart.joiner').join(labels)} · {title}", lang)
    return LinesChart(frame, lines, t(lang, "chart.rebased"), reference=100.0)


def spread_chart(
    view: MarketView,
    universe: Universe,
    first: str,
    second: str,
    period: Period,
    lines: tuple[pd.Series, pd.Series],
    lang: str = "en",
) -> SpreadChart:
    """The /compare chart: first minus second over the period, in percentage points, from
    their `series` (rebased to 100)."""
    a, b = lines
    spread = spread_series(a / 100 - 1, b / 100 - 1) * 100
    labels = label(universe, first, lang), label(universe, second, lang)
    title = t(
        lang,
        "chart.spread_title",
        first=labels[0],
        second=labels[1],
        period=period_title(universe, period, lang),
    )
    frame = chart_frame(view.snapshot, title, lang)
    return SpreadChart(frame, spread, f"{labels[0]} − {labels[1]}")
