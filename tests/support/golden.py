"""One fixed snapshot with every feature in play: the report-schema golden file is made from it.

The demo market at a fixed instant, with one Hong Kong member carried from an earlier day,
one US member missing its share count (its last value known) and one China member missing
with no known weight, so coverage, ratio notes and every period appear.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from bot.analytics.snapshot import compute_snapshot
from bot.core.universe import load_universe
from bot.sources.demo import DemoProvider

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
START = dt.date(2025, 10, 1)
GOLDEN = Path(__file__).resolve().parent.parent / "data" / "report_golden.json"
CARRIED, NO_SHARES, NO_WEIGHT = "9988.HK", "MSFT", "VNET"


def golden_inputs() -> dict[str, Any]:
    """The arguments of compute_snapshot for the golden snapshot."""
    universe = load_universe()
    provider = DemoProvider(universe, seed=1, clock=lambda: NOW)
    closes = provider.closes_at(universe.all_symbols, START, NOW.date(), NOW).closes.copy()
    closes.loc[closes.index > pd.Timestamp("2026-11-17"), CARRIED] = float("nan")
    closes[NO_WEIGHT] = float("nan")
    meta = dict(asyncio.run(provider.fetch_meta(universe.price_symbols)).meta)
    meta[NO_SHARES] = dataclasses.replace(meta[NO_SHARES], shares_outstanding=None)
    return {
        "closes": closes,
        "meta": meta,
        "universe": universe,
        "as_of": NOW.date(),
        "generated_at": NOW,
        "provider": "demo",
        "last_values": {NO_SHARES: 3.5e12},
    }


def golden_snapshot() -> Any:
    """The golden snapshot, computed by today's code."""
    return compute_snapshot(**golden_inputs())
