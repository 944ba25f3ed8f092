"""Market answers: /rally, /index, /basket, /chart and /compare from the latest market view."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime as dt
import logging

from bot.analytics.baskets import sector_value_changes
from bot.analytics.model import Snapshot
from bot.analytics.periods import Period, period_key
from bot.analytics.view import MarketView, range_view
from bot.answers import chartdata
from bot.answers.reply import Button, Chart, Reply, period_buttons, share_button
from bot.answers.views import MarketViews
from bot.commands.callbacks import ButtonAction, encode
from bot.commands.inline import inline_query_for
from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    HeatmapRequest,
    IndexRequest,
    RallyRequest,
    require_range_in_data,
)
from bot.core import calendars
from bot.core.errors import UserError
from bot.core.universe import EXCHANGE_LABEL, FX_MARKET, Universe
from bot.refresh import market_today
from bot.sources.base import Clock
from bot.text import market as texts
from bot.text.i18n import t

logger = logging.getLogger(__name__)

RANGE_VIEWS_KEPT = 16
"""Date-range views kept, least recently used dropped: a few are popular, the rest rare."""
BASKET_PAGE_SIZE = 10


class MarketAnswers:
    """Answers every read-only market question from the latest market view."""

    def __init__(
        self, views: MarketViews, universe: Universe, clock: Clock, stale_after: dt.timedelta
    ) -> None:
        self.views = views
        self.universe = universe
        self.clock = clock
        self.stale_after = stale_after
        # Newest last; each holds a whole view (bars as of its end, its charts' data).
        self._range_views: collections.OrderedDict[tuple[int, str], MarketView] = (
            collections.OrderedDict()
        )

    def known_symbols(self) -> list[str]:
        """Every symbol a user may name directly."""
        return self.universe.price_symbols

    def today(self) -> dt.date:
        """Today's date where the covered markets' day starts first (the latest a range may
        start)."""
        return market_today(self.clock())

    async def view_for(self, period: Period) -> MarketView:
        """The latest view for `period`: a date range's is computed from the stored bars once
        per (range, snapshot version); UserError when the range starts before the data."""
        view = await self.views.current()
        if isinstance(period, str):
            return view
        require_range_in_data(period, view.first_day)
        key = (view.version, period.key)
        held = self._range_views.get(key)
        if held is not None:
            self._range_views.move_to_end(key)
            return held
        # Tens of milliseconds of pandas: off the event loop.
        ranged = await asyncio.to_thread(range_view, view, self.universe, period)
        self._range_views[key] = ranged
        while len(self._range_views) > RANGE_VIEWS_KEPT:  # anyone may ask for any range
            self._range_views.popitem(last=False)
        return ranged

    async def rally(self, request: RallyRequest, lang: str = "en") -> Reply:
        """The /rally answer: caption, chart and period buttons."""
        period = request.period
        view = await self.view_for(period)
        warnings = self.stale_warnings(view.snapshot, lang)

        def caption_now() -> str:
            return texts.rally_caption(view.snapshot, self.universe, period, warnings, lang=lang)

        # Without a staleness warning the caption depends on the view alone: the warm path's
        # most frequent answer is then written once per snapshot version.
        caption = (
            caption_now()
            if warnings
            else view.memo(f"caption:rally:{period_key(period)}:{lang}", caption_now)
        )
        buttons = period_buttons(ButtonAction("rally", period))
        share = share_button(inline_query_for(request), lang)
        return Reply(caption, self.rally_chart(view, period, lang), (*buttons, share))

    def rally_chart(self, view: MarketView, period: Period, lang: str = "en") -> Chart:
        """The /rally chart alone (the digest sends it with its own caption)."""
        name = f"rally:{period_key(period)}:{lang}:v{view.version}"
        spec = view.memo(name, lambda: chartdata.rally_chart(view, self.universe, period, lang))
        return Chart(name, spec)

    async def index(self, request: IndexRequest, lang: str = "en") -> Reply:
        """One index: close, every period's return, a chart of the period."""
        key, period = request.key, request.period
        view = await self.view_for(period)
        caption = texts.index_caption(view.snapshot, self.universe, key, period, lang=lang)
        name = f"index:{key}:{period_key(period)}:{lang}:v{view.version}"
        spec = view.memo(
            name, lambda: chartdata.index_chart(view, self.universe, key, period, lang)
        )
        buttons = period_buttons(ButtonAction("index", period, (key,)))
        share = share_button(inline_query_for(request), lang)
        return Reply(caption, Chart(name, spec), (*buttons, share))

    async def basket(self, request: BasketRequest, page: int = 0, lang: str = "en") -> Reply:
        """Members by contribution, paged; a bar chart of every member's USD change."""
        key, period = request.key, request.period
        view = await self.view_for(period)
        moves = view.snapshot.baskets[key].moves[period_key(period)]
        sectors = sector_value_changes(self.universe.baskets[key], moves)
        text, pages = texts.basket_page(
            view.snapshot, key, period, page, BASKET_PAGE_SIZE, lang=lang, sectors=sectors
        )
        action = ButtonAction("basket", period, (key,))
        rows = list(period_buttons(action))
        if pages > 1:
            nav = []
            if page > 0:
                previous = dataclasses.replace(action, page=page - 1)
                nav.append(Button(t(lang, "button.prev"), encode(previous)))
            if page < pages - 1:
                following = dataclasses.replace(action, page=page + 1)
                nav.append(Button(t(lang, "button.next"), encode(following)))
            rows.append(tuple(nav))
        rows.append(share_button(inline_query_for(request), lang))
        if page:
            return Reply(text, None, tuple(rows))
        name = f"basket:{key}:{period_key(period)}:{lang}:v{view.version}"
        spec = view.memo(
            name, lambda: chartdata.basket_chart(view, self.universe, key, period, lang)
        )
        return Reply(text, Chart(name, spec), tuple(rows))

    async def heatmap(self, request: HeatmapRequest, lang: str = "en") -> Reply:
        """A treemap of the basket's members by sector: sized by USD value, coloured by return."""
        key, period = request.key, request.period
        view = await self.view_for(period)
        basket = view.snapshot.baskets[key]
        if not any(value > 0 for value in basket.values.values()):
            raise UserError("heatmap.no_values", name=basket.name)
        name = f"heatmap:{key}:{period_key(period)}:{lang}:v{view.version}"
        spec = view.memo(
            name, lambda: chartdata.heatmap_chart(view, self.universe, key, period, lang)
        )
        caption = "\n".join(
            (
                texts.heatmap_caption(basket.name, period, lang),
                texts.markets_line(view.snapshot, lang),
                texts.source_line(view.snapshot.provider, lang),
            )
        )
        buttons = period_buttons(ButtonAction("heatmap", period, (key,)))
        share = share_button(inline_query_for(request), lang)
        return Reply(caption, Chart(name, spec), (*buttons, share))

    async def chart(self, request: ChartRequest, lang: str = "en") -> Reply:
        """Up to six series rebased to 100 at the period's base."""
        names, period = tuple(request.names), request.period
        view = await self.view_for(period)
        name = f"chart:{','.join(names)}:{period_key(period)}:{lang}:v{view.version}"
        spec = view.memo(
            name, lambda: chartdata.lines_chart(view, self.universe, names, period, lang)
        )
        labels = [chartdata.label(self.universe, n) for n in names]
        missing = [lbl for lbl, line in zip(labels, spec.lines, strict=True) if line.values.empty]
        if len(missing) == len(labels):
            raise UserError(
                "data.no_series", names=", ".join(missing), period=texts.period_name(period, lang)
            )
        caption = texts.chart_caption(
            labels, period, view.snapshot.provider, self._as_of(view.snapshot, lang), lang=lang
        )
        return Reply(caption, Chart(name, spec), (share_button(inline_query_for(request), lang),))

    async def compare(self, request: CompareRequest, lang: str = "en") -> Reply:
        """The spread A minus B over the period, in percentage points."""
        first, second, period = request.first, request.second, request.period
        view = await self.view_for(period)
        key = period_key(period)
        labels = (chartdata.label(self.universe, first), chartdata.label(self.universe, second))
        lines = view.memo(
            f"compare-lines:{first}:{second}:{key}",
            lambda: (
                chartdata.series(view, self.universe, first, key),
                chartdata.series(view, self.universe, second, key),
            ),
        )
        missing = [text for text, line in zip(labels, lines, strict=True) if line.empty]
        if missing:
            raise UserError(
                "data.no_series", names=", ".join(missing), period=texts.period_name(period, lang)
            )
        snapshot = view.snapshot
        returns = (
            chartdata.period_return(snapshot, self.universe, first, key),
            chartdata.period_return(snapshot, self.universe, second, key),
        )
        caption = texts.compare_caption(
            (first, second),
            labels,
            returns,
            period,
            snapshot.provider,
            self._as_of(snapshot, lang),
            lang=lang,
        )
        name = f"compare:{first}:{second}:{key}:{lang}:v{view.version}"
        spec = view.memo(
            name,
            lambda: chartdata.spread_chart(
                view, self.universe, first, second, period, lines, lang
            ),
        )
        buttons = period_buttons(ButtonAction("compare", period, (first, second)))
        share = share_button(inline_query_for(request), lang)
        return Reply(caption, Chart(name, spec), (*buttons, share))

    @staticmethod
    def _as_of(snapshot: Snapshot, lang: str) -> str:
        """Each market's newest bar for a caption; the snapshot date before any market has one."""
        return texts.market_dates(snapshot, lang) or snapshot.as_of

    def stale_warnings(self, snapshot: Snapshot, lang: str = "en") -> list[str]:
        """One line per market that is open now but whose data is older than the limit."""
        generated = dt.datetime.fromisoformat(snapshot.generated_at)
        now = self.clock()
        if now - generated <= self.stale_after:
            return []
        age_minutes = int((now - generated).total_seconds() // 60)
        return [
            t(lang, "market.stale", market=texts.exchange_label(ex, lang), minutes=age_minutes)
            for ex in EXCHANGE_LABEL
            if ex != FX_MARKET and calendars.is_open(ex, now)
        ]
