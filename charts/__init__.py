"""Chart rendering: pure functions from dataclasses and series to PNG bytes."""

from charts.figures import (
    build_bars_figure,
    build_heatmap_figure,
    build_lines_figure,
    build_rally_figure,
    build_spread_figure,
    figure_to_png,
)
from charts.model import (
    Bar,
    BarsChart,
    ChartFrame,
    ChartSpec,
    HeatmapChart,
    HeatSector,
    HeatTile,
    Line,
    LinesChart,
    RallyChart,
    SpreadChart,
)
from charts.render import build_figure, render

__all__ = [
    "Bar",
    "BarsChart",
    "ChartFrame",
    "ChartSpec",
    "HeatSector",
    "HeatTile",
    "HeatmapChart",
    "Line",
    "LinesChart",
    "RallyChart",
    "SpreadChart",
    "build_bars_figure",
    "build_figure",
    "build_heatmap_figure",
    "build_lines_figure",
    "build_rally_figure",
    "build_spread_figure",
    "figure_to_png",
    "render",
]
