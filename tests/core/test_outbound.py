"""The send boundary repeats a call only when Telegram certainly did not get it.

Both faults are real: a port nobody listens on, and a local Bot API that carries out the
call but answers after the client stopped waiting.
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.answers.reply import Button, Reply, share_button
from bot.sandbox.localapi import LocalBotApi
from bot.storage.chats import ChatStore
from bot.storage.keys import Keys
from bot.storage.market import MarketStore
from bot.telegram import outbound as outbound_module
from bot.telegram.outbound import (
    SEND_TRIES,
    Outbound,
    call_safely,
    certainly_not_received,
    keyboard,
    topic_deleted,
)

TOKEN = "123456:TEST-token"


def counted(
    call: Callable[[], Awaitable[object]],
) -> tuple[list[int], Callable[[], Awaitable[object]]]:
    tries: list[int] = []

    async def wrapper() -> object:
        tries.append(1)
        return await call()

    return tries, wrapper


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_refused_connection_is_tried_again_then_reported() -> None:
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{closed_port()}/bot")
    tries, call = counted(lambda: bot.send_message(1, "hello"))
    with pytest.raises(NetworkError) as caught:
        await call_safely(call)
    assert certainly_not_received(caught.value)
    assert len(tries) == SEND_TRIES


async def test_a_send_answered_after_the_timeout_is_never_repeated() -> None:
    async with LocalBotApi(bot_username="rallybot") as api:
        chat = api.private_chat(42, "Ann")
        api.answer_late("sendMessage", 0.5)
        bot = Bot(TOKEN, base_url=api.base_url, request=HTTPXRequest(read_timeout=0.1))
        async with bot:
            tries, call = counted(lambda: bot.send_message(chat.id, "hello"))
            with pytest.raises(TimedOut) as caught:
                await call_safely(call)
        assert not certainly_not_received(caught.value)
        assert len(tries) == 1
        assert [c.ok for c in api.calls_to("sendMessage")] == [True]  # it did arrive


@pytest.mark.parametrize(
    ("error", "safe"),
    [
        (NetworkError("Bad Gateway (502)"), True),  # Telegram's edge answered 5xx
        (BadRequest("Bad Request: chat not found"), False),
        (RetryAfter(3), False),  # the rate limiter waits these out, once
        (TimedOut("Pool timeout: All connections in the connection pool are occupied."), True),
    ],
)
def test_what_telegram_certainly_did_not_get(error: NetworkError, safe: bool) -> None:
    assert certainly_not_received(error) is safe


@pytest.mark.parametrize(
    ("cause", "safe"),
    [
        (httpx.ConnectTimeout("connect"), True),
        (httpx.ConnectError("refused"), True),
        (httpx.ReadTimeout("read"), False),
        (httpx.RemoteProtocolError("closed mid-answer"), False),
    ],
)
def test_httpx_causes_as_ptb_wraps_them(cause: httpx.HTTPError, safe: bool) -> None:
    wrapper: NetworkError = (
        TimedOut() if isinstance(cause, httpx.TimeoutException) else NetworkError(str(cause))
    )
    wrapper.__cause__ = cause
    assert certainly_not_received(wrapper) is safe


@pytest.mark.parametrize(
    ("description", "deleted"),
    [
        ("Bad Request: message thread not found", True),
        ("Bad Request: MESSAGE_THREAD_NOT_FOUND", False),  # not a text Telegram sends
        ("Bad Request: chat not found", False),
        ("Bad Request: message to be replied not found", False),
    ],
)
def test_a_deleted_topic_is_told_by_telegrams_words(description: str, deleted: bool) -> None:
    assert topic_deleted(BadRequest(description)) is deleted


async def test_every_chunk_of_a_long_answer_goes_to_the_topic(
    redis_client: redis.Redis, keys: Keys
) -> None:
    async with LocalBotApi(bot_username="rallybot") as api:
        forum = api.forum_chat(-100321, "Markets")
        topic = api.create_topic(forum, "US")
        outbound = Outbound(
            MarketStore(redis_client, keys),
            ChatStore(redis_client, keys),
            ThreadPoolExecutor(1),
        )
        long_text = "\n".join(f"line {n:04}" + "." * 60 for n in range(200))
        async with Bot(TOKEN, base_url=api.base_url) as bot:
            await outbound.send(bot, forum.id, Reply(long_text), thread_id=topic)
        chunks = api.calls_to("sendMessage")
        assert len(chunks) == 4  # 200 lines of 70 characters, 4096 at most per message
        assert [c.params["message_thread_id"] for c in chunks] == [topic] * 4
        assert [c.result["message_thread_id"] for c in chunks] == [topic] * 4


async def test_a_keyboard_is_serialized_once_and_sent_as_ptb_would_send_it(
    redis_client: redis.Redis, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Reply] = []

    def counted_keyboard(reply: Reply) -> Any:
        built.append(reply)
        return keyboard(reply)

    monkeypatch.setattr(outbound_module, "keyboard", counted_keyboard)
    buttons = ((Button("1D", "r:1d"), Button("• 5D •", "r:5d")), share_button("rally 5d", "en"))
    async with LocalBotApi(bot_username="rallybot") as api:
        chat = api.private_chat(42, "Ann")
        outbound = Outbound(
            MarketStore(redis_client, keys), ChatStore(redis_client, keys), ThreadPoolExecutor(1)
        )
        async with Bot(TOKEN, base_url=api.base_url) as bot:
            for text in ("first", "second"):
                await outbound.send(bot, chat.id, Reply(text, buttons=buttons))
        sent = api.calls_to("sendMessage")
    assert len(built) == 1
    expected = keyboard(Reply("", buttons=buttons))
    assert expected is not None
    assert [c.params["reply_markup"] for c in sent] == [expected.to_dict()] * 2
