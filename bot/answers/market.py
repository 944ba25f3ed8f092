"""What handlers and jobs call: one function per question, returning a ready-to-send Reply."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bot.analytics.baskets import usd_per_unit
from bot.analytics.periods import PERIODS, price_anchors, rebased
from bot.analytics.series import basket_value_series, spread_series
from bot.analytics.snapshot import Snapshot
from bot.commands.callbacks import ButtonAction, encode
from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    IndexRequest,
    RallyRequest,
)
from bot.core import calendars
from bot.core.errors import UserError
from bot.core.universe import EXCHANGE_LABEL, FX_MARKET
from bot.refresh import last_refresh_attempt, next_refresh_at, with_defaults
from bot.runtime import Runtime
from bot.sources.base import SymbolMeta
from bot.text import market as texts
from bot.text.formatting import fmt_pct
from bot.text.i18n import t
from charts import (
    Bar,
    ChartFrame,
    Line,
    render_bars_chart,
    render_lines_chart,
    render_rally_chart,
    render_spread_chart,
)

logger = logging.getLogger(__name__)

BASKET_PAGE_SIZE = 10
RENDER_CONCURRENCY = 2


@dataclass(frozen=True)
class Button:
    """An inline button: its label and its callback data (at most 64 bytes)."""

    text: str
    data: str


@dataclass(frozen=True)
class Chart:
    """A chart to attach: a cache name unique per snapshot version, and how to draw it."""

    name: str
    render: Callable[[], bytes]


@dataclass(frozen=True)
class Reply:
    """Everything one answer sends: HTML text (a caption when there is a chart)."""

    text: str
    chart: Chart | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass
class _MarketView:
    """Bars and metadata for one snapshot version, kept in memory between requests."""

    version: int
    snapshot: Snapshot
    closes: pd.DataFrame
    meta: dict[str, SymbolMeta]
    anchors: pd.DataFrame
    rates: dict[str, pd.Series] = field(default_factory=dict)


def period_buttons(action: ButtonAction) -> tuple[tuple[Button, ...], ...]:
    """One row of 1D · 5D · MTD · YTD · 1Y buttons for `action`; its period is marked."""
    return (
        tuple(
            Button(f"• {p} •" if p == action.period else p, encode(action.with_period(p)))
            for p in PERIODS
        ),
    )


class RallyService:
    """Answers every read-only question from the stored snapshot and bars."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.universe = runtime.universe
        self._view: _MarketView | None = None
        self._view_lock = asyncio.Lock()
        self.render_slots = asyncio.Semaphore(RENDER_CONCURRENCY)

    async def snapshot(self) -> Snapshot:
        """The latest snapshot; UserError when no refresh has completed yet."""
        return (await self._market()).snapshot

    async def _market(self) -> _MarketView:
        store = self.runtime.store
        version = await store.snapshot_version()
        if self._view is not None and self._view.version == version:
            return self._view
        async with self._view_lock:
            if self._view is not None and self._view.version == version:
                return self._view
            snapshot = await store.load_snapshot()
            if snapshot is None:
                raise UserError("data.not_ready")
            closes = await store.read_closes(self.universe.all_symbols)
            meta = with_defaults(await store.read_meta(self.universe.price_symbols), self.universe)
            as_of = pd.Timestamp(snapshot["as_of"])
            # Once per snapshot version, but tens of milliseconds of pandas: off the loop.
            anchors = await asyncio.to_thread(price_anchors, closes, as_of)
            rates = usd_per_unit(closes.loc[closes.index <= as_of], self.universe.fx)
            self._view = _MarketView(
                int(snapshot.get("version", version)), snapshot, closes, meta, anchors, rates
            )
            return self._view

    def known_symbols(self) -> list[str]:
        """Every symbol a user may name directly."""
        return self.universe.price_symbols

    # ---- /rally -------------------------------------------------------------------------
    async def rally(self, request: RallyRequest, lang: str = "en") -> Reply:
        """The /rally answer: caption, chart and period buttons."""
        view = await self._market()
        period = request.period
        caption = texts.rally_caption(
            view.snapshot,
            self.universe,
            period,
            self.stale_warnings(view.snapshot, lang),
            lang=lang,
        )
        return Reply(
            caption, self._rally_chart(view, period), period_buttons(ButtonAction("rally", period))
        )

    async def rally_chart(self, period: str) -> Chart:
        """The /rally chart alone (the digest sends it with its own caption)."""
        return self._rally_chart(await self._market(), period)

    def _rally_chart(self, view: _MarketView, period: str) -> Chart:
        return Chart(
            f"rally:{period}:v{view.version}", functools.partial(self._draw_rally, view, period)
        )

    def _frame(self, view: _MarketView, title: str) -> ChartFrame:
        demo = view.snapshot["provider"] == "demo"
        return ChartFrame(
            title=title,
            subtitle=texts.markets_line(view.snapshot),
            source=texts.chart_source(view.snapshot["provider"]),
            demo=demo,
        )

    def _rebased_line(self, view: _MarketView, symbol: str, period: str) -> pd.Series:
        if symbol not in view.anchors.index:
            return pd.Series(dtype=float)
        base = view.anchors.at[symbol, f"{period}_date"]
        if pd.isna(base):
            return pd.Series(dtype=float)
        as_of = view.anchors.at[symbol, "date"]
        return rebased(view.closes[symbol], pd.Timestamp(base), pd.Timestamp(as_of))

    def _draw_rally(self, view: _MarketView, period: str) -> bytes:
        rally = self.universe.rally
        lines = []
        for key in (*rally.boards, rally.benchmark):
            spec = self.universe.indices[key]
            info = view.snapshot["instruments"].get(spec.symbol)
            change = fmt_pct(info["returns"][period]) if info else "n/a"
            lines.append(
                Line(
                    f"{spec.name} {change}",
                    self._rebased_line(view, spec.symbol, period),
                    "benchmark" if key == rally.benchmark else "board",
                )
            )
        basket = view.snapshot["baskets"][rally.basket]
        moves = basket["moves"][period]
        picked = moves[:5] + [m for m in moves[-3:] if m not in moves[:5]]
        bars = [Bar(m["name"], m["value_change_usd"]) for m in picked]
        return render_rally_chart(
            self._frame(view, f"China tech rally · {period}"),
            lines,
            bars,
            f"{basket['name']}: biggest USD value changes",
        )

    # ---- /index -------------------------------------------------------------------------
    async def index(self, request: IndexRequest, lang: str = "en") -> Reply:
        """One index: close, every period's return, a chart of the period."""
        view = await self._market()
        spec = self.universe.indices[request.key]
        caption = texts.index_caption(
            view.snapshot, self.universe, request.key, request.period, lang=lang
        )
        chart = Chart(
            f"index:{request.key}:{request.period}:v{view.version}",
            functools.partial(self._draw_index, view, spec.symbol, spec.name, request.period),
        )
        return Reply(
            caption, chart, period_buttons(ButtonAction("index", request.period, (request.key,)))
        )

    def _draw_index(self, view: _MarketView, symbol: str, name: str, period: str) -> bytes:
        series = pd.Series(dtype=float)
        if symbol in view.anchors.index and not pd.isna(view.anchors.at[symbol, f"{period}_date"]):
            base = pd.Timestamp(view.anchors.at[symbol, f"{period}_date"])
            as_of = pd.Timestamp(view.anchors.at[symbol, "date"])
            column = view.closes[symbol]
            series = column.loc[(column.index >= base) & (column.index <= as_of)].dropna()
        return render_lines_chart(
            self._frame(view, f"{name} · {period}"), [Line(name, series)], "close"
        )

    # ---- /basket ------------------------------------------------------------------------
    async def basket(self, request: BasketRequest, page: int = 0, lang: str = "en") -> Reply:
        """Members by contribution, paged; a bar chart of every member's USD change."""
        view = await self._market()
        text, pages = texts.basket_page(
            view.snapshot, request.key, request.period, page, BASKET_PAGE_SIZE, lang=lang
        )
        action = ButtonAction("basket", request.period, (request.key,))
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
        chart = Chart(
            f"basket:{request.key}:{request.period}:v{view.version}",
            functools.partial(self._draw_basket, view, request.key, request.period),
        )
        return Reply(text, chart if page == 0 else None, tuple(rows))

    def _draw_basket(self, view: _MarketView, key: str, period: str) -> bytes:
        basket = view.snapshot["baskets"][key]
        bars = [Bar(m["name"], m["value_change_usd"]) for m in basket["moves"][period]]
        return render_bars_chart(
            self._frame(view, f"{basket['name']} · {period}"),
            bars,
            "USD market-value change by member",
        )

    # ---- /chart -------------------------------------------------------------------------
    def _label(self, name: str) -> str:
        if name in self.universe.indices:
            return self.universe.indices[name].name
        if name in self.universe.baskets:
            return self.universe.baskets[name].name
        return name

    def _series(self, view: _MarketView, name: str, period: str) -> pd.Series:
        if name in self.universe.indices:
            return self._rebased_line(view, self.universe.indices[name].symbol, period)
        if name in self.universe.baskets:
            members = self.universe.baskets[name].members
            dates = view.anchors.reindex(list(members))[f"{period}_date"].dropna()
            if dates.empty:
                return pd.Series(dtype=float)
            as_of = pd.Timestamp(view.snapshot["as_of"])
            values = basket_value_series(
                view.closes, members, view.meta, view.rates, pd.Timestamp(dates.min()), as_of
            )
            return values / values.iloc[0] * 100.0 if not values.empty else values
        return self._rebased_line(view, name, period)

    def _as_of(self, view: _MarketView, lang: str) -> str:
        """Each market's newest bar for a caption; the snapshot date before any market has one."""
        return texts.market_dates(view.snapshot, lang) or str(view.snapshot["as_of"])

    async def chart(self, request: ChartRequest, lang: str = "en") -> Reply:
        """Up to six series rebased to 100 at the period's base."""
        view = await self._market()
        labels = [self._label(n) for n in request.names]
        lines = [
            Line(
                f"{label} {self._period_change(view, name, request.period)}",
                self._series(view, name, request.period),
            )
            for name, label in zip(request.names, labels, strict=True)
        ]
        missing = [label for label, line in zip(labels, lines, strict=True) if line.values.empty]
        if len(missing) == len(lines):
            raise UserError("data.no_series", names=", ".join(missing), period=request.period)
        caption = texts.chart_caption(
            labels, request.period, view.snapshot["provider"], self._as_of(view, lang), lang=lang
        )
        name = f"chart:{','.join(request.names)}:{request.period}:v{view.version}"
        frame = self._frame(view, f"{' vs '.join(labels)} · {request.period}")
        chart = Chart(
            name,
            functools.partial(render_lines_chart, frame, lines, "rebased = 100", reference=100.0),
        )
        return Reply(caption, chart)

    def _period_change(self, view: _MarketView, name: str, period: str) -> str:
        if name in self.universe.baskets:
            stats = view.snapshot["baskets"][name]["returns"][period]
            return fmt_pct(stats["cap"])
        return fmt_pct(self._return(view, name, period))

    # ---- /compare -----------------------------------------------------------------------
    async def compare(self, request: CompareRequest, lang: str = "en") -> Reply:
        """The spread A minus B over the period, in percentage points."""
        view = await self._market()
        names = (request.first, request.second)
        labels = (self._label(request.first), self._label(request.second))
        series = [self._series(view, n, request.period) for n in names]
        if any(s.empty for s in series):
            missing = ", ".join(lbl for lbl, s in zip(labels, series, strict=True) if s.empty)
            raise UserError("data.no_series", names=missing, period=request.period)
        spread = spread_series(series[0] / 100 - 1, series[1] / 100 - 1) * 100
        returns = tuple(self._return(view, n, request.period) for n in names)
        caption = texts.compare_caption(
            names,
            labels,
            (returns[0], returns[1]),
            request.period,
            view.snapshot["provider"],
            self._as_of(view, lang),
            lang=lang,
        )
        frame = self._frame(view, f"{labels[0]} minus {labels[1]} · {request.period}")
        chart = Chart(
            f"compare:{names[0]}:{names[1]}:{request.period}:v{view.version}",
            functools.partial(render_spread_chart, frame, spread, f"{labels[0]} − {labels[1]}"),
        )
        buttons = period_buttons(ButtonAction("compare", request.period, (names[0], names[1])))
        return Reply(caption, chart, buttons)

    def _return(self, view: _MarketView, name: str, period: str) -> float | None:
        symbol = self.universe.indices[name].symbol if name in self.universe.indices else name
        info = view.snapshot["instruments"].get(symbol)
        return None if info is None else info["returns"].get(period)

    # ---- /status ------------------------------------------------------------------------
    async def status(self, next_refresh: dt.datetime | None, lang: str = "en") -> Reply:
        """Provider, last and next refresh, newest bar and open/closed per market."""
        store = self.runtime.store
        snapshot = await store.load_snapshot()
        refresh = await store.load_refresh_status()
        now = self.runtime.clock()
        open_now = {ex: calendars.is_open(ex, now) for ex in EXCHANGE_LABEL}
        when = None
        if next_refresh is not None:  # the refresh job runs: when will it have work?
            universe = self.universe
            planned = next_refresh_at(
                max(now, next_refresh),
                await last_refresh_attempt(store),
                (universe.exchange(symbol) for symbol in universe.all_symbols),
                dt.timedelta(seconds=self.runtime.settings.refresh_seconds),
            )
            when = planned.astimezone(dt.UTC).isoformat(timespec="minutes")
        failure = await store.load_refresh_failure()
        text = texts.status_text(
            snapshot,
            refresh,
            open_now,
            when,
            self.runtime.provider.name,
            failure=failure,
            lang=lang,
        )
        return Reply(text)

    def stale_warnings(self, snapshot: Mapping[str, Any], lang: str = "en") -> list[str]:
        """One line per market that is open now but whose data is older than the limit."""
        generated = dt.datetime.fromisoformat(snapshot["generated_at"])
        now = self.runtime.clock()
        limit = dt.timedelta(minutes=self.runtime.settings.stale_after_minutes)
        if now - generated <= limit:
            return []
        age_minutes = int((now - generated).total_seconds() // 60)
        return [
            t(lang, "market.stale", market=texts.exchange_label(ex, lang), minutes=age_minutes)
            for ex in EXCHANGE_LABEL
            if ex != FX_MARKET and calendars.is_open(ex, now)
        ]
