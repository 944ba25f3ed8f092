"""The offline demo: local Bot API server + embedded Valkey + demo market + the real bot.

`DemoSession` is also what the end-to-end tests and the latency benchmark drive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.core.config import Secret, Settings
from bot.refresh import refresh_market
from bot.runtime import Runtime, open_runtime, system_clock
from bot.sandbox.localapi import LocalBotApi, RecordedCall, SimChat, SimUser
from bot.sources.base import Clock
from bot.telegram.app import RateLimits, build_application, start_bot

logger = logging.getLogger(__name__)

DEMO_TOKEN = "123456:DEMO-TOKEN-NOT-REAL"
DEMO_USER_ID = 1001
_SENDS = {"sendMessage", "sendPhoto", "editMessageMedia", "editMessageText", "editMessageCaption"}


@dataclass
class BotReply:
    """One message the bot sent or edited: its visible text, photo bytes and buttons."""

    method: str
    text: str
    photo: bytes | None
    buttons: list[tuple[str, str]] = field(default_factory=list)
    message_id: int | None = None


def reply_from_call(call: RecordedCall, server: LocalBotApi) -> BotReply:
    """What a person would see of one recorded send or edit."""
    result: Any = call.result if call.ok else {}
    message = result if isinstance(result, dict) else {}
    text = str(message.get("text") or message.get("caption") or "")
    photo = None
    if message.get("photo"):
        stored = server.world.photos.get(message["photo"][-1]["file_id"])
        photo = stored.data if stored else None
    markup = message.get("reply_markup") or {}
    buttons = [
        (str(b.get("text")), str(b.get("callback_data")))
        for row in markup.get("inline_keyboard", [])
        for b in row
        if "callback_data" in b
    ]
    return BotReply(call.method, text, photo, buttons, message.get("message_id"))


class DemoSession:
    """A running bot on a local Telegram server, with a person to talk to it."""

    def __init__(
        self,
        server: LocalBotApi,
        runtime: Runtime,
        application: Application[Any, Any, Any, Any, Any, Any],
    ) -> None:
        self.server = server
        self.runtime = runtime
        self.application = application
        self.user: SimUser = server.user(DEMO_USER_ID, "Demo", language_code="en")
        self.chat: SimChat = server.private_chat(DEMO_USER_ID, "Demo", language_code="en")

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        clock: Clock = system_clock,
        rate_limits: RateLimits | None = None,
        schedule_refresh: bool = True,
        server: LocalBotApi | None = None,
    ) -> AsyncIterator[DemoSession]:
        """Start the server, Redis, a first refresh and the polling bot; stop them all after."""
        own_server = server is None
        api = server or LocalBotApi(bot_username="rallybot")
        if own_server:
            await api.start()
        try:
            settings = settings.replace(
                telegram_bot_token=settings.telegram_bot_token
                if settings.token
                else Secret(DEMO_TOKEN),
                telegram_api_base_url=api.base_url,
            )
            async with open_runtime(settings, clock) as runtime:
                await refresh_market(
                    runtime.provider,
                    runtime.store,
                    runtime.universe,
                    clock(),
                    settings.history_days,
                )
                application = build_application(runtime, rate_limits, schedule_refresh)
                async with application:
                    await start_bot(application)
                    assert application.updater is not None
                    await application.updater.start_polling(
                        poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
                    )
                    try:
                        yield cls(api, runtime, application)
                    finally:
                        await application.updater.stop()
                        await application.stop()
        finally:
            if own_server:
                await api.stop()

    async def ask(
        self,
        text: str,
        chat: SimChat | None = None,
        user: SimUser | None = None,
        timeout: float = 30.0,  # noqa: ASYNC109 - a deadline reads better than a wrapper here
    ) -> list[BotReply]:
        """Send `text` as a person; the bot's replies once it has handled the message."""
        target = chat or self.chat
        start = len(self.server.calls)
        update_id = self.server.send_text(target, user or self.user, text)
        return await self.replies_to(update_id, target.id, start, timeout)

    async def press(
        self,
        message_id: int,
        data: str,
        chat: SimChat | None = None,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> list[BotReply]:
        """Press an inline button; what the bot edits or sends once it has handled it."""
        target = chat or self.chat
        start = len(self.server.calls)
        update_id = self.server.press_button(target, self.user, message_id, data)
        return await self.replies_to(update_id, target.id, start, timeout)

    async def inline(
        self,
        query: str,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Type `@rallybot QUERY` as the person; the inline results the bot answered."""
        query_id = self.server.send_inline_query(self.user, query)
        answer = await self.server.wait_for_inline_answer(query_id, timeout)
        results: list[dict[str, Any]] = answer["results"]
        return results

    async def replies_to(
        self,
        update_id: int,
        chat_id: int,
        start: int,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> list[BotReply]:
        """Sends and edits to `chat_id` from call index `start` on, once `update_id` is handled."""
        await self.until_handled(update_id, start, timeout)
        return [
            reply_from_call(call, self.server)
            for call in self.server.calls[start:]
            if call.method in _SENDS and str(call.params.get("chat_id")) == str(chat_id)
        ]

    async def until_handled(
        self,
        update_id: int,
        start: int = 0,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> None:
        """Return once the bot has fetched `update_id` and finished every handler it started."""
        async with asyncio.timeout(timeout):
            await self.server.wait_for_call(
                "getUpdates",
                lambda call: call.ok and any(u["update_id"] == update_id for u in call.result),
                timeout=timeout,
                after=start,
            )
            # PTB queues what it fetched before it polls again: a new poll means it is queued.
            await self.server.wait_for_long_poll()
            await until_idle(self.application)


async def until_idle(
    application: Application[Any, Any, Any, Any, Any, Any], polls: int = 3, pause: float = 0.01
) -> None:
    """Return once no update is queued or being handled, seen `polls` times in a row.

    A fetched update passes through a task before its handler runs, so one idle look is
    not enough.
    """
    idle = 0
    while idle < polls:
        busy = (
            application.update_queue.qsize() > 0
            or application.update_processor.current_concurrent_updates > 0
        )
        idle = 0 if busy else idle + 1
        await asyncio.sleep(pause)


def save_photos(replies: list[BotReply], directory: Path, stem: str) -> list[Path]:
    """Write each reply's photo as PNG under `directory`; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, reply in enumerate(r for r in replies if r.photo):
        path = directory / f"{stem}-{number + 1}.png"
        path.write_bytes(reply.photo or b"")
        paths.append(path)
    return paths
