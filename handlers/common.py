"""What every handler family shares: reaching the services, and one way to answer."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.answers.market import RallyService, Reply
from bot.core.errors import UserError
from bot.runtime import Runtime
from bot.telegram.outbound import Outbound
from bot.text.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.text.market import esc

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
ReplyHandler = Callable[[Update, Context, str], Awaitable[Reply | None]]


def service(context: Context) -> RallyService:
    """The market service wired in by bot.telegram.app."""
    found: RallyService = context.application.bot_data["service"]
    return found


def outbound(context: Context) -> Outbound:
    """The one outbound layer wired in by bot.telegram.app."""
    found: Outbound = context.application.bot_data["outbound"]
    return found


def runtime(context: Context) -> Runtime:
    """The runtime wired in by bot.telegram.app (settings, stores, clock)."""
    found: Runtime = context.application.bot_data["runtime"]
    return found


def user_language(update: Update) -> str:
    """The language of the user's Telegram client, mapped to one we speak."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "zh" if code.lower().startswith("zh") else DEFAULT_LANGUAGE


async def language(update: Update, context: Context) -> str:
    """The language to answer in: the chat's setting, else the user's Telegram language."""
    chat = update.effective_chat
    if chat is not None:
        chosen = (await runtime(context).chats.settings(chat.id)).lang
        if chosen in LANGUAGES:
            return str(chosen)
    return user_language(update)


def answers(handler: ReplyHandler) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """Send what the handler returns as a reply; a UserError becomes a short helpful reply."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: Context) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None:
            return
        lang = await language(update, context)
        try:
            reply = await handler(update, context, lang)
        except UserError as error:
            reply = Reply(esc(error.render(lang)))
        if reply is not None:
            await outbound(context).deliver(context.bot, chat.id, reply, message.message_id)

    return wrapper
