"""Wiring: build the PTB Application with every handler family, job and limit in one place."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import logging
import signal
import uuid
from dataclasses import dataclass
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.constants import FloodLimit, ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes

from bot.answers.market import RallyService
from bot.chatops.service import ChatOpsService
from bot.commands.menu import COMMANDS
from bot.core.errors import DataError
from bot.refresh import last_refresh_attempt, load_health, refresh_market, refresh_plan
from bot.runtime import Runtime
from bot.telegram.outbound import Outbound
from bot.text.i18n import t
from handlers import chatops as chatops_handlers
from handlers import general as general_handlers
from handlers import market as market_handlers
from handlers.common import language, user_language

logger = logging.getLogger(__name__)

REFRESH_JOB = "refresh"
DIGEST_JOB = "digests"
REFRESH_LOCK_SECONDS = 600
REFRESH_CHECK_SECONDS = 60


@dataclass(frozen=True)
class RateLimits:
    """Telegram's flood limits as PTB's AIORateLimiter applies them; injectable for tests."""

    overall_per_second: float = FloodLimit.MESSAGES_PER_SECOND
    group_per_period: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP
    group_period_seconds: float = 60
    max_retries: int = 3

    def limiter(self) -> AIORateLimiter:
        """A fresh AIORateLimiter that keeps every window within these limits.

        aiolimiter's leaky bucket holds `max_rate` and drains `max_rate` per period, so with
        Telegram's figures passed straight through a burst plus the drain could send twice
        the limit within one window. Overall we pass one message at a time at the limit's
        pace (bursts buy nothing there); per group we allow a burst of half the limit and
        drain the other half over the period, so no window ever holds more than the limit.
        """
        overall_interval = 1.0 / max(self.overall_per_second - 1, 1.0)
        return AIORateLimiter(
            overall_max_rate=1,
            overall_time_period=overall_interval,
            group_max_rate=max(self.group_per_period / 2, 1.0),
            group_time_period=self.group_period_seconds,
            max_retries=self.max_retries,
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
        .read_timeout(settings.telegram_read_timeout)
        .concurrent_updates(True)
        .build()
    )
    market = RallyService(runtime)
    outbound = Outbound(runtime.store, runtime.chats, market.render_slots)
    application.bot_data["runtime"] = runtime
    application.bot_data["service"] = market
    application.bot_data["outbound"] = outbound
    application.bot_data["chatops"] = ChatOpsService(runtime, market, outbound)
    # The families in order: market and chat-ops commands, then help and the fallback.
    market_handlers.register(application)
    chatops_handlers.register(application)
    general_handlers.register(application)
    general_handlers.register_fallback(application)
    application.add_error_handler(on_error)
    jobs = application.job_queue
    assert jobs is not None  # installed with the job-queue extra
    if schedule_refresh:
        # The job only checks what is due; refresh_reason keeps requests to the budget.
        jobs.run_repeating(
            refresh_job,
            interval=min(REFRESH_CHECK_SECONDS, settings.refresh_seconds),
            first=1,
            name=REFRESH_JOB,
        )
    jobs.run_repeating(
        digest_job, interval=settings.digest_tick_seconds, first=0.5, name=DIGEST_JOB
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


async def refresh_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Refresh market data when due, or retry failing symbols whose wait is over."""
    runtime: Runtime = context.application.bot_data["runtime"]
    store = runtime.store
    plan = await due_refresh(runtime)
    if plan is None:
        return
    reason, only, retry = plan
    owner = uuid.uuid4().hex
    if not await store.try_lock_refresh(owner, REFRESH_LOCK_SECONDS):
        logger.info("Another process is refreshing; skipping this round")
        return
    logger.info("Refreshing: %s", reason)
    try:
        await refresh_market(
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
        return
    finally:
        await store.unlock_refresh(owner)
    chatops: ChatOpsService = context.application.bot_data["chatops"]
    fired = await chatops.run_alerts(context.bot)
    if fired:
        logger.info("Sent %d alert messages", fired)


async def due_refresh(runtime: Runtime) -> tuple[str, list[str] | None, bool] | None:
    """Why to refresh now, which symbols (None: all) and whether it only retries failed
    ones; None when nothing is due."""
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


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the digests that are due."""
    chatops: ChatOpsService = context.application.bot_data["chatops"]
    sent = await chatops.dispatch_digests(context.bot)
    if sent:
        logger.info("Sent %d digests", sent)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every unexpected error with its traceback; tell the user briefly, never the trace."""
    logger.error("Unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None:
        return
    try:
        lang = await language(update, context)
    except Exception:  # the chat store may be what failed; apologise in the user's language
        lang = user_language(update)
    apology = t(lang, "error.internal")
    if update.callback_query is not None:
        with contextlib.suppress(Exception):
            await update.callback_query.answer(apology[:200])
        return
    with contextlib.suppress(Exception):
        await context.bot.send_message(chat.id, html.escape(apology), parse_mode=ParseMode.HTML)


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
    async with application:
        updater = application.updater
        assert updater is not None
        await start_bot(application)
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
            else:
                await updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0)
            mode = "webhook" if settings.webhook_url else "polling"
            logger.info("rallybot is running (%s)", mode)
            await stop.wait()
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
