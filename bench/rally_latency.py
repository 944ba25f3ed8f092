"""/rally latency through the local Bot API server, a bare echo bot for scale, chart renders.

Run: .venv/bin/python bench/rally_latency.py --requests 200   (or ./run bench)
In one run: the time from a person's /rally reaching the local server to the bot's sendPhoto
arriving there, for N sequential requests after one warm-up; the same for a bare PTB echo
bot on the same server; and the cold render time of every chart for every period.
Both bots run with relaxed rate limits so the numbers measure the bot, not the limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from bot.analytics.periods import PERIODS
from bot.answers.market import MarketAnswers
from bot.answers.reply import Reply
from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    IndexRequest,
    RallyRequest,
)
from bot.core.config import Settings
from bot.sandbox.localapi import LocalBotApi, SimChat, SimUser
from bot.sandbox.session import DEMO_TOKEN, DemoSession, until_idle
from bot.telegram.app import RateLimits
from charts.render import render

RELAXED = RateLimits(overall_per_second=1000, group_per_period=1000, group_period_seconds=1)
RENDER_RUNS = 3
USER_ID = 1001

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (0 < fraction <= 1)."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def summary(label: str, seconds: list[float]) -> str:
    """One printed line: median and p95 in milliseconds."""
    return (
        f"{label}: median {statistics.median(seconds) * 1000:.2f} ms, "
        f"p95 {percentile(seconds, 0.95) * 1000:.2f} ms over {len(seconds)} requests"
    )


async def round_trips(
    server: LocalBotApi,
    application: AnyApplication,
    chat: SimChat,
    user: SimUser,
    text: str,
    answer_method: str,
    requests: int,
) -> list[float]:
    """Seconds from each `text` reaching the server to the bot's answer arriving there."""
    timings = []
    for _ in range(requests):
        after = len(server.calls)
        started = time.perf_counter()
        server.send_text(chat, user, text)
        await server.wait_for_call(answer_method, lambda call: call.ok, after=after)
        timings.append(time.perf_counter() - started)
        await until_idle(application, polls=2, pause=0.001)
    return timings


async def rallybot_latency(
    server: LocalBotApi, data_dir: Path, requests: int
) -> tuple[list[float], list[str]]:
    """Sequential /rally round trips through the real bot, then its chart render table."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=SecretStr(DEMO_TOKEN),
        MARKET_DATA="demo",
        RALLYBOT_DATA_DIR=data_dir,
        RALLYBOT_REDIS_PREFIX=f"bench-{uuid.uuid4().hex[:8]}",
    )
    async with DemoSession.open(
        settings, rate_limits=RELAXED, schedule_refresh=False, server=server
    ) as session:
        app = session.application
        await round_trips(server, app, session.chat, session.user, "/rally", "sendPhoto", 1)
        timings = await round_trips(
            server, app, session.chat, session.user, "/rally", "sendPhoto", requests
        )
        renders = await chart_render_times(session.application.bot_data.services.market)
    return timings, renders


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/echo: send the text back."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


async def echo_latency(server: LocalBotApi, requests: int) -> list[float]:
    """Sequential /echo round trips through a bare PTB Application on the same server."""
    application = (
        ApplicationBuilder()
        .token(DEMO_TOKEN)
        .base_url(server.base_url)
        .rate_limiter(RELAXED.limiter())
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(CommandHandler("echo", echo))
    chat = server.private_chat(USER_ID, "Demo")
    user = server.user(USER_ID)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0, timeout=1, drop_pending_updates=True
        )
        try:
            await round_trips(server, application, chat, user, "/echo hi", "sendMessage", 1)
            return await round_trips(
                server, application, chat, user, "/echo hi", "sendMessage", requests
            )
        finally:
            await application.updater.stop()
            await application.stop()


async def chart_render_times(service: MarketAnswers) -> list[str]:
    """Lines of a table: the median cold render time of every chart for every period."""
    kinds: dict[str, Callable[[str], Awaitable[Reply]]] = {
        "rally": lambda p: service.rally(RallyRequest(p)),
        "index star50": lambda p: service.index(IndexRequest("star50", p)),
        "basket china_ai": lambda p: service.basket(BasketRequest("china_ai", p)),
        "chart lines (3)": lambda p: service.chart(ChartRequest(("star50", "hstech", "ndx"), p)),
        "compare spread": lambda p: service.compare(CompareRequest("star50", "ndx", p)),
    }
    lines = [
        f"cold chart render (render(reply.chart.spec)), median of {RENDER_RUNS}, ms (PNG size):",
        f"  {'chart':<17}" + "".join(f"{p:>16}" for p in PERIODS),
    ]
    for label, build in kinds.items():
        cells = []
        for period in PERIODS:
            reply = await build(period)
            assert reply.chart is not None
            timings, size = [], 0
            for _ in range(RENDER_RUNS):
                started = time.perf_counter()
                size = len(render(reply.chart.spec))
                timings.append(time.perf_counter() - started)
            cells.append(f"{statistics.median(timings) * 1000:7.1f} ({size // 1024:3d} KB)")
        lines.append(f"  {label:<17}" + "".join(f"{cell:>16}" for cell in cells))
    return lines


async def run(requests: int) -> None:
    """Both bots on one local server, one after the other; print every figure."""
    print(f"requests per bot: {requests} sequential, after 1 warm-up; limits: {RELAXED}")
    async with LocalBotApi(bot_username="rallybot") as server:
        with tempfile.TemporaryDirectory(prefix="rallybot-bench-") as data_dir:
            rally, renders = await rallybot_latency(server, Path(data_dir), requests)
        echo_times = await echo_latency(server, requests)
    print()
    print(summary("rallybot /rally (cached chart, file_id)", rally))
    print(summary("bare PTB echo /echo                    ", echo_times))
    print(
        "ratio rallybot/echo: median "
        f"{statistics.median(rally) / statistics.median(echo_times):.2f}x, p95 "
        f"{percentile(rally, 0.95) / percentile(echo_times, 0.95):.2f}x"
    )
    print()
    print("\n".join(renders))


def main() -> None:
    """Parse flags and run the benchmark once."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per bot (>= 1)")
    # ./run bench passes the same flags to every bench script; ignore the others' flags.
    args, _ = parser.parse_known_args()
    asyncio.run(run(max(1, args.requests)))


if __name__ == "__main__":
    main()
