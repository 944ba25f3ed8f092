"""Chart renderers: input dataclasses in, PNG bytes out; safe to call from worker threads."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from charts import style
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
    Line,
    LinesChart,
    RallyChart,
    SpreadChart,
)


def render_rally_chart(
    frame: ChartFrame, lines: Sequence[Line], contributors: Sequence[Bar], contributors_title: str
) -> bytes:
    """Render the /rally chart: rebased boards vs benchmark, then the basket's top contributors."""
    return figure_to_png(build_rally_figure(frame, lines, contributors, contributors_title))


def render_lines_chart(
    frame: ChartFrame, lines: Sequence[Line], y_label: str, *, reference: float | None = None
) -> bytes:
    """Render up to six dated lines (/chart rebased, /index closes); `reference` draws a level."""
    return figure_to_png(build_lines_figure(frame, lines, y_label, reference=reference))


def render_spread_chart(frame: ChartFrame, spread_pp: pd.Series, label: str) -> bytes:
    """Render the /compare chart: a spread in percentage points around a zero line."""
    return figure_to_png(build_spread_figure(frame, spread_pp, label))


def render_bars_chart(frame: ChartFrame, bars: Sequence[Bar], title: str) -> bytes:
    """Render the /basket chart: members' USD value change as sorted horizontal bars."""
    return figure_to_png(build_bars_figure(frame, bars, title))


def render_heatmap_chart(
    frame: ChartFrame, sectors: Sequence[HeatSector], cap: float, scale_label: str
) -> bytes:
    """Render the /heatmap chart: members as tiles grouped by sector, and its colour bar."""
    return figure_to_png(build_heatmap_figure(frame, sectors, cap, scale_label))


def render(spec: ChartSpec) -> bytes:
    """Draw any chart described as data, in its frame's language."""
    with style.chart_language(spec.frame.lang):
        return _render(spec)


def _render(spec: ChartSpec) -> bytes:
    match spec:
        case RallyChart():
            return render_rally_chart(
                spec.frame, spec.lines, spec.contributors, spec.contributors_title
            )
        case LinesChart():
            return render_lines_chart(
                spec.frame, spec.lines, spec.y_label, reference=spec.reference
            )
        case SpreadChart():
            return render_spread_chart(spec.frame, spec.spread_pp, spec.label)
        case BarsChart():
            return render_bars_chart(spec.frame, spec.bars, spec.title)
        case HeatmapChart():
            return render_heatmap_chart(spec.frame, spec.sectors, spec.cap, spec.scale_label)
