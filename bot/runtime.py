"""The running pieces every entry point needs: settings, universe, Redis, provider, clock."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.core.config import Settings
from bot.core.universe import Universe, load_universe
from bot.sources.base import Clock, MarketDataProvider
from bot.sources.factory import make_provider, universe_for
from bot.storage.chats import ChatStore
from bot.storage.connect import RedisClient, open_redis
from bot.storage.embedded import EmbeddedValkey
from bot.storage.keys import Keys
from bot.storage.market import MarketStore

logger = logging.getLogger(__name__)


def system_clock() -> dt.datetime:
    """The current time, UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass
class Runtime:
    """Everything a command, job or handler reaches through."""

    settings: Settings
    universe: Universe
    redis: RedisClient
    store: MarketStore
    chats: ChatStore
    provider: MarketDataProvider
    clock: Clock
    redis_url: str

    @property
    def keys(self) -> Keys:
        """The key builders under the configured prefix."""
        return self.store.keys


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings, clock: Clock = system_clock) -> AsyncIterator[Runtime]:
    """Connect to Redis (starting the embedded Valkey when REDIS_URL is unset) and wire up."""
    universe = universe_for(settings, load_universe(settings.universe_path))
    embedded: EmbeddedValkey | None = None
    url = settings.redis_url
    if not url:
        embedded = EmbeddedValkey(settings.data_dir)
        url = embedded.start()
    try:
        async with open_redis(url) as client:
            await client.ping()
            keys = Keys(settings.redis_prefix)
            store = MarketStore(client, keys)
            provider = make_provider(settings, universe, clock)
            chats = ChatStore(client, keys)
            adopted = await chats.alerts.adopt_legacy()
            if adopted:
                logger.info("Moved %d alerts stored before the columns into them", adopted)
            yield Runtime(settings, universe, client, store, chats, provider, clock, url)
    finally:
        if embedded is not None:
            embedded.stop()
