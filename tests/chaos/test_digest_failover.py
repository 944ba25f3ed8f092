"""kill -9 the process in the middle of a 300-digest fan-out: none lost, the rest resumed.

Two real `rallybot run` processes share one Redis and the local Bot API. The first claims
every due digest and starts sending; once half have arrived it is killed. The survivor
takes the rest over when the dead process's claim lease lapses. What a kill may repeat is
only what was in flight at that instant (at most the send concurrency).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import time

import pytest

from bot.chatops.records import Subscription
from bot.chatops.service import DIGEST_CONCURRENCY, DIGEST_LEASE_SECONDS
from bot.sandbox.localapi import LocalBotApi
from bot.storage.chats import ChatStore
from bot.storage.connect import RedisClient
from bot.storage.keys import Keys
from tests.chaos.support import digests, environment, rallybot_run, refresh_market

# Real processes on one server, then on a 3-primary cluster.
pytestmark = [pytest.mark.chaos, pytest.mark.on_each_redis_topology]

CHATS = 300
TICK_SECONDS = 1.0
SLACK_SECONDS = 3.0
"""For a loaded machine: the survivor's tick, its claim and the first send after the lapse."""


async def test_a_killed_sender_loses_no_digest_and_the_rest_resume(
    redis_url: str, redis_client: RedisClient, key_prefix: str
) -> None:
    client = redis_client
    async with LocalBotApi() as server:
        env = environment(
            server,
            redis_url,
            key_prefix,
            RALLYBOT_DIGEST_TICK_SECONDS=str(TICK_SECONDS),
        )
        await refresh_market(env)  # the market data first
        store = ChatStore(client, Keys(key_prefix))
        now = dt.datetime.now(dt.UTC).timestamp()
        for chat in range(1, CHATS + 1):
            server.private_chat(5000 + chat, f"Reader{chat}")
            await store.subscribe(5000 + chat, Subscription(every_day=True), now - 1)

        async with rallybot_run(env):  # the sender
            started = time.monotonic()
            while len(digests(server)) < CHATS // 2:
                assert time.monotonic() - started < 120, "the first process sends nothing"
                await asyncio.sleep(0.05)
            holder = await client.get(Keys(key_prefix).lease("poller"))
            assert holder is not None
            async with rallybot_run(env):  # the survivor
                await asyncio.sleep(0.5)
                os.kill(int(holder.decode().split(":")[1]), signal.SIGKILL)
                killed, before = time.monotonic(), sum(digests(server).values())
                await asyncio.sleep(1.0)  # what was in flight lands now or never
                settled = len(digests(server))
                while len(digests(server)) == settled:
                    assert time.monotonic() - killed < 60, "the rest never resumed"
                    await asyncio.sleep(0.05)
                resumed = time.monotonic() - killed
                while len(digests(server)) < CHATS:
                    assert time.monotonic() - killed < 120, "the rest never finished"
                    await asyncio.sleep(0.05)
                finished = time.monotonic() - killed
                await asyncio.sleep(DIGEST_LEASE_SECONDS + 2)  # nothing more may come
        counts = digests(server)
        lost = CHATS - len(counts)
        duplicated = sum(n - 1 for n in counts.values() if n > 1)
        print(
            f"kill -9 after {before} of {CHATS} digests: lost {lost}, duplicated "
            f"{duplicated}; the survivor resumed {resumed:.1f} s after the kill and "
            f"all {CHATS} were delivered after {finished:.1f} s"
        )
        assert lost == 0
        assert duplicated <= DIGEST_CONCURRENCY
        # Taken over within one lease and one tick (with the default 5 s tick: 15 s).
        assert resumed <= DIGEST_LEASE_SECONDS + TICK_SECONDS + SLACK_SECONDS
