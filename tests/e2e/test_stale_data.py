"""Stale data is flagged in /rally while its market is open."""

from __future__ import annotations

import datetime as dt

from bot.sandbox.session import DemoSession
from tests.e2e.conftest import FAST_LIMITS, MutableClock, make_settings


async def test_rally_flags_an_open_market_whose_data_is_old(
    redis_url: str, key_prefix: str
) -> None:
    # 10:00 in Hong Kong: the data is fresh now, and 90 minutes later Hong Kong is still open.
    clock = MutableClock(dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC))
    settings = make_settings(redis_url, key_prefix)
    async with DemoSession.open(
        settings, clock=clock, rate_limits=FAST_LIMITS, schedule_refresh=False
    ) as bot:
        fresh = (await bot.ask("/rally"))[0].text
        assert "min old" not in fresh
        clock.advance(minutes=90)
        stale = (await bot.ask("/rally"))[0].text
        assert "Hong Kong is open but data is 90 min old" in stale
        assert "New York" not in stale  # closed at that hour: not flagged
