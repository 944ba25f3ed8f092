"""The refresh job asks the schedule what is due, and retries failing symbols on their own."""

from __future__ import annotations

import datetime as dt

from bot.sandbox.session import DemoSession
from bot.telegram.jobs import due_refresh
from tests.e2e.conftest import FAST_LIMITS, MutableClock, make_settings


async def test_the_refresh_job_follows_the_schedule_and_retries_failing_symbols(
    redis_url: str, key_prefix: str
) -> None:
    # 10:00 in Hong Kong on Wednesday 25 November: Shanghai and Hong Kong trade.
    clock = MutableClock(dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC))
    settings = make_settings(redis_url, key_prefix)
    async with DemoSession.open(
        settings, clock=clock, rate_limits=FAST_LIMITS, schedule_refresh=False
    ) as bot:
        runtime = bot.runtime
        assert await due_refresh(runtime) is None  # the session's own refresh just ran
        clock.advance(minutes=5)
        reason, symbols, retry = await due_refresh(runtime) or ("", None, True)
        assert not retry
        assert reason == "a market is open"
        assert symbols is not None
        assert {"0700.HK", "HKD=X"} <= set(symbols)
        assert "NVDA" not in symbols

        # Saturday: nothing trades, but a failing symbol's wait is over.
        clock.now = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
        status = await runtime.store.load_refresh_status()
        assert status is not None
        status["finished_at"] = "2026-11-28T09:30:00+00:00"
        await runtime.store.save_refresh_status(status)
        record = {
            "failures": 1,
            "since": "2026-11-28T09:30",
            "next_attempt": "2026-11-28T09:32:00+00:00",
            "reason": "rate-limited by Yahoo (HTTP 429)",
        }
        await runtime.store.save_symbol_health({"9988.HK": record}, [])
        assert await due_refresh(runtime) == ("retrying failed symbols", ["9988.HK"], True)
