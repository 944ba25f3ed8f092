"""The alert evaluator as it was before alerts became columns: one record per alert.

Kept as the reference model the columnar evaluator is checked against
(tests/chatops/test_alert_columns_match_reference.py); not used by the bot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.analytics.model import Snapshot
from bot.chatops.conditions import Condition, current_value
from bot.core.universe import Universe

DEFAULT_COOLDOWN = dt.timedelta(hours=1)


@dataclass(frozen=True)
class AlertRecord:
    """One alert with its evaluation state, the previous value its own."""

    id: int
    chat_id: int
    condition: dict[str, Any]
    created_at: str
    armed: bool = True
    last_value: float | None = None
    last_fired_at: str | None = None
    fired_count: int = 0


@dataclass(frozen=True)
class Firing:
    """An alert that fires now, with the value that made it fire."""

    record: AlertRecord
    condition: Condition
    value: float


@dataclass(frozen=True)
class Evaluation:
    """The outcome of one pass: who fires, and which records changed state."""

    firings: list[Firing]
    changed: list[AlertRecord]


def evaluate_alerts(
    records: Sequence[AlertRecord],
    snapshot: Snapshot,
    universe: Universe,
    now: dt.datetime,
    cooldown: dt.timedelta = DEFAULT_COOLDOWN,
) -> Evaluation:
    """Evaluate every alert against the snapshot; one value lookup per (target, metric)."""
    if not records:
        return Evaluation([], [])
    conditions = [Condition.from_json(r.condition) for r in records]
    values_by_key: dict[tuple[str, str, str], float] = {}
    current = np.empty(len(records))
    for i, condition in enumerate(conditions):
        key = (condition.kind, condition.target, condition.metric)
        if key not in values_by_key:
            value = current_value(condition, snapshot, universe)
            values_by_key[key] = np.nan if value is None else value
        current[i] = values_by_key[key]

    ops = np.array([c.op for c in conditions])
    thresholds = np.array([c.threshold for c in conditions], dtype=float)
    previous = np.array(
        [np.nan if r.last_value is None else r.last_value for r in records], dtype=float
    )
    armed = np.array([r.armed for r in records], dtype=bool)
    every = np.array([c.repeat == "every" for c in conditions], dtype=bool)
    cooled = np.array([_cooled(r, now, cooldown) for r in records], dtype=bool)

    met = evaluate(ops, thresholds, current, previous)
    fires = met & armed & cooled
    rearm = every & ~met & ~np.isnan(current)
    new_armed = np.where(fires, False, armed | rearm)

    stamp = now.isoformat(timespec="seconds")
    firings: list[Firing] = []
    changed: list[AlertRecord] = []
    for index in np.flatnonzero(fires | (new_armed != armed) | ~np.isnan(current)):
        i = int(index)
        record = records[i]
        value = None if np.isnan(current[i]) else float(current[i])
        updated = AlertRecord(
            id=record.id,
            chat_id=record.chat_id,
            condition=record.condition,
            created_at=record.created_at,
            armed=bool(new_armed[i]),
            last_value=value if value is not None else record.last_value,
            last_fired_at=stamp if fires[i] else record.last_fired_at,
            fired_count=record.fired_count + int(fires[i]),
        )
        if updated != record:
            changed.append(updated)
        if fires[i] and value is not None:
            firings.append(Firing(updated, conditions[i], value))
    return Evaluation(firings, changed)


def _cooled(record: AlertRecord, now: dt.datetime, cooldown: dt.timedelta) -> bool:
    if record.last_fired_at is None:
        return True
    return now - dt.datetime.fromisoformat(record.last_fired_at) >= cooldown


def evaluate(
    ops: np.ndarray, thresholds: np.ndarray, now: np.ndarray, previous: np.ndarray
) -> np.ndarray:
    """Vectorized: which conditions hold. NaN values never hold; crossings need a previous."""
    with np.errstate(invalid="ignore"):
        above_now, above_before = now > thresholds, previous > thresholds
        below_now, below_before = now < thresholds, previous < thresholds
        known = ~np.isnan(now)
        both = known & ~np.isnan(previous)
        up = both & (previous <= thresholds) & above_now
        down = both & (previous >= thresholds) & below_now
        result = np.select(
            [
                ops == ">",
                ops == "<",
                ops == ">=",
                ops == "<=",
                ops == "crosses",
                ops == "crosses_up",
                ops == "crosses_down",
            ],
            [
                above_now,
                below_now,
                known & (now >= thresholds),
                known & (now <= thresholds),
                up | down,
                up,
                down,
            ],
            default=False,
        )
    del above_before, below_before
    return np.asarray(result & known, dtype=bool)
