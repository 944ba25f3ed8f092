"""SIGTERM in the middle of a 300-digest fan-out: the process stops within 10 s, finishing
the sends under way and handing every digest it had not started back at once.

A handed-back digest is due again at its original time (not at the claim's lease end), so
the next process sends it on its next tick instead of waiting for a lease to lapse. Nothing
is lost and, since no send is cut off, nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time

import pytest

from bot.chatops.records import Subscription
from bot.sandbox.localapi import LocalBotApi
from bot.storage.chats import ChatStore
from bot.storage.connect import RedisClient
from bot.storage.keys import Keys
from tests.chaos.support import digests, environment, rallybot_run, refresh_market

pytestmark = pytest.mark.chaos

CHATS = 300
FIRST_CHAT = 9001
STOP_LIMIT_SECONDS = 10.0


async def test_sigterm_mid_fan_out_finishes_what_it_started_and_hands_the_rest_back(
    redis_url: str, redis_client: RedisClient, key_prefix: str
) -> None:
    chats = range(FIRST_CHAT, FIRST_CHAT + CHATS)
    async with LocalBotApi() as server:
        env = environment(server, redis_url, key_prefix, RALLYBOT_DIGEST_TICK_SECONDS="1")
        await refresh_market(env)
        store = ChatStore(redis_client, Keys(key_prefix))
        due = dt.datetime.now(dt.UTC).timestamp() - 1
        for chat in chats:
            server.private_chat(chat, f"Reader{chat}")
            await store.subscribe(chat, Subscription(every_day=True), due)

        async with rallybot_run(env) as running:
            started = time.monotonic()
            while len(digests(server)) < CHATS // 3:
                assert time.monotonic() - started < 120, "the process sends nothing"
                await asyncio.sleep(0.05)
            process = running.process
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            code = await asyncio.wait_for(process.wait(), 30)
            stopped_after = time.monotonic() - signalled
        sent_before = len(digests(server))
        unsent = [chat for chat in chats if chat not in digests(server)]
        scores = [await store.due_at(chat) for chat in unsent]
        handed_back = sum(1 for score in scores if score == due)

        async with rallybot_run(env):  # the next process
            resumed = time.monotonic()
            while len(digests(server)) < CHATS:
                assert time.monotonic() - resumed < 120, "the rest never went out"
                await asyncio.sleep(0.05)
            finished_after = time.monotonic() - resumed
            await asyncio.sleep(3)  # a duplicate would land now

    counts = digests(server)
    lost = CHATS - len(counts)
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    print(
        f"SIGTERM after {CHATS // 3}+ of {CHATS} digests: exited {code} after "
        f"{stopped_after:.1f} s having sent {sent_before}; {handed_back} of {len(unsent)} "
        f"unsent were due again at once; the next process sent them in {finished_after:.1f} s; "
        f"lost {lost}, duplicated {duplicated}"
    )
    assert code == 0
    assert stopped_after < STOP_LIMIT_SECONDS
    assert unsent, "the fan-out finished before the signal: nothing to hand back"
    assert handed_back == len(unsent)  # none left waiting for its claim's lease to lapse
    assert lost == 0
    assert duplicated == 0
