"""A real `rallybot run` process at DEBUG never writes the token or the webhook secret.

python-telegram-bot logs every Bot API URL (the token is in it) and setWebhook's
parameters (the secret is in them) at DEBUG; the process's log must show neither, in
polling mode and in webhook mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.localapi import LocalBotApi

pytestmark = pytest.mark.chaos

TOKEN = "987654:Very-Secret_Token-0123456789"
SECRET = "webhook-Secret_abc123XYZ"
RALLYBOT = Path(sys.executable).with_name("rallybot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def rallybot_run(env: dict[str, str]) -> AsyncIterator[list[bytes]]:
    """`rallybot run` with `env`; yields the lines of its log so far, stops it on exit."""
    process = await asyncio.create_subprocess_exec(
        str(RALLYBOT),
        "run",
        env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    lines: list[bytes] = []

    async def drain() -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            lines.append(line)

    reader = asyncio.create_task(drain())
    try:
        yield lines
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
        await reader


def environment(server: LocalBotApi, redis_url: str, key_prefix: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "MARKET_DATA": "demo",
        "REDIS_URL": redis_url,
        "RALLYBOT_REDIS_PREFIX": key_prefix,
        "RALLYBOT_LOG_LEVEL": "DEBUG",
    }


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
        env = {**environment(server, redis_url, key_prefix), "RALLYBOT_LOG_FORMAT": log_format}
        async with rallybot_run(env) as lines:
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
            **environment(server, redis_url, key_prefix),
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(port),
        }
        async with rallybot_run(env) as lines:
            registered = await server.wait_for_call("setWebhook", timeout=60)
            assert registered.params["secret_token"] == SECRET
            await asyncio.sleep(0.5)
        assert_clean(lines, "token", "webhook secret")
