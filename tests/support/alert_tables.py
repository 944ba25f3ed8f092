"""Alert tables built in memory, and a pass applied to one the way the store writes it back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bot.chatops.conditions import Condition
from bot.chatops.table import COLUMNS, OP_CODES, AlertTable, GroupKey, TableOutcome, group_key


def table_of(
    rows: Sequence[tuple[int, int, Condition]],
    previous: Mapping[GroupKey, float] | None = None,
) -> AlertTable:
    """A table of (alert id, chat id, condition) rows, all armed and never fired."""
    groups: list[GroupKey] = []
    for _, _, condition in rows:
        if group_key(condition) not in groups:
            groups.append(group_key(condition))
    values = {
        "ids": [r[0] for r in rows],
        "chats": [r[1] for r in rows],
        "groups": [groups.index(group_key(r[2])) for r in rows],
        "ops": [OP_CODES[r[2].op] for r in rows],
        "thresholds": [r[2].threshold for r in rows],
        "every": [1 if r[2].repeat == "every" else 0 for r in rows],
        "alive": [1] * len(rows),
        "armed": [1] * len(rows),
        "last_fired": [np.nan] * len(rows),
        "fired_count": [0] * len(rows),
        "threads": [0] * len(rows),
        "expires": [0] * len(rows),
    }
    columns = {name: np.asarray(values[name], dtype=dtype) for name, dtype in COLUMNS.items()}
    kept = np.array([(previous or {}).get(key, np.nan) for key in groups], dtype=float)
    return AlertTable(columns, groups, kept)


def apply(table: AlertTable, outcome: TableOutcome) -> AlertTable:
    """The table after a pass: the changed rows' new state and the groups' kept values."""
    columns = dict(table.columns)
    for name, values in outcome.state.items():
        column = columns[name].copy()
        column[outcome.changed] = values[outcome.changed]
        columns[name] = column
    return AlertTable(columns, table.groups, outcome.previous)
