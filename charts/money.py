"""Compact signed US-dollar amounts, shared by chart labels and message text."""

from __future__ import annotations

import math

MINUS = "\u2212"  # a true minus sign is as wide as "+", so stacked labels line up
NOT_AVAILABLE = "n/a"

# (scale, suffix, decimals), smallest first; whole dollars below a thousand.
_UNITS = ((1.0, "", 0), (1e3, "K", 1), (1e6, "M", 1), (1e9, "B", 1), (1e12, "T", 1))


def format_usd(value: float) -> str:
    """Format a USD change compactly with a sign: 7.319e11 -> '+$731.9B', -1.2e12 -> '−$1.2T'."""
    if not math.isfinite(value):
        return NOT_AVAILABLE
    body = _compact_dollars(abs(value))
    if body == "$0":
        return "+$0"
    return ("+" if value > 0 else MINUS) + body


def _compact_dollars(magnitude: float) -> str:
    for index in range(len(_UNITS) - 1, -1, -1):
        scale, suffix, decimals = _UNITS[index]
        if magnitude < scale and index > 0:
            continue
        number = f"{magnitude / scale:.{decimals}f}"
        # Rounding can carry into the next unit: 999.96e9 reads "$1.0T", not "$1000.0B".
        if float(number) >= 1000 and index + 1 < len(_UNITS):
            number, suffix = "1.0", _UNITS[index + 1][1]
        return f"${number}{suffix}"
    raise AssertionError("unreachable: the whole-dollar unit always matches")
