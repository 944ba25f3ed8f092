"""What handlers and jobs reach, typed: PTB's bot_data is a `BotData` holding the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.answers.inline import InlineAnswers
from bot.answers.market import MarketAnswers
from bot.answers.status import StatusAnswers
from bot.answers.views import MarketViews
from bot.chatops.service import ChatOpsService
from bot.core.universe import Universe
from bot.storage.chats import ChatStore
from bot.telegram.outbound import Outbound


@dataclass(frozen=True)
class Services:
    """One of each service, built once by `build_application`."""

    universe: Universe
    views: MarketViews
    market: MarketAnswers
    status: StatusAnswers
    chatops: ChatOpsService
    chats: ChatStore
    outbound: Outbound
    inline: InlineAnswers


class BotData:
    """PTB's `bot_data` for rallybot (PTB makes it with no arguments; the wiring fills it)."""

    services: Services


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
"""The context every rallybot handler and job receives."""
