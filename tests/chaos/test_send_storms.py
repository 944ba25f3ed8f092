"""403s and 429 storms across a 100-chat fan-out by two real processes: the rest unaffected.

Telegram here is the local Bot API holding the bot to half the rate the bot paces itself
at, so flood control answers 429 for real, plus injected bursts of 429 with a long
retry_after. Twenty chats have blocked the bot. Every other chat gets its digest exactly
once; the blocked ones are forgotten; nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from bot.chatops.records import Subscription
from bot.sandbox.localapi import LocalBotApi
from bot.sandbox.localapi._ratelimit import RateLimits
from bot.storage.chats import ChatStore
from bot.storage.connect import RedisClient
from bot.storage.keys import Keys
from tests.chaos.support import digests, environment, rallybot_run, refresh_market

pytestmark = [pytest.mark.chaos, pytest.mark.on_each_redis_topology]

CHATS = 100
BLOCKED = 20
FIRST_CHAT = 7001
HALF_OF_TELEGRAMS_RATE = RateLimits(global_limit=15, global_window=1.0)


async def test_blocked_chats_and_429_storms_leave_the_other_chats_one_digest_each(
    redis_url: str, redis_client: RedisClient, key_prefix: str
) -> None:
    chats = list(range(FIRST_CHAT, FIRST_CHAT + CHATS))
    blocked, reachable = set(chats[::5]), set(chats) - set(chats[::5])
    assert len(blocked) == BLOCKED
    async with LocalBotApi(enforce_rate_limits=True, rate_limits=HALF_OF_TELEGRAMS_RATE) as server:
        env = environment(server, redis_url, key_prefix, RALLYBOT_DIGEST_TICK_SECONDS="1")
        await refresh_market(env)
        store = ChatStore(redis_client, Keys(key_prefix))
        now = dt.datetime.now(dt.UTC).timestamp()
        for chat in chats:
            server.private_chat(chat, f"Reader{chat}")
            await store.subscribe(chat, Subscription(every_day=True), now - 1)
        for chat in blocked:
            server.block_chat(chat)
        server.fail_next("sendPhoto", status=429, retry_after=3, count=6)  # a storm on top

        async with rallybot_run(env), rallybot_run(env):
            started = time.monotonic()
            while not reachable <= set(digests(server)):
                assert time.monotonic() - started < 180, "some chats never got a digest"
                await asyncio.sleep(0.1)
            delivered_after = time.monotonic() - started
            await asyncio.sleep(3)  # a late duplicate would land now

        counts = digests(server)
        duplicated = sum(n - 1 for n in counts.values() if n > 1)
        too_many = sum(1 for call in server.calls if call.status == 429)
        forbidden = {int(call.params["chat_id"]) for call in server.calls if call.status == 403}
        still_subscribed = [chat for chat in blocked if await store.subscription(chat)]
        print(
            f"{CHATS} chats, {BLOCKED} blocked: {len(reachable & set(counts))} of "
            f"{len(reachable)} others delivered in {delivered_after:.1f} s, duplicated "
            f"{duplicated}; {too_many} answers were 429, {len(forbidden)} chats answered 403, "
            f"{len(still_subscribed)} blocked chats still subscribed"
        )
        assert too_many > 0, "the storm never happened"
        assert forbidden == blocked
        assert set(counts) == reachable
        assert duplicated == 0
        assert still_subscribed == []
