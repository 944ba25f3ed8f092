"""Builds the market-data provider the settings ask for."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.core.config import Settings
from bot.core.errors import ConfigError
from bot.core.universe import Universe
from bot.sources.akshare_source import AkshareProvider
from bot.sources.base import Clock, MarketDataProvider
from bot.sources.chain import SourceChain
from bot.sources.csvfiles import CsvProvider
from bot.sources.demo import DemoProvider
from bot.sources.yahoo import YahooProvider

logger = logging.getLogger(__name__)


def universe_for(settings: Settings, universe: Universe) -> Universe:
    """The universe as this install can serve it: stand-ins where a source is missing.

    Without akshare (the `cn` extra) the Hang Seng TECH index level cannot be had, so its
    tracker ETF stands in, named as such. CSV files are the user's own: indices there go by
    the stand-in's symbol too. The demo market makes up every symbol itself.
    """
    provider = settings.provider_name
    if provider == "csv" or (provider == "yahoo" and not AkshareProvider.available()):
        return universe.without_source("akshare")
    return universe


def make_provider(settings: Settings, universe: Universe, clock: Clock) -> MarketDataProvider:
    """The provider named by MARKET_DATA: "yahoo", "demo" or "csv:DIR"."""
    choice = settings.market_data
    provider: MarketDataProvider
    if choice == "yahoo":
        yahoo = YahooProvider(exchange_for=universe.exchange)
        provider = yahoo
        if AkshareProvider.available():
            akshare = AkshareProvider()
            provider = SourceChain(
                {"yahoo": yahoo, "akshare": akshare}, universe.source_of, fallbacks=[akshare]
            )
    elif choice == "demo":
        provider = DemoProvider(universe, seed=settings.demo_seed, clock=clock)
    elif choice.startswith("csv:") and len(choice) > len("csv:"):
        directory = Path(choice.removeprefix("csv:")).expanduser()
        provider = CsvProvider(directory, exchange_for=universe.exchange)
    else:
        raise ConfigError("MARKET_DATA must be 'yahoo', 'demo' or 'csv:DIR'")
    logger.info("market data from %s", choice)
    return provider
