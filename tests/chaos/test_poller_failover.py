"""Two `rallybot run` processes: kill -9 the one that polls, the other polls within 10 s."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from bot.sandbox.localapi import LocalBotApi
from bot.storage.connect import RedisClient
from bot.storage.keys import Keys
from tests.chaos.support import environment, rallybot_run

# Real processes on one server, then on a 3-primary cluster.
pytestmark = [pytest.mark.chaos, pytest.mark.on_each_redis_topology]

LEASE = 3.0
TAKEOVER_LIMIT = 10.0


async def holder(client: RedisClient, key: str) -> str | None:
    raw = await client.get(key)
    return raw.decode() if raw else None


async def test_killing_the_poller_hands_polling_to_the_other_process(
    redis_url: str, redis_client: RedisClient, key_prefix: str
) -> None:
    client = redis_client
    key = Keys(key_prefix).lease("poller")
    async with LocalBotApi() as server:
        env = environment(
            server,
            redis_url,
            key_prefix,
            RALLYBOT_POLL_LEASE_SECONDS=str(LEASE),
        )
        async with rallybot_run(env), rallybot_run(env):
            started = time.monotonic()
            while (first := await holder(client, key)) is None:
                assert time.monotonic() - started < 60, "nobody polls"
                await asyncio.sleep(0.1)
            os.kill(int(first.split(":")[1]), signal.SIGKILL)
            killed = time.monotonic()
            while (now := await holder(client, key)) in {None, first}:
                assert time.monotonic() - killed < TAKEOVER_LIMIT, "no takeover"
                await asyncio.sleep(0.1)
            took_over = time.monotonic() - killed
            chat = server.private_chat(41, "After")
            after = len(server.calls)
            server.send_text(chat, server.user(41), "/help")
            await server.wait_for_call("sendMessage", lambda c: c.ok, after=after, timeout=30)
            answered = time.monotonic() - killed
            print(
                f"poller killed: another polls after {took_over:.1f} s, answers after "
                f"{answered:.1f} s (lease {LEASE:g} s)"
            )
            assert now is not None
            assert now != first
