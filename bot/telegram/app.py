"""Wiring: build the PTB Application with every handler family, job and limit in one place."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.constants import FloodLimit
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.answers.inline import InlineAnswers
from bot.answers.market import MarketAnswers
from bot.answers.status import StatusAnswers
from bot.answers.views import MarketViews
from bot.chatops.service import ChatOpsService
from bot.commands.menu import COMMANDS
from bot.runtime import Runtime
from bot.storage.leases import Lease
from bot.telegram.context import BotData, Services
from bot.telegram.health import health_server
from bot.telegram.jobs import DIGEST_JOB, REFRESH_CHECK_SECONDS, REFRESH_JOB, Jobs
from bot.telegram.memory import keep_for_good, release_free_memory
from bot.telegram.outbound import Outbound
from bot.telegram.pacing import PacedRateLimiter
from bot.telegram.polling import PollingLeader
from bot.telegram.transport import JsonBodyRequest
from handlers import chatops as chatops_handlers
from handlers import general as general_handlers
from handlers import inline as inline_handlers
from handlers import market as market_handlers
from handlers.common import on_error

logger = logging.getLogger(__name__)

RENDER_THREADS = 1
"""Threads charts are drawn on. matplotlib holds the GIL for most of a render, so a second
thread barely speeds one up, and every thread that draws keeps its own fonts and caches:
about 15 MB more per thread (measured), which the default pool of up to six would pay."""


@dataclass(frozen=True)
class RateLimits:
    """Telegram's flood limits, as the send pacer applies them; injectable for tests."""

    overall_per_second: float = FloodLimit.MESSAGES_PER_SECOND
    group_per_period: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP
    group_period_seconds: float = 60
    max_retries: int = 3

    def limiter(self) -> PacedRateLimiter:
        """A fresh rate limiter that keeps every window within these limits."""
        return PacedRateLimiter(
            self.overall_per_second,
            self.group_per_period,
            self.group_period_seconds,
            self.max_retries,
        )


def file_url_for(base_url: str) -> str:
    """Telegram's file URL beside its API URL (…/bot -> …/file/bot)."""
    root, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{root}/file/{tail}"


def build_application(
    runtime: Runtime,
    rate_limits: RateLimits | None = None,
    schedule_refresh: bool = True,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot: every handler family, the error handler, the refresh job and the limiter."""
    settings = runtime.settings
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_url_for(settings.telegram_api_base_url))
        .rate_limiter((rate_limits or RateLimits()).limiter())
        .request(JsonBodyRequest(read_timeout=settings.telegram_read_timeout))
        .concurrent_updates(True)
        .context_types(ContextTypes(bot_data=BotData))
        .build()
    )
    views = MarketViews(runtime.store, runtime.universe)
    market = MarketAnswers(
        views,
        runtime.universe,
        runtime.clock,
        dt.timedelta(minutes=settings.stale_after_minutes),
    )
    outbound = Outbound(
        runtime.store,
        runtime.chats,
        ThreadPoolExecutor(RENDER_THREADS, thread_name_prefix="rallybot-chart"),
        settings.inline_upload_chat_id,
    )
    chatops = ChatOpsService(
        runtime.chats, views, market, outbound, runtime.universe, runtime.clock
    )
    status = StatusAnswers(
        views,
        runtime.store,
        runtime.universe,
        runtime.clock,
        runtime.provider.name,
        dt.timedelta(seconds=settings.refresh_seconds),
    )
    inline = InlineAnswers(market, runtime.store, dt.timedelta(seconds=settings.refresh_seconds))
    application.bot_data.services = Services(
        runtime.universe, views, market, status, chatops, runtime.chats, outbound, inline
    )
    # The families in order: market and chat-ops commands, then help and the fallback.
    market_handlers.register(application)
    chatops_handlers.register(application)
    inline_handlers.register(application)
    general_handlers.register(application)
    general_handlers.register_fallback(application)
    application.add_error_handler(on_error)
    jobs = application.job_queue
    assert jobs is not None  # installed with the job-queue extra
    callbacks = Jobs(runtime, views, chatops)
    if schedule_refresh:
        # The job only checks what is due; the plan keeps requests to the budget.
        jobs.run_repeating(
            callbacks.refresh,
            interval=min(REFRESH_CHECK_SECONDS, settings.refresh_seconds),
            first=1,
            name=REFRESH_JOB,
        )
    jobs.run_repeating(
        callbacks.digests, interval=settings.digest_tick_seconds, first=0.5, name=DIGEST_JOB
    )
    logger.info("Registered commands: %s", ", ".join(f"/{c.name}" for c in COMMANDS))
    return application


async def start_bot(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Start an initialized Application and publish its command menu.

    PTB runs `post_init` only from run_polling/run_webhook; rallybot starts the Application
    itself (polling, webhook, demo, tests), so the menu is published here instead.
    """
    await application.start()
    await publish_command_menu(application)
    keep_for_good()
    release_free_memory()


async def publish_command_menu(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Tell Telegram the command menu for private chats and groups, in English and Chinese."""
    for scope, lang in (
        (BotCommandScopeAllPrivateChats(), None),
        (BotCommandScopeAllGroupChats(), None),
        (BotCommandScopeAllPrivateChats(), "zh"),
        (BotCommandScopeAllGroupChats(), "zh"),
    ):
        commands = [BotCommand(c.name, c.zh if lang else c.en) for c in COMMANDS]
        await application.bot.set_my_commands(commands, scope=scope, language_code=lang)


SHUTDOWN_DRAIN_SECONDS = 8.0
"""How long a stopping process waits for its sends under way (within Docker's 10 s)."""


async def run_until_stopped(
    application: Application[Any, Any, Any, Any, Any, Any],
    runtime: Runtime,
    stop: asyncio.Event | None = None,
) -> None:
    """Start polling (or the webhook when configured) and run until `stop` or SIGINT/SIGTERM."""
    settings = runtime.settings
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
    async with application, contextlib.AsyncExitStack() as serving:
        updater = application.updater
        assert updater is not None
        await start_bot(application)
        if settings.metrics_port:
            views = application.bot_data.services.views
            await serving.enter_async_context(
                health_server(runtime, views, settings.metrics_listen, settings.metrics_port)
            )
        try:
            if settings.webhook_url:
                secret = (
                    settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
                )
                await updater.start_webhook(
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    url_path="telegram",
                    webhook_url=settings.webhook_url,
                    secret_token=secret,
                    allowed_updates=Update.ALL_TYPES,
                )
                logger.info("rallybot is running (webhook)")
                await stop.wait()
            else:
                # Any number of processes may run: the one holding the lease polls.
                lease = Lease(runtime.redis, runtime.keys.lease("poller"))
                leader = PollingLeader(lease, updater, settings.poll_lease_seconds)
                logger.info("rallybot is running (polling when it holds the poller lease)")
                await leader.run(stop)
        finally:
            if updater.running:
                await updater.stop()
            # SIGTERM: no new digests; those claimed and not started are due again at once
            # for another process; the sends under way finish before the jobs are stopped
            # (stopping cancels them, and a cancelled send may still have arrived).
            await application.bot_data.services.chatops.drain(SHUTDOWN_DRAIN_SECONDS)
            if application.running:
                await application.stop()
