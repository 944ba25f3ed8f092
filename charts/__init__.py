"""Chart rendering: pure functions from dataclasses and series to PNG bytes.

The chart data (`charts.model`) loads with the package; the renderers, and matplotlib with
them, load when first used, so a process that only resends charts already drawn (cached in
Redis, or by file_id) never holds matplotlib's ~29 MB.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from charts.drawing import build_figure, render
    from charts.figures import (
        build_bars_figure,
        build_heatmap_figure,
        build_lines_figure,
        build_rally_figure,
        build_spread_figure,
        figure_to_png,
    )

_DRAWING = {
    "build_bars_figure": "charts.figures",
    "build_heatmap_figure": "charts.figures",
    "build_lines_figure": "charts.figures",
    "build_rally_figure": "charts.figures",
    "build_spread_figure": "charts.figures",
    "figure_to_png": "charts.figures",
    "build_figure": "charts.drawing",
    "render": "charts.drawing",
}


def __getattr__(name: str) -> object:
    source = _DRAWING.get(name)
    if source is None:
        raise AttributeError(f"module 'charts' has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value  # asked once: later lookups are plain attributes
    return value


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
