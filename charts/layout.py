"""Stacked panels: each panel's axes and what it draws around itself fill one band.

Every chart is a column of panels (lines, their legend, bars, ...) between fixed header and
footer bands. Each panel is a plain axes given its band; at draw time the axes is measured
(tick labels, axis labels, title, texts) and moved in by what sticks out, so that all of it
fits the band less the pads. That is what the constrained layout engine did here, without
its subfigures and constraint solver, and without measuring titles and labels over again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import LayoutEngine
from matplotlib.transforms import Bbox

# Texts on data positions (the last date's tick label, a note at the last value) move when the
# axes narrows, so a second measurement checks the first, as the constrained layout did.
MEASUREMENTS = 2
SETTLED_IN = 0.002  # a third of a pixel at 150 dpi
# Never shrink an axes below this share of its band, however much sticks out.
MIN_AXES_SHARE = 0.05


@dataclass(frozen=True)
class Panel:
    """An axes and the band it owns: figure-wide, from `bottom_in` up, `height_in` tall."""

    axes: Axes
    bottom_in: float
    height_in: float


class PanelLayoutEngine(LayoutEngine):
    """Fit each panel's axes, with what it draws around itself, into its band less the pads."""

    _adjust_compatible = False
    _colorbar_gridspec = False

    def __init__(self, panels: Sequence[Panel], *, w_pad_in: float, h_pad_in: float) -> None:
        super().__init__()
        self._panels = tuple(panels)
        self._w_pad_in = w_pad_in
        self._h_pad_in = h_pad_in

    def execute(self, fig: Figure) -> None:
        """Place every panel's axes (matplotlib calls this at the start of each draw)."""
        canvas = fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(fig)
        renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
        width_in, height_in = fig.get_size_inches()
        for panel in self._panels:
            band = Bbox.from_extents(
                self._w_pad_in,
                panel.bottom_in + self._h_pad_in,
                width_in - self._w_pad_in,
                panel.bottom_in + panel.height_in - self._h_pad_in,
            )
            placed = band
            for _ in range(MEASUREMENTS):
                panel.axes.set_position(_fraction(placed, width_in, height_in))
                fitted = _fitted(band, placed, _drawn_extent(panel.axes, renderer))
                if np.allclose(fitted.extents, placed.extents, atol=SETTLED_IN):
                    break
                placed = fitted
            panel.axes.set_position(_fraction(placed, width_in, height_in))


def _drawn_extent(axes: Axes, renderer: RendererAgg) -> Bbox:
    """The box (inches) the axes draws in: its area, tick labels, axis labels, title, texts."""
    figure = axes.get_figure(root=True)
    assert figure is not None  # the axes was made inside a figure
    tight = axes.get_tightbbox(renderer)
    box = axes.get_window_extent(renderer) if tight is None else tight
    return box.transformed(figure.dpi_scale_trans.inverted())


def _fitted(band: Bbox, placed: Bbox, drawn: Bbox) -> Bbox:
    """The band less what stuck out of the axes at `placed` on each side (inches)."""
    x0 = band.x0 + max(0.0, placed.x0 - drawn.x0)
    y0 = band.y0 + max(0.0, placed.y0 - drawn.y0)
    x1 = band.x1 - max(0.0, drawn.x1 - placed.x1)
    y1 = band.y1 - max(0.0, drawn.y1 - placed.y1)
    # Keep the top-left corner, where legends and titles hang, if the rest will not fit.
    x1 = max(x1, x0 + band.width * MIN_AXES_SHARE)
    y0 = min(y0, y1 - band.height * MIN_AXES_SHARE)
    return Bbox.from_extents(x0, y0, x1, y1)


def _fraction(box: Bbox, width_in: float, height_in: float) -> Bbox:
    return Bbox.from_extents(
        box.x0 / width_in, box.y0 / height_in, box.x1 / width_in, box.y1 / height_in
    )
