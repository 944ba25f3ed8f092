"""make_provider picks the provider MARKET_DATA names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.core.config import Settings
from bot.core.universe import load_universe
from bot.sources.csvfiles import CsvProvider
from bot.sources.demo import DemoProvider
from bot.sources.factory import make_provider
from bot.sources.yahoo import YahooProvider

NOW = dt.datetime(2026, 3, 4, 23, tzinfo=dt.UTC)  # before Asia opens on the 5th


def settings(market_data: str, seed: int = 7) -> Settings:
    return Settings.from_env(
        {"MARKET_DATA": market_data, "RALLYBOT_DEMO_SEED": str(seed)}, env_file=None
    )


def test_yahoo() -> None:
    provider = make_provider(settings("yahoo"), load_universe(), lambda: NOW)
    assert isinstance(provider, YahooProvider)
    assert provider.name == "yahoo"


async def test_demo_uses_the_seed_and_the_clock() -> None:
    universe = load_universe()
    first = make_provider(settings("demo", seed=1), universe, lambda: NOW)
    again = make_provider(settings("demo", seed=1), universe, lambda: NOW)
    other = make_provider(settings("demo", seed=2), universe, lambda: NOW)
    assert isinstance(first, DemoProvider)
    assert first.name == "demo"
    span = ("0700.HK",), dt.date(2026, 3, 2), dt.date(2026, 12, 31)
    one, two, three = [await p.fetch_closes(*span) for p in (first, again, other)]
    assert one.closes.equals(two.closes)
    assert not one.closes.equals(three.closes)
    assert one.closes.index[-1] == dt.datetime(2026, 3, 4)  # nothing after the clock


def test_csv_directory(tmp_path: Path) -> None:
    provider = make_provider(settings(f"csv:{tmp_path}"), load_universe(), lambda: NOW)
    assert isinstance(provider, CsvProvider)
    assert provider.name == "csv"
    assert provider.directory == tmp_path


def test_csv_universe_exchanges_apply(tmp_path: Path) -> None:
    (tmp_path / "meta.csv").write_text(
        "symbol,name,currency,shares_outstanding\n^HSI,Hang Seng,HKD,\n", encoding="utf-8"
    )
    provider = make_provider(settings(f"csv:{tmp_path}"), load_universe(), lambda: NOW)
    assert isinstance(provider, CsvProvider)
    assert provider.read_meta()["^HSI"].exchange == "XHKG"


def test_settings_refuse_unknown_providers() -> None:
    with pytest.raises(ValueError, match="MARKET_DATA"):
        settings("bloomberg")
