"""What every handler family shares: the services, the chat's language, one way to answer,
and the error handler."""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode

from bot.answers.reply import Reply
from bot.core.errors import UserError
from bot.core.metrics import REPLY_SECONDS, UPDATES
from bot.telegram.context import Context, Services
from bot.text.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from bot.text.market import esc

logger = logging.getLogger(__name__)

ReplyHandler = Callable[[Update, Context, str], Awaitable[Reply | None]]


def services(context: Context) -> Services:
    """The services wired in by bot.telegram.app."""
    return context.bot_data.services


def topic_of(message: Message) -> int | None:
    """The forum topic a message was posted in (None: a chat without topics, or General),
    where its answer, and a digest or alert it sets up, belong."""
    return message.message_thread_id if message.is_topic_message else None


def user_language(update: Update) -> str:
    """The language of the user's Telegram client, mapped to one we speak."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "zh" if code.lower().startswith("zh") else DEFAULT_LANGUAGE


async def language(update: Update, context: Context) -> str:
    """The language to answer in: the chat's setting, else the user's Telegram language."""
    chat = update.effective_chat
    if chat is not None:
        chosen = (await services(context).chats.settings(chat.id)).lang
        if chosen in LANGUAGES:
            return str(chosen)
    return user_language(update)


def answers(handler: ReplyHandler) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """Send what the handler returns as a reply; a UserError becomes a short helpful reply."""

    command = handler.__name__.removesuffix("_command")

    @functools.wraps(handler)
    async def wrapper(update: Update, context: Context) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None:
            return
        started = time.perf_counter()
        lang = await language(update, context)
        try:
            reply = await handler(update, context, lang)
        except UserError as error:
            reply = Reply(esc(error.render(lang)))
        if reply is not None:
            # A group answer quotes the command it answers; a private chat holds one
            # conversation, so there a quote is only noise (PTB's own reply_* default).
            quoted = None if chat.type == ChatType.PRIVATE else message.message_id
            await services(context).outbound.deliver(
                context.bot, chat.id, reply, quoted, topic_of(message)
            )
        UPDATES.labels(command).inc()
        REPLY_SECONDS.labels(command).observe(time.perf_counter() - started)

    return wrapper


async def on_error(update: object, context: Context) -> None:
    """Log every unexpected error with its traceback; tell the user briefly, never the trace."""
    logger.error("Unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None:
        return
    try:
        lang = await language(update, context)
    except Exception:  # the chat store may be what failed; apologise in the user's language
        lang = user_language(update)
    apology = t(lang, "error.internal")
    if update.callback_query is not None:
        with contextlib.suppress(Exception):
            await update.callback_query.answer(apology[:200])
        return
    message = update.effective_message
    with contextlib.suppress(Exception):
        await context.bot.send_message(
            chat.id,
            html.escape(apology),
            parse_mode=ParseMode.HTML,
            message_thread_id=topic_of(message) if message else None,
        )
