"""The Telegram transport: parameters as one JSON body, uploads as multipart, and failures
reported as PTB reports them, so the send boundary still knows what certainly never left.

Every request goes over HTTP to the local Bot API (or to a port nobody listens on)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity
from telegram.constants import ParseMode
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.sandbox.localapi import LocalBotApi
from bot.telegram.outbound import certainly_not_received
from bot.telegram.transport import JsonBodyRequest
from tests.localapi.localapi_support import png_bytes
from tests.support.ports import free_port

TOKEN = "123456:TEST-token"
CAPTION = '<b>STAR 50</b> +2.4% · <a href="https://example.com/a?b=c&amp;d=é">图表</a> 5 &lt; 6'


async def photo_calls(api: LocalBotApi, request: BaseRequest) -> list[Any]:
    """What the server saw of a photo sent by file_id with an HTML caption and buttons."""
    chat = api.private_chat(42, "Ann")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("5D", callback_data="r:5d")]])
    async with Bot(TOKEN, base_url=api.base_url, request=request) as bot:
        uploaded = await bot.send_photo(chat.id, png_bytes())
        file_id = uploaded.photo[-1].file_id
        sent = await bot.send_photo(
            chat.id, file_id, caption=CAPTION, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        assert sent.caption_entities[0].type == MessageEntity.BOLD
        assert sent.reply_markup == keyboard
        # A keyboard already serialized, as the send boundary passes its cached ones.
        await bot.send_message(
            chat.id, "again", api_kwargs={"reply_markup": json.dumps(keyboard.to_dict())}
        )
    return api.calls_to("sendPhoto") + api.calls_to("sendMessage")


async def test_a_request_without_files_is_one_json_body_and_means_the_same() -> None:
    async with LocalBotApi(bot_username="rallybot") as api:
        as_json = await photo_calls(api, JsonBodyRequest())
    async with LocalBotApi(bot_username="rallybot") as api:
        as_form = await photo_calls(api, HTTPXRequest())

    assert [c.content_type for c in as_json] == [
        "multipart/form-data",  # the upload still goes as a file
        "application/json",
        "application/json",
    ]
    assert {c.content_type for c in as_form[1:]} == {"application/x-www-form-urlencoded"}
    assert all(c.ok for c in as_json + as_form)

    def meaning(call: Any) -> dict[str, Any]:  # each server issues its own file_ids
        return {k: v for k, v in call.params.items() if k != "photo"}

    assert [meaning(c) for c in as_json[1:]] == [meaning(c) for c in as_form[1:]]
    assert as_json[1].params["caption"] == CAPTION
    assert as_json[2].params["reply_markup"] == {
        "inline_keyboard": [[{"text": "5D", "callback_data": "r:5d"}]]
    }


async def test_a_refused_connection_is_a_network_error_that_certainly_never_arrived() -> None:
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{free_port()}/bot", request=JsonBodyRequest())
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(1, "hello")
    assert certainly_not_received(caught.value)


async def test_an_answer_later_than_the_read_timeout_may_have_arrived() -> None:
    async with LocalBotApi(bot_username="rallybot") as api:
        chat = api.private_chat(42, "Ann")
        api.answer_late("sendMessage", 0.5)
        async with Bot(
            TOKEN, base_url=api.base_url, request=JsonBodyRequest(read_timeout=0.1)
        ) as bot:
            with pytest.raises(TimedOut) as caught:
                await bot.send_message(chat.id, "hello")
        assert not certainly_not_received(caught.value)
        assert [c.ok for c in api.calls_to("sendMessage")] == [True]  # it did arrive


async def test_no_free_connection_is_a_timeout_that_certainly_never_left() -> None:
    async with LocalBotApi(bot_username="rallybot") as api:
        chat = api.private_chat(42, "Ann")
        api.answer_late("sendMessage", 0.5)
        request = JsonBodyRequest(connection_pool_size=1, pool_timeout=0.05, read_timeout=2)
        async with Bot(TOKEN, base_url=api.base_url, request=request) as bot:
            slow = asyncio.create_task(bot.send_message(chat.id, "first"))
            await asyncio.sleep(0.1)  # the one connection is busy with it
            with pytest.raises(TimedOut) as caught:
                await bot.send_message(chat.id, "second")
            await slow
        assert certainly_not_received(caught.value)
        assert [c.params["text"] for c in api.calls_to("sendMessage")] == ["first"]
