"""Chart renderers: input dataclasses in, PNG bytes out; safe to call from worker threads."""

from __future__ import annotations

from matplotlib.figure import Figure

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
    BarsChart,
    ChartSpec,
    HeatmapChart,
    LinesChart,
    RallyChart,
    SpreadChart,
)


def build_figure(spec: ChartSpec) -> Figure:
    """The matplotlib figure of any chart described as data (in the current chart language)."""
    match spec:
        case RallyChart():
            return build_rally_figure(
                spec.frame, spec.lines, spec.contributors, spec.contributors_title
            )
        case LinesChart():
            return build_lines_figure(
                spec.frame, spec.lines, spec.y_label, reference=spec.reference
            )
        case SpreadChart():
            return build_spread_figure(spec.frame, spec.spread_pp, spec.label)
        case BarsChart():
            return build_bars_figure(spec.frame, spec.bars, spec.title)
        case HeatmapChart():
            return build_heatmap_figure(spec.frame, spec.sectors, spec.cap, spec.scale_label)


def render(spec: ChartSpec) -> bytes:
    """Draw any chart described as data, in its frame's language, as PNG bytes."""
    with style.chart_language(spec.frame.lang):
        return figure_to_png(build_figure(spec))
