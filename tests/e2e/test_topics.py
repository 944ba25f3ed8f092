"""Forum topics end to end: answers, digests and alerts stay in the topic they were asked in;
a deleted topic loses its digest and alerts while the chat's other topics go on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.core.config import Settings
from bot.sandbox.localapi import LocalBotApi, RecordedCall
from bot.sandbox.session import DemoSession
from tests.e2e.conftest import FIXED_NOW, MutableClock, make_settings
from tests.e2e.test_chatops import fast_digests, run_alerts, running, settle, wait_until

FORUM = -100600
ADMIN, MEMBER = 8, 7


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(FIXED_NOW)


@pytest.fixture
def settings(redis_url: str, key_prefix: str) -> Settings:
    return fast_digests(make_settings(redis_url, key_prefix))


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(bot_username="rallybot") as api:
        api.forum_chat(FORUM, "Markets")
        api.user(ADMIN, "Ada")
        api.user(MEMBER, "Max")
        api.set_member_status(FORUM, ADMIN, "administrator")
        yield api


def sends(server: LocalBotApi, chat_id: int, start: int = 0) -> list[RecordedCall]:
    """Every sendMessage and sendPhoto to a chat since call `start`, accepted or not."""
    return [
        call
        for call in server.calls[start:]
        if call.method in {"sendMessage", "sendPhoto"}
        and str(call.params.get("chat_id")) == str(chat_id)
    ]


def text_of(call: RecordedCall) -> str:
    return str(call.result.get("text") or call.result.get("caption") or "")


async def ask_in_topic(
    bot: DemoSession, thread_id: int | None, text: str, user: int = ADMIN
) -> list[RecordedCall]:
    """Post `text` in a topic of the forum (None: General); the bot's sends once handled."""
    start = len(bot.server.calls)
    update_id = bot.server.send_text(FORUM, user, text, thread_id=thread_id)
    await bot.until_handled(update_id, start)
    return sends(bot.server, FORUM, start)


async def test_a_question_asked_in_a_topic_is_answered_in_that_topic(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    a_shares, us = server.create_topic(FORUM, "A-shares"), server.create_topic(FORUM, "US")
    async with running(settings, clock, server) as bot:
        [photo] = await ask_in_topic(bot, us, "/rally@rallybot ytd", MEMBER)
        [text] = await ask_in_topic(bot, a_shares, "/help@rallybot", MEMBER)
        [general] = await ask_in_topic(bot, None, "/alerts@rallybot", MEMBER)
    assert photo.method == "sendPhoto"
    assert photo.params["message_thread_id"] == us
    assert (photo.result["message_thread_id"], photo.result["is_topic_message"]) == (us, True)
    assert text.method == "sendMessage"
    assert text.params["message_thread_id"] == a_shares
    assert text.result["message_thread_id"] == a_shares
    assert "message_thread_id" not in general.params
    assert "message_thread_id" not in general.result


async def test_a_bad_command_in_a_topic_is_explained_in_that_topic(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    us = server.create_topic(FORUM, "US")
    async with running(settings, clock, server) as bot:
        [reply] = await ask_in_topic(bot, us, "/alert@rallybot star50 mtd > 10% until soon")
    assert text_of(reply).startswith("“soon” is not a date")
    assert reply.result["message_thread_id"] == us


async def test_subscribe_in_a_topic_sends_the_digest_to_that_topic(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    server.create_topic(FORUM, "A-shares")
    us = server.create_topic(FORUM, "US")
    async with running(settings, clock, server) as bot:
        [reply] = await ask_in_topic(bot, us, "/subscribe@rallybot 15:01")
        assert "Daily digest at 15:01" in text_of(reply)
        start = len(server.calls)
        clock.advance(minutes=1, seconds=5)
        await wait_until(lambda: sends(server, FORUM, start))
        await settle()
    [digest] = sends(server, FORUM, start)
    assert text_of(digest).startswith("📰 Digest")
    assert (digest.params["message_thread_id"], digest.result["message_thread_id"]) == (us, us)


async def test_a_deleted_topic_loses_its_digest_and_alerts_and_the_others_go_on(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    a_shares, us = server.create_topic(FORUM, "A-shares"), server.create_topic(FORUM, "US")
    async with running(settings, clock, server) as bot:
        chats = bot.runtime.chats
        await ask_in_topic(bot, us, "/subscribe@rallybot 15:01")
        await ask_in_topic(bot, us, "/alert@rallybot ndx price > 1")  # true now
        await ask_in_topic(bot, us, "/alert@rallybot ndx price > 1T")  # never true
        await ask_in_topic(bot, a_shares, "/alert@rallybot star50 price > 1")  # true now
        await bot.ask("/alert ndx price > 1")  # another chat
        assert await chats.count_alerts(FORUM) == 3

        server.delete_topic(FORUM, us)
        start = len(server.calls)
        assert await run_alerts(bot) == 2  # the private chat's and the A-shares topic's
        to_forum = sends(server, FORUM, start)
        [refused] = [c for c in to_forum if not c.ok]
        assert (refused.params["message_thread_id"], refused.status) == (us, 400)
        assert refused.description == "Bad Request: message thread not found"
        [fired] = [c for c in to_forum if c.ok]
        assert text_of(fired).startswith("Alert #")
        assert "STAR 50 price > 1" in text_of(fired)
        assert fired.result["message_thread_id"] == a_shares
        assert any(text_of(c).startswith("Alert #") for c in sends(server, bot.chat.id, start))

        # The US topic's subscription and its other alert went with it; A-shares keeps its.
        assert await chats.subscription(FORUM) is None
        [kept] = await chats.chat_alerts(FORUM)
        assert kept.thread_id == a_shares
        assert await chats.count_alerts(bot.chat.id) == 1

        # Nothing more is tried in the deleted topic.
        start = len(server.calls)
        clock.advance(minutes=1, seconds=5)
        await settle()
        assert await run_alerts(bot) == 0
        assert not any(c.ok for c in sends(server, FORUM, start))


async def test_a_digest_to_a_deleted_topic_drops_the_subscription_only(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    a_shares, us = server.create_topic(FORUM, "A-shares"), server.create_topic(FORUM, "US")
    async with running(settings, clock, server) as bot:
        await ask_in_topic(bot, us, "/subscribe@rallybot 15:01")
        await ask_in_topic(bot, a_shares, "/alert@rallybot ndx price > 1T")
        server.delete_topic(FORUM, us)
        start = len(server.calls)
        clock.advance(minutes=1, seconds=5)
        async with asyncio.timeout(10):
            # The digest job drops it in Redis; nothing here to wait on but the state itself.
            while await bot.runtime.chats.subscription(FORUM) is not None:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        # Its first call (the chart's upload action) met the deleted topic; nothing was sent.
        refused = [c for c in server.calls[start:] if c.status == 400]
        assert refused[0].params["message_thread_id"] == us
        assert refused[0].description == "Bad Request: message thread not found"
        assert not any(c.ok for c in sends(server, FORUM, start))
        [kept] = await bot.runtime.chats.chat_alerts(FORUM)
        assert kept.thread_id == a_shares
