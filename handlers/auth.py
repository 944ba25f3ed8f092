"""Who may change a chat's state: admins in groups (unless they allowed everyone)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.answers.reply import Reply
from bot.core.errors import UserError
from bot.telegram.context import Context
from handlers.common import services

logger = logging.getLogger(__name__)

ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}
Guarded = Callable[[Update, Context, str], Awaitable[Reply | None]]


async def may_change(update: Update, context: Context) -> bool:
    """True when the sender may change this chat's subscriptions, alerts and settings."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    # An anonymous admin posts as the group itself; only admins can do that.
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    settings = await services(context).chats.settings(chat.id)
    if settings.who == "everyone":
        return True
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        logger.warning("Could not check %s's status in %s: %s", user.id, chat.id, exc)
        return False
    return member.status in ADMIN_STATUSES


def admins_only(handler: Guarded) -> Guarded:
    """Refuse, in one line, changes by non-admins in groups; wrap inside `answers`."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: Context, lang: str) -> Reply | None:
        if not await may_change(update, context):
            raise UserError("admins.only")
        return await handler(update, context, lang)

    return wrapper
