"""Forum topics on the local Bot API server: messages carry their topic, deleted topics 400."""

from __future__ import annotations

import httpx
import pytest
from telegram import Bot, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import BadRequest

from bot.sandbox.localapi import ApiError, LocalBotApi, load_spec
from bot.sandbox.localapi._spec import PACKAGED_SPEC, validate_request
from tests.localapi.localapi_support import TOKEN, USER_ID, png_bytes

FORUM = -100777


@pytest.fixture
def topics(server: LocalBotApi) -> tuple[int, int]:
    """A forum with two topics; user 42 is a member."""
    server.forum_chat(FORUM, "Markets")
    return server.create_topic(FORUM, "A-shares"), server.create_topic(FORUM, "US")


async def test_a_message_sent_to_a_topic_carries_it(
    server: LocalBotApi, bot: Bot, topics: tuple[int, int]
) -> None:
    a_shares, us = topics
    text = await bot.send_message(FORUM, "hello", message_thread_id=us)
    photo = await bot.send_photo(FORUM, png_bytes(), message_thread_id=a_shares)
    general = await bot.send_message(FORUM, "everyone")
    assert (text.message_thread_id, text.is_topic_message) == (us, True)
    assert (photo.message_thread_id, photo.is_topic_message) == (a_shares, True)
    assert (general.message_thread_id, general.is_topic_message) == (None, None)
    assert text.chat.is_forum is True


async def test_a_users_message_in_a_topic_reaches_the_bot_with_the_topic(
    server: LocalBotApi, bot: Bot, topics: tuple[int, int]
) -> None:
    _, us = topics
    server.send_text(FORUM, USER_ID, "/rally", thread_id=us)
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert (update.message.message_thread_id, update.message.is_topic_message) == (us, True)


async def test_a_reply_without_a_thread_goes_to_the_topic_of_the_message_it_answers(
    server: LocalBotApi, bot: Bot, topics: tuple[int, int]
) -> None:
    a_shares, _ = topics
    server.send_text(FORUM, USER_ID, "/rally", thread_id=a_shares)
    (update,) = await bot.get_updates()
    assert update.message is not None
    sent = await bot.send_message(
        FORUM, "answer", reply_parameters=ReplyParameters(update.message.message_id)
    )
    assert sent.message_thread_id == a_shares


async def test_sends_to_a_deleted_topic_get_telegrams_400(
    server: LocalBotApi, bot: Bot, topics: tuple[int, int]
) -> None:
    a_shares, us = topics
    server.delete_topic(FORUM, us)
    for send in (
        bot.send_message(FORUM, "hello", message_thread_id=us),
        bot.send_photo(FORUM, png_bytes(), message_thread_id=us),
        bot.send_chat_action(FORUM, ChatAction.TYPING, message_thread_id=us),
        bot.send_message(FORUM, "hello", message_thread_id=999),
    ):
        with pytest.raises(BadRequest, match="Message thread not found"):
            await send
    assert server.calls[-1].description == "Bad Request: message thread not found"
    assert (await bot.send_message(FORUM, "on", message_thread_id=a_shares)).message_thread_id


async def test_a_thread_outside_a_forum_is_not_found(server: LocalBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(USER_ID, "hello", message_thread_id=5)


async def test_a_thread_id_that_is_not_an_integer_is_rejected_by_the_spec(
    server: LocalBotApi, topics: tuple[int, int]
) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{server.base_url}{TOKEN}/sendMessage",
            json={"chat_id": FORUM, "text": "hi", "message_thread_id": "general"},
        )
    assert answer.status_code == 400
    assert "message_thread_id" in answer.json()["description"]


@pytest.mark.parametrize("method", ["sendMessage", "sendPhoto", "sendChatAction"])
def test_the_packaged_spec_checks_the_thread_of_every_send_the_bot_makes(method: str) -> None:
    spec = load_spec(PACKAGED_SPEC)
    found = spec.lookup(method)
    assert found is not None
    assert found.fields["message_thread_id"].types == ("Integer",)
    with pytest.raises(ApiError, match="message_thread_id"):
        validate_request(found, {"chat_id": 1, "message_thread_id": "general"}, {})
