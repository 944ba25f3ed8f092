"""Chart data from a market view: pure functions, checked against the snapshot's own numbers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from bot.analytics.periods import PERIODS, DateRange
from bot.analytics.view import MarketView, market_view
from bot.answers import chartdata
from bot.core.universe import Universe
from bot.text.formatting import fmt_pct
from bot.text.i18n import t
from charts.drawing import render
from charts.treemap import colour_cap
from tests.support.golden import golden_inputs, golden_snapshot


@pytest.fixture(scope="module")
def universe() -> Universe:
    universe: Universe = golden_inputs()["universe"]
    return universe


@pytest.fixture(scope="module")
def view(universe: Universe) -> MarketView:
    inputs = golden_inputs()
    return market_view(golden_snapshot(), inputs["closes"], inputs["meta"], universe)


@pytest.mark.parametrize("period", ["1D", "MTD", "YTD"])
def test_the_rally_chart_rebases_each_line_to_100_and_ends_at_its_return(
    view: MarketView, universe: Universe, period: str
) -> None:
    spec = chartdata.rally_chart(view, universe, period)
    keys = (*universe.rally.boards, universe.rally.benchmark)
    assert [line.role for line in spec.lines] == ["board"] * len(universe.rally.boards) + [
        "benchmark"
    ]
    for key, line in zip(keys, spec.lines, strict=True):
        index = universe.indices[key]
        change = view.snapshot.period_return(index.symbol, period)
        assert line.label == f"{index.name} {fmt_pct(change)}"
        assert line.values.iloc[0] == pytest.approx(100.0)
        assert line.values.iloc[-1] == pytest.approx(100.0 * (1 + change))
    assert spec.frame.demo
    assert spec.frame.title == f"China tech rally · {period}"


def test_the_rally_bars_are_the_top_five_then_the_worst_three_never_twice(
    view: MarketView, universe: Universe
) -> None:
    moves = view.snapshot.baskets[universe.rally.basket].moves["YTD"]
    spec = chartdata.rally_chart(view, universe, "YTD")
    expected = [m.name for m in moves[:5]] + [m.name for m in moves[-3:]]
    assert [bar.label for bar in spec.contributors] == expected
    assert [bar.value for bar in spec.contributors[:5]] == [m.value_change_usd for m in moves[:5]]


def test_the_index_chart_holds_the_closes_from_the_base_to_the_newest(
    view: MarketView, universe: Universe
) -> None:
    spec = chartdata.index_chart(view, universe, "star50", "MTD")
    symbol = universe.indices["star50"].symbol
    closes = spec.lines[0].values
    assert closes.index[0] == pd.Timestamp(view.anchors.at[symbol, "MTD_date"])
    assert closes.iloc[-1] == pytest.approx(view.snapshot.instruments[symbol].close)


def test_the_basket_chart_has_a_bar_per_member_with_a_move(
    view: MarketView, universe: Universe
) -> None:
    spec = chartdata.basket_chart(view, universe, "china_ai", "5D")
    moves = view.snapshot.baskets["china_ai"].moves["5D"]
    assert [(b.label, b.value) for b in spec.bars] == [(m.name, m.value_change_usd) for m in moves]


def test_a_basket_line_is_its_usd_value_rebased_and_an_unknown_name_is_empty(
    view: MarketView, universe: Universe
) -> None:
    spec = chartdata.lines_chart(view, universe, ("china_ai", "NOPE"), "YTD")
    basket, unknown = spec.lines
    cap = view.snapshot.baskets["china_ai"].stats("YTD").cap
    assert basket.label == f"{universe.baskets['china_ai'].name} {fmt_pct(cap)}"
    assert basket.values.iloc[0] == pytest.approx(100.0)
    assert unknown.values.empty
    assert spec.reference == 100.0


def test_the_spread_ends_at_the_difference_of_the_two_returns(
    view: MarketView, universe: Universe
) -> None:
    lines = (
        chartdata.series(view, universe, "star50", "MTD"),
        chartdata.series(view, universe, "ndx", "MTD"),
    )
    spec = chartdata.spread_chart(view, universe, "star50", "ndx", "MTD", lines)
    assert spec.spread_pp.iloc[-1] == pytest.approx(
        100 * view.snapshot.spread("star50", "ndx", "MTD"), abs=1e-9
    )
    assert spec.label == "STAR 50 − Nasdaq 100"


def test_a_view_builds_each_named_chart_once(view: MarketView, universe: Universe) -> None:
    built: list[str] = []

    def build() -> object:
        built.append("x")
        return chartdata.rally_chart(view, universe, "1D")

    first = view.memo("test:rally:1D", build)
    assert view.memo("test:rally:1D", build) is first
    assert built == ["x"]


@pytest.mark.parametrize("key", ["china_ai", "us_ai"])
def test_the_heatmap_has_a_tile_per_valued_member_in_its_sector_with_its_return(
    view: MarketView, universe: Universe, key: str
) -> None:
    spec = chartdata.heatmap_chart(view, universe, key, "YTD")
    basket = view.snapshot.baskets[key]
    returns = {m.symbol: m.period_return for m in basket.moves["YTD"]}
    sectors = universe.baskets[key].sectors

    assert [s.name for s in spec.sectors] == [t("en", f"sector.{k}") for k in sectors]
    for sector, members in zip(spec.sectors, sectors.values(), strict=True):
        expected = [m for m in members if basket.values.get(m, 0.0) > 0]
        assert [tile.symbol for tile in sector.tiles] == expected
        for tile in sector.tiles:
            assert tile.value_usd == basket.values[tile.symbol]
            assert tile.period_return == returns.get(tile.symbol)
    assert spec.cap == colour_cap([tile.period_return for s in spec.sectors for tile in s.tiles])
    assert spec.frame.title == f"{basket.name} heatmap · YTD"
    assert spec.frame.demo


def test_chinese_chart_data_carries_its_language_and_chinese_words(
    view: MarketView, universe: Universe
) -> None:
    rally = chartdata.rally_chart(view, universe, "YTD", "zh")
    heatmap = chartdata.heatmap_chart(view, universe, "china_ai", "YTD", "zh")

    assert rally.frame.lang == heatmap.frame.lang == "zh"
    assert rally.frame.title == "中国科技股行情 · YTD"
    assert rally.frame.source == "数据来源：DEMO 合成数据"
    assert heatmap.sectors[0].name == "互联网平台"
    assert heatmap.scale_label.startswith("YTD 涨跌幅")
    lines = chartdata.lines_chart(view, universe, ("star50", "ndx"), "YTD", "zh")
    assert lines.frame.title == "科创50 对比 纳斯达克100 · YTD"


def test_chinese_charts_call_indices_baskets_members_and_events_by_their_chinese_names(
    view: MarketView, universe: Universe
) -> None:
    rally = chartdata.rally_chart(view, universe, "YTD", "zh")
    assert [line.label.rsplit(" ", 1)[0] for line in rally.lines] == [
        "科创50",
        "创业板指",
        "恒生科技指数",
        "纳斯达克100",
    ]
    assert "中国AI 33（rallybot 默认）" in rally.contributors_title
    basket = chartdata.basket_chart(view, universe, "china_ai", "YTD", "zh")
    assert basket.frame.title == "中国AI 33（rallybot 默认） · YTD"
    assert {"腾讯控股", "阿里巴巴", "中芯国际", "寒武纪"} <= {bar.label for bar in basket.bars}
    heatmap = chartdata.heatmap_chart(view, universe, "china_ai", "YTD", "zh")
    tiles = {tile.symbol: tile.name for sector in heatmap.sectors for tile in sector.tiles}
    assert tiles["0700.HK"] == "腾讯控股"
    deepseek = DateRange(dt.date(2025, 1, 27), label="DeepSeek R1 shock")
    assert "DeepSeek R1 冲击" in chartdata.period_title(universe, deepseek, "zh")
    assert "since DeepSeek R1 shock" in chartdata.period_title(universe, deepseek)
    index = chartdata.index_chart(view, universe, "star50", "1Y", "zh")
    assert index.frame.title == "科创50 · 1Y"
    assert chartdata.basket_chart(view, universe, "china_ai", "YTD").bars[0].label.isascii()


@pytest.mark.parametrize("period", PERIODS)
def test_every_chart_kind_of_every_period_renders_in_chinese_with_no_glyph_missing(
    view: MarketView, universe: Universe, period: str
) -> None:
    lang = "zh"
    lines = (
        chartdata.series(view, universe, "star50", period),
        chartdata.series(view, universe, "ndx", period),
    )
    specs = (
        chartdata.rally_chart(view, universe, period, lang),
        chartdata.index_chart(view, universe, "star50", period, lang),
        chartdata.basket_chart(view, universe, "china_ai", period, lang),
        chartdata.heatmap_chart(view, universe, "china_ai", period, lang),
        chartdata.lines_chart(view, universe, ("star50", "china_ai"), period, lang),
        chartdata.spread_chart(view, universe, "star50", "ndx", period, lines, lang),
    )
    for spec in specs:
        # pytest turns warnings into errors: a missing glyph would fail here.
        assert render(spec).startswith(b"\x89PNG")
