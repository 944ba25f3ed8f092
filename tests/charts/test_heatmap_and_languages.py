"""The heatmap figure (labels inside their tiles or left out, a colour bar, the demo label)
and every chart kind drawn in Chinese with the packaged CJK font, no glyph missing."""

from __future__ import annotations

import re
import warnings
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from charts import (
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
    build_figure,
    build_heatmap_figure,
    render,
    style,
)
from charts.figures import (
    SECTOR_LABEL_GID,
    TILE_LABEL_GID,
    WATERMARK_GID,
    tile_label,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
DATES = pd.bdate_range("2025-12-31", "2026-11-25")


def frame(lang: str, title: str, *, demo: bool = True) -> ChartFrame:
    """A chart frame in `lang`."""
    words = {
        "en": ("as of SH/SZ 11-25", "Source: DEMO synthetic data"),
        "zh": ("截至 沪深 11-25 · 港股 11-25", "数据来源：DEMO 合成数据"),
    }[lang]
    return ChartFrame(title=title, subtitle=words[0], source=words[1], demo=demo, lang=lang)


def line(label: str, total: float) -> Line:
    """A straight line from 100 to 100 * (1 + total) over the year."""
    values = pd.Series(
        [100.0 * (1 + total * i / (len(DATES) - 1)) for i in range(len(DATES))], index=DATES
    )
    return Line(label, values)


def sectors(platforms: str, chips: str) -> tuple[HeatSector, ...]:
    """Two sectors under the given names: three platforms, two chip makers and a sliver."""
    return (
        HeatSector(
            platforms,
            (
                HeatTile("0700.HK", "Tencent", 600e9, 0.2),
                HeatTile("9988.HK", "Alibaba", 350e9, 0.31),
                HeatTile("1024.HK", "Kuaishou", 30e9, -0.05),
            ),
        ),
        HeatSector(
            chips,
            (
                HeatTile("0981.HK", "SMIC", 90e9, 0.4),
                HeatTile("688256.SS", "Cambricon", 80e9, 0.9),
                HeatTile("688012.SS", "AMEC", 0.5e9, -0.3),  # far too small for any label
            ),
        ),
    )


SECTORS = sectors("Platforms", "Chips and equipment")

ZH_SPECS: dict[str, ChartSpec] = {
    "rally": RallyChart(
        frame("zh", "中国科技股行情 · YTD"),
        (line("STAR 50 +5.5%", 0.055), line("Nasdaq 100 +11.5%", 0.115)),
        (Bar("Tencent", 139e9), Bar("Innolight", -10e9)),
        "China AI 33：美元市值变化最大的成分股",
    ),
    "lines": LinesChart(
        frame("zh", "STAR 50 vs ChiNext · YTD"),
        (line("STAR 50 +5.5%", 0.055), line("ChiNext +8.3%", 0.083)),
        "基准 = 100",
        reference=100.0,
    ),
    # A month of days: the date axis writes its offset ("2026年11月") below the ticks.
    "lines mtd": LinesChart(
        frame("zh", "Nasdaq 100 · MTD"),
        (Line("Nasdaq 100", pd.Series(1.0, index=pd.bdate_range("2026-10-31", "2026-11-25"))),),
        "收盘价",
    ),
    "spread": SpreadChart(
        frame("zh", "STAR 50 减 Nasdaq 100 · YTD"),
        pd.Series([0.0, -2.0, -6.0], index=DATES[-3:]),
        "STAR 50 − Nasdaq 100",
    ),
    "bars": BarsChart(
        frame("zh", "China AI 33 · YTD"),
        (Bar("Tencent", 139e9), Bar("Alibaba", 107e9), Bar("Innolight", -10e9)),
        "各成分股美元市值变化",
    ),
    "heatmap": HeatmapChart(
        frame("zh", "China AI 33 热力图 · YTD"),
        sectors("互联网平台", "芯片与设备"),
        0.5,
        "YTD 涨跌幅（颜色上限 ±50%）",
    ),
}


def test_tile_labels_shrink_then_fall_back_then_disappear() -> None:
    tile = HeatTile("688256.SS", "Cambricon", 1.0, 0.255)

    assert tile_label(tile, 3.0, 2.0) == ("Cambricon\n+25.5%", 12.0)
    name_only_fits_small = tile_label(tile, 0.95, 0.6)
    assert name_only_fits_small is not None
    assert name_only_fits_small[1] < 12.0
    one_line = tile_label(tile, 1.2, 0.3)
    assert one_line is not None
    assert "\n" not in one_line[0]
    assert tile_label(tile, 0.2, 0.2) is None


def drawn(figure: Figure, gid: str) -> list[Text]:
    """The texts drawn with this gid."""
    return [t for t in figure.findobj(Text) if isinstance(t, Text) and t.get_gid() == gid]


def test_heatmap_labels_stay_inside_their_tiles() -> None:
    figure = build_heatmap_figure(frame("en", "China AI · YTD"), SECTORS, 0.5, "YTD return")
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    tiles = [
        p.get_window_extent(renderer)
        for p in figure.axes[0].patches
        if isinstance(p, Rectangle) and p.get_fill()
    ]
    labels = drawn(figure, TILE_LABEL_GID)

    # The big tiles get a name and return; AMEC's sliver is too small for any label.
    assert len(tiles) == 6
    shown = " ".join(t.get_text() for t in labels)
    for name in ("Tencent", "Alibaba", "SMIC", "Cambricon"):
        assert name in shown
    assert "AMEC" not in shown
    assert "688012" not in shown
    for text in labels:
        box = text.get_window_extent(renderer)
        assert any(
            tile.x0 <= box.x0 and box.x1 <= tile.x1 and tile.y0 <= box.y0 and box.y1 <= tile.y1
            for tile in tiles
        ), text.get_text()
    # A sector name too wide for its block is shortened with an ellipsis, never overflows.
    sector_names = sorted(t.get_text() for t in drawn(figure, SECTOR_LABEL_GID))
    assert sector_names[1] == "Platforms"
    assert sector_names[0] in {"Chips and equipment", "Chips and…", "Chips…"}


def test_heatmap_has_a_colour_bar_from_minus_cap_to_cap_and_the_demo_label() -> None:
    figure = build_heatmap_figure(frame("en", "China AI · YTD"), SECTORS, 0.5, "YTD return")
    figure.canvas.draw()
    texts = [t.get_text() for t in figure.findobj(Text) if isinstance(t, Text)]

    assert {"−50%", "0%", "+50%", "YTD return"} <= set(texts)
    assert drawn(figure, WATERMARK_GID)
    assert any(text.startswith("DEMO DATA") or "DEMO" in text for text in texts)


def cjk_texts(figure: Figure) -> list[Text]:
    """Drawn texts holding Chinese characters."""
    figure.canvas.draw()
    return [
        t
        for t in figure.findobj(Text)
        if isinstance(t, Text) and t.get_visible() and CJK.search(t.get_text())
    ]


@pytest.mark.parametrize("kind", ZH_SPECS, ids=str)
def test_every_chart_kind_draws_chinese_in_the_packaged_font_with_no_glyph_missing(
    kind: str,
) -> None:
    spec = ZH_SPECS[kind]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render(spec)
    assert png.startswith(b"\x89PNG")
    assert not [w for w in caught if "missing from font" in str(w.message)]

    with style.chart_language("zh"):
        figure = build_figure(spec)
        texts = cjk_texts(figure)
        families = style.font_families()
    # The Chinese words are drawn, not dropped as undrawable, in a chain holding the CJK font.
    assert CJK.search(spec.frame.title) is None or any(
        t.get_text() == spec.frame.title for t in texts
    )
    assert texts
    assert families == (style.FONT_FAMILY, style.CJK_FAMILY)
    for text in texts:
        assert style.CJK_FAMILY in text.get_fontfamily()
    found = font_manager.findfont(
        font_manager.FontProperties(family=style.CJK_FAMILY), fallback_to_default=False
    )
    assert found == str(style.CJK_FONT_PATH)


def test_english_charts_do_not_use_the_cjk_font_and_drop_what_they_cannot_draw() -> None:
    assert style.font_families() == (style.FONT_FAMILY,)
    with style.chart_language("en"):
        assert style.safe_text("寒武纪 Cambricon") == "Cambricon"
    with style.chart_language("zh"):
        assert style.safe_text("寒武纪 Cambricon") == "寒武纪 Cambricon"


def test_zh_dates_are_written_the_chinese_way() -> None:
    spec = ZH_SPECS["lines"]
    with style.chart_language("zh"):
        figure = build_figure(spec)
        figure.canvas.draw()
        ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert any(tick.endswith("月") for tick in ticks), ticks


def test_the_zh_sector_names_are_drawn_on_the_zh_heatmap() -> None:
    spec = ZH_SPECS["heatmap"]
    assert isinstance(spec, HeatmapChart)
    with style.chart_language("zh"):
        figure = build_figure(spec)
        figure.canvas.draw()
    assert {t.get_text() for t in drawn(figure, SECTOR_LABEL_GID)} == {"互联网平台", "芯片与设备"}


def test_an_unknown_chart_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fr"), style.chart_language("fr"):
        pass


def test_english_and_chinese_renders_in_threads_match_serial_ones() -> None:
    english = HeatmapChart(frame("en", "China AI · YTD"), SECTORS, 0.5, "YTD return")
    chinese = ZH_SPECS["heatmap"]
    serial = {id(spec): render(spec) for spec in (english, chinese)}

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda spec: (id(spec), render(spec)), [english, chinese] * 3))

    # Each render's language is its own: a zh render never leaks its fonts into an en one.
    assert all(png == serial[key] for key, png in results)
