"""A real `rallybot run` process at DEBUG never writes the token or the webhook secret.

python-telegram-bot logs every Bot API URL (the token is in it) and setWebhook's
parameters (the secret is in them) at DEBUG; the process's log must show neither, in
polling mode and in webhook mode.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.sandbox.localapi import LocalBotApi
from tests.chaos.support import TOKEN, environment, rallybot_run
from tests.support.ports import free_port

pytestmark = pytest.mark.chaos

SECRET = "webhook-Secret_abc123XYZ"


def assert_clean(lines: list[bytes], *names: str) -> None:
    log = b"".join(lines).decode(errors="replace")
    assert " DEBUG " in log  # the level applies: the libraries did talk
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log
    assert SECRET not in log
    for name in names:
        assert f"[{name}]" in log  # something tried to log it, and was redacted


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_polling_at_debug_logs_no_token(
    redis_url: str, key_prefix: str, log_format: str
) -> None:
    async with LocalBotApi() as server:
        chat = server.private_chat(777, "Reader")
        env = {
            **environment(server, redis_url, key_prefix, RALLYBOT_LOG_LEVEL="DEBUG"),
            "RALLYBOT_LOG_FORMAT": log_format,
        }
        async with rallybot_run(env) as running:
            lines = running.lines
            await server.wait_for_call("getUpdates", timeout=60)
            after = len(server.calls)
            server.send_text(chat, server.user(777), "/help")
            await server.wait_for_call("sendMessage", lambda c: c.ok, after=after, timeout=60)
        if log_format == "json":
            entries = [json.loads(line) for line in lines if line.strip()]
            assert {"time", "level", "logger", "message"} <= set(entries[0])
            lines = [
                f" {e['level']} {e['message']} {e.get('exception', '')}\n".encode()
                for e in entries
            ]
        assert_clean(lines, "token")


async def test_webhook_at_debug_logs_no_token_and_no_secret(
    redis_url: str, key_prefix: str
) -> None:
    port = free_port()
    async with LocalBotApi() as server:
        env = {
            **environment(server, redis_url, key_prefix, RALLYBOT_LOG_LEVEL="DEBUG"),
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(port),
        }
        async with rallybot_run(env) as running:
            lines = running.lines
            registered = await server.wait_for_call("setWebhook", timeout=60)
            assert registered.params["secret_token"] == SECRET
            await asyncio.sleep(0.5)
        assert_clean(lines, "token", "webhook secret")
