"""/start, /help, and a helpful answer to commands the bot does not know."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.answers.reply import Reply
from bot.commands.menu import help_text
from bot.core.errors import UserError
from bot.telegram.context import Context
from bot.text.i18n import t
from bot.text.market import esc
from handlers.common import answers, services


def _keys_line(context: Context, lang: str) -> str:
    universe = services(context).universe
    return t(
        lang,
        "help.keys",
        indices=", ".join(universe.indices),
        baskets=", ".join(universe.baskets),
        events=", ".join(universe.events) or "-",
    )


@answers
async def start(update: Update, context: Context, lang: str) -> Reply:
    """/start: what the bot is, then the command list."""
    intro = esc(t(lang, "start.intro"))
    return Reply(intro + "\n\n" + help_text(lang, _keys_line(context, lang)))


@answers
async def help_command(update: Update, context: Context, lang: str) -> Reply:
    """/help: every command with an example."""
    return Reply(help_text(lang, _keys_line(context, lang)))


@answers
async def unknown_command(update: Update, context: Context, lang: str) -> Reply | None:
    """A command nobody handled: answer when it was meant for this bot."""
    message = update.effective_message
    if message is None or not message.text:
        return None
    command = message.text.split()[0]
    name, _, addressee = command.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return None  # another bot's command
    chat = update.effective_chat
    if chat is not None and chat.type != "private" and not addressee:
        return None  # in groups, stay quiet unless the command names this bot
    raise UserError("command.unknown", command=name[:33])


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /start and /help."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))


def register_fallback(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the unknown-command answer; registered last so every real command wins."""
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
