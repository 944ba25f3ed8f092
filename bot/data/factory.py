"""Builds the market-data provider the settings ask for."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.config import Settings
from bot.data.base import Clock, MarketDataProvider
from bot.data.csvfiles import CsvProvider
from bot.data.demo import DemoProvider
from bot.data.yahoo import YahooProvider
from bot.errors import ConfigError
from bot.universe import Universe

logger = logging.getLogger(__name__)


def make_provider(settings: Settings, universe: Universe, clock: Clock) -> MarketDataProvider:
    """The provider named by MARKET_DATA: "yahoo", "demo" or "csv:DIR"."""
    choice = settings.market_data
    provider: MarketDataProvider
    if choice == "yahoo":
        provider = YahooProvider(exchange_for=universe.exchange)
    elif choice == "demo":
        provider = DemoProvider(universe, seed=settings.demo_seed, clock=clock)
    elif choice.startswith("csv:") and len(choice) > len("csv:"):
        directory = Path(choice.removeprefix("csv:")).expanduser()
        provider = CsvProvider(directory, exchange_for=universe.exchange)
    else:
        raise ConfigError("MARKET_DATA must be 'yahoo', 'demo' or 'csv:DIR'")
    logger.info("market data from %s", choice)
    return provider
