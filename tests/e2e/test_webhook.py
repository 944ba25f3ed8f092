"""Webhook mode: the bot registers its webhook with the secret and only accepts it back."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bot.core.config import Secret, Settings, SettingsError
from bot.refresh import refresh_market
from bot.runtime import open_runtime
from bot.sandbox.localapi import LocalBotApi
from bot.telegram.app import build_application, run_until_stopped
from tests.e2e.conftest import FAST_LIMITS, FIXED_NOW, make_settings
from tests.support.ports import free_port

SECRET = "s3cret-token_1"


async def listening(port: int) -> None:
    """Wait until the bot's webhook server accepts connections."""
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise TimeoutError(f"nothing listens on port {port}")


def test_webhook_url_without_a_secret_is_refused() -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET must be set"):
        Settings.from_env({"WEBHOOK_URL": "https://bot.example/telegram"}, env_file=None)


async def test_webhook_mode_answers_updates_that_carry_the_secret(
    redis_url: str, key_prefix: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    async with LocalBotApi() as server:
        chat = server.private_chat(4242, "Web")
        settings = make_settings(redis_url, key_prefix).replace(
            telegram_api_base_url=server.base_url,
            webhook_url=url,
            webhook_secret=Secret(SECRET),
            webhook_port=port,
        )
        async with open_runtime(settings, lambda: FIXED_NOW) as runtime:
            await refresh_market(runtime.provider, runtime.store, runtime.universe, FIXED_NOW, 800)
            application = build_application(runtime, FAST_LIMITS, schedule_refresh=False)
            stop = asyncio.Event()
            task = asyncio.create_task(run_until_stopped(application, runtime, stop))
            registered = await server.wait_for_call("setWebhook")
            assert registered.params["url"] == url
            assert registered.params["secret_token"] == SECRET
            await listening(port)

            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 1764054000,
                    "chat": chat.to_dict(),
                    "from": server.user(4242).to_dict(),
                    "text": "/help",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                },
            }
            async with httpx.AsyncClient() as client:
                refused = await client.post(
                    url, content=json.dumps(update), headers={"Content-Type": "application/json"}
                )
                assert refused.status_code == 403
                accepted = await client.post(
                    url,
                    content=json.dumps(update),
                    headers={
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": SECRET,
                    },
                )
                assert accepted.status_code == 200
            reply = await server.wait_for_call("sendMessage")
            assert "rallybot commands" in reply.result["text"]
            assert len(server.calls_to("sendMessage")) == 1  # the refused update did nothing
            stop.set()
            await asyncio.wait_for(task, 20)
