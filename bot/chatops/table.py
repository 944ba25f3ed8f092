"""Alerts as columns: every alert's condition and state in numpy arrays, evaluated at once.

Pure: arrays and a snapshot in, decisions out. An alert is a row; what it watches is a group
(kind, target, metric) whose value is looked up once per snapshot, however many alerts
watch it. The previous value a crossing compares with is kept per group too: it is the
same for every alert of the group, so a pass writes back only the rows whose state changed
(fired, re-armed), never one row per alert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from bot.analytics.model import Snapshot
from bot.chatops.conditions import OPERATORS, Condition, current_value
from bot.core.universe import Universe

DEFAULT_COOLDOWN = dt.timedelta(hours=1)
OP_CODES = {op: code for code, op in enumerate(OPERATORS)}
GroupKey = tuple[str, str, str]
"""(kind, target, metric): what a group of alerts watches."""

COLUMNS: dict[str, str] = {
    "ids": "<i8",
    "chats": "<i8",
    "groups": "<i4",
    "ops": "i1",
    "thresholds": "<f8",
    "every": "i1",
    "alive": "i1",
    "armed": "i1",
    "last_fired": "<f8",
    "fired_count": "<i4",
    "threads": "<i8",
    "expires": "<i8",
}
"""Every column's numpy dtype, as stored (little-endian, fixed width)."""
LATER_COLUMNS = ("threads", "expires")
"""Columns added after alerts were first stored: where one is shorter than the others its
missing rows read as zeros, which mean no topic (the chat itself) and never expires."""
STATE_COLUMNS = ("armed", "last_fired", "fired_count")
"""The columns an evaluation changes."""


def group_key(condition: Condition) -> GroupKey:
    """The group an alert belongs to."""
    return (condition.kind, condition.target, condition.metric)


@dataclass
class AlertTable:
    """Every alert row (live or a freed slot) and the groups they watch."""

    columns: dict[str, np.ndarray]
    groups: list[GroupKey]
    """Group index -> what it watches."""
    previous: np.ndarray = field(default_factory=lambda: np.empty(0))
    """Per group: its value at the last evaluation that knew it (NaN: never known)."""
    generation: int = 0
    """The store's count of changes to the columns when this table was loaded."""

    def __len__(self) -> int:
        return len(self.columns["ids"])

    @classmethod
    def empty(cls) -> AlertTable:
        """A table without rows."""
        return cls({name: np.empty(0, dtype=dtype) for name, dtype in COLUMNS.items()}, [])


@dataclass(frozen=True)
class TableOutcome:
    """One pass over a table: who fires, what changed, and the groups' values now."""

    fired: np.ndarray
    """Row numbers that fire now."""
    changed: np.ndarray
    """Row numbers whose state changed (fired or re-armed); their new state is in `state`."""
    state: dict[str, np.ndarray]
    """The new armed, last_fired and fired_count columns."""
    values: np.ndarray
    """Per group: its value now (NaN: unknown)."""
    previous: np.ndarray
    """Per group: the previous value to keep for the next pass."""


def group_values(groups: list[GroupKey], snapshot: Snapshot, universe: Universe) -> np.ndarray:
    """Each group's value in the snapshot; NaN where it cannot be computed."""
    values = np.full(len(groups), np.nan)
    for index, (kind, target, metric) in enumerate(groups):
        probe = Condition(target, kind, metric, ">", 0.0, "pct")  # type: ignore[arg-type]
        value = current_value(probe, snapshot, universe)
        if value is not None:
            values[index] = value
    return values


def holds(
    ops: np.ndarray, thresholds: np.ndarray, now: np.ndarray, before: np.ndarray
) -> np.ndarray:
    """Which conditions hold, by operator code. Unknown values never hold; a crossing needs
    a known value before and now."""
    with np.errstate(invalid="ignore"):
        known = ~np.isnan(now)
        both = known & ~np.isnan(before)
        above, below = now > thresholds, now < thresholds
        up = both & (before <= thresholds) & above
        down = both & (before >= thresholds) & below
        outcomes = {
            ">": above,
            "<": below,
            ">=": now >= thresholds,
            "<=": now <= thresholds,
            "crosses": up | down,
            "crosses_up": up,
            "crosses_down": down,
        }
        result = np.select([ops == OP_CODES[op] for op in outcomes], list(outcomes.values()))
    met: np.ndarray = np.asarray(result, dtype=bool) & known
    return met


def evaluate_table(
    table: AlertTable,
    values: np.ndarray,
    now: dt.datetime,
    cooldown: dt.timedelta = DEFAULT_COOLDOWN,
) -> TableOutcome:
    """Evaluate every live row against the groups' values now.

    A row fires when its condition holds, it is armed and its cooldown has passed; a fired
    row disarms; an `every` row re-arms once its condition is false again (on a known value).
    """
    columns = table.columns
    previous = table.previous if len(table.previous) == len(values) else _widen(table, values)
    rows = columns["groups"]
    current, before = values[rows], previous[rows]
    alive = columns["alive"].astype(bool) & ~expired_mask(table, now)
    armed = columns["armed"].astype(bool)
    last_fired = columns["last_fired"]
    stamp = now.timestamp()
    with np.errstate(invalid="ignore"):
        cooled = np.isnan(last_fired) | (stamp - last_fired >= cooldown.total_seconds())
    met = holds(columns["ops"], columns["thresholds"], current, before) & alive
    fires = met & armed & cooled
    rearm = columns["every"].astype(bool) & ~met & ~np.isnan(current) & alive
    new_armed = np.where(fires, False, armed | rearm)
    fired = np.flatnonzero(fires)
    changed = np.flatnonzero(fires | (new_armed != armed))
    new_last_fired = last_fired.copy()
    new_last_fired[fired] = stamp
    new_count = columns["fired_count"].copy()
    new_count[fired] += 1
    state = {
        "armed": new_armed.astype(np.int8),
        "last_fired": new_last_fired,
        "fired_count": new_count,
    }
    kept = np.where(np.isnan(values), previous, values)
    return TableOutcome(fired, changed, state, values, kept)


def expired_mask(table: AlertTable, now: dt.datetime) -> np.ndarray:
    """Which rows hold an alert whose expiry (end of its `until` day) has passed."""
    expires = table.columns["expires"]
    mask: np.ndarray = (expires > 0) & (expires <= now.timestamp())
    return mask


def expired_rows(table: AlertTable, now: dt.datetime) -> np.ndarray:
    """Row numbers of live alerts that have expired: never to fire, to be removed."""
    return np.flatnonzero(table.columns["alive"].astype(bool) & expired_mask(table, now))


def _widen(table: AlertTable, values: np.ndarray) -> np.ndarray:
    """The previous values with NaN for groups added since they were stored."""
    previous = np.full(len(values), np.nan)
    previous[: len(table.previous)] = table.previous[: len(values)]
    return previous
