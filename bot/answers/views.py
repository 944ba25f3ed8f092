"""The one way anything reads market data: the latest view, loaded once per snapshot version."""

from __future__ import annotations

import asyncio
import math
import time

from bot.analytics.view import MarketView, market_view
from bot.core.errors import UserError
from bot.core.universe import Universe
from bot.refresh import stored_market
from bot.storage.market import MarketStore

VERSION_RECHECK_SECONDS = 1.0
"""How long a snapshot stored by another replica may take to show here, at most."""


class MarketViews:
    """Holds the newest market view; a refresh in this process hands its view over directly.

    Another process's new snapshot is noticed by reading the version counter at most once
    per `recheck_seconds`, so a warm answer costs no Redis round trip.
    """

    def __init__(
        self,
        store: MarketStore,
        universe: Universe,
        recheck_seconds: float = VERSION_RECHECK_SECONDS,
    ) -> None:
        self.store = store
        self.universe = universe
        self.recheck_seconds = recheck_seconds
        self._view: MarketView | None = None
        self._checked_at = -math.inf
        self._loading = asyncio.Lock()

    @property
    def held(self) -> MarketView | None:
        """The newest view this process holds, without asking Redis."""
        return self._view

    async def current(self) -> MarketView:
        """The latest view; UserError when no refresh has completed yet."""
        view = await self.latest()
        if view is None:
            raise UserError("data.not_ready")
        return view

    async def latest(self) -> MarketView | None:
        """The latest view, None before the first refresh; reloaded when another process
        stored a newer snapshot."""
        now = time.monotonic()
        if self._view is not None and now - self._checked_at < self.recheck_seconds:
            return self._view
        version = await self.store.snapshot_version()
        self._checked_at = now
        if self._view is not None and self._view.version >= version:
            return self._view
        async with self._loading:
            if self._view is not None and self._view.version >= version:
                return self._view
            snapshot = await self.store.load_snapshot()
            if snapshot is None:
                return None
            closes, meta = await stored_market(self.store, self.universe)
            # Once per version, but tens of milliseconds of pandas: off the event loop.
            view = await asyncio.to_thread(market_view, snapshot, closes, meta, self.universe)
            self.adopt(view)
            return self._view

    def adopt(self, view: MarketView) -> None:
        """Take a view built elsewhere (the refresh that just stored it), if it is newer."""
        if self._view is None or view.version > self._view.version:
            self._view = view
