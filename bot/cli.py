"""The `rallybot` command: report, refresh, run, demo, ask."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from rich.console import Console

from bot.config import Settings
from bot.errors import ConfigError, DataError
from bot.refresh import current_snapshot, refresh_market
from bot.report import print_report, report_json
from bot.runtime import Runtime, open_runtime

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
    commands.add_parser("refresh", help="fetch market data into Redis now")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rallybot` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = Settings()
        if args.command == "report":
            return asyncio.run(_report(settings, as_json=args.json, as_of=args.as_of))
        if args.command == "refresh":
            return asyncio.run(_refresh(settings))
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"rallybot: bad setting {first['loc'][0]}: {first['msg']}", file=sys.stderr)
        return 2
    except (ConfigError, DataError) as exc:
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
    with console.status("Refreshing market data") as spinner:
        await refresh_market(
            runtime.provider,
            runtime.store,
            runtime.universe,
            now,
            runtime.settings.history_days,
            progress=lambda message: spinner.update(message),
        )


async def _report(settings: Settings, as_json: bool, as_of: dt.date | None) -> int:
    err = Console(stderr=True)
    async with open_runtime(settings) as runtime:
        await _ensure_fresh(runtime, err)
        snapshot = await current_snapshot(
            runtime.store, runtime.universe, runtime.clock(), runtime.provider.name, as_of
        )
    if not snapshot["instruments"]:
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
                progress=lambda message: spinner.update(message),
            )
    console.print(
        f"Stored {report.rows} rows for {report.symbols} symbols "
        f"({report.start} to {report.end}) from {runtime.provider.name} "
        f"in {report.seconds:.1f} s; snapshot v{report.snapshot_version}."
    )
    for exchange, day in report.newest_by_exchange.items():
        console.print(f"  newest bar {exchange}: {day}")
    if report.failures:
        console.print(f"[red]{len(report.failures)} symbols failed:[/red]")
        for symbol, reason in sorted(report.failures.items()):
            console.print(f"  {symbol}: {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
