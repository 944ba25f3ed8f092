"""The refresh: provider -> Redis bars and metadata -> one new snapshot, on a schedule.

`market` runs one refresh; `schedule` says when one is due and what it fetches; `health`
keeps each failing symbol's retries; `history` decides when stored bars no longer match
the source.
"""

from bot.refresh.health import SET_ASIDE_AFTER, SymbolHealth, load_health, retry_delay
from bot.refresh.market import (
    BARS_FORMAT,
    RefreshReport,
    compute_current,
    current_snapshot,
    last_refresh_attempt,
    market_today,
    refresh_market,
    stored_market,
    with_defaults,
)
from bot.refresh.schedule import RefreshPlan, next_refresh_at, refresh_plan

__all__ = [
    "BARS_FORMAT",
    "SET_ASIDE_AFTER",
    "RefreshPlan",
    "RefreshReport",
    "SymbolHealth",
    "compute_current",
    "current_snapshot",
    "last_refresh_attempt",
    "load_health",
    "market_today",
    "next_refresh_at",
    "refresh_market",
    "refresh_plan",
    "retry_delay",
    "stored_market",
    "with_defaults",
]
