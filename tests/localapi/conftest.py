"""Fixtures for the local Bot API server tests: a started server and a real PTB Bot on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.sandbox.localapi import LocalBotApi
from tests.localapi.localapi_support import GROUP_ID, TOKEN, USER_ID


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApi]:
    """A started server with a private chat (user 42) and a group (-1001) where 42 is admin."""
    async with LocalBotApi(bot_username="rallybot") as api:
        api.private_chat(USER_ID, "Ann", language_code="en")
        api.group_chat(GROUP_ID, "Rally fans")
        api.user(7, "Bob")
        api.set_member_status(GROUP_ID, USER_ID, "creator")
        yield api


@pytest.fixture
async def bot(server: LocalBotApi) -> AsyncIterator[Bot]:
    """The real PTB Bot pointed at the local server."""
    async with Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url) as tg:
        yield tg
