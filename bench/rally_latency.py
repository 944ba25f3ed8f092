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
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyParameters, Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from bot.analytics.periods import PERIODS
from bot.answers.market import MarketAnswers
from bot.answers.reply import Reply
from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    HeatmapRequest,
    IndexRequest,
    RallyRequest,
)
from bot.core.config import Settings
from bot.sandbox.localapi import LocalBotApi, SimChat, SimUser
from bot.sandbox.session import DEMO_TOKEN, DemoSession, until_idle
from bot.telegram.app import RateLimits
from charts.drawing import render

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
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": DEMO_TOKEN,
            "MARKET_DATA": "demo",
            "RALLYBOT_DATA_DIR": str(data_dir),
            "RALLYBOT_REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        },
        env_file=None,
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


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def photo_echo(sent: dict[str, Any]) -> Callable[[Update, Any], Awaitable[None]]:
    """/echo answered the way /rally is: this photo by file_id, caption and buttons."""

    async def answer(update: Update, context: Any) -> None:
        message = update.effective_message
        if message is not None:
            await context.bot.send_photo(
                message.chat_id,
                sent["photo"],
                caption=sent["caption"],
                parse_mode=sent.get("parse_mode"),
                reply_markup=InlineKeyboardMarkup.de_json(
                    _json(sent["reply_markup"]), context.bot
                ),
                reply_parameters=(
                    ReplyParameters(message.message_id) if "reply_parameters" in sent else None
                ),
            )

    return answer


async def echo_latency(
    server: LocalBotApi, requests: int, shaped_like: dict[str, Any] | None = None
) -> list[float]:
    """Sequential /echo round trips through a bare PTB Application on the same server; with
    `shaped_like`, the echo sends that photo message instead of the text."""
    application = (
        ApplicationBuilder()
        .token(DEMO_TOKEN)
        .base_url(server.base_url)
        .rate_limiter(RELAXED.limiter())
        .concurrent_updates(True)
        .build()
    )
    handler = echo if shaped_like is None else photo_echo(shaped_like)
    answer_method = "sendMessage" if shaped_like is None else "sendPhoto"
    application.add_handler(CommandHandler("echo", handler))
    chat = server.private_chat(USER_ID, "Demo")
    user = server.user(USER_ID)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0, timeout=1, drop_pending_updates=True
        )
        try:
            await round_trips(server, application, chat, user, "/echo hi", answer_method, 1)
            return await round_trips(
                server, application, chat, user, "/echo hi", answer_method, requests
            )
        finally:
            await application.updater.stop()
            await application.stop()


async def chart_render_times(service: MarketAnswers) -> list[str]:
    """Lines of a table: the median cold render time of every chart for every period."""
    lines = await first_chinese_render(service)
    kinds: dict[str, Callable[[str], Awaitable[Reply]]] = {
        "rally": lambda p: service.rally(RallyRequest(p)),
        "rally (zh)": lambda p: service.rally(RallyRequest(p), "zh"),
        "heatmap china_ai": lambda p: service.heatmap(HeatmapRequest("china_ai", p)),
        "heatmap (zh)": lambda p: service.heatmap(HeatmapRequest("china_ai", p), "zh"),
        "index star50": lambda p: service.index(IndexRequest("star50", p)),
        "basket china_ai": lambda p: service.basket(BasketRequest("china_ai", p)),
        "chart lines (3)": lambda p: service.chart(ChartRequest(("star50", "hstech", "ndx"), p)),
        "compare spread": lambda p: service.compare(CompareRequest("star50", "ndx", p)),
    }
    lines += [
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


async def first_chinese_render(service: MarketAnswers) -> list[str]:
    """The first zh chart of the process (it registers and loads the CJK font) against the
    next ones and the same chart in English, once matplotlib itself is warm."""
    english = (await service.rally(RallyRequest("YTD"))).chart
    chinese = (await service.rally(RallyRequest("YTD"), "zh")).chart
    assert english is not None
    assert chinese is not None
    render(english.spec)  # matplotlib's own first-use costs, paid in English
    timings = {}
    for label, spec in (("zh first", chinese.spec), ("zh warm", chinese.spec)):
        started = time.perf_counter()
        render(spec)
        timings[label] = (time.perf_counter() - started) * 1000
    english_runs = []
    for _ in range(RENDER_RUNS):
        started = time.perf_counter()
        render(english.spec)
        english_runs.append((time.perf_counter() - started) * 1000)
    return [
        f"/rally ytd render: zh first in the process {timings['zh first']:.0f} ms (registers "
        f"the CJK font), zh next {timings['zh warm']:.0f} ms, "
        f"en {statistics.median(english_runs):.0f} ms"
    ]


COMMAND_KINDS = (
    "/start",
    "/help",
    "/rally ytd",
    "/index star50 1y",
    "/basket",
    "/heatmap",
    "/chart star50 hstech ndx ytd",
    "/compare star50 ndx 5d",
    "/status",
    "/settings",
    "/subscribe 08:00",
    "/alert star50 mtd > 10%",
    "/alerts",
    "/digest",
    "/unalert all",
    "/unsubscribe",
    "/nonsense",
)

BURST = (
    *(
        f"/{command} {period}"
        for command in ("index star50", "index chinext", "index hstech", "basket")
        for period in ("1d", "5d", "mtd", "1y")
    ),
    "/rally since 2025-04-08",
    "/rally since 2025-01-27",
    "/chart star50 ndx since 2025-06-01",
)
"""Cold charts and date ranges asked at once from as many chats: the memory a busy process
settles at (matplotlib keeps fonts and caches per drawing thread)."""


def rss_mb(pid: int) -> float:
    """A process's resident set size in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


async def rallybot_run_rss(server: LocalBotApi, data_dir: Path) -> dict[str, float]:
    """RSS of a real `rallybot run` process (polling this server, demo data): with its data
    loaded but no chart drawn yet (text answers only), after its first /rally, after it
    answered every command kind once and a button press, and after a burst of cold charts
    asked at once."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": DEMO_TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "MARKET_DATA": "demo",
        "RALLYBOT_DATA_DIR": str(data_dir),
        "RALLYBOT_REDIS_PREFIX": f"rss-{uuid.uuid4().hex[:8]}",
        "RALLYBOT_LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    rallybot = Path(sys.executable).with_name("rallybot")
    process = await asyncio.create_subprocess_exec(
        str(rallybot), "run", env=env, stdout=asyncio.subprocess.DEVNULL
    )
    chat = server.private_chat(USER_ID + 1, "RSS")
    user = server.user(USER_ID + 1)
    try:
        async with asyncio.timeout(120):
            while True:  # until the first refresh has stored a snapshot
                after = len(server.calls)
                server.send_text(chat, user, "/status")
                call = await _answer(server, chat.id, after)
                if "Last refresh: never" not in call.params.get("text", ""):
                    break
                await asyncio.sleep(1)
        for text in ("/help", "/settings", "/alerts"):  # text only: no chart drawn yet
            after = len(server.calls)
            server.send_text(chat, user, text)
            await _answer(server, chat.id, after)
        await asyncio.sleep(1)
        no_chart = rss_mb(process.pid)
        after = len(server.calls)
        server.send_text(chat, user, "/rally")
        await _answer(server, chat.id, after)
        first_chart = rss_mb(process.pid)
        with_buttons = None
        for text in COMMAND_KINDS:
            after = len(server.calls)
            server.send_text(chat, user, text)
            call = await _answer(server, chat.id, after)
            if call.method == "sendPhoto" and "reply_markup" in call.params:
                with_buttons = call
        if with_buttons is not None:
            keyboard = _json(with_buttons.params["reply_markup"])["inline_keyboard"]
            after = len(server.calls)
            message_id = with_buttons.result["message_id"]
            server.press_button(chat, user, message_id, keyboard[0][0]["callback_data"])
            await server.wait_for_call("answerCallbackQuery", after=after, timeout=30)
        await asyncio.sleep(1)
        after_commands = rss_mb(process.pid)
        burst = [
            (server.private_chat(USER_ID + 10 + n, f"Burst{n}"), server.user(USER_ID + 10 + n))
            for n in range(len(BURST))
        ]
        after = len(server.calls)
        for (burst_chat, burst_user), text in zip(burst, BURST, strict=True):
            server.send_text(burst_chat, burst_user, text)
        await asyncio.gather(*(_answer(server, c.id, after) for c, _ in burst))
        await asyncio.sleep(1)
        return {
            "rss_mb_no_chart": no_chart,
            "rss_mb_idle": first_chart,
            "rss_mb": after_commands,
            "rss_mb_after_burst": rss_mb(process.pid),
        }
    finally:
        process.terminate()
        await process.wait()


async def _answer(server: LocalBotApi, chat_id: int, after: int) -> Any:
    """The bot's first message to `chat_id` at or after call index `after`."""

    def to_chat(call: Any) -> bool:
        return call.ok and str(call.params.get("chat_id")) == str(chat_id)

    async with asyncio.timeout(60):
        while True:
            for call in server.calls[after:]:
                if call.method in {"sendPhoto", "sendMessage"} and to_chat(call):
                    return call
            await asyncio.sleep(0.02)


async def run(requests: int, as_json: bool) -> None:
    """Every bot on one local server, one after the other; print every figure."""
    async with LocalBotApi(bot_username="rallybot") as server:
        with tempfile.TemporaryDirectory(prefix="rallybot-bench-") as data_dir:
            rally, renders = await rallybot_latency(server, Path(data_dir), requests)
        photo = next(c for c in reversed(server.calls) if c.method == "sendPhoto" and c.ok)
        echo_times = await echo_latency(server, requests)
        shaped_times = await echo_latency(server, requests, shaped_like=photo.params)
        with tempfile.TemporaryDirectory(prefix="rallybot-rss-") as data_dir:
            rss = await rallybot_run_rss(server, Path(data_dir))
    rally_p50, echo_p50 = statistics.median(rally), statistics.median(echo_times)
    shaped_p50 = statistics.median(shaped_times)
    if as_json:
        print(
            json.dumps(
                {
                    "requests": requests,
                    "rally_ms_p50": round(rally_p50 * 1000, 3),
                    "echo_ms_p50": round(echo_p50 * 1000, 3),
                    "ratio": round(rally_p50 / echo_p50, 3),
                    "photo_echo_ms_p50": round(shaped_p50 * 1000, 3),
                    "ratio_to_photo_echo": round(rally_p50 / shaped_p50, 3),
                    **{name: round(mb, 1) for name, mb in rss.items()},
                }
            )
        )
        return
    print(f"requests per bot: {requests} sequential, after 1 warm-up; limits: {RELAXED}")
    print(summary("rallybot /rally (cached chart, file_id)    ", rally))
    print(summary("bare PTB echo /echo (sendMessage)          ", echo_times))
    print(summary("PTB echo sending /rally's photo by file_id ", shaped_times))
    print(
        f"ratio rallybot/echo: median {rally_p50 / echo_p50:.2f}x, p95 "
        f"{percentile(rally, 0.95) / percentile(echo_times, 0.95):.2f}x; "
        f"rallybot/photo echo: median {rally_p50 / shaped_p50:.2f}x"
    )
    print(
        f"RSS of `rallybot run`: {rss['rss_mb_no_chart']:.1f} MB with its data and no chart "
        f"drawn, {rss['rss_mb_idle']:.1f} MB after the first /rally, {rss['rss_mb']:.1f} MB "
        "after every command kind and a button press, "
        f"{rss['rss_mb_after_burst']:.1f} MB after {len(BURST)} cold charts asked at once"
    )
    print()
    print("\n".join(renders))


def main() -> None:
    """Parse flags and run the benchmark once."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per bot (>= 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    # ./run bench passes the same flags to every bench script; ignore the others' flags.
    args, _ = parser.parse_known_args()
    asyncio.run(run(max(1, args.requests), args.json))


if __name__ == "__main__":
    main()
