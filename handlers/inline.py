"""Inline mode: `@bot star50`, `@bot rally ytd` in any chat, answered with a chart and text."""

from __future__ import annotations

import time
from typing import Any

from telegram import Update
from telegram.ext import Application, InlineQueryHandler

from bot.commands.inline import parse_inline_query
from bot.core.errors import UserError
from bot.core.metrics import REPLY_SECONDS, UPDATES
from bot.telegram.context import Context
from bot.text.i18n import LANGUAGES
from handlers.common import services, user_language


async def inline_query(update: Update, context: Context) -> None:
    """An inline query: the market answer it asks for, or one article explaining the syntax."""
    query = update.inline_query
    if query is None:
        return
    started = time.perf_counter()
    svc = services(context)
    # No chat is known inline, so no chat setting applies: the user's own language comes
    # first, and every other follows, as Telegram may serve this answer to anyone.
    asker = user_language(update)
    languages = (asker, *(lang for lang in LANGUAGES if lang != asker))
    jobs = context.job_queue.get_jobs_by_name("refresh") if context.job_queue else ()
    next_check = jobs[0].next_t if jobs else None
    try:
        market = svc.market
        request = parse_inline_query(
            query.query, svc.universe, market.known_symbols(), market.today()
        )
        answers = [
            (await svc.inline.answer(request, next_check, lang), lang) for lang in languages
        ]
    except UserError as error:
        answers = [(svc.inline.help(error, lang), lang) for lang in languages]
    await svc.outbound.answer_inline(context.bot, query.id, answers)
    UPDATES.labels("inline").inc()
    REPLY_SECONDS.labels("inline").observe(time.perf_counter() - started)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the inline query handler."""
    application.add_handler(InlineQueryHandler(inline_query))
