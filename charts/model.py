"""Inputs of the chart renderers: plain frozen dataclasses, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

LineRole = Literal["board", "benchmark"]


@dataclass(frozen=True)
class ChartFrame:
    """What every chart shows around its data: title, subtitle, source and the demo flag."""

    title: str
    subtitle: str
    source: str
    demo: bool
    lang: str = "en"
    """The language of the chart's words: zh draws them in the packaged CJK font."""


@dataclass(frozen=True)
class Line:
    """One dated series to draw; NaN gaps are allowed and get bridged."""

    label: str
    values: pd.Series
    role: LineRole = "board"


@dataclass(frozen=True)
class Bar:
    """One labelled value in US dollars, drawn as a horizontal bar."""

    label: str
    value: float


@dataclass(frozen=True)
class RallyChart:
    """The /rally chart: rebased boards and benchmark, then the basket's biggest movers."""

    frame: ChartFrame
    lines: tuple[Line, ...]
    contributors: tuple[Bar, ...]
    contributors_title: str


@dataclass(frozen=True)
class LinesChart:
    """Up to six dated lines (/chart rebased, /index closes); `reference` draws a level."""

    frame: ChartFrame
    lines: tuple[Line, ...]
    y_label: str
    reference: float | None = None


@dataclass(frozen=True)
class SpreadChart:
    """The /compare chart: a spread in percentage points around a zero line."""

    frame: ChartFrame
    spread_pp: pd.Series
    label: str


@dataclass(frozen=True)
class BarsChart:
    """The /basket chart: members' USD value change as sorted horizontal bars."""

    frame: ChartFrame
    bars: tuple[Bar, ...]
    title: str


@dataclass(frozen=True)
class HeatTile:
    """One basket member on the heatmap: sized by USD value, coloured by its return."""

    symbol: str
    name: str
    value_usd: float
    period_return: float | None


@dataclass(frozen=True)
class HeatSector:
    """A sector's block of tiles on the heatmap, under its display name."""

    name: str
    tiles: tuple[HeatTile, ...]


@dataclass(frozen=True)
class HeatmapChart:
    """The /heatmap chart: members as tiles grouped by sector, a colour bar of the returns."""

    frame: ChartFrame
    sectors: tuple[HeatSector, ...]
    cap: float
    """Returns at or beyond ±cap take the scale's end colours."""
    scale_label: str


ChartSpec = RallyChart | LinesChart | SpreadChart | BarsChart | HeatmapChart
"""A chart described as data: what `charts.drawing` draws."""
