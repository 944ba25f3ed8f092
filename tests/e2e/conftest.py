"""A running bot on the local Bot API server, with demo data in a real Redis."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.core.config import Settings
from bot.sandbox.session import DemoSession
from bot.telegram.app import RateLimits

# Wednesday 25 November 2026, 07:00 UTC: Shanghai and Hong Kong in their afternoon session.
FIXED_NOW = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)
FAST_LIMITS = RateLimits(overall_per_second=1000, group_per_period=1000, group_period_seconds=1)


def make_settings(redis_url: str, key_prefix: str) -> Settings:
    """Settings for a test bot: demo market, the test Redis under a fresh prefix."""
    return Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN",
            "REDIS_URL": redis_url,
            "RALLYBOT_REDIS_PREFIX": key_prefix,
            "MARKET_DATA": "demo",
        },
        env_file=None,
    )


@pytest.fixture
async def session(redis_url: str, key_prefix: str) -> AsyncIterator[DemoSession]:
    """The real Application polling the local server; limits relaxed so tests stay fast."""
    settings = make_settings(redis_url, key_prefix)
    async with DemoSession.open(
        settings, clock=lambda: FIXED_NOW, rate_limits=FAST_LIMITS, schedule_refresh=False
    ) as running:
        yield running


class MutableClock:
    """A clock tests move by hand: the bot's jobs read it, real time does not matter."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += dt.timedelta(**delta)
