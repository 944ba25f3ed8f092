"""Basket coverage (fresh, carried, missing), the withheld ratio, and how answers say so."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from bot.analytics.model import Carried, Snapshot
from bot.analytics.snapshot import compute_snapshot
from bot.core.universe import Universe, load_universe
from bot.sources.base import SymbolMeta
from bot.sources.demo import DemoProvider
from bot.text.chatops import digest_caption
from bot.text.market import (
    CAPTION_LIMIT,
    basket_page,
    coverage_line,
    rally_caption,
    visible_length,
)

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
START = dt.date(2025, 10, 1)
Market = tuple[pd.DataFrame, dict[str, SymbolMeta]]


@pytest.fixture(scope="module")
def universe() -> Universe:
    return load_universe()


@pytest.fixture(scope="module")
def market(universe: Universe) -> Market:
    provider = DemoProvider(universe, seed=1, clock=lambda: NOW)
    closes = provider.closes_at(universe.all_symbols, START, NOW.date(), NOW).closes
    meta = asyncio.run(provider.fetch_meta(universe.price_symbols)).meta
    return closes, meta


def snapshot_with(
    universe: Universe,
    market: Market,
    stale: tuple[str, ...] = (),
    no_shares: tuple[str, ...] = (),
    last_values: dict[str, float] | None = None,
) -> Snapshot:
    """A snapshot where `stale` symbols lack today's bar and `no_shares` lack a share count."""
    closes, meta = market
    closes = closes.copy()
    for symbol in stale:
        closes.loc[closes.index[-1], symbol] = np.nan
    meta = {
        s: dataclasses.replace(m, shares_outstanding=None) if s in no_shares else m
        for s, m in meta.items()
    }
    return compute_snapshot(closes, meta, universe, NOW.date(), NOW, "yahoo", last_values)


def test_all_fresh_says_nothing(universe: Universe, market: Market) -> None:
    snapshot = snapshot_with(universe, market)
    coverage = snapshot.baskets["china_ai"].coverage
    assert coverage.fresh == 33
    assert coverage.complete
    assert coverage_line(snapshot.baskets["china_ai"]) is None
    assert "⏳" not in rally_caption(snapshot, universe, "MTD")


def test_carried_and_missing_members_are_counted_and_named(
    universe: Universe, market: Market
) -> None:
    snapshot = snapshot_with(universe, market, stale=("0700.HK",), no_shares=("2513.HK",))
    basket = snapshot.baskets["china_ai"]
    coverage = basket.coverage
    assert coverage.fresh == 31
    assert coverage.carried == (Carried("0700.HK", "2026-11-19"),)
    assert coverage.missing == ("2513.HK",)
    # No last known value for 2513.HK: nothing says it is small, so the ratio is withheld.
    assert coverage.missing_share is None
    assert snapshot.ratios["china_ai/us_ai"] is None
    assert snapshot.ratio_notes == {
        "china_ai/us_ai": "china_ai misses 2513.HK (weight never known)"
    }
    assert "misses 2513.HK (? of its value)" in rally_caption(snapshot, universe, "MTD")
    assert coverage_line(basket) == (
        "⏳ 31/33 fresh · 1 from an earlier day (0700.HK 11-19) · 1 missing (2513.HK)"
    )
    assert coverage_line(basket, "zh") == (
        "⏳ 31/33 只为最新 · 1 只沿用前日收盘（0700.HK 11-19） · 1 只缺失（2513.HK）"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rally_basket_and_digest_each_say_it_in_one_line(
    universe: Universe, market: Market, lang: str
) -> None:
    snapshot = snapshot_with(universe, market, stale=("0700.HK", "9988.HK"))
    line = coverage_line(snapshot.baskets["china_ai"], lang)
    assert line is not None
    answers = {
        "rally": rally_caption(snapshot, universe, "MTD", lang=lang),
        "basket": basket_page(snapshot, "china_ai", "MTD", 0, 12, lang=lang)[0],
        "digest": digest_caption(snapshot, universe, [], lang),
    }
    for name, text in answers.items():
        assert text.count(line) == 1, name
        assert visible_length(text) <= CAPTION_LIMIT, name


def test_the_ratio_is_withheld_when_missing_members_were_over_a_tenth_of_the_value(
    universe: Universe, market: Market
) -> None:
    whole = snapshot_with(universe, market)
    values = whole.baskets["china_ai"].values
    tencent = values["0700.HK"]
    total = sum(values.values())
    assert tencent / total > 0.10  # Tencent alone is more than a tenth of the basket
    snapshot = snapshot_with(universe, market, no_shares=("0700.HK",), last_values=values)
    coverage = snapshot.baskets["china_ai"].coverage
    assert coverage.missing_share == pytest.approx(tencent / total)
    assert snapshot.ratios["china_ai/us_ai"] is None
    reason = snapshot.ratio_notes["china_ai/us_ai"]
    assert reason == f"china_ai misses 0700.HK ({tencent / total:.0%} of its last known value)"
    caption = rally_caption(snapshot, universe, "MTD")
    assert "AI market cap: withheld, China AI 33 (rallybot default) misses 0700.HK" in caption


def test_a_small_missing_member_keeps_the_ratio(universe: Universe, market: Market) -> None:
    values = snapshot_with(universe, market).baskets["china_ai"].values
    smallest = min(values, key=values.__getitem__)
    snapshot = snapshot_with(universe, market, no_shares=(smallest,), last_values=values)
    assert 0 < snapshot.baskets["china_ai"].coverage.missing_share < 0.10
    assert snapshot.ratios["china_ai/us_ai"] is not None
    assert snapshot.ratio_notes == {}


def test_a_basket_without_any_value_never_gives_a_ratio(
    universe: Universe, market: Market
) -> None:
    snapshot = snapshot_with(
        universe, market, no_shares=tuple(universe.baskets["china_ai"].members)
    )
    assert snapshot.baskets["china_ai"].value_usd == 0.0
    assert snapshot.ratios["china_ai/us_ai"] is None
    assert snapshot.ratio_notes["china_ai/us_ai"].startswith("china_ai has no market value")
