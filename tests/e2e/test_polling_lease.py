"""Two bot processes on one Redis: exactly one polls, and the other takes over when it stops."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from bot.core.config import Settings
from bot.runtime import open_runtime
from bot.sandbox.localapi import LocalBotApi
from bot.telegram.app import build_application, run_until_stopped
from tests.e2e.conftest import FAST_LIMITS, FIXED_NOW, make_settings

LEASE = 1.5


@contextlib.asynccontextmanager
async def bot_process(settings: Settings) -> AsyncIterator[tuple[Any, asyncio.Event]]:
    """A whole bot as `rallybot run` runs it (polling mode), stopped on exit."""
    async with open_runtime(settings, lambda: FIXED_NOW) as runtime:
        application = build_application(runtime, FAST_LIMITS, schedule_refresh=False)
        stop = asyncio.Event()
        task = asyncio.create_task(run_until_stopped(application, runtime, stop))
        try:
            yield application, stop
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)


async def pollers(apps: list[Any], seconds: float) -> set[int]:
    """How many of `apps` polled at once, sampled every 50 ms for `seconds`."""
    seen = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.add(sum(1 for app in apps if app.updater.running))
        await asyncio.sleep(0.05)
    return seen


async def test_one_process_polls_and_another_takes_over_when_it_stops(
    redis_url: str, key_prefix: str
) -> None:
    async with LocalBotApi() as server:
        settings = make_settings(redis_url, key_prefix).replace(
            telegram_api_base_url=server.base_url, poll_lease_seconds=LEASE
        )
        async with bot_process(settings) as first, bot_process(settings) as second:
            apps = [first[0], second[0]]
            # Never two at once, and one for sure once the first lease has been taken.
            assert await pollers(apps, 2 * LEASE) <= {0, 1}
            assert await pollers(apps, 1.0) == {1}
            (_, stop), (other, _) = sorted(
                (first, second), key=lambda bot: not bot[0].updater.running
            )
            stop.set()  # the poller shuts down and gives its lease up
            started = time.monotonic()
            while not other.updater.running:
                assert time.monotonic() - started < LEASE, "nobody took over polling"
                await asyncio.sleep(0.05)
            chat = server.private_chat(31, "Taker")
            after = len(server.calls)
            server.send_text(chat, server.user(31), "/help")
            await server.wait_for_call("sendMessage", lambda c: c.ok, after=after)
