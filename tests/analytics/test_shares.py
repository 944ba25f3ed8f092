"""Share counts checked against the source's own market cap."""

from __future__ import annotations

import pandas as pd
import pytest

from bot.analytics.shares import ShareCheck, share_checks
from bot.sources.base import SymbolMeta

CLOSES = pd.DataFrame(
    {"TSM": [200.0, 210.0], "GOOGL": [300.0, 310.0]},
    index=pd.DatetimeIndex(["2026-11-24", "2026-11-25"]),
)


def meta(
    symbol: str, shares: float | None, cap: float | None, price: float | None = None
) -> SymbolMeta:
    return SymbolMeta(symbol, symbol, "USD", "XNYS", shares, cap, price)


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        # Class A only: half the company's cap.
        (meta("GOOGL", 5.8e9, 3.6e12, 310.0), ShareCheck("GOOGL", 5.8e9, 3.6e12 / 310.0, 0.4994)),
        # Ordinary shares against an ADS price: five times the cap.
        (meta("TSM", 25.9e9, 1.09e12, 210.0), ShareCheck("TSM", 25.9e9, 1.09e12 / 210, 4.99)),
        (meta("TSM", 5.19e9, 1.09e12, 210.0), None),  # within 15%
        (meta("TSM", 5.19e9, None, 210.0), None),  # no cap: nothing to check against
        (meta("TSM", None, 1.09e12, 210.0), None),
        (meta("TSM", 25.9e9, 1.09e12), ShareCheck("TSM", 25.9e9, 1.09e12 / 210, 4.99)),
    ],
    ids=["one-class", "ads-ratio", "consistent", "no-cap", "no-shares", "last-close"],
)
def test_share_checks(info: SymbolMeta, expected: ShareCheck | None) -> None:
    found = share_checks({info.symbol: info}, CLOSES, [info.symbol])
    if expected is None:
        assert found == []
        return
    (check,) = found
    assert check.symbol == expected.symbol
    assert check.implied_shares == pytest.approx(expected.implied_shares)
    assert check.ratio == pytest.approx(expected.ratio, rel=1e-3)
