"""Injected failures, blocked chats, group migration and flood limits map onto PTB's exceptions."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.sandbox.localapi import LocalBotApi, RateLimits
from tests.localapi.localapi_support import GROUP_ID, TOKEN, USER_ID


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def test_fail_next_429_raises_retry_after_once(server: LocalBotApi, bot: Bot) -> None:
    server.fail_next("sendMessage", USER_ID, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER_ID, "x")
    assert _seconds(caught.value.retry_after) == 7
    assert server.calls[-1].response["description"] == "Too Many Requests: retry after 7"
    assert (await bot.send_message(USER_ID, "x")).text == "x"


async def test_fail_next_matches_only_its_method_and_chat(server: LocalBotApi, bot: Bot) -> None:
    server.fail_next("sendMessage", GROUP_ID, status=502, count=2)
    await bot.send_message(USER_ID, "other chat")
    await bot.send_chat_action(GROUP_ID, "typing")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(GROUP_ID, "x")
    await bot.send_message(GROUP_ID, "recovered")


async def test_fail_next_can_inject_migration(server: LocalBotApi, bot: Bot) -> None:
    server.fail_next(status=400, migrate_to_chat_id=-100123)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(GROUP_ID, "x")
    assert caught.value.new_chat_id == -100123


async def test_blocked_private_chat_is_forbidden(server: LocalBotApi, bot: Bot) -> None:
    server.block_chat(USER_ID)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER_ID, "x")
    server.unblock_chat(USER_ID)
    await bot.send_message(USER_ID, "x")


async def test_blocked_group_reports_the_bot_was_kicked(server: LocalBotApi, bot: Bot) -> None:
    server.block_chat(GROUP_ID)
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the group chat"):
        await bot.send_message(GROUP_ID, "x")


async def test_bot_that_left_the_group_cannot_send(server: LocalBotApi, bot: Bot) -> None:
    server.set_member_status(GROUP_ID, server.bot_id, "left")
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await bot.send_message(GROUP_ID, "x")


async def test_migrated_group_redirects_to_the_supergroup(server: LocalBotApi, bot: Bot) -> None:
    server.migrate_group(GROUP_ID, -1009)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(GROUP_ID, "x")
    assert caught.value.new_chat_id == -1009
    assert server.calls[-1].response["description"] == (
        "Bad Request: group chat was upgraded to a supergroup chat"
    )
    sent = await bot.send_message(caught.value.new_chat_id, "x")
    assert sent.chat.type == "supergroup"
    announced = await bot.get_updates()
    assert [u.message.migrate_to_chat_id for u in announced if u.message] == [-1009, None]
    admins = await bot.get_chat_administrators(-1009)
    assert [a.user.id for a in admins] == [USER_ID]


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_group_flood_limit_answers_429_with_sliding_window_retry_after() -> None:
    clock = _FakeClock()
    limits = RateLimits(global_limit=100, group_limit=3, group_window=60.0)
    async with LocalBotApi(enforce_rate_limits=True, rate_limits=limits, clock=clock) as server:
        server.group_chat(GROUP_ID, "g")
        server.private_chat(USER_ID, "Ann")
        async with Bot(TOKEN, base_url=server.base_url) as bot:
            for _ in range(3):
                await bot.send_message(GROUP_ID, "x")
                clock.now += 10
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(GROUP_ID, "x")
            # The oldest send (t=1000) leaves the window at t=1060; it is now t=1030.
            assert _seconds(caught.value.retry_after) == 30
            await bot.send_message(USER_ID, "private chats have no per-chat limit")
            await bot.send_chat_action(GROUP_ID, "typing")
            clock.now += 30
            await bot.send_message(GROUP_ID, "allowed again")
        assert server.rate_limited_count == 1


async def test_global_flood_limit_counts_all_sends() -> None:
    clock = _FakeClock()
    limits = RateLimits(global_limit=2, global_window=1.0)
    async with LocalBotApi(enforce_rate_limits=True, rate_limits=limits, clock=clock) as server:
        server.private_chat(1, "A")
        server.private_chat(2, "B")
        async with Bot(TOKEN, base_url=server.base_url) as bot:
            await bot.send_message(1, "x")
            await bot.send_message(2, "x")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(1, "x")
            assert _seconds(caught.value.retry_after) == 1
            clock.now += 1.0
            await bot.send_message(1, "x")
        assert server.rate_limited_count == 1


async def test_rate_limits_are_off_by_default(server: LocalBotApi, bot: Bot) -> None:
    for _ in range(25):
        await bot.send_message(GROUP_ID, "x")
    assert server.rate_limited_count == 0


async def test_calls_record_failures_too(server: LocalBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(999, "x")
    call = server.calls_to("sendMessage")[-1]
    assert (call.status, call.ok, call.params["chat_id"]) == (400, False, 999)
