"""Number formats shared by the terminal report, Telegram text and charts: the one place.

Pure and light (no matplotlib, no pandas), so text and charts alike import it.
"""

from __future__ import annotations

import math

MINUS = "\u2212"  # a true minus sign is as wide as "+", so stacked labels line up
NOT_AVAILABLE = "n/a"


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a signed percent: 0.129 -> '+12.9%'; None -> 'n/a'."""
    if value is None or _missing(value):
        return NOT_AVAILABLE
    text = f"{abs(value) * 100:.{digits}f}%"
    return _signed(value, text, digits_zero=float(text[:-1]) == 0)


def fmt_pp(value: float | None, digits: int = 1) -> str:
    """A difference of fractions in percentage points: 0.05 -> '+5.0 pp'."""
    if value is None or _missing(value):
        return NOT_AVAILABLE
    text = f"{abs(value) * 100:.{digits}f} pp"
    return _signed(value, text, digits_zero=float(text[:-3]) == 0)


def fmt_usd(value: float | None, signed: bool = True) -> str:
    """Compact US dollars: 7.319e11 -> '+$731.9B'; unsigned for levels: '$2.3T'."""
    if value is None or _missing(value):
        return NOT_AVAILABLE
    text = format_usd(value)
    return text if signed else text.removeprefix("+")


def fmt_price(value: float | None) -> str:
    """A close with sensible decimals: 1234.5 -> '1,234.50', 4.123 -> '4.123'."""
    if value is None or _missing(value):
        return NOT_AVAILABLE
    if abs(value) >= 100:
        return f"{value:,.2f}"
    return f"{value:,.3f}"


def _signed(value: float, body: str, digits_zero: bool) -> str:
    if digits_zero:
        return body
    return ("+" if value > 0 else MINUS) + body


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
