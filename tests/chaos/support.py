"""What the chaos scenarios share: real `rallybot run` processes against the local Bot API."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bot.sandbox.localapi import LocalBotApi

TOKEN = "987654:Very-Secret_Token-0123456789"
RALLYBOT = Path(sys.executable).with_name("rallybot")


@dataclass
class RunningBot:
    """A `rallybot run` process and the lines of its log so far."""

    process: asyncio.subprocess.Process
    lines: list[bytes]


@contextlib.asynccontextmanager
async def rallybot_run(env: dict[str, str]) -> AsyncIterator[RunningBot]:
    """`rallybot run` with `env`, stopped (SIGTERM) on exit unless it already has."""
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
        yield RunningBot(process, lines)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
        await reader


def environment(
    server: LocalBotApi, redis_url: str, key_prefix: str, **extra: str
) -> dict[str, str]:
    """A bot on the demo market, this Redis prefix and the local Bot API; `extra` on top."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "MARKET_DATA": "demo",
        "REDIS_URL": redis_url,
        "RALLYBOT_REDIS_PREFIX": key_prefix,
        **extra,
    }


async def refresh_market(env: dict[str, str]) -> None:
    """`rallybot refresh` once, so a digest has a market to talk about."""
    process = await asyncio.create_subprocess_exec(
        str(RALLYBOT), "refresh", env={**os.environ, **env}
    )
    assert await asyncio.wait_for(process.wait(), 120) == 0


def digests(server: LocalBotApi) -> collections.Counter[int]:
    """How many digests each chat got (accepted sends only)."""
    return collections.Counter(
        int(call.params["chat_id"])
        for call in server.calls
        if call.method == "sendPhoto" and call.ok and "Digest" in str(call.params.get("caption"))
    )
