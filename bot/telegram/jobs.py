"""The repeating jobs: refresh market data when due, send the digests that are due.

A refresh in this process hands its new market view to the answers and the alert
evaluator directly; nothing reloads what was just computed.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from telegram import Bot

from bot.analytics.view import MarketView
from bot.answers.views import MarketViews
from bot.chatops.service import AlertPass, ChatOpsService
from bot.core.errors import DataError
from bot.core.metrics import (
    ALERTS_FIRED,
    DIGESTS,
    REFRESH_SECONDS,
    REFRESHES,
    SYMBOL_FAILURES,
)
from bot.refresh import last_refresh_attempt, load_health, refresh_market, refresh_plan
from bot.runtime import Runtime
from bot.telegram.context import Context
from bot.telegram.memory import release_free_memory

logger = logging.getLogger(__name__)

REFRESH_JOB = "refresh"
DIGEST_JOB = "digests"
REFRESH_LOCK_SECONDS = 600
REFRESH_CHECK_SECONDS = 60

RefreshDue = tuple[str, list[str] | None, bool]
"""Why to refresh, which symbols (None: all), and whether it only retries failing ones."""


async def due_refresh(runtime: Runtime) -> RefreshDue | None:
    """What to refresh now; None when nothing is due."""
    store = runtime.store
    now = runtime.clock()
    universe = runtime.universe
    plan = refresh_plan(
        now,
        await last_refresh_attempt(store),
        (universe.exchange(symbol) for symbol in universe.all_symbols),
        dt.timedelta(seconds=runtime.settings.refresh_seconds),
    )
    if plan is not None:
        return plan.reason, plan.symbols(universe), False
    everything = set(universe.all_symbols)
    retry = [
        symbol
        for symbol, record in (await load_health(store)).items()
        if symbol in everything and record.next_attempt <= now
    ]
    return ("retrying failed symbols", retry, True) if retry else None


class Jobs:
    """The job callbacks, bound to what they use."""

    def __init__(self, runtime: Runtime, views: MarketViews, chatops: ChatOpsService) -> None:
        self.runtime = runtime
        self.views = views
        self.chatops = chatops

    async def refresh(self, context: Context) -> None:
        """Refresh market data when due, or retry failing symbols whose wait is over; then
        evaluate the alerts on the new snapshot, and start sending what fired."""
        runtime, store = self.runtime, self.runtime.store
        due = await due_refresh(runtime)
        if due is None:
            return
        reason, only, retry = due
        owner = uuid.uuid4().hex
        if not await store.try_lock_refresh(owner, REFRESH_LOCK_SECONDS):
            logger.info("Another process is refreshing; skipping this round")
            return
        logger.info("Refreshing: %s", reason)
        try:
            report = await refresh_market(
                runtime.provider,
                store,
                runtime.universe,
                runtime.clock(),
                runtime.settings.history_days,
                only=only,
                retry=retry,
            )
        except DataError as exc:
            logger.warning("Refresh failed: %s", exc)
            REFRESHES.labels(runtime.provider.name, "failed").inc()
            return
        finally:
            await store.unlock_refresh(owner)
        source = runtime.provider.name
        REFRESHES.labels(source, "ok").inc()
        REFRESH_SECONDS.labels(source).observe(report.seconds)
        SYMBOL_FAILURES.labels(source).inc(len(report.failures))
        if report.view is None:
            return
        self.views.adopt(report.view)
        checked = await self.chatops.record_alerts(report.view)
        if len(checked.batch):
            # Sent apart from this job: a large batch takes minutes at Telegram's 30 messages
            # a second, and the next refresh must not wait for it.
            context.application.create_task(
                self._send_alerts(context.bot, report.view, checked), name="alert messages"
            )
        release_free_memory()

    async def _send_alerts(self, bot: Bot, view: MarketView, checked: AlertPass) -> None:
        fired = await self.chatops.send_firings(bot, view, checked)
        ALERTS_FIRED.inc(fired)
        if fired:
            logger.info("Sent %d alert messages", fired)

    async def digests(self, context: Context) -> None:
        """Send the digests that are due, and alert messages another process left unsent;
        draw the charts of the digests due next."""
        sent = await self.chatops.dispatch_digests(context.bot)
        DIGESTS.inc(sent)
        if sent:
            logger.info("Sent %d digests", sent)
        # Alert messages a stopped process recorded and never sent: this tick is the soonest.
        ALERTS_FIRED.inc(await self.chatops.resend_lapsed_firings(context.bot))
        await self.chatops.prepare_digests()
