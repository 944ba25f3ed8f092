"""Each symbol's run of failed fetches: retried after 2 and 4 minutes, then hourly."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.sources.base import (
    NOT_TRIED,
)
from bot.storage.market import MarketStore

SET_ASIDE_AFTER = 3
"""Consecutive failed refreshes after which a symbol is retried only hourly."""
FIRST_RETRY = dt.timedelta(minutes=2)
SET_ASIDE_RETRY = dt.timedelta(hours=1)

Jitter = Callable[[], float]


@dataclass(frozen=True)
class SymbolHealth:
    """A symbol's run of failed fetches and when to try it again."""

    failures: int
    since: str
    next_attempt: dt.datetime
    reason: str
    rewrite: bool = False
    """Its stored history is known to be stale (a split seen) and must be fetched whole."""

    @property
    def set_aside(self) -> bool:
        """Failed so often that it is tried only on the slow schedule."""
        return self.failures >= SET_ASIDE_AFTER

    def as_json(self) -> dict[str, Any]:
        """The form kept in Redis."""
        return {
            "failures": self.failures,
            "since": self.since,
            "next_attempt": self.next_attempt.isoformat(),
            "reason": self.reason,
            "rewrite": self.rewrite,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SymbolHealth:
        """Read the form kept in Redis."""
        return cls(
            failures=int(raw["failures"]),
            since=str(raw["since"]),
            next_attempt=dt.datetime.fromisoformat(raw["next_attempt"]),
            reason=str(raw["reason"]),
            rewrite=bool(raw.get("rewrite", False)),
        )

    def failed_again(
        self, reason: str, now: dt.datetime, jitter: Jitter, rewrite: bool = False
    ) -> SymbolHealth:
        """The record after one more failure: the wait doubles, up to the hourly slow lane."""
        failures = self.failures + 1
        return SymbolHealth(
            failures=failures,
            since=self.since,
            next_attempt=now + retry_delay(failures, jitter),
            reason=reason,
            rewrite=rewrite or self.rewrite,
        )


NO_FAILURES = SymbolHealth(0, "", dt.datetime.min.replace(tzinfo=dt.UTC), "")


def retry_delay(failures: int, jitter: Jitter) -> dt.timedelta:
    """How long a symbol that failed `failures` times in a row waits, with up to 25% jitter."""
    if failures >= SET_ASIDE_AFTER:
        base = SET_ASIDE_RETRY
    else:
        base = min(FIRST_RETRY * 2 ** (failures - 1), SET_ASIDE_RETRY)
    return base * (1.0 + 0.25 * jitter())


async def record_failures(
    store: MarketStore,
    health: Mapping[str, SymbolHealth],
    failures: Mapping[str, str],
    now: dt.datetime,
    jitter: Jitter,
    succeeded: Iterable[str] = (),
    rewrite: Iterable[str] = (),
    pending: Iterable[str] = (),
) -> dict[str, SymbolHealth]:
    """Count one more failure for each failed symbol; forget the ones that answered.

    A symbol skipped because the source was unreachable did not fail itself and is not
    counted. `pending` symbols were served by a fallback: not failing, but their whole
    history is due from the first source.
    """
    stamp = now.isoformat(timespec="minutes")
    needs_rewrite = set(rewrite)
    updated = dict(health)
    changed: dict[str, dict[str, Any]] = {}
    for symbol, reason in failures.items():
        if reason.startswith(NOT_TRIED):
            continue
        record = health.get(symbol, dataclasses.replace(NO_FAILURES, since=stamp))
        updated[symbol] = record.failed_again(reason, now, jitter, symbol in needs_rewrite)
        changed[symbol] = updated[symbol].as_json()
    for symbol in pending:
        record = health.get(symbol, dataclasses.replace(NO_FAILURES, since=stamp))
        updated[symbol] = dataclasses.replace(
            record, reason="extended from a fallback source; whole history due", rewrite=True
        )
        changed[symbol] = updated[symbol].as_json()
    recovered = [s for s in succeeded if s in health and s not in failures]
    for symbol in recovered:
        updated.pop(symbol, None)
    await store.save_symbol_health(changed, recovered)
    return updated


async def load_health(store: MarketStore) -> dict[str, SymbolHealth]:
    """Every failing symbol's record."""
    return {
        s: SymbolHealth.from_json(raw) for s, raw in (await store.load_symbol_health()).items()
    }
