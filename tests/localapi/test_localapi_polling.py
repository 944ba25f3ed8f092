"""getUpdates long polling, and the real PTB Application answering a command end to end."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, Update
from telegram.error import Conflict
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from bot.sandbox.localapi import LocalBotApi
from tests.localapi.localapi_support import TOKEN, USER_ID


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    server: LocalBotApi, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=600))
    await server.wait_for_long_poll()
    server.send_text(USER_ID, USER_ID, "hello")
    # Far below the 600 s poll timeout: this only fails if the poll ignores the update.
    (update,) = await asyncio.wait_for(poll, 60)
    assert update.message is not None
    assert update.message.text == "hello"


async def test_offset_confirms_updates_and_limit_caps_the_batch(
    server: LocalBotApi, bot: Bot
) -> None:
    ids = [server.send_text(USER_ID, USER_ID, f"m{i}") for i in range(3)]
    first = await bot.get_updates(limit=2)
    assert [u.update_id for u in first] == ids[:2]
    rest = await bot.get_updates(offset=ids[1] + 1)
    assert [u.update_id for u in rest] == ids[2:]
    assert [u.update_id for u in await bot.get_updates(offset=ids[2] + 1)] == []
    assert server.pending_updates == []


async def test_allowed_updates_filters_update_types(server: LocalBotApi, bot: Bot) -> None:
    server.send_text(USER_ID, USER_ID, "text")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()


async def test_get_updates_conflicts_with_an_active_webhook(bot: Bot) -> None:
    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Welcome to rallybot")


async def test_application_polls_and_answers_start(server: LocalBotApi) -> None:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", _start))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=5)
        mark = len(server.calls)
        server.send_text(USER_ID, USER_ID, "/start")
        reply = await server.wait_for_call("sendMessage", after=mark)
        await application.updater.stop()
        await application.stop()
    assert reply.result["text"] == "Welcome to rallybot"
    assert [m["text"] for m in server.sent_messages(USER_ID)] == ["Welcome to rallybot"]


async def test_wait_for_call_timeout_lists_recent_calls(server: LocalBotApi, bot: Bot) -> None:
    await bot.send_message(USER_ID, "x")
    with pytest.raises(TimeoutError, match=r"recent calls .*sendMessage\(200: ok\)"):
        await server.wait_for_call("sendPhoto", timeout=0.05)
