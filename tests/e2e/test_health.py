"""/healthz and /metrics on RALLYBOT_METRICS_PORT while the bot runs."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time

import httpx
import redis.asyncio as redis

from bot.runtime import open_runtime
from bot.sandbox.localapi import LocalBotApi
from bot.telegram.health import health
from tests.e2e.conftest import make_settings
from tests.e2e.test_polling_lease import bot_process
from tests.support.ports import free_port


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = "^" + re.escape(name + (f"{{{wanted}}}" if wanted else "")) + r" ([0-9.e+-]+)$"
    match = re.search(pattern, text, re.MULTILINE)  # a sample's line, never its HELP text
    return float(match.group(1)) if match else 0.0


async def test_health_and_metrics_follow_what_the_bot_does(
    redis_url: str, key_prefix: str
) -> None:
    port = free_port()
    async with LocalBotApi() as server:
        settings = make_settings(redis_url, key_prefix).replace(
            telegram_api_base_url=server.base_url, metrics_port=port, poll_lease_seconds=1.5
        )
        base = f"http://127.0.0.1:{port}"
        async with bot_process(settings), httpx.AsyncClient(base_url=base) as client:
            started = time.monotonic()
            while True:
                try:
                    answer = await client.get("/healthz")
                except httpx.ConnectError:
                    answer = None
                if answer is not None and answer.json()["polling"]:
                    break
                assert time.monotonic() - started < 20, "never healthy and polling"
                await asyncio.sleep(0.1)
            assert answer.status_code == 200
            assert answer.json()["status"] == "ok"
            assert answer.json()["redis"] is True

            before = (await client.get("/metrics")).text
            chat = server.private_chat(61, "Ops")
            server.fail_next("sendMessage", chat, status=429, retry_after=1)
            after = len(server.calls)
            server.send_text(chat, server.user(61), "/help")
            await server.wait_for_call("sendMessage", lambda c: c.ok, after=after)
            await asyncio.sleep(0.2)
            metrics = await client.get("/metrics")
            assert metrics.headers["Content-Type"].startswith("text/plain")
            now = metrics.text
            for name, labels in [
                ("rallybot_updates_total", {"command": "help"}),
                ("rallybot_reply_seconds_count", {"command": "help"}),
                ("rallybot_sends_total", {"outcome": "sent"}),  # sent once, after the 429
                ("rallybot_telegram_429_total", {}),
            ]:
                assert sample(now, name, **labels) == sample(before, name, **labels) + 1
            assert sample(now, "rallybot_polling") == 1.0


async def test_healthz_says_unhealthy_when_redis_does_not_answer(
    redis_url: str, key_prefix: str
) -> None:
    async with open_runtime(make_settings(redis_url, key_prefix)) as runtime:
        # A real client of a port nobody listens on: the real refusal, not a stand-in.
        dead = redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}")
        try:
            code, body = await health(dataclasses.replace(runtime, redis=dead))
        finally:
            await dead.aclose()
    assert code == 503
    assert body["redis"] is False
    assert body["status"] == "unhealthy"
