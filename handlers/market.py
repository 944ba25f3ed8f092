"""Read-only market commands: /rally, /index, /basket, /heatmap, /chart, /compare, /status."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.analytics.periods import DateRange
from bot.answers.market import MarketAnswers
from bot.answers.reply import Reply
from bot.commands.callbacks import ButtonAction, decode
from bot.commands.parsing import (
    BasketRequest,
    CompareRequest,
    HeatmapRequest,
    IndexRequest,
    RallyRequest,
    named_range,
    parse_basket,
    parse_chart,
    parse_compare,
    parse_heatmap,
    parse_index,
    parse_rally,
)
from bot.core.errors import UserError
from bot.core.metrics import UPDATES
from bot.telegram.context import Context
from bot.text.i18n import t
from handlers.common import answers, language, services

logger = logging.getLogger(__name__)


@answers
async def rally(update: Update, context: Context, lang: str) -> Reply:
    """/rally [PERIOD]: the boards vs the benchmark, the AI basket, the cap ratio, a chart."""
    svc = services(context).market
    return await svc.rally(parse_rally(context.args or [], svc.universe, svc.today()), lang)


@answers
async def index(update: Update, context: Context, lang: str) -> Reply:
    """/index KEY [PERIOD]: one index in detail."""
    svc = services(context).market
    return await svc.index(parse_index(context.args or [], svc.universe, svc.today()), lang)


@answers
async def basket(update: Update, context: Context, lang: str) -> Reply:
    """/basket [KEY] [PERIOD]: members sorted by USD contribution."""
    svc = services(context).market
    request = parse_basket(context.args or [], svc.universe, svc.today())
    return await svc.basket(request, lang=lang)


@answers
async def heatmap(update: Update, context: Context, lang: str) -> Reply:
    """/heatmap [BASKET] [PERIOD]: the basket's members as a treemap by sector."""
    svc = services(context).market
    return await svc.heatmap(parse_heatmap(context.args or [], svc.universe, svc.today()), lang)


@answers
async def chart(update: Update, context: Context, lang: str) -> Reply:
    """/chart NAME... [PERIOD]: up to six series rebased to 100."""
    svc = services(context).market
    request = parse_chart(context.args or [], svc.universe, svc.known_symbols(), svc.today())
    return await svc.chart(request, lang)


@answers
async def compare(update: Update, context: Context, lang: str) -> Reply:
    """/compare A B [PERIOD]: the spread A minus B over time."""
    svc = services(context).market
    return await svc.compare(
        parse_compare(context.args or [], svc.universe, svc.known_symbols(), svc.today()), lang
    )


@answers
async def status(update: Update, context: Context, lang: str) -> Reply:
    """/status: data source, refreshes and markets."""
    jobs = context.job_queue.get_jobs_by_name("refresh") if context.job_queue else ()
    next_run = jobs[0].next_t if jobs else None
    return await services(context).status.status(next_run, lang)


async def period_button(update: Update, context: Context) -> None:
    """A period or page button: redraw the same message in place."""
    query = update.callback_query
    if query is None or not isinstance(query.data, str) or query.message is None:
        return
    svc = services(context).market
    lang = await language(update, context)
    action = decode(query.data)
    UPDATES.labels("button").inc()
    try:
        reply = await _reply_for_button(svc, action, lang) if action else None
    except UserError as error:
        await query.answer(error.render(lang)[:200], show_alert=True)
        return
    if reply is None:
        await query.answer(t(lang, "button.expired"))
        return
    await query.answer()
    message = query.message
    if isinstance(message, Message):  # not an InaccessibleMessage (too old to edit)
        await services(context).outbound.edit(message, reply)


async def _reply_for_button(svc: MarketAnswers, action: ButtonAction, lang: str) -> Reply | None:
    """The answer a button asks for, in `lang`; None when it names what no longer exists."""
    universe = svc.universe
    if isinstance(action.period, DateRange) and action.period.start > svc.today():
        return None  # no button of ours starts in the future
    action = dataclasses.replace(action, period=named_range(action.period, universe))
    if action.kind == "rally":
        return await svc.rally(RallyRequest(action.period), lang)
    if action.kind == "index" and action.names[0] in universe.indices:
        return await svc.index(IndexRequest(action.names[0], action.period), lang)
    if action.kind == "basket" and action.names[0] in universe.baskets:
        request = BasketRequest(action.names[0], action.period)
        return await svc.basket(request, action.page or 0, lang=lang)
    if action.kind == "heatmap" and action.names[0] in universe.baskets:
        return await svc.heatmap(HeatmapRequest(action.names[0], action.period), lang)
    if action.kind == "compare":
        first, second = action.names
        return await svc.compare(CompareRequest(first, second, action.period), lang)
    return None


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the market commands and their buttons."""
    for name, callback in (
        ("rally", rally),
        ("index", index),
        ("basket", basket),
        ("heatmap", heatmap),
        ("chart", chart),
        ("compare", compare),
        ("status", status),
    ):
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(period_button))
