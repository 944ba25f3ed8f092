"""Figures for each chart kind, built with matplotlib's object API and no global state.

Every figure has the same frame: a fixed header band (title, subtitle), a fixed footer band
(source), and between them panels stacked top to bottom, each axes fitted into its panel at
draw time (charts.layout). The builders return the Figure so tests can inspect the drawn
artists; `figure_to_png` turns it into bytes.
matplotlib.dates and the Agg canvas carry no annotations, hence the few no-untyped-call ignores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator, ScalarFormatter
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from bot.text.formatting import MINUS, fmt_pct, format_usd
from bot.text.i18n import t
from charts import style, treemap
from charts.layout import Panel, PanelLayoutEngine
from charts.model import Bar, ChartFrame, HeatSector, HeatTile, Line
from charts.png import rgb_png

WATERMARK_GID = "demo-watermark"
NO_DATA_GID = "no-data-note"
TILE_LABEL_GID = "heat-tile-label"
SECTOR_LABEL_GID = "heat-sector-label"
BAR_NAME_GID = "bar-name"
BAR_VALUE_GID = "bar-value"

# Vertical budget in inches; fixed bands keep the frame identical across chart kinds.
HEADER_IN = 0.9
FOOTER_IN = 0.4
# What a panel keeps free around its axes and their tick labels, titles and texts.
PANEL_PAD_W_IN = 0.1
PANEL_PAD_H_IN = 0.06
LINES_PANEL_IN = 4.2
LEGEND_ROW_IN = 0.3
BARS_TITLE_IN = 0.6
BAR_ROW_IN = 0.3
MIN_BAR_ROWS = 2

# ConciseDateFormatter's levels: years, months, days, hours, minutes, seconds.
ZH_DATE_FORMATS = {
    "formats": ["%Y年", "%m月", "%d日", "%H:%M", "%H:%M", "%S.%f"],
    "zero_formats": ["", "%Y年", "%m月", "%m月%d日", "%H:%M", "%H:%M"],
    "offset_formats": [
        "",
        "%Y年",
        "%Y年%m月",
        "%Y年%m月%d日",
        "%Y年%m月%d日",
        "%Y年%m月%d日 %H:%M",
    ],
}
# A short period (1D, 5D) gets one tick per trading day; beyond this, automatic date ticks.
FIXED_TICK_MAX_DAYS = 8
FIXED_TICK_MAX_SPAN_DAYS = 9
MARKER_MAX_POINTS = 12
# Left of the plot area: y tick labels and axis label, or the bar names plus their padding.
LINE_AXES_LEFT_IN = 1.0
LEGEND_HANDLE_EM = 2.0
LEGEND_TEXT_PAD_EM = 0.8
LEGEND_COLUMN_GAP_EM = 1.5
BAR_NAMES_PAD_IN = 0.35
BAR_NAME_PAD_PT = 6.0  # between a bar's name and the axes
BAR_VALUE_PAD_PT = 4.0  # between a bar's end and its value
FRAME_LEFT_IN = 0.2
BAR_VALUE_ROOM = 0.34  # share of the bar range kept free beyond the longest bar for its label
HEATMAP_PANEL_IN = 5.4
COLOUR_BAR_PANEL_IN = 0.8
# Tile labels: the sizes tried, largest first, and the room kept free around the text.
TILE_LABEL_SIZES_PT = (12.0, 10.0, 8.0)
TILE_LABEL_PAD_IN = 0.06
TILE_LINE_HEIGHT = 1.25  # a line of text takes this many times its size
SECTOR_LABEL_PT = 9.0
SECTOR_STRIP_IN = 0.24  # the height a sector's name takes at the top of its block
HEAT_COLOURS = LinearSegmentedColormap.from_list(
    "rally_diverging", [style.DOWN, "#f2f2f2", style.UP]
)
NO_RETURN_COLOUR = "#bdbdbd"
DARK_TILE_LUMINANCE = 0.55  # below it, a tile's label is white


def build_rally_figure(
    frame: ChartFrame, lines: Sequence[Line], contributors: Sequence[Bar], contributors_title: str
) -> Figure:
    """Build the /rally figure: rebased boards vs benchmark on top, top contributors below."""
    plot_left = max(LINE_AXES_LEFT_IN, _bar_names_width_in(contributors))
    legend_rows, legend_columns = _legend_shape(lines, plot_left)
    bar_rows = max(len(contributors), MIN_BAR_ROWS)
    panels = (LINES_PANEL_IN, legend_rows * LEGEND_ROW_IN, BARS_TITLE_IN + bar_rows * BAR_ROW_IN)
    figure, (line_axes, legend_axes, bar_axes) = _framed_figure(frame, panels)
    handles = _draw_lines(line_axes, lines)
    _draw_reference(line_axes, 100.0)
    _set_axis_label(line_axes, t(style.current_language(), "chart.rebased"))
    _draw_legend(legend_axes, handles, legend_columns)
    _draw_bars(bar_axes, contributors)
    _set_panel_title(bar_axes, contributors_title, plot_left)
    return figure


def build_lines_figure(
    frame: ChartFrame, lines: Sequence[Line], y_label: str, *, reference: float | None = None
) -> Figure:
    """Build the /chart or /index figure: up to six dated lines, an optional reference level."""
    if len(lines) > style.MAX_LINES:
        msg = f"at most {style.MAX_LINES} lines fit one chart, got {len(lines)}"
        raise ValueError(msg)
    legend_rows, legend_columns = _legend_shape(lines, LINE_AXES_LEFT_IN)
    figure, (line_axes, legend_axes) = _framed_figure(
        frame, (LINES_PANEL_IN, legend_rows * LEGEND_ROW_IN)
    )
    handles = _draw_lines(line_axes, lines)
    if reference is not None and handles:
        _draw_reference(line_axes, reference)
    _set_axis_label(line_axes, y_label)
    _draw_legend(legend_axes, handles, legend_columns)
    return figure


def build_spread_figure(frame: ChartFrame, spread_pp: pd.Series, label: str) -> Figure:
    """Build the /compare figure: A minus B in percentage points, shaded above and below zero."""
    figure, (axes, legend_axes) = _framed_figure(frame, (LINES_PANEL_IN, LEGEND_ROW_IN))
    series = _plottable(spread_pp)
    handles: list[Artist] = []
    if series.empty:
        _draw_no_data(axes)
    else:
        x = _day_numbers(series.index)
        y = series.to_numpy(dtype=float)
        (line,) = axes.plot(
            x,
            y,
            color=style.TEXT,
            linewidth=style.LINE_WIDTH,
            marker="o" if len(y) <= MARKER_MAX_POINTS else None,
            markersize=5,
            label=style.safe_text(label, style.LABEL_MAX_CHARS),
            zorder=3,
        )
        axes.fill_between(x, y, 0.0, where=y >= 0, interpolate=True, color=style.UP, alpha=0.3)
        axes.fill_between(x, y, 0.0, where=y <= 0, interpolate=True, color=style.DOWN, alpha=0.3)
        _draw_reference(axes, 0.0)
        _annotate_last(axes, x[-1], y[-1], _signed_pp(y[-1]))
        _style_line_axes(axes, series.index)
        handles.append(line)
    _set_axis_label(axes, t(style.current_language(), "chart.percentage_points"))
    _draw_legend(legend_axes, handles, 1)
    return figure


def build_bars_figure(frame: ChartFrame, bars: Sequence[Bar], title: str) -> Figure:
    """Build the /basket figure: every member's USD value change, largest gain on top."""
    rows = max(len(bars), MIN_BAR_ROWS)
    figure, (axes,) = _framed_figure(frame, (BARS_TITLE_IN + rows * BAR_ROW_IN,))
    _draw_bars(axes, bars)
    _set_panel_title(axes, title, _bar_names_width_in(bars))
    return figure


def build_heatmap_figure(
    frame: ChartFrame, sectors: Sequence[HeatSector], cap: float, scale_label: str
) -> Figure:
    """Build the /heatmap figure: a treemap of members grouped by sector, and its colour bar."""
    figure, (map_axes, bar_axes) = _framed_figure(frame, (HEATMAP_PANEL_IN, COLOUR_BAR_PANEL_IN))
    # One data unit is one inch (equal aspect), so labels are fitted to tiles in inches.
    box = treemap.Rect(0.0, 0.0, style.WIDTH_IN - 2 * FRAME_LEFT_IN, HEATMAP_PANEL_IN - 0.15)
    map_axes.set_axis_off()
    map_axes.set_xlim(box.x, box.x + box.width)
    map_axes.set_ylim(box.y, box.y + box.height)
    map_axes.set_aspect("equal", adjustable="box")
    groups = [
        treemap.Group(sector.name, tuple(tile.value_usd for tile in sector.tiles))
        for sector in sectors
    ]
    layouts = treemap.grouped_treemap(groups, box)
    if not any(rect.area > 0 for layout in layouts for rect in layout.items):
        _draw_no_data(map_axes)
    for sector, layout in zip(sectors, layouts, strict=True):
        sector_top = layout.rect.y + layout.rect.height
        for tile, rect in zip(sector.tiles, layout.items, strict=True):
            if rect.area > 0:
                # Tiles along the sector's top edge keep a strip free for the sector's name.
                under_name = math.isclose(rect.y + rect.height, sector_top, abs_tol=1e-9)
                _draw_tile(map_axes, tile, rect, cap, SECTOR_STRIP_IN if under_name else 0.0)
        if layout.rect.area > 0:
            _draw_sector(map_axes, sector.name, layout.rect)
    _draw_colour_bar(bar_axes, cap, scale_label)
    return figure


def tile_label(tile: HeatTile, width_in: float, height_in: float) -> tuple[str, float] | None:
    """The most telling label that fits a tile: name or ticker over the return, large first;
    then ticker and return on one line; then the ticker alone; None when nothing fits.
    Returns the text and its size in points."""
    change = fmt_pct(tile.period_return)
    sizes = TILE_LABEL_SIZES_PT
    two_lines = ((tile.name, change), (tile.symbol, change))
    one_line = ((f"{tile.symbol} {change}",), (tile.symbol,))
    candidates = [
        *((lines, size) for size in sizes for lines in two_lines),
        *((lines, size) for lines in one_line for size in sizes),
    ]
    room_w, room_h = width_in - 2 * TILE_LABEL_PAD_IN, height_in - 2 * TILE_LABEL_PAD_IN
    # Each line is measured once, at 1 pt: a text's width grows in proportion to its size.
    widths_at_1pt: dict[str, float] = {}
    for lines, size in candidates:
        if len(lines) * size * TILE_LINE_HEIGHT / 72 > room_h:
            continue
        texts = [style.safe_text(line) for line in lines]
        for text in texts:
            if text not in widths_at_1pt:
                widths_at_1pt[text] = style.text_width_in(text, 1.0)
        if all(widths_at_1pt[text] * size <= room_w for text in texts):
            return "\n".join(texts), size
    return None


def _draw_tile(
    axes: Axes, tile: HeatTile, rect: treemap.Rect, cap: float, reserved_top: float
) -> None:
    if tile.period_return is None or not math.isfinite(tile.period_return):
        colour = to_rgb(NO_RETURN_COLOUR)
    else:
        colour = to_rgb(HEAT_COLOURS(treemap.colour_position(tile.period_return, cap)))
    axes.add_patch(
        Rectangle(
            (rect.x, rect.y),
            rect.width,
            rect.height,
            facecolor=colour,
            edgecolor=style.BACKGROUND,
            linewidth=0.8,
        )
    )
    label = tile_label(tile, rect.width, rect.height - reserved_top)
    if label is None:
        return
    text, size = label
    red, green, blue = colour
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    axes.text(
        rect.x + rect.width / 2,
        rect.y + (rect.height - reserved_top) / 2,
        text,
        ha="center",
        va="center",
        multialignment="center",
        linespacing=TILE_LINE_HEIGHT - 0.05,
        fontsize=size,
        color=style.BACKGROUND if luminance < DARK_TILE_LUMINANCE else style.TEXT,
        fontfamily=style.font_families(),
        clip_on=True,
        gid=TILE_LABEL_GID,
    )


def _draw_sector(axes: Axes, name: str, rect: treemap.Rect) -> None:
    # A thick white outline parts the sectors; the name sits in the top-left corner.
    axes.add_patch(
        Rectangle(
            (rect.x, rect.y),
            rect.width,
            rect.height,
            fill=False,
            edgecolor=style.BACKGROUND,
            linewidth=3.0,
            zorder=3,
        )
    )
    text = style.fit_text(name, SECTOR_LABEL_PT, rect.width - 2 * TILE_LABEL_PAD_IN, bold=True)
    if not text or rect.height < 2 * SECTOR_LABEL_PT / 72:
        return
    axes.text(
        rect.x + TILE_LABEL_PAD_IN,
        rect.y + rect.height - TILE_LABEL_PAD_IN,
        text,
        ha="left",
        va="top",
        fontsize=SECTOR_LABEL_PT,
        fontweight="bold",
        color=style.BACKGROUND,
        fontfamily=style.font_families(),
        bbox={"boxstyle": "square,pad=0.15", "facecolor": style.TEXT, "alpha": 0.55, "lw": 0},
        zorder=4,
        gid=SECTOR_LABEL_GID,
    )


def _draw_colour_bar(axes: Axes, cap: float, label: str) -> None:
    axes.set_axis_off()
    colour_axes = axes.inset_axes((0.2, 0.55, 0.6, 0.25))
    mappable = ScalarMappable(norm=Normalize(-cap, cap), cmap=HEAT_COLOURS)
    figure = axes.get_figure()
    assert figure is not None  # the axes was made inside a figure
    bar = figure.colorbar(mappable, cax=colour_axes, orientation="horizontal", extend="both")
    ticks = [-cap, -cap / 2, 0.0, cap / 2, cap]
    bar.set_ticks(ticks, labels=[style.safe_text(fmt_pct(tick, 0)) for tick in ticks])
    bar.ax.tick_params(labelsize=style.TICK_PT - 2, colors=style.TEXT, length=3)
    for tick_label in bar.ax.get_xticklabels():
        tick_label.set_fontfamily(list(style.font_families()))
    bar.outline.set_visible(False)
    colour_axes.set_title(
        style.safe_text(label, style.LABEL_MAX_CHARS * 2),
        fontsize=style.TICK_PT - 1,
        color=style.MUTED,
        fontfamily=style.font_families(),
        pad=4,
        y=1.0,  # placed, not searched for; see _set_panel_title
    )


def figure_to_png(figure: Figure) -> bytes:
    """Render a figure built here to PNG bytes at its own size and dpi."""
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]
    # Written directly rather than through print_png: see charts.png. Without matplotlib's
    # "Software" entry, too, the same chart yields the same bytes on every matplotlib.
    pixels = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    return rgb_png(pixels, figure.dpi)


def figure_height_in(panel_heights: Sequence[float]) -> float:
    """Total figure height for the given panel heights, header and footer bands included."""
    return round(HEADER_IN + sum(panel_heights) + FOOTER_IN, 4)


def _framed_figure(frame: ChartFrame, panel_heights: Sequence[float]) -> tuple[Figure, list[Axes]]:
    height = figure_height_in(panel_heights)
    figure = Figure(figsize=(style.WIDTH_IN, height), dpi=style.DPI, facecolor=style.BACKGROUND)
    FigureCanvasAgg(figure)
    # Panels stack down from the header; each axes is placed in its own panel at draw time,
    # so long bar labels below do not squeeze the line chart above.
    panels = []
    top = height - HEADER_IN
    for panel_height in panel_heights:
        top -= panel_height
        axes = figure.add_axes((0.0, top / height, 1.0, panel_height / height))
        panels.append(Panel(axes, top, panel_height))
    figure.set_layout_engine(
        PanelLayoutEngine(panels, w_pad_in=PANEL_PAD_W_IN, h_pad_in=PANEL_PAD_H_IN)
    )
    _draw_frame(figure, frame, height)
    return figure, [panel.axes for panel in panels]


def _draw_frame(figure: Figure, frame: ChartFrame, height: float) -> None:
    left = FRAME_LEFT_IN / style.WIDTH_IN
    text_width = style.WIDTH_IN - 2 * FRAME_LEFT_IN
    fonts = style.font_families()
    figure.text(
        left,
        1.0 - 0.14 / height,
        style.fit_text(frame.title, style.TITLE_PT, text_width, bold=True),
        ha="left",
        va="top",
        fontsize=style.TITLE_PT,
        fontweight="bold",
        color=style.TEXT,
        fontfamily=fonts,
    )
    figure.text(
        left,
        1.0 - 0.52 / height,
        style.fit_text(frame.subtitle, style.SUBTITLE_PT, text_width),
        ha="left",
        va="top",
        fontsize=style.SUBTITLE_PT,
        color=style.MUTED,
        fontfamily=fonts,
    )
    source = frame.source
    watermark_text = t(style.current_language(), "chart.demo")
    if frame.demo and "DEMO" not in source.upper():
        # In front, so that shortening a long source line can never cut the label off.
        source = f"{watermark_text} · {source}"
    figure.text(
        left,
        0.12 / height,
        style.fit_text(source, style.SOURCE_PT, text_width),
        ha="left",
        va="bottom",
        fontsize=style.SOURCE_PT,
        color=style.MUTED,
        fontfamily=fonts,
    )
    if frame.demo:
        watermark = figure.text(
            0.5,
            0.5,
            watermark_text,
            ha="center",
            va="center",
            rotation=30,
            fontsize=style.WATERMARK_PT,
            fontweight="bold",
            color=style.WATERMARK,
            alpha=style.WATERMARK_ALPHA,
            fontfamily=fonts,
            zorder=10,
            gid=WATERMARK_GID,
        )
        watermark.set_in_layout(False)


def _plottable(values: pd.Series) -> pd.Series:
    """Finite values on tz-naive dates, sorted, one per date; NaN gaps dropped so lines bridge."""
    index = pd.DatetimeIndex(pd.to_datetime(values.index))
    if index.tz is not None:
        index = index.tz_localize(None)
    numbers = pd.to_numeric(pd.Series(values.to_numpy(), index=index), errors="coerce")
    series = numbers.astype(float).sort_index()
    series = series[np.isfinite(series.to_numpy())]
    return series[~series.index.duplicated(keep="last")]


def _draw_lines(axes: Axes, lines: Sequence[Line]) -> list[Artist]:
    handles: list[Artist] = []
    dates: list[pd.DatetimeIndex] = []
    boards = benchmarks = 0
    for line in lines:
        series = _plottable(line.values)
        if series.empty:
            continue
        if line.role == "benchmark":
            colour, dash = style.BENCHMARK_STYLES[benchmarks % len(style.BENCHMARK_STYLES)]
            benchmarks += 1
        else:
            colour, dash = style.BOARD_COLOURS[boards % len(style.BOARD_COLOURS)], "-"
            boards += 1
        (artist,) = axes.plot(
            _day_numbers(series.index),
            series.to_numpy(dtype=float),
            color=colour,
            linestyle=dash,
            linewidth=style.LINE_WIDTH,
            # Two points (1D) or a handful (5D) read better with the closes marked.
            marker="o" if len(series) <= MARKER_MAX_POINTS else None,
            markersize=5,
            label=style.safe_text(line.label, style.LABEL_MAX_CHARS),
            zorder=3 if line.role == "board" else 2.5,
        )
        handles.append(artist)
        dates.append(series.index)
    if not handles:
        _draw_no_data(axes)
        return handles
    all_dates = dates[0].append(dates[1:]) if len(dates) > 1 else dates[0]
    _style_line_axes(axes, all_dates)
    return handles


def _day_numbers(dates: pd.DatetimeIndex) -> np.ndarray:
    """Matplotlib's day numbers for the dates, on its configured epoch."""
    numbers: np.ndarray = mdates.date2num(dates.to_numpy())  # type: ignore[no-untyped-call]
    return numbers


def _style_line_axes(axes: Axes, dates: pd.DatetimeIndex) -> None:
    _style_axes(axes)
    axes.grid(visible=True, axis="both", color=style.GRID, linewidth=0.8, zorder=0)
    axes.set_axisbelow(True)
    formatter = ScalarFormatter(useOffset=False, useMathText=False)
    formatter.set_scientific(False)
    axes.yaxis.set_major_formatter(formatter)
    _date_axis(axes, dates)


def _date_axis(axes: Axes, dates: pd.DatetimeIndex) -> None:
    days = dates.normalize().unique().sort_values()
    numbers = _day_numbers(days)
    first, last = float(numbers[0]), float(numbers[-1])
    span = last - first
    if len(days) <= FIXED_TICK_MAX_DAYS and span <= FIXED_TICK_MAX_SPAN_DAYS:
        # Automatic locators put hourly ticks between two closes; tick the trading days.
        axes.xaxis.set_major_locator(FixedLocator(numbers.tolist()))
        axes.xaxis.set_major_formatter(FuncFormatter(_day_month))
        margin = max(0.5, span * 0.06)
        axes.set_xlim(first - margin, last + margin)
        return
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    formats = ZH_DATE_FORMATS if style.current_language() == "zh" else {}
    axes.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator, **formats)  # type: ignore[no-untyped-call]
    )
    axes.xaxis.get_offset_text().set_fontsize(style.TICK_PT)
    axes.xaxis.get_offset_text().set_color(style.MUTED)
    # The offset ("2026年11月" under a month of days) is a text of its own, outside tick_params.
    axes.xaxis.get_offset_text().set_fontfamily(list(style.font_families()))
    axes.set_xlim(first - span * 0.02, last + span * 0.02)


def _day_month(value: float, _position: int | None = None) -> str:
    day: datetime = mdates.num2date(value)  # type: ignore[no-untyped-call]
    if style.current_language() == "zh":
        # "11/19", as Chinese market charts write it: six days of "11月19日" touch.
        return f"{day.month}/{day.day}"
    return f"{day.day} {day:%b}"


def _style_axes(axes: Axes) -> None:
    fonts = style.font_families()
    axes.set_facecolor(style.BACKGROUND)
    axes.tick_params(
        labelsize=style.TICK_PT,
        labelcolor=style.TEXT,
        color=style.MUTED,
        labelfontfamily=fonts[0] if len(fonts) == 1 else list(fonts),
    )
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(style.MUTED)


def _draw_reference(axes: Axes, level: float) -> None:
    axes.axhline(level, color=style.REFERENCE, linewidth=1.2, zorder=1)


def _set_axis_label(axes: Axes, text: str) -> None:
    axes.set_ylabel(
        style.safe_text(text, style.LABEL_MAX_CHARS),
        fontsize=style.AXIS_LABEL_PT,
        color=style.MUTED,
        fontfamily=style.font_families(),
    )


def _set_panel_title(axes: Axes, text: str, plot_left_in: float) -> None:
    # The title starts where the plot does, so it may take two lines rather than lose words.
    width = style.WIDTH_IN - plot_left_in - FRAME_LEFT_IN
    axes.set_title(
        style.wrap_text(text, style.PANEL_TITLE_PT, width, bold=True),
        loc="left",
        fontsize=style.PANEL_TITLE_PT,
        fontweight="bold",
        color=style.TEXT,
        fontfamily=style.font_families(),
        pad=8,
        # Placed on top of the axes: nothing is drawn above a bar panel's axes, and left to
        # itself matplotlib would measure every tick label again on each draw to find that out.
        y=1.0,
    )


def _annotate_last(axes: Axes, x: float, y: float, text: str) -> None:
    axes.annotate(
        style.safe_text(text),
        xy=(x, y),
        xytext=(8, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=style.BAR_VALUE_PT,
        fontweight="bold",
        color=style.TEXT,
        fontfamily=style.font_families(),
    )


def _signed_pp(value: float) -> str:
    number = f"{abs(value):.1f}"
    if float(number) == 0:
        return f"{number} pp"
    return f"{'+' if value > 0 else MINUS}{number} pp"


def _legend_shape(lines: Sequence[Line], plot_left_in: float) -> tuple[int, int]:
    """Rows and columns of the legend, so the legend row gets the height it needs."""
    count = max(len(lines), 1)
    widest = max(
        (
            style.text_width_in(
                style.safe_text(line.label, style.LABEL_MAX_CHARS), style.LEGEND_PT
            )
            for line in lines
        ),
        default=0.0,
    )
    em_in = style.LEGEND_PT / 72
    # Legend geometry in ems: handle 2.0 + gap 0.8 before the text, 1.5 between columns.
    entry_in = widest + (LEGEND_HANDLE_EM + LEGEND_TEXT_PAD_EM) * em_in
    available = style.WIDTH_IN - plot_left_in - FRAME_LEFT_IN
    columns = int(
        (available + LEGEND_COLUMN_GAP_EM * em_in) // (entry_in + LEGEND_COLUMN_GAP_EM * em_in)
    )
    columns = max(1, min(count, columns))
    return math.ceil(count / columns), columns


def _bar_names_width_in(bars: Sequence[Bar]) -> float:
    """Room the bar names take left of the plot, to size what shares the plot's left edge."""
    widest = max(
        (
            style.text_width_in(style.safe_text(bar.label, style.LABEL_MAX_CHARS), style.TICK_PT)
            for bar in bars
        ),
        default=0.0,
    )
    return widest + BAR_NAMES_PAD_IN


def _draw_legend(axes: Axes, handles: Sequence[Artist], columns: int) -> None:
    axes.set_axis_off()
    if not handles:
        return
    axes.legend(
        handles=list(handles),
        loc="upper left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=columns,
        frameon=False,
        borderaxespad=0.0,
        handlelength=LEGEND_HANDLE_EM,
        handletextpad=LEGEND_TEXT_PAD_EM,
        columnspacing=LEGEND_COLUMN_GAP_EM,
        prop={"size": style.LEGEND_PT, "family": list(style.font_families())},
        labelcolor=style.TEXT,
    )


def _draw_no_data(axes: Axes) -> None:
    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        t(style.current_language(), "chart.no_data"),
        transform=axes.transAxes,
        ha="center",
        va="center",
        fontsize=style.NOTE_PT,
        color=style.MUTED,
        fontfamily=style.font_families(),
        gid=NO_DATA_GID,
    )


def _draw_bars(axes: Axes, bars: Sequence[Bar]) -> None:
    ordered = sorted(
        (bar for bar in bars if math.isfinite(bar.value)), key=lambda bar: bar.value, reverse=True
    )
    if not ordered:
        _draw_no_data(axes)
        return
    values = np.array([bar.value for bar in ordered], dtype=float)
    positions = np.arange(len(ordered), dtype=float)
    axes.barh(
        positions,
        values,
        height=0.68,
        color=[style.UP if value >= 0 else style.DOWN for value in values],
        zorder=2,
    )
    # Names and values are plain texts, not y tick labels and bar_label annotations: a tick
    # is five artists, and an annotation checks on every draw that its anchor is in view.
    # The names sit where the tick labels did: right-aligned, 6 pt left of the axes.
    figure = axes.get_figure(root=True)
    assert figure is not None  # the axes was made inside a figure
    names_at = blended_transform_factory(axes.transAxes, axes.transData) + _nudge(
        figure, -BAR_NAME_PAD_PT
    )
    gains_at = axes.transData + _nudge(figure, BAR_VALUE_PAD_PT)
    losses_at = axes.transData + _nudge(figure, -BAR_VALUE_PAD_PT)
    fonts = style.font_families()
    for position, bar, value in zip(positions, ordered, values, strict=True):
        axes.text(
            0.0,
            position,
            style.safe_text(bar.label, style.LABEL_MAX_CHARS),
            transform=names_at,
            ha="right",
            va="center_baseline",
            fontsize=style.TICK_PT,
            color=style.TEXT,
            fontfamily=fonts,
            gid=BAR_NAME_GID,
        )
        axes.text(
            value,
            position,
            style.safe_text(format_usd(value)),
            transform=gains_at if value >= 0 else losses_at,
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=style.BAR_VALUE_PT,
            color=style.TEXT,
            fontfamily=fonts,
            gid=BAR_VALUE_GID,
        )
    _style_axes(axes)
    axes.yaxis.set_major_locator(NullLocator())
    # Bars carry their own value labels; an x scale would only compete with them.
    axes.xaxis.set_major_locator(NullLocator())
    axes.spines["bottom"].set_visible(False)
    axes.spines["left"].set_visible(False)
    axes.axvline(0.0, color=style.TEXT, linewidth=1.0, zorder=3)
    axes.set_ylim(len(ordered) - 0.5, -0.5)
    axes.set_xlim(*_bar_limits(values))


def _nudge(figure: Figure, points: float) -> ScaledTranslation:
    """A shift to the right by `points` (left when negative), at any dpi."""
    return ScaledTranslation(points / 72, 0.0, figure.dpi_scale_trans)


def _bar_limits(values: np.ndarray) -> tuple[float, float]:
    low, high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    span = (high - low) or 1.0
    room = span * BAR_VALUE_ROOM
    # Keep room for a value label on each side that has bars, even a tiny one.
    left = low - room if values.min() < 0 else low - span * 0.01
    right = high + room if values.max() >= 0 else high + span * 0.01
    return left, right
