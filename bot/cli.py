"""The `rallybot` command: report, refresh, run, demo, ask."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from bot.core.config import Settings, SettingsError
from bot.core.errors import ConfigError, DataError
from bot.core.logs import LOG_FORMAT, keep_secrets_out, use_format
from bot.runtime import open_runtime
from bot.telegram.app import build_application, run_until_stopped
from bot.telegram.memory import share_one_heap

logger = logging.getLogger(__name__)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-13") from exc


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="rallybot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser("report", help="print every number behind /rally")
    report.add_argument("--json", action="store_true", help="print the fixed JSON schema")
    report.add_argument(
        "--as-of", type=_date, metavar="YYYY-MM-DD", help="compute as of the end of that day"
    )
    window = report.add_mutually_exclusive_group()
    window.add_argument(
        "--since",
        metavar="DATE|EVENT",
        help="add the period since that day (base: the last close before it) or named event",
    )
    window.add_argument(
        "--range", metavar="A..B", help="add the period from day A to day B (both included)"
    )
    commands.add_parser("refresh", help="fetch market data into Redis now")
    commands.add_parser("run", help="run the bot against Telegram (polling, or webhook)")

    demo = commands.add_parser(
        "demo", help="chat with the bot offline: demo market, local Telegram server"
    )
    demo.add_argument("--out", type=Path, default=Path("demo-out"), help="where charts go")
    demo.add_argument("--data", default="demo", help="market data: demo (default) or csv:DIR")

    ask = commands.add_parser("ask", help="send one message to the offline bot, print the reply")
    ask.add_argument("text", help='what to send, e.g. "/rally ytd"')
    ask.add_argument("--out", type=Path, default=Path("demo-out"), help="where charts go")
    ask.add_argument("--data", default="demo", help="market data: demo (default) or csv:DIR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rallybot` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The Yahoo provider reports failed symbols itself, once, with the reason.
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module="yfinance")
    try:
        settings = Settings.from_env()
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        keep_secrets_out([(settings.token, "token"), (secret, "webhook secret")])
        use_format(settings.log_format)
        if args.command in {"report", "refresh"}:
            # Only these print to a terminal with rich: `rallybot run` never loads it.
            from bot import terminal  # noqa: PLC0415

            if args.command == "refresh":
                return asyncio.run(terminal.refresh(settings))
            period_args = (
                ["since", args.since] if args.since else [args.range] if args.range else []
            )
            return asyncio.run(
                terminal.report(
                    settings, as_json=args.json, as_of=args.as_of, period_args=period_args
                )
            )
        if args.command == "run":
            share_one_heap()
            return asyncio.run(_run(settings))
        offline = _offline_settings(settings, args.data)
        # Only these commands need the offline sandbox (a local Bot API server on aiohttp):
        # `rallybot run` never loads it.
        from bot.sandbox import console  # noqa: PLC0415

        if args.command == "ask":
            return asyncio.run(console.ask(offline, args.text, args.out))
        if args.command == "demo":
            return asyncio.run(console.demo(offline, args.out))
    except SettingsError as exc:
        print(f"rallybot: bad setting {exc.name}: {exc.problem}", file=sys.stderr)
        return 2
    except (ConfigError, DataError, TimeoutError) as exc:
        print(f"rallybot: {exc}", file=sys.stderr)
        return 1
    return 2


async def _run(settings: Settings) -> int:
    if not settings.token:
        print("rallybot: TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)", file=sys.stderr)
        return 2
    logging.getLogger().setLevel(settings.log_level)
    async with open_runtime(settings) as runtime:
        application = build_application(runtime)
        await run_until_stopped(application, runtime)
    return 0


def _offline_settings(settings: Settings, data: str) -> Settings:
    """The demo's settings: the chosen offline market data under a key prefix of its own."""
    return settings.replace(market_data=data, redis_prefix=f"{settings.redis_prefix}-demo")


if __name__ == "__main__":
    raise SystemExit(main())
