"""Chat operations: /subscribe, /unsubscribe, /digest, /alert, /alerts, /unalert, /settings."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.answers.reply import Reply
from bot.chatops.service import ChatOpsService
from bot.commands.parsing import (
    parse_alert_request,
    parse_alerts,
    parse_settings,
    parse_subscribe,
    parse_unalert,
)
from bot.telegram.context import Context
from handlers.auth import admins_only
from handlers.common import answers, services, topic_of

logger = logging.getLogger(__name__)


def chatops(context: Context) -> ChatOpsService:
    """The chat-ops service wired in by bot.telegram.app."""
    return services(context).chatops


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None  # `answers` only calls us with a chat
    return update.effective_chat.id


def _topic(update: Update) -> int | None:
    assert update.effective_message is not None  # `answers` only calls us with a message
    return topic_of(update.effective_message)


@answers
@admins_only
async def subscribe(update: Update, context: Context, lang: str) -> Reply:
    """/subscribe [HH:MM] [TZ] [every day]: a daily digest at the chat's local time, in the
    forum topic it was asked in."""
    return await chatops(context).subscribe(
        _chat_id(update), parse_subscribe(context.args or []), lang, _topic(update)
    )


@answers
@admins_only
async def unsubscribe(update: Update, context: Context, lang: str) -> Reply:
    """/unsubscribe: stop the daily digest."""
    return await chatops(context).unsubscribe(_chat_id(update), lang)


@answers
async def digest(update: Update, context: Context, lang: str) -> Reply:
    """/digest: the digest, now."""
    return await chatops(context).digest(_chat_id(update), lang)


@answers
@admins_only
async def alert(update: Update, context: Context, lang: str) -> Reply:
    """/alert TARGET METRIC OP VALUE [once|every] [until DATE]: tell this chat (this topic)
    when a threshold is crossed."""
    universe = services(context).universe
    request = parse_alert_request(context.args or [], universe, universe.price_symbols)
    return await chatops(context).add_alert(_chat_id(update), request, lang, _topic(update))


@answers
async def alerts(update: Update, context: Context, lang: str) -> Reply:
    """/alerts [history]: this chat's alerts with ids, state and last firing, or its last
    firings."""
    if parse_alerts(context.args or []):
        return await chatops(context).alert_history(_chat_id(update), lang)
    return await chatops(context).list_alerts(_chat_id(update), lang)


@answers
@admins_only
async def unalert(update: Update, context: Context, lang: str) -> Reply:
    """/unalert ID | all: remove alerts."""
    return await chatops(context).remove_alert(
        _chat_id(update), parse_unalert(context.args or []), lang
    )


@answers
async def settings(update: Update, context: Context, lang: str) -> Reply | None:
    """/settings [tz ZONE | lang en|zh | who everyone|admins]: show (anyone) or change (admins)."""
    if context.args:
        return await _change_settings(update, context, lang)
    return await chatops(context).settings(_chat_id(update), None, lang)


@admins_only
async def _change_settings(update: Update, context: Context, lang: str) -> Reply:
    return await chatops(context).settings(
        _chat_id(update), parse_settings(context.args or []), lang
    )


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: move its subscription, alerts and settings."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    await services(context).chats.migrate_chat(message.chat_id, message.migrate_to_chat_id)
    logger.info("Moved chat %s to %s", message.chat_id, message.migrate_to_chat_id)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the chat-ops commands and the migration handler."""
    for name, callback in (
        ("subscribe", subscribe),
        ("unsubscribe", unsubscribe),
        ("digest", digest),
        ("alert", alert),
        ("alerts", alerts),
        ("unalert", unalert),
        ("settings", settings),
    ):
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
