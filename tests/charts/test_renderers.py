"""Chart renderers: valid PNGs of the expected size for every period shape, text that never
collides, the demo watermark exactly when asked, and identical bytes across threads."""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from charts import (
    Bar,
    BarsChart,
    ChartFrame,
    HeatSector,
    HeatTile,
    Line,
    LinesChart,
    RallyChart,
    SpreadChart,
    build_bars_figure,
    build_heatmap_figure,
    build_lines_figure,
    build_rally_figure,
    build_spread_figure,
    render,
    style,
)
from charts.figures import BAR_NAME_GID, BAR_VALUE_GID, NO_DATA_GID, WATERMARK_GID

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WIDTH_PX = 1080
NAN = float("nan")

FRAME = ChartFrame(
    title="China tech rally · YTD",
    subtitle="as of 2026-11-25 · SH/SZ 11-25 · HK 11-25 · NY 11-24",
    source="Source: Yahoo Finance",
    demo=False,
)
DEMO_FRAME = ChartFrame(
    title="China tech rally · 1D",
    subtitle="as of 2026-11-25 · SH/SZ 11-25 · HK 11-25 · NY 11-24",
    source="Source: DEMO synthetic data",
    demo=True,
)

YTD = pd.bdate_range("2025-12-31", "2026-11-25")  # 238 weekdays
DAY_1 = pd.to_datetime(["2026-11-24", "2026-11-25"])
NY_DAY_1 = pd.to_datetime(["2026-11-21", "2026-11-24"])  # New York is a session behind
DAYS_5 = pd.bdate_range("2026-11-18", "2026-11-25")


def rebased(dates: pd.DatetimeIndex, total: float, seed: int) -> pd.Series:
    """A seeded random walk from 100 that ends at 100 * (1 + total)."""
    steps = np.random.default_rng(seed).normal(0.0, 0.012, len(dates))
    path = np.cumsum(steps)
    path += np.linspace(0.0, np.log1p(total) - path[-1], len(dates))
    return pd.Series(100.0 * np.exp(path - path[0]), index=dates)


def with_gaps(series: pd.Series) -> pd.Series:
    """The series with a holiday week of NaNs in the middle."""
    gapped = series.copy()
    gapped.iloc[len(gapped) // 2 : len(gapped) // 2 + 5] = NAN
    return gapped


def rally_lines(
    dates: pd.DatetimeIndex, benchmark_dates: pd.DatetimeIndex | None = None
) -> list[Line]:
    """The /rally set: three boards and the Nasdaq 100 benchmark, by default a session behind."""
    if benchmark_dates is None:
        benchmark_dates = dates[:-1]
    return [
        Line("STAR 50 +18.0%", rebased(dates, 0.18, 1)),
        Line("ChiNext +22.0%", rebased(dates, 0.22, 2)),
        Line("HS TECH +9.0%", rebased(dates, 0.09, 3)),
        Line("Nasdaq 100 +6.0%", rebased(benchmark_dates, 0.06, 4), role="benchmark"),
    ]


CONTRIBUTORS = [
    Bar("Tencent", 120e9),
    Bar("Alibaba", 95e9),
    Bar("SMIC", 40e9),
    Bar("Cambricon", 35e9),
    Bar("Xiaomi", -12e9),
]
MEMBER_NAMES = [
    "Tencent", "Alibaba", "SMIC", "Cambricon", "Xiaomi", "Baidu", "BYD", "Meituan", "NetEase",
    "JD.com", "Kuaishou", "Horizon Robotics", "Hua Hong Semiconductor", "Naura Technology",
    "Hygon Information Technology", "Zhongji Innolight", "Eoptolink",
    "Inspur Electronic Information Industry", "iFlytek", "Kingsoft", "SenseTime",
    "Montage Technology", "GigaDevice", "Will Semiconductor", "Unisplendour",
    "Foxconn Industrial Internet", "Sugon", "Range Intelligent Computing", "Lenovo", "ZTE",
    "Moore Threads", "寒武纪 Cambricon", "Biren Technology", "Zhipu", "MiniMax",
]  # fmt: skip
BASKET_35 = [
    Bar(name, float(value))
    for name, value in zip(
        MEMBER_NAMES, np.random.default_rng(7).normal(2e10, 3e10, len(MEMBER_NAMES)), strict=True
    )
]
SIX_LINES = [
    Line(f"{name} +{3 * i}.0%", rebased(YTD[20 * i :], 0.03 * i, 10 + i), role=role)
    for i, (name, role) in enumerate(
        [
            ("STAR 50", "board"),
            ("ChiNext", "board"),
            ("Hang Seng TECH", "board"),
            ("Nasdaq 100", "benchmark"),
            ("CSI 300 Information Technology Index", "board"),
            ("Philadelphia Semiconductor", "board"),
        ]
    )
]


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert png[:8] == PNG_MAGIC
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


# Heights by hand: header 0.9 in + panels + footer 0.4 in, at 150 dpi. Line panel 4.2 in,
# legend 0.3 in a row, bar block 0.6 in + 0.3 in a bar (at least two rows).
RALLY_CASES = {
    # 4 short labels -> 2 columns, 2 rows; 5 bars: 0.9+4.2+0.6+0.6+1.5+0.4 = 8.2 in.
    "YTD": (rally_lines(YTD), CONTRIBUTORS, 1230),
    "1D two points": (rally_lines(DAY_1, NY_DAY_1), CONTRIBUTORS, 1230),
    "5D": (rally_lines(DAYS_5), CONTRIBUTORS, 1230),
    # No contributors keeps two bar rows for the note: 0.9+4.2+0.6+0.6+0.6+0.4 = 7.3 in.
    "empty contributors": (rally_lines(YTD), [], 1095),
    "gaps": ([Line(x.label, with_gaps(x.values), x.role) for x in rally_lines(YTD)], CONTRIBUTORS,
             1230),
}  # fmt: skip

LINES_CASES = {
    # One legend row: 0.9+4.2+0.3+0.4 = 5.8 in.
    "1D two points": ([Line("STAR 50 +1.2%", pd.Series([100.0, 101.2], DAY_1))], 870),
    "5D": (rally_lines(DAYS_5)[:1], 870),
    "YTD single close": ([Line("Hang Seng TECH 6,012.3", 55 * rebased(YTD, 0.09, 5))], 870),
    "gaps": ([Line("STAR 50 +18.0%", with_gaps(rebased(YTD, 0.18, 1)))], 870),
    "late start": ([Line("New listing +40.0%", rebased(YTD[150:], 0.4, 6))], 870),
    # Long labels -> one column of six rows: 0.9+4.2+1.8+0.4 = 7.3 in.
    "six series": (SIX_LINES, 1095),
    # 4 labels -> 2 rows: 0.9+4.2+0.6+0.4 = 6.1 in.
    "all-NaN series skipped": (
        [*rally_lines(YTD)[:3], Line("Delisted", pd.Series(NAN, index=YTD))],
        915,
    ),
    "nothing to draw": ([Line("Delisted", pd.Series(NAN, index=YTD))], 870),
}

SPREAD_CASES = {
    "YTD": rebased(YTD, 0.18, 1) - rebased(YTD, 0.06, 4),
    "1D two points": pd.Series([0.0, 0.9], DAY_1),
    "gaps": with_gaps(rebased(YTD, 0.1, 1) - 100),
    "empty": pd.Series([], dtype=float, index=pd.DatetimeIndex([])),
}

BARS_CASES = {
    # 35 bars: 0.9+0.6+35*0.3+0.4 = 12.4 in.
    "35 members": (BASKET_35, 1860),
    # 5 bars: 0.9+0.6+1.5+0.4 = 3.4 in.
    "5 members": (CONTRIBUTORS, 510),
    # Two rows at least: 0.9+0.6+0.6+0.4 = 2.5 in.
    "all losers": ([Bar("Xiaomi", -12e9), Bar("Baidu", -3.5e8)], 375),
    "empty": ([], 375),
    "NaN value skipped": ([Bar("Tencent", 120e9), Bar("Halted", NAN)], 375),
}


@pytest.mark.parametrize("case", RALLY_CASES, ids=str)
def test_rally_chart_is_a_png_of_the_expected_size(case: str) -> None:
    lines, contributors, height = RALLY_CASES[case]
    png = render(
        RallyChart(FRAME, tuple(lines), tuple(contributors), "Top contributors, USD value change")
    )
    assert png_size(png) == (WIDTH_PX, height)
    assert len(png) < 300_000


@pytest.mark.parametrize("case", LINES_CASES, ids=str)
def test_lines_chart_is_a_png_of_the_expected_size(case: str) -> None:
    lines, height = LINES_CASES[case]
    png = render(LinesChart(FRAME, tuple(lines), "rebased = 100", reference=100.0))
    assert png_size(png) == (WIDTH_PX, height)
    assert len(png) < 300_000


@pytest.mark.parametrize("case", SPREAD_CASES, ids=str)
def test_spread_chart_is_a_png_of_the_expected_size(case: str) -> None:
    png = render(SpreadChart(FRAME, SPREAD_CASES[case], "STAR 50 minus Nasdaq 100"))
    assert png_size(png) == (WIDTH_PX, 870)
    assert len(png) < 300_000


@pytest.mark.parametrize("case", BARS_CASES, ids=str)
def test_bars_chart_is_a_png_of_the_expected_size(case: str) -> None:
    bars, height = BARS_CASES[case]
    png = render(BarsChart(FRAME, tuple(bars), "China AI basket: USD value change, YTD"))
    assert png_size(png) == (WIDTH_PX, height)
    assert len(png) < 300_000


def drawn_texts(figure: Figure) -> Iterator[Text]:
    """Every text drawn with something in it, tick labels outside the view left out."""
    figure.canvas.draw()
    hidden: set[int] = set()
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            if not (axes.axison and axis.get_visible()):
                # An axis switched off draws none of its texts, though they still exist.
                hidden.update(id(text) for text in axis.findobj(Text))
                continue
            low, high = sorted(axis.get_view_interval())
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden.update({id(tick.label1), id(tick.label2)})
    for text in figure.findobj(Text):
        visible = isinstance(text, Text) and text.get_visible() and text.get_text().strip()
        if visible and id(text) not in hidden:
            yield text


def collisions(figure: Figure) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap, the watermark excepted."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes: list[tuple[str, Bbox]] = [
        (text.get_text(), text.get_window_extent(renderer))
        for text in drawn_texts(figure)
        if text.get_gid() != WATERMARK_GID
    ]
    clashes = []
    for i, (first, a) in enumerate(boxes):
        for second, b in boxes[i + 1 :]:
            overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
            if overlap_x > 0.5 and overlap_y > 0.5:
                clashes.append((first, second))
    return clashes


def outside_figure(figure: Figure) -> list[str]:
    """Texts that stick out of the image and would be cut off."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    width, height = figure.canvas.get_width_height()
    out = []
    for text in drawn_texts(figure):
        if text.get_gid() == WATERMARK_GID:
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5:
            out.append(text.get_text())
    return out


HEAT_SECTORS = (
    HeatSector(
        "Platforms",
        (
            HeatTile("0700.HK", "Tencent", 650e9, 0.226),
            HeatTile("9988.HK", "Alibaba", 380e9, 0.309),
            HeatTile("1024.HK", "Kuaishou", 40e9, -0.118),
        ),
    ),
    HeatSector(
        "Chips and equipment",
        tuple(
            HeatTile(f"68{i:04d}.SS", MEMBER_NAMES[i], 80e9 / (i + 1), 0.08 * (i - 3))
            for i in range(9)
        ),
    ),
    HeatSector("Robotics and autonomy", (HeatTile("PONY", "Pony AI", 6e9, None),)),
    HeatSector(
        "Apps and models",
        tuple(HeatTile(f"00{i}.HK", f"App {i}", 3e9 / (i + 1), -0.02 * i) for i in range(6)),
    ),
)


FIGURES: dict[str, Callable[[], Figure]] = {
    "heatmap": lambda: build_heatmap_figure(DEMO_FRAME, HEAT_SECTORS, 0.2, "YTD return"),
    **{
        f"rally {case}": (
            lambda c=case: build_rally_figure(
                FRAME, RALLY_CASES[c][0], RALLY_CASES[c][1], "Top contributors by USD value change"
            )
        )
        for case in RALLY_CASES
    },
    **{
        f"lines {case}": (
            lambda c=case: build_lines_figure(FRAME, LINES_CASES[c][0], "rebased = 100")
        )
        for case in LINES_CASES
    },
    **{
        f"spread {case}": (lambda c=case: build_spread_figure(FRAME, SPREAD_CASES[c], "A minus B"))
        for case in SPREAD_CASES
    },
    **{
        f"bars {case}": (lambda c=case: build_bars_figure(FRAME, BARS_CASES[c][0], "USD change"))
        for case in BARS_CASES
    },
    "rally long titles": lambda: build_rally_figure(
        ChartFrame(
            title="China tech rally and a title far too long to fit on a phone screen · 1Y",
            subtitle="as of 2026-11-25 · SH/SZ 11-25 · HK 11-25 · NY 11-24 · extra notes here",
            source="Source: Yahoo Finance; China AI basket (rallybot default); FX HKDUSD, CNYUSD",
            demo=True,
        ),
        SIX_LINES[:4],
        BASKET_35[:8],
        "China AI basket (rallybot default): top contributors by USD market-value change, 1Y",
    ),
}


@pytest.mark.parametrize("name", FIGURES, ids=str)
def test_no_two_texts_overlap(name: str) -> None:
    assert collisions(FIGURES[name]()) == []


@pytest.mark.parametrize("name", FIGURES, ids=str)
def test_every_text_stays_inside_the_image(name: str) -> None:
    assert outside_figure(FIGURES[name]()) == []


def test_overlap_check_catches_a_collision() -> None:
    figure = build_lines_figure(FRAME, LINES_CASES["5D"][0], "rebased = 100")
    figure.text(0.03, 0.96, "a stray note over the title", fontsize=14)
    assert collisions(figure)


@pytest.mark.parametrize(("frame", "present"), [(DEMO_FRAME, True), (FRAME, False)])
def test_demo_watermark_is_drawn_exactly_for_demo_data(frame: ChartFrame, present: bool) -> None:
    figure = build_rally_figure(frame, rally_lines(DAY_1, NY_DAY_1), CONTRIBUTORS, "Top")
    texts = [text.get_text() for text in drawn_texts(figure)]
    watermarks = [t for t in figure.findobj(Text) if t.get_gid() == WATERMARK_GID]
    assert [w.get_text() for w in watermarks] == (["DEMO DATA"] if present else [])
    assert any("DEMO" in text and "Source" in text for text in texts) == present


def test_demo_label_survives_a_source_line_too_long_to_fit() -> None:
    long_source = ChartFrame("t", "s", "Source: " + "a long provider name " * 8, demo=True)
    figure = build_bars_figure(long_source, CONTRIBUTORS, "USD change")
    sources = [t.get_text() for t in drawn_texts(figure) if "Source" in t.get_text()]
    assert len(sources) == 1
    assert sources[0].startswith("DEMO DATA · Source: a long provider name")
    assert sources[0].endswith("…")


def test_demo_source_line_is_not_labelled_twice() -> None:
    figure = build_bars_figure(DEMO_FRAME, CONTRIBUTORS, "USD change")
    sources = [t.get_text() for t in drawn_texts(figure) if t.get_text().startswith("Source")]
    assert sources == ["Source: DEMO synthetic data"]


def test_two_point_period_ticks_both_days_and_marks_the_closes() -> None:
    figure = build_lines_figure(FRAME, LINES_CASES["1D two points"][0], "rebased = 100")
    figure.canvas.draw()
    (axes, _legend) = figure.axes
    assert [label.get_text() for label in axes.get_xticklabels()] == ["24 Nov", "25 Nov"]
    assert axes.get_lines()[0].get_marker() == "o"


def test_empty_contributors_show_a_note_instead_of_bars() -> None:
    figure = build_rally_figure(FRAME, rally_lines(YTD), [], "Top contributors")
    notes = [t.get_text() for t in figure.findobj(Text) if t.get_gid() == NO_DATA_GID]
    assert notes == ["No data for this period"]


def test_all_nan_series_is_left_out_of_plot_and_legend() -> None:
    figure = build_lines_figure(FRAME, LINES_CASES["all-NaN series skipped"][0], "rebased = 100")
    _plot, legend_axes = figure.axes
    legend = legend_axes.get_legend()
    assert legend is not None
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels == ["STAR 50 +18.0%", "ChiNext +22.0%", "HS TECH +9.0%"]


def test_benchmark_is_dashed_and_boards_are_solid() -> None:
    figure = build_rally_figure(FRAME, rally_lines(YTD), CONTRIBUTORS, "Top contributors")
    styles = [line.get_linestyle() for line in figure.axes[0].get_lines()[:4]]
    assert styles == ["-", "-", "-", "--"]


def test_bars_are_sorted_with_the_largest_gain_on_top_and_labelled_in_usd() -> None:
    figure = build_bars_figure(FRAME, list(reversed(CONTRIBUTORS)), "USD change")

    def top_down(gid: str) -> list[str]:
        texts = [t for t in drawn_texts(figure) if t.get_gid() == gid]
        texts.sort(key=lambda text: -text.get_window_extent().y0)
        return [text.get_text().replace(r"\$", "$") for text in texts]

    assert top_down(BAR_NAME_GID) == ["Tencent", "Alibaba", "SMIC", "Cambricon", "Xiaomi"]
    assert top_down(BAR_VALUE_GID) == ["+$120.0B", "+$95.0B", "+$40.0B", "+$35.0B", "\u2212$12.0B"]


def test_too_many_lines_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 6 lines"):
        build_lines_figure(FRAME, [*SIX_LINES, SIX_LINES[0]], "rebased = 100")


def test_tz_aware_and_unsorted_series_draw_like_naive_sorted_ones() -> None:
    naive = rebased(DAYS_5, 0.03, 1)
    aware = naive.tz_localize("Asia/Shanghai").iloc[::-1]
    png_naive = render(LinesChart(FRAME, (Line("STAR 50", naive),), "rebased = 100"))
    png_aware = render(LinesChart(FRAME, (Line("STAR 50", aware),), "rebased = 100"))
    assert png_naive == png_aware


def test_renders_in_threads_match_a_serial_render() -> None:
    spec = RallyChart(DEMO_FRAME, tuple(rally_lines(YTD)), tuple(CONTRIBUTORS), "Top contributors")

    def draw(_: int) -> bytes:
        return render(spec)

    serial = draw(0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(draw, range(8)))
    assert all(png == serial for png in parallel)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_few_trading_days_leave_a_gap_between_their_date_labels(language: str) -> None:
    with style.chart_language(language):
        figure = build_lines_figure(FRAME, LINES_CASES["5D"][0], "rebased = 100")
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
        labels = [t for t in figure.axes[0].get_xticklabels() if t.get_text()]
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
    gaps = [right.x0 - left.x1 for left, right in itertools.pairwise(boxes)]
    assert len(labels) == len(DAYS_5)
    # At least a space's width (~0.3 em at 150 dpi) between one date and the next.
    assert min(gaps) >= 0.3 * style.TICK_PT * figure.dpi / 72, gaps
