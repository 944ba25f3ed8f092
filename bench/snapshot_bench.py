"""Snapshot compute time: the default universe vs a synthetic 500-symbol universe.

Run: ./run bench   (or .venv/bin/python bench/snapshot_bench.py --runs 7)
Prints the median of several runs for each, and their ratio, measured in this one run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
from typing import Any

import pandas as pd

from bot.analytics.snapshot import compute_snapshot
from bot.core.universe import Universe, load_universe, parse_universe
from bot.sources.demo import DemoProvider

NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
START = dt.date(2024, 11, 20)  # two years of daily bars


def synthetic_universe(size: int) -> Universe:
    """The default indices and FX plus one basket of `size` made-up listings."""
    default = load_universe()
    members: list[str] = []
    for i in range(size):
        kind = i % 3
        if kind == 0:
            members.append(f"{1000 + i:04d}.HK")
        elif kind == 1:
            members.append(f"{600000 + i}.SS")
        else:
            members.append(f"Z{i:04d}")
    document: dict[str, Any] = {
        "indices": {
            key: {"symbol": spec.symbol, "name": spec.name, "exchange": spec.exchange}
            for key, spec in default.indices.items()
        },
        "baskets": {
            "big": {"name": "Synthetic 500", "members": members},
            "us_ai": {"name": "US AI", "members": list(default.baskets["us_ai"].members)},
        },
        "fx": {c: {"symbol": s.symbol, "invert": s.invert} for c, s in default.fx.items()},
        "rally": {
            "onshore": list(default.rally.onshore),
            "offshore": list(default.rally.offshore),
            "benchmark": default.rally.benchmark,
            "basket": "big",
            "compare_basket": "us_ai",
        },
    }
    return parse_universe(document, "synthetic")


def inputs(universe: Universe) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Two years of demo closes and metadata for every symbol of the universe."""
    provider = DemoProvider(universe, seed=7, clock=lambda: NOW)
    closes = provider.closes_at(universe.all_symbols, START, NOW.date(), NOW).closes
    meta = asyncio.run(provider.fetch_meta(universe.price_symbols)).meta
    return closes, meta


def median_seconds(universe: Universe, runs: int) -> tuple[float, int, int]:
    """Median wall time of compute_snapshot over `runs` runs, with the frame's shape."""
    closes, meta = inputs(universe)
    compute_snapshot(closes, meta, universe, NOW.date(), NOW, "demo")  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        compute_snapshot(closes, meta, universe, NOW.date(), NOW, "demo")
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), closes.shape[0], closes.shape[1]


def main() -> None:
    """Measure both universes in one run and print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args, _ = parser.parse_known_args()  # ./run bench passes every script the same flags
    default_time, rows, cols = median_seconds(load_universe(), args.runs)
    print(
        f"snapshot, default universe ({cols} symbols x {rows} days): "
        f"median {default_time * 1000:.1f} ms over {args.runs} runs"
    )
    big_time, rows, cols = median_seconds(synthetic_universe(500), args.runs)
    print(
        f"snapshot, synthetic 500-symbol universe ({cols} symbols x {rows} days): "
        f"median {big_time * 1000:.1f} ms over {args.runs} runs"
    )
    print(f"ratio 500-symbol / default: {big_time / default_time:.2f}x")


if __name__ == "__main__":
    main()
