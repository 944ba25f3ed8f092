"""Inline answers (`@bot star50` in any chat): market answers, titled, with a cache time."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from bot.analytics.periods import Period
from bot.answers import chartdata
from bot.answers.market import MarketAnswers
from bot.answers.reply import Reply
from bot.commands.inline import INLINE_EXAMPLES, MarketRequest, inline_query_for
from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    HeatmapRequest,
    IndexRequest,
    RallyRequest,
)
from bot.core.errors import UserError
from bot.refresh import last_refresh_attempt, next_refresh_at
from bot.storage.market import MarketStore
from bot.text.i18n import t
from bot.text.market import esc, period_name

INLINE_CACHE_MIN_SECONDS = 5
"""Even a refresh due now leaves Telegram a few seconds to serve the same query from cache."""
INLINE_CACHE_MAX_SECONDS = 300
"""At most Telegram's default; a later refresh is no reason to keep old numbers longer."""


def inline_cache_seconds(now: dt.datetime, next_refresh: dt.datetime | None) -> int:
    """How long Telegram may reuse an inline answer: until the next refresh, within bounds."""
    if next_refresh is None:
        return INLINE_CACHE_MIN_SECONDS
    seconds = math.ceil((next_refresh - now).total_seconds())
    return min(max(seconds, INLINE_CACHE_MIN_SECONDS), INLINE_CACHE_MAX_SECONDS)


@dataclass(frozen=True)
class InlineAnswer:
    """What an inline query is offered: one answer, sent as its chart or as text."""

    title: str
    reply: Reply
    """The caption and chart (or the help text) exactly as the command would send them."""
    cache_seconds: int
    share_query: str | None = None
    """The query that asks this again (None for the syntax help)."""
    description: str | None = None
    """What the result list shows under the title, when not the default."""


class InlineAnswers:
    """Answers inline queries with the commands' own answers."""

    def __init__(
        self, market: MarketAnswers, store: MarketStore, refresh_every: dt.timedelta
    ) -> None:
        self.market = market
        self.store = store
        self.refresh_every = refresh_every

    async def answer(
        self, request: MarketRequest, next_check: dt.datetime | None, lang: str = "en"
    ) -> InlineAnswer:
        """The answer to a parsed inline query; `next_check` is the refresh job's next run."""
        market = self.market
        match request:
            case RallyRequest():
                reply = await market.rally(request, lang)
                title = t(lang, "inline.title.rally", period=period_name(request.period, lang))
            case IndexRequest():
                reply = await market.index(request, lang)
                title = self._title(request.period, request.key, lang=lang)
            case BasketRequest():
                reply = await market.basket(request, lang=lang)
                title = self._title(request.period, request.key, lang=lang)
            case HeatmapRequest():
                reply = await market.heatmap(request, lang)
                title = self._title(request.period, request.key, lang=lang)
            case ChartRequest():
                reply = await market.chart(request, lang)
                title = self._title(request.period, *request.names, lang=lang)
            case CompareRequest():
                reply = await market.compare(request, lang)
                title = self._title(
                    request.period, request.first, request.second, joiner=" − ", lang=lang
                )
        return InlineAnswer(
            title, reply, await self._cache_seconds(next_check), inline_query_for(request)
        )

    def help(self, error: UserError, lang: str = "en") -> InlineAnswer:
        """One article that says what went wrong and how inline queries are written."""
        examples = " · ".join(INLINE_EXAMPLES)
        text = (
            f"{esc(error.render(lang))}\n\n{esc(t(lang, 'inline.help.syntax', examples=examples))}"
        )
        return InlineAnswer(
            t(lang, "inline.help.title"),
            Reply(text),
            INLINE_CACHE_MIN_SECONDS,
            description=error.render(lang),
        )

    def _title(self, period: Period, *names: str, joiner: str = ", ", lang: str = "en") -> str:
        labels = [chartdata.label(self.market.universe, name) for name in names]
        return f"{joiner.join(labels)} · {period_name(period, lang)}"

    async def _cache_seconds(self, next_check: dt.datetime | None) -> int:
        now = self.market.clock()
        if next_check is None:  # no refresh job in this process: data changes only elsewhere
            return inline_cache_seconds(now, None)
        planned = next_refresh_at(
            max(now, next_check),
            await last_refresh_attempt(self.store),
            (self.market.universe.exchange(s) for s in self.market.universe.all_symbols),
            self.refresh_every,
        )
        return inline_cache_seconds(now, planned)
