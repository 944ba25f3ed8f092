"""The `rallybot` command: report, refresh, run, demo, ask."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from bot.analytics.periods import DateRange
from bot.analytics.view import range_view
from bot.commands.parsing import require_range_in_data, split_period
from bot.core.config import Settings
from bot.core.errors import ConfigError, DataError, UserError
from bot.core.logs import LOG_FORMAT, keep_secrets_out, use_format
from bot.refresh import RefreshReport, compute_current, market_today, refresh_market
from bot.runtime import Runtime, open_runtime
from bot.telegram.app import build_application, run_until_stopped
from bot.text.report import print_report, report_json

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
        settings = Settings()
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        keep_secrets_out([(settings.token, "token"), (secret, "webhook secret")])
        use_format(settings.log_format)
        if args.command == "report":
            period_args = (
                ["since", args.since] if args.since else [args.range] if args.range else []
            )
            return asyncio.run(
                _report(settings, as_json=args.json, as_of=args.as_of, period_args=period_args)
            )
        if args.command == "refresh":
            return asyncio.run(_refresh(settings))
        if args.command == "run":
            return asyncio.run(_run(settings))
        offline = _offline_settings(settings, args.data)
        # Only these commands need the offline sandbox (a local Bot API server on aiohttp):
        # `rallybot run` never loads it.
        from bot.sandbox import console  # noqa: PLC0415

        if args.command == "ask":
            return asyncio.run(console.ask(offline, args.text, args.out))
        if args.command == "demo":
            return asyncio.run(console.demo(offline, args.out))
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"rallybot: bad setting {first['loc'][0]}: {first['msg']}", file=sys.stderr)
        return 2
    except (ConfigError, DataError, TimeoutError) as exc:
        print(f"rallybot: {exc}", file=sys.stderr)
        return 1
    return 2


async def _ensure_fresh(runtime: Runtime, console: Console) -> None:
    status = await runtime.store.load_refresh_status()
    now = runtime.clock()
    if status is not None and status.get("provider") == runtime.provider.name:
        finished = dt.datetime.fromisoformat(status["finished_at"])
        if (now - finished).total_seconds() < runtime.settings.refresh_seconds:
            return
    try:
        with console.status("Refreshing market data") as spinner:
            await refresh_market(
                runtime.provider,
                runtime.store,
                runtime.universe,
                now,
                runtime.settings.history_days,
                progress=spinner.update,
            )
    except DataError as exc:
        # The source is down: the stored data is still worth showing, with its age.
        console.print(f"[yellow]Warning: {escape(str(exc))}. Showing the stored data.[/yellow]")


async def _report(
    settings: Settings, as_json: bool, as_of: dt.date | None, period_args: Sequence[str] = ()
) -> int:
    err = Console(stderr=True)
    async with open_runtime(settings) as runtime:
        universe = runtime.universe
        await _ensure_fresh(runtime, err)
        view, _checks = await compute_current(
            runtime.store, universe, runtime.clock(), runtime.provider.name, as_of
        )
        snapshot = view.snapshot
        if period_args:
            # The same parser and the same range view as the bot's `since` and `A..B`.
            try:
                today = market_today(runtime.clock())
                example = "rallybot report --since 2025-01-27"
                _rest, period = split_period(period_args, universe, today, example)
                if isinstance(period, DateRange):
                    require_range_in_data(period, view.first_day)
                    snapshot = range_view(view, universe, period).snapshot
            except UserError as error:
                err.print(f"[red]{escape(error.render())}[/red]")
                return 2
    if not snapshot.instruments:
        err.print("No market data is stored yet; check `rallybot refresh` output.")
        return 1
    if as_json:
        json.dump(report_json(snapshot), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print_report(snapshot, runtime.universe)
    return 0


async def _refresh(settings: Settings) -> int:
    console = Console()
    async with open_runtime(settings) as runtime:
        with console.status("Refreshing market data") as spinner:
            report = await refresh_market(
                runtime.provider,
                runtime.store,
                runtime.universe,
                runtime.clock(),
                settings.history_days,
                progress=spinner.update,
            )
    print_refresh_report(report, runtime.provider.name, console)
    return 0


def print_refresh_report(report: RefreshReport, provider: str, console: Console) -> None:
    """What a refresh stored, how many requests it made, and everything that went wrong."""
    console.print(
        f"Stored {report.rows} rows for {report.symbols} symbols "
        f"({report.start} to {report.end}) from {provider} "
        f"in {report.seconds:.1f} s with {report.requests} requests; "
        f"snapshot v{report.snapshot_version}."
    )
    for exchange, day in report.newest_by_exchange.items():
        console.print(f"  newest bar {exchange}: {day}")
    sections = (
        ("history rewritten", report.rewritten, "yellow"),
        ("symbols failed (their stored bars are kept)", report.failures, "red"),
        ("set aside, retried hourly", report.set_aside, "red"),
        ("share counts not fetched (stored ones kept)", report.meta_failures, "yellow"),
    )
    for title, items, colour in sections:
        if items:
            console.print(f"[{colour}]{len(items)} {title}:[/{colour}]", highlight=False)
            for symbol, reason in sorted(items.items()):
                console.print(f"  {symbol}: {reason}", highlight=False, markup=False)
    if report.share_mismatches:
        console.print(
            f"[yellow]{len(report.share_mismatches)} share counts disagree with Yahoo's market "
            "cap by more than 15% (add or update a \\[shares] override in the universe "
            "file):[/yellow]"
        )
        for check in report.share_mismatches:
            console.print(
                f"  {check.symbol}: {check.shares:,.0f} shares, the market cap implies "
                f"{check.implied_shares:,.0f} (x{check.ratio:.2f})",
                highlight=False,
            )


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
    checked = Settings.model_validate({**settings.model_dump(by_alias=True), "MARKET_DATA": data})
    return checked.model_copy(update={"redis_prefix": f"{settings.redis_prefix}-demo"})


if __name__ == "__main__":
    raise SystemExit(main())
