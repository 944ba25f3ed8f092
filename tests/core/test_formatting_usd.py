"""format_usd: compact signed dollars, pinned with hand-computed expectations."""

from __future__ import annotations

import math

import pytest

from bot.text.formatting import format_usd


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7.319e11, "+$731.9B"),
        (-1.2e12, "\u2212$1.2T"),
        (9.5e8, "+$950.0M"),
        (42.1e9, "+$42.1B"),
        (-3.2e9, "\u2212$3.2B"),
        (1234.0, "+$1.2K"),
        (512.0, "+$512"),
        (-999.4, "\u2212$999"),
        # Rounding carries into the next unit instead of printing 1000.
        (999.6, "+$1.0K"),
        (999.96e9, "+$1.0T"),
        (999.94e9, "+$999.9B"),
        (-999_960_000.0, "\u2212$1.0B"),
        # Anything that rounds to nothing is "+$0", never "-$0".
        (0.0, "+$0"),
        (-0.0, "+$0"),
        (0.4, "+$0"),
        (-0.4, "+$0"),
        # Beyond trillions the unit stays T.
        (2.5e15, "+$2500.0T"),
        (math.nan, "n/a"),
        (math.inf, "n/a"),
        (-math.inf, "n/a"),
    ],
)
def test_format_usd_renders_compact_signed_dollars(value: float, expected: str) -> None:
    assert format_usd(value) == expected
