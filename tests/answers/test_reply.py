"""Period buttons: the fixed periods, and a custom range kept selected in a row of its own."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.analytics.periods import DateRange
from bot.answers.reply import Button, period_buttons
from bot.commands.callbacks import CALLBACK_DATA_LIMIT, ButtonAction

FIXED = (
    Button("1D", "rally:1D"),
    Button("5D", "rally:5D"),
    Button("MTD", "rally:MTD"),
    Button("YTD", "rally:YTD"),
    Button("1Y", "rally:1Y"),
)


@pytest.mark.parametrize(
    ("period", "rows"),
    [
        ("YTD", ((*FIXED[:3], Button("• YTD •", "rally:YTD"), FIXED[4]),)),
        (
            DateRange(dt.date(2025, 1, 27), None, "DeepSeek R1 shock"),
            (FIXED, (Button("• 2025-01-27 → •", "rally:20250127-"),)),
        ),
        (
            DateRange(dt.date(2025, 4, 1), dt.date(2025, 12, 31)),
            (FIXED, (Button("• 2025-04-01 → 2025-12-31 •", "rally:20250401-20251231"),)),
        ),
    ],
)
def test_the_chosen_period_is_marked(period: str | DateRange, rows: object) -> None:
    assert period_buttons(ButtonAction("rally", period)) == rows


def test_a_range_too_long_for_callback_data_keeps_only_the_fixed_periods() -> None:
    widest = DateRange(dt.date(2025, 4, 1), dt.date(2025, 12, 31))
    rows = period_buttons(ButtonAction("compare", widest, ("A" * 20, "B" * 20)))
    assert [button.text for button in rows[0]] == ["1D", "5D", "MTD", "YTD", "1Y"]
    assert len(rows) == 1
    assert all(len(b.data.encode()) <= CALLBACK_DATA_LIMIT for row in rows for b in row)
