"""`rallybot report`: the snapshot as terminal tables (rich)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from bot.analytics.model import Coverage, Move, Snapshot
from bot.analytics.periods import PERIODS
from bot.core.universe import EXCHANGE_LABEL, Universe
from bot.text.formatting import fmt_pct, fmt_pp, fmt_price, fmt_usd


def source_label(provider: str) -> str:
    """How the data source is named to people; demo data always says DEMO."""
    return {
        "demo": "DEMO (synthetic data, not real prices)",
        "yahoo": "Yahoo Finance",
        "csv": "CSV files",
    }.get(provider, provider)


def render_report(snapshot: Snapshot, universe: Universe) -> Group:
    """Every table of the report, ready for `Console.print`."""
    parts: list[Any] = [_header(snapshot), _indices(snapshot, universe), _spreads(snapshot)]
    for key in universe.baskets:
        if key in snapshot.baskets:
            parts.append(_basket(snapshot, key))
            parts.append(_contributors(snapshot, key))
    parts.append(_ratios(snapshot))
    return Group(*parts)


def print_report(snapshot: Snapshot, universe: Universe, console: Console | None = None) -> None:
    """Print the report to the terminal."""
    (console or Console()).print(render_report(snapshot, universe))


def _header(snapshot: Snapshot) -> Text:
    text = Text()
    if snapshot.is_demo:
        text.append(
            "DEMO DATA - synthetic prices, not real quotes\n", style="bold black on yellow"
        )
    text.append(f"China tech rally report as of {snapshot.as_of}", style="bold")
    text.append(f"  (source: {source_label(snapshot.provider)}; ")
    text.append(f"computed {snapshot.generated_at})\n")
    markets = ", ".join(
        f"{EXCHANGE_LABEL.get(exchange, exchange)} {day}"
        for exchange, day in snapshot.markets.items()
    )
    text.append(f"Latest bar per market: {markets}")
    return text


def _periods(snapshot: Snapshot) -> tuple[str, ...]:
    """The fixed periods, then a date range's key when the snapshot was computed for one."""
    first = next(iter(snapshot.instruments.values()), None)
    return PERIODS if first is None else tuple(first.returns)


def _return_cells(returns: Mapping[str, float | None], periods: Sequence[str]) -> list[Text]:
    return [_colored(fmt_pct(returns.get(p)), returns.get(p)) for p in periods]


def _colored(text: str, value: float | None) -> Text:
    if value is None:
        return Text(text, style="dim")
    return Text(text, style="green" if value > 0 else "red" if value < 0 else "")


def _indices(snapshot: Snapshot, universe: Universe) -> Table:
    table = Table(title="Indices", title_justify="left")
    periods = _periods(snapshot)
    for column in ("key", "name", "date", "close"):
        table.add_column(column, justify="right" if column == "close" else "left")
    for period in periods:
        table.add_column(period, justify="right")
    for key, spec in universe.indices.items():
        info = snapshot.instrument(spec.symbol)
        if info is None:
            table.add_row(key, spec.name, "no data", "", *[""] * len(periods))
            continue
        table.add_row(
            key,
            info.name,
            info.date,
            fmt_price(info.close),
            *_return_cells(info.returns, periods),
        )
    return table


def _spreads(snapshot: Snapshot) -> Table:
    table = Table(title="Spreads vs the benchmark (percentage points)", title_justify="left")
    table.add_column("spread")
    periods = _periods(snapshot)
    for period in periods:
        table.add_column(period, justify="right")
    for key, values in snapshot.spreads.items():
        table.add_row(key, *[_colored(fmt_pp(values[p]), values[p]) for p in periods])
    return table


def _basket(snapshot: Snapshot, key: str) -> Table:
    basket = snapshot.baskets[key]
    table = Table(
        title=f"{basket.name} - {basket.members} members, "
        f"value {fmt_usd(basket.value_usd, signed=False)} (shares latest reported)",
        title_justify="left",
        caption=_coverage(basket.coverage),
        caption_justify="left",
    )
    for column in ("period", "equal-weight", "cap-weight", "USD value change", "included"):
        table.add_column(column, justify="left" if column == "period" else "right")
    for period in _periods(snapshot):
        stats = basket.stats(period)
        table.add_row(
            period,
            _colored(fmt_pct(stats.equal), stats.equal),
            _colored(fmt_pct(stats.cap), stats.cap),
            _colored(fmt_usd(stats.value_change_usd), stats.value_change_usd),
            f"{stats.included}/{stats.included + stats.excluded}",
        )
    return table


def _coverage(coverage: Coverage) -> str | None:
    if coverage.complete:
        return None
    parts = [f"{coverage.fresh} fresh"]
    if coverage.carried:
        carried = ", ".join(f"{c.symbol} ({c.date})" for c in coverage.carried)
        parts.append(f"carried from an earlier day: {carried}")
    if coverage.missing:
        parts.append(f"missing: {', '.join(coverage.missing)}")
    return "; ".join(parts)


def _contributors(snapshot: Snapshot, key: str) -> Table:
    basket = snapshot.baskets[key]
    table = Table(title=f"{basket.name} - top and bottom 5 contributors", title_justify="left")
    table.add_column("period")
    table.add_column("top 5 (USD value change)")
    table.add_column("bottom 5")
    for period in _periods(snapshot):
        table.add_row(
            period,
            _movers(basket.top(period)),
            _movers(basket.bottom(period)),
        )
    return table


def _movers(moves: Sequence[Move]) -> str:
    return "\n".join(f"{m.name} ({m.symbol}) {fmt_usd(m.value_change_usd)}" for m in moves)


def _ratios(snapshot: Snapshot) -> Table:
    table = Table(title="Market-cap ratios (USD)", title_justify="left")
    table.add_column("ratio")
    table.add_column("value", justify="right")
    notes = snapshot.ratio_notes
    for key, value in snapshot.ratios.items():
        if value is None:
            shown = f"withheld: {notes[key]}" if key in notes else "n/a"
        else:
            shown = f"{value:.3f} ({value * 100:.1f}%)"
        table.add_row(key, shown)
    return table


def report_json(snapshot: Snapshot) -> dict[str, Any]:
    """The fixed `report --json` schema, plus extra keys other tools may ignore."""
    return {key: value for key, value in snapshot.to_json().items() if key != "version"}
