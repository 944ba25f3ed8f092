"""The refresh schedule: every interval while a market trades, once after each close,
hourly otherwise; the one rule that keeps requests to Yahoo within budget."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.calendars import is_open, local_date, session_close
from bot.core.universe import FX_MARKET, Universe

AFTER_CLOSE_DELAY = dt.timedelta(minutes=20)
"""How long after a close the final bars are fetched (Yahoo settles them within minutes)."""
IDLE_REFRESH = dt.timedelta(hours=1)


@dataclass(frozen=True)
class RefreshPlan:
    """Why a scheduled refresh runs now, and the markets whose symbols it fetches."""

    reason: str
    exchanges: frozenset[str] | None = None
    """None: every symbol. FX series are always fetched: every USD value needs them."""

    def symbols(self, universe: Universe) -> list[str] | None:
        """The symbols to fetch (None: all of them)."""
        if self.exchanges is None:
            return None
        wanted = self.exchanges | {FX_MARKET}
        return [s for s in universe.all_symbols if universe.exchange(s) in wanted]


def refresh_plan(
    now: dt.datetime,
    last_finished: dt.datetime | None,
    exchanges: Iterable[str],
    interval: dt.timedelta,
) -> RefreshPlan | None:
    """What a scheduled refresh should fetch now, or None: the request budget's one rule.

    Every `interval` while a covered market trades, only the markets trading; once after
    each close, when the final bars have settled; everything hourly otherwise.
    """
    if last_finished is None:
        return RefreshPlan("first refresh")
    since = now - last_finished
    markets = [e for e in dict.fromkeys(exchanges) if e != FX_MARKET]
    trading = [e for e in markets if is_open(e, now)]
    settled = [e for e in markets if _settled_since(e, last_finished, now)]
    if trading and since >= interval:
        return RefreshPlan("a market is open", frozenset(trading + settled))
    if settled:
        return RefreshPlan(f"{', '.join(settled)} closed", frozenset(settled))
    if not trading and since >= IDLE_REFRESH:
        return RefreshPlan("hourly while markets are closed")
    return None


def next_refresh_at(
    now: dt.datetime,
    last_finished: dt.datetime | None,
    exchanges: Iterable[str],
    interval: dt.timedelta,
) -> dt.datetime:
    """The first minute from `now` at which the schedule has a refresh to run."""
    markets = list(exchanges)
    moment = now
    # The hourly rule bounds the wait; the horizon only guards against a calendar gap.
    while moment < now + 2 * IDLE_REFRESH:
        if refresh_plan(moment, last_finished, markets, interval) is not None:
            return moment
        moment += dt.timedelta(minutes=1)
    return moment


def _settled_since(exchange: str, last_finished: dt.datetime, now: dt.datetime) -> bool:
    """Whether `exchange`'s last close has settled after the last refresh."""
    close = _last_close(exchange, now)
    return close is not None and last_finished < close + AFTER_CLOSE_DELAY <= now


def _last_close(exchange: str, now: dt.datetime) -> dt.datetime | None:
    day = local_date(exchange, now)
    for back in range(8):
        try:
            close = session_close(exchange, day - dt.timedelta(days=back))
        except ValueError:
            continue
        if close <= now:
            return close
    return None
