"""The limiter's limits are applied: a burst to one group is spread out, never answered 429.

The local server enforces Telegram's per-group rule (at most N sends in any window), scaled
down from 20 a minute so the tests take seconds. Production paces sends with rallybot's own
PTB rate limiter (`bot/telegram/pacing.py`) at 30 a second overall and 20 a minute per
group; these tests inject smaller numbers through `RateLimits`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.sandbox.localapi import LocalBotApi, RecordedCall, SimChat
from bot.sandbox.localapi import RateLimits as ServerLimits
from bot.sandbox.session import DemoSession, until_idle
from bot.telegram.app import RateLimits
from tests.e2e import conftest as e2e

GROUP_ID = -100123
BURST = 5
# Telegram's rule, scaled down: at most 2 sends to one group in any 0.6 s.
SERVER = ServerLimits(group_limit=2, group_window=0.6)
# One send per 0.4 s: two sends always span 0.8 s, safely more than the server's window.
SPACED = RateLimits(
    overall_per_second=1000, group_per_period=1, group_period_seconds=0.4, max_retries=0
)
# The limiter in name only; no retries, so every 429 is visible.
UNLIMITED = RateLimits(
    overall_per_second=1e6, group_per_period=1e6, group_period_seconds=1, max_retries=0
)
# Exactly the server's numbers, as production passes Telegram's numbers.
SAME_AS_SERVER = RateLimits(
    overall_per_second=1000, group_per_period=2, group_period_seconds=0.6, max_retries=0
)


class ArrivalClock:
    """The server's flood clock, keeping the moment of every send it judged."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def __call__(self) -> float:
        now = time.monotonic()
        self.stamps.append(now)
        return now


@asynccontextmanager
async def bot_behind_flood_control(
    redis_url: str, key_prefix: str, limits: RateLimits, clock: ArrivalClock
) -> AsyncIterator[DemoSession]:
    """The bot with `limits`, talking to a server that answers 429 like Telegram."""
    async with (
        LocalBotApi(enforce_rate_limits=True, rate_limits=SERVER, clock=clock) as server,
        DemoSession.open(
            e2e.make_settings(redis_url, key_prefix),
            clock=lambda: e2e.FIXED_NOW,
            rate_limits=limits,
            schedule_refresh=False,
            server=server,
        ) as session,
    ):
        yield session


def burst(session: DemoSession, size: int) -> tuple[SimChat, int]:
    """`size` commands to one group at once; the group and the call index before them."""
    server = session.server
    group = server.group_chat(GROUP_ID, "Rally fans")
    start = len(server.calls)
    for number in range(size):
        server.send_text(group, server.user(2001 + number, f"Fan{number}"), "/help@rallybot")
    return group, start


async def accepted_replies(
    session: DemoSession, group: SimChat, count: int, after: int
) -> list[RecordedCall]:
    """Wait for `count` accepted sendMessage calls to `group` from call index `after` on."""
    server = session.server
    found: list[RecordedCall] = []
    index = after
    while len(found) < count:
        call = await server.wait_for_call(
            "sendMessage", lambda c: c.ok and c.params.get("chat_id") == group.id, after=index
        )
        index = next(i for i in range(index, len(server.calls)) if server.calls[i] is call) + 1
        found.append(call)
    return found


async def test_group_limiter_spreads_a_burst_so_no_send_is_refused(
    redis_url: str, key_prefix: str
) -> None:
    clock = ArrivalClock()
    async with bot_behind_flood_control(redis_url, key_prefix, SPACED, clock) as session:
        group, start = burst(session, BURST)

        replies = await accepted_replies(session, group, BURST, start)
        await until_idle(session.application)

        server = session.server
        assert server.rate_limited_count == 0
        assert [c.status for c in server.calls_to("sendMessage")] == [200] * BURST
        answered = {c.result["reply_to_message"]["from"]["id"] for c in replies}
        assert len(answered) == BURST
        # The server judged exactly these sends, and no window held more than its limit.
        assert len(clock.stamps) == BURST
        for first, third in zip(clock.stamps, clock.stamps[SERVER.group_limit :], strict=False):
            assert third - first >= SERVER.group_window


async def test_without_the_limiter_the_same_burst_is_refused(
    redis_url: str, key_prefix: str
) -> None:
    async with bot_behind_flood_control(
        redis_url, key_prefix, UNLIMITED, ArrivalClock()
    ) as session:
        burst(session, BURST)

        await session.server.wait_for_call("sendMessage", lambda c: c.status == 429)
        await until_idle(session.application)

        assert session.server.rate_limited_count > 0


async def test_limits_equal_to_the_servers_keep_a_burst_under_them(
    redis_url: str, key_prefix: str
) -> None:
    # Production passes Telegram's own numbers; a bare leaky bucket would let a burst of N
    # and then N more through within one window.
    async with bot_behind_flood_control(
        redis_url, key_prefix, SAME_AS_SERVER, ArrivalClock()
    ) as session:
        group, start = burst(session, SERVER.group_limit + 1)

        await accepted_replies(session, group, SERVER.group_limit + 1, start)
        await until_idle(session.application)

        assert session.server.rate_limited_count == 0
