"""The /status answer: the data source, refreshes, what failed and the markets."""

from __future__ import annotations

import datetime as dt

from bot.answers.reply import Reply
from bot.answers.views import MarketViews
from bot.core import calendars
from bot.core.universe import EXCHANGE_LABEL, Universe
from bot.refresh import last_refresh_attempt, next_refresh_at
from bot.sources.base import Clock
from bot.storage.market import MarketStore
from bot.text import market as texts


class StatusAnswers:
    """Answers /status from the stored refresh status and the latest market view."""

    def __init__(
        self,
        views: MarketViews,
        store: MarketStore,
        universe: Universe,
        clock: Clock,
        provider: str,
        refresh_every: dt.timedelta,
    ) -> None:
        self.views = views
        self.store = store
        self.universe = universe
        self.clock = clock
        self.provider = provider
        self.refresh_every = refresh_every

    async def status(self, next_refresh: dt.datetime | None, lang: str = "en") -> Reply:
        """Provider, last and next refresh, newest bar and open/closed per market."""
        view = await self.views.latest()
        refresh = await self.store.load_refresh_status()
        now = self.clock()
        open_now = {ex: calendars.is_open(ex, now) for ex in EXCHANGE_LABEL}
        when = None
        if next_refresh is not None:  # the refresh job runs: when will it have work?
            planned = next_refresh_at(
                max(now, next_refresh),
                await last_refresh_attempt(self.store),
                (self.universe.exchange(symbol) for symbol in self.universe.all_symbols),
                self.refresh_every,
            )
            when = planned.astimezone(dt.UTC).isoformat(timespec="minutes")
        text = texts.status_text(
            view.snapshot if view else None,
            refresh,
            open_now,
            when,
            self.provider,
            failure=await self.store.load_refresh_failure(),
            lang=lang,
        )
        return Reply(text)
