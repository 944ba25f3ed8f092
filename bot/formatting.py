"""Number formats shared by the terminal report, Telegram text and charts."""

from __future__ import annotations

import math

from charts.money import format_usd

MINUS = "−"  # a true minus sign lines up with plus signs in Telegram's font
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
