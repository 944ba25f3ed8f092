"""The terminal commands `rallybot report` and `rallybot refresh`, printed with rich."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from bot.analytics.periods import DateRange
from bot.analytics.view import range_view
from bot.commands.parsing import require_range_in_data, split_period
from bot.core.config import Settings
from bot.core.errors import DataError, UserError
from bot.refresh import RefreshReport, compute_current, market_today, refresh_market
from bot.runtime import Runtime, open_runtime
from bot.text.report import print_report, report_json


async def ensure_fresh(runtime: Runtime, console: Console) -> None:
    """Refresh first when the stored data is older than the refresh interval; a source that
    fails leaves the stored data to be shown, with a warning."""
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


async def report(
    settings: Settings, as_json: bool, as_of: dt.date | None, period_args: Sequence[str] = ()
) -> int:
    err = Console(stderr=True)
    async with open_runtime(settings) as runtime:
        universe = runtime.universe
        await ensure_fresh(runtime, err)
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


async def refresh(settings: Settings) -> int:
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
