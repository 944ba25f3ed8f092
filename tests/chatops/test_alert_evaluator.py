"""The alert evaluator (alerts as columns): each operator, and the once/every/cooldown rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from bot.analytics.model import Basket, BasketStats, Coverage, Instrument, Snapshot
from bot.chatops import table as table_module
from bot.chatops.conditions import Condition, current_value
from bot.chatops.table import (
    DEFAULT_COOLDOWN,
    OP_CODES,
    GroupKey,
    TableOutcome,
    evaluate_table,
    group_key,
    group_values,
    holds,
)
from bot.commands.parsing import parse_alert
from bot.core.universe import Universe, load_universe
from tests.support.alert_tables import apply, table_of

UNIVERSE: Universe = load_universe()
NAN = float("nan")
T0 = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)

STAR50 = UNIVERSE.indices["star50"].symbol
NDX = UNIVERSE.indices["ndx"].symbol
HSTECH = UNIVERSE.indices["hstech"].symbol
HSTECH_PRICE: GroupKey = ("index", "hstech", "price")


# ---- evaluate: one row per operator and edge --------------------------------------------------
@pytest.mark.parametrize(
    ("op", "threshold", "now", "previous", "expected"),
    [
        (">", 10.0, 11.0, NAN, True),
        (">", 10.0, 10.0, NAN, False),
        (">", 10.0, 9.0, 11.0, False),
        ("<", 10.0, 9.0, NAN, True),
        ("<", 10.0, 10.0, 9.0, False),
        (">=", 10.0, 10.0, NAN, True),
        (">=", 10.0, 9.999, NAN, False),
        ("<=", 10.0, 10.0, NAN, True),
        ("<=", 10.0, 10.001, NAN, False),
        ("<=", -0.05, -0.06, NAN, True),
        # A missing value now never holds, whatever the operator.
        (">", 10.0, NAN, 11.0, False),
        ("<", 10.0, NAN, 9.0, False),
        (">=", 10.0, NAN, 10.0, False),
        ("<=", 10.0, NAN, 10.0, False),
        ("crosses", 10.0, NAN, 9.0, False),
        ("crosses_up", 10.0, NAN, 9.0, False),
        ("crosses_down", 10.0, NAN, 11.0, False),
        # Crossings need a previous value.
        ("crosses", 10.0, 11.0, NAN, False),
        ("crosses_up", 10.0, 11.0, NAN, False),
        ("crosses_down", 10.0, 9.0, NAN, False),
        # Plain crossings in each direction.
        ("crosses", 10.0, 11.0, 9.0, True),
        ("crosses", 10.0, 9.0, 11.0, True),
        ("crosses", 10.0, 12.0, 11.0, False),
        ("crosses_up", 10.0, 11.0, 9.0, True),
        ("crosses_up", 10.0, 9.0, 11.0, False),
        ("crosses_down", 10.0, 9.0, 11.0, True),
        ("crosses_down", 10.0, 11.0, 9.0, False),
        # Exactly at the threshold: reaching it is not crossing; leaving it is.
        ("crosses_up", 10.0, 10.0, 9.0, False),
        ("crosses_up", 10.0, 11.0, 10.0, True),
        ("crosses_down", 10.0, 10.0, 11.0, False),
        ("crosses_down", 10.0, 9.0, 10.0, True),
        ("crosses", 10.0, 10.0, 10.0, False),
        ("crosses", 10.0, 11.0, 10.0, True),
        ("crosses", 10.0, 9.0, 10.0, True),
        # An unknown operator never holds.
        ("==", 10.0, 10.0, 10.0, False),
    ],
)
def test_evaluate_one_operator(
    op: str, threshold: float, now: float, previous: float, expected: bool
) -> None:
    codes = np.array([OP_CODES.get(op, -1)], dtype=np.int8)
    result = holds(codes, np.array([threshold]), np.array([now]), np.array([previous]))
    assert result.dtype == bool
    assert result.tolist() == [expected]


def codes(*ops: str) -> np.ndarray:
    return np.array([OP_CODES[op] for op in ops], dtype=np.int8)


def test_evaluate_is_elementwise_over_mixed_rows() -> None:
    ops = codes(">", "<", "crosses_up", "crosses_down", ">=", "crosses")
    thresholds = np.array([1.0, 1.0, 5.0, 5.0, 0.1, 100.0])
    now = np.array([2.0, 2.0, 6.0, 6.0, NAN, 99.0])
    previous = np.array([NAN, NAN, 4.0, 4.0, 0.2, 101.0])
    assert holds(ops, thresholds, now, previous).tolist() == [
        True,
        False,
        True,
        False,
        False,
        True,
    ]


# ---- evaluate_alerts ---------------------------------------------------------------------------
def snapshot(
    star50_mtd: float | None = 0.05,
    ndx_mtd: float | None = 0.02,
    hstech_close: float | None = 5900.0,
    basket_value_ytd: float = 4e11,
    basket_included: int = 33,
) -> Snapshot:
    """A snapshot holding only what these tests read."""

    def index(symbol: str, close: float, returns: dict[str, float | None]) -> Instrument:
        return Instrument(symbol, symbol, "2026-11-20", close, "CNY", returns, "XSHG", "index")

    instruments = {
        STAR50: index(STAR50, 1400.0, {"MTD": star50_mtd, "YTD": 0.3}),
        NDX: index(NDX, 21000.0, {"MTD": ndx_mtd, "YTD": 0.1}),
    }
    if hstech_close is not None:
        instruments[HSTECH] = index(HSTECH, hstech_close, {"MTD": 0.01})
    stats = BasketStats(None, 0.2, basket_value_ytd, basket_included, 33 - basket_included)
    basket = Basket("china_ai", "China AI", 33, 1e12, {"YTD": stats}, {}, {}, Coverage(33))
    return Snapshot(
        "2026-11-20",
        "demo",
        "2026-11-20T12:00:00+00:00",
        instruments,
        {"china_ai": basket},
        {},
        {},
        {},
        {},
        {},
    )


Row = tuple[int, int, Condition]


def alert(text: str, alert_id: int = 1, chat_id: int = 100) -> Row:
    """An alert for `/alert text`: its id, chat and condition."""
    return alert_id, chat_id, parse_alert(text.split(" "), UNIVERSE, UNIVERSE.price_symbols)


def watched(text: str) -> GroupKey:
    """The group an alert for `/alert text` watches."""
    return group_key(alert(text)[2])


class Run:
    """Evaluate a table repeatedly, writing back each pass's changes like the store does."""

    def __init__(self, *rows: Row, previous: Mapping[GroupKey, float] | None = None) -> None:
        self.table = table_of(rows, previous)

    def step(
        self, snap: Snapshot, now: dt.datetime, cooldown: dt.timedelta = DEFAULT_COOLDOWN
    ) -> TableOutcome:
        values = group_values(self.table.groups, snap, UNIVERSE)
        outcome = evaluate_table(self.table, values, now, cooldown)
        self.table = apply(self.table, outcome)
        return outcome

    def fired_ids(self, snap: Snapshot, now: dt.datetime) -> list[int]:
        return self.ids(self.step(snap, now).fired)

    def ids(self, rows: np.ndarray) -> list[int]:
        return sorted(int(i) for i in self.table.columns["ids"][rows])

    def armed(self, row: int = 0) -> bool:
        return bool(self.table.columns["armed"][row])

    def previous(self, text: str) -> float:
        return float(self.table.previous[self.table.groups.index(watched(text))])


def test_comparison_fires_when_true_and_reports_the_value() -> None:
    run = Run(alert("star50 mtd > 10%", 1), alert("star50 mtd < 10%", 2))
    outcome = run.step(snapshot(star50_mtd=0.12), T0)
    assert run.ids(outcome.fired) == [1]
    assert outcome.values[run.table.columns["groups"][0]] == pytest.approx(0.12)
    assert run.table.columns["fired_count"].tolist() == [1, 0]
    assert run.table.columns["last_fired"][0] == T0.timestamp()
    assert run.armed(0) is False
    # Only the firing changed a row; the value seen is kept once, for the group.
    assert run.ids(outcome.changed) == [1]
    assert run.previous("star50 mtd > 10%") == pytest.approx(0.12)


def test_once_disarms_after_firing_and_never_fires_again() -> None:
    run = Run(alert("star50 mtd > 10%"))
    assert run.fired_ids(snapshot(star50_mtd=0.12), T0) == [1]
    assert run.fired_ids(snapshot(star50_mtd=0.13), T0 + 120 * MINUTE) == []
    assert run.fired_ids(snapshot(star50_mtd=0.05), T0 + 240 * MINUTE) == []
    assert run.fired_ids(snapshot(star50_mtd=0.15), T0 + 360 * MINUTE) == []


def test_every_rearms_only_after_the_condition_was_false_again() -> None:
    run = Run(alert("star50 mtd > 10% every"))
    assert run.fired_ids(snapshot(star50_mtd=0.12), T0) == [1]
    # Still true two hours later: no re-arm, so no second message.
    assert run.fired_ids(snapshot(star50_mtd=0.14), T0 + 120 * MINUTE) == []
    assert run.armed() is False
    # False again: re-armed (nothing sent) ...
    assert run.fired_ids(snapshot(star50_mtd=0.08), T0 + 130 * MINUTE) == []
    assert run.armed() is True
    # ... and true again: fires.
    assert run.fired_ids(snapshot(star50_mtd=0.11), T0 + 140 * MINUTE) == [1]


def test_every_respects_the_one_hour_cooldown() -> None:
    run = Run(alert("star50 mtd > 10% every"))
    assert run.fired_ids(snapshot(star50_mtd=0.12), T0) == [1]
    assert run.fired_ids(snapshot(star50_mtd=0.08), T0 + 10 * MINUTE) == []
    # Re-armed and true again, but only 20 minutes after the firing: held back, still armed.
    assert run.fired_ids(snapshot(star50_mtd=0.12), T0 + 20 * MINUTE) == []
    assert run.armed() is True
    assert run.fired_ids(snapshot(star50_mtd=0.12), T0 + 59 * MINUTE) == []
    # Exactly one hour after the firing the cooldown is over.
    assert run.fired_ids(snapshot(star50_mtd=0.12), T0 + 60 * MINUTE) == [1]
    assert run.table.columns["last_fired"][0] == (T0 + 60 * MINUTE).timestamp()


def test_cooldown_is_the_callers_to_choose() -> None:
    def fired_five_minutes_ago() -> Run:
        run = Run(alert("star50 mtd > 10% every"))
        run.table.columns["last_fired"] = np.array([T0.timestamp()])
        return run

    short = fired_five_minutes_ago().step(
        snapshot(star50_mtd=0.12), T0 + 5 * MINUTE, cooldown=dt.timedelta(minutes=5)
    )
    assert len(short.fired) == 1
    default = fired_five_minutes_ago().step(snapshot(star50_mtd=0.12), T0 + 5 * MINUTE)
    assert len(default.fired) == 0


def test_crossing_needs_two_consecutive_evaluations() -> None:
    run = Run(alert("hstech price crosses_up 6000"))
    # First look: above the line already, but nothing to compare with.
    assert run.fired_ids(snapshot(hstech_close=6100.0), T0) == []
    assert run.previous("hstech price crosses_up 6000") == 6100.0
    assert run.fired_ids(snapshot(hstech_close=5950.0), T0 + MINUTE) == []
    assert run.fired_ids(snapshot(hstech_close=6050.0), T0 + 2 * MINUTE) == [1]


def test_crossing_at_the_threshold_fires_when_it_leaves_the_line() -> None:
    run = Run(alert("hstech price crosses 6000"), previous={HSTECH_PRICE: 5990.0})
    assert run.fired_ids(snapshot(hstech_close=6000.0), T0) == []
    assert run.fired_ids(snapshot(hstech_close=6000.5), T0 + MINUTE) == [1]


def test_every_crossing_fires_on_each_new_crossing_after_the_cooldown() -> None:
    run = Run(alert("hstech price crosses 6000 every"), previous={HSTECH_PRICE: 5900.0})
    assert run.fired_ids(snapshot(hstech_close=6100.0), T0) == [1]
    assert run.fired_ids(snapshot(hstech_close=6150.0), T0 + 30 * MINUTE) == []
    assert run.armed() is True  # no crossing: re-armed at once
    assert run.fired_ids(snapshot(hstech_close=5900.0), T0 + 90 * MINUTE) == [1]


def test_missing_value_never_fires_and_keeps_the_previous_value() -> None:
    run = Run(
        alert("hstech price crosses 6000"),
        alert("hstech price > 1", 2),
        previous={HSTECH_PRICE: 5900.0},
    )
    outcome = run.step(snapshot(hstech_close=None), T0)
    assert len(outcome.fired) == 0
    assert len(outcome.changed) == 0
    assert run.previous("hstech price > 1") == 5900.0
    # The value comes back above the line: the crossing counts against the kept value.
    assert run.fired_ids(snapshot(hstech_close=6100.0), T0 + MINUTE) == [1, 2]


def test_basket_with_no_included_member_has_no_value() -> None:
    run = Run(alert("china_ai value ytd >= 300B"))
    assert run.fired_ids(snapshot(basket_included=0), T0) == []
    assert run.fired_ids(snapshot(basket_value_ytd=4e11), T0 + MINUTE) == [1]
    assert run.previous("china_ai value ytd >= 300B") == 4e11


def test_spread_is_the_difference_of_the_two_returns() -> None:
    run = Run(alert("star50-ndx mtd > 5pp"), alert("star50-ndx mtd < -5pp", 2))
    outcome = run.step(snapshot(star50_mtd=0.09, ndx_mtd=0.02), T0)
    assert run.ids(outcome.fired) == [1]
    assert outcome.values[0] == pytest.approx(0.07)
    assert run.fired_ids(snapshot(star50_mtd=0.01, ndx_mtd=0.07), T0 + MINUTE) == [2]


def test_unchanged_rows_are_not_reported_as_changed() -> None:
    run = Run(alert("star50 mtd > 10%"), previous={watched("star50 mtd > 10%"): 0.05})
    outcome = run.step(snapshot(star50_mtd=0.05), T0)
    assert (len(outcome.fired), len(outcome.changed)) == (0, 0)


def test_a_removed_row_never_fires() -> None:
    run = Run(alert("star50 mtd > 10%"), alert("star50 mtd > 10%", 2))
    run.table.columns["alive"] = np.array([0, 1], dtype=np.int8)
    assert run.fired_ids(snapshot(star50_mtd=0.12), T0) == [2]


def test_one_value_lookup_per_target_and_metric(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str, str]] = []

    def counting(condition: Condition, snap: Snapshot, universe: Universe) -> Any:
        calls.append((condition.kind, condition.target, condition.metric))
        return current_value(condition, snap, universe)

    monkeypatch.setattr(table_module, "current_value", counting)
    texts = [
        "star50 mtd > 10%",
        "star50 mtd < -10%",
        "star50 mtd crosses 3%",
        "hstech price > 6000",
        "hstech price crosses_down 5000",
        "china_ai value ytd >= 300B",
        "star50-ndx mtd > 5pp",
    ]
    run = Run(
        *(
            alert(text, alert_id=i * len(texts) + j, chat_id=i)
            for i in range(20)
            for j, text in enumerate(texts)
        )
    )
    outcome = run.step(snapshot(star50_mtd=0.12), T0)
    assert sorted(calls) == sorted(
        {
            ("index", "star50", "MTD"),
            ("index", "hstech", "price"),
            ("basket", "china_ai", "value:YTD"),
            ("spread", "star50-ndx", "MTD"),
        }
    )
    # star50 > 10%, china_ai >= 300B and star50-ndx > 5pp fire in each of the 20 chats.
    assert len(outcome.fired) == 60


# ---- expiry ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expires", "fires", "expired"),
    [
        (0, True, False),  # no `until`: never expires
        (T0.timestamp() + 1, True, False),  # a second before its end
        (T0.timestamp(), False, True),  # its end is now
        (T0.timestamp() - 86400, False, True),
    ],
)
def test_an_expired_alert_never_fires_and_is_listed_for_removal(
    expires: float, fires: bool, expired: bool
) -> None:
    condition = Condition("hstech", "index", "price", ">", 10.0, "price")
    table = table_of([(1, -5, condition)])
    table.columns["expires"] = np.array([expires], dtype="<i8")
    outcome = evaluate_table(table, np.array([11.0]), T0)
    assert list(outcome.fired) == ([0] if fires else [])
    assert list(table_module.expired_rows(table, T0)) == ([0] if expired else [])
