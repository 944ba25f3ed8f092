"""Loading and validating the universe file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.universe import (
    FX_MARKET,
    HONG_KONG,
    NEW_YORK,
    SHANGHAI,
    exchange_of,
    load_universe,
    parse_universe,
)

VALID: dict[str, Any] = {
    "indices": {
        "star50": {"symbol": "000688.SS", "name": "STAR 50"},
        "ndx": {"symbol": "^NDX", "name": "Nasdaq 100"},
    },
    "baskets": {
        "china_ai": {"name": "China AI", "members": ["0700.HK", "688256.SS"]},
        "us_ai": {"name": "US AI", "members": ["NVDA"]},
    },
    "fx": {"HKD": "HKDUSD=X", "CNY": {"symbol": "CNY=X", "invert": True}},
    "rally": {
        "onshore": ["star50"],
        "offshore": [],
        "benchmark": "ndx",
        "basket": "china_ai",
        "compare_basket": "us_ai",
    },
}


def test_default_universe_has_the_promised_shape() -> None:
    universe = load_universe()
    assert set(universe.indices) == {
        "star50",
        "chinext",
        "csi300",
        "hsi",
        "hstech",
        "hstech_etf",
        "ndx",
        "spx",
    }
    assert len(universe.baskets["china_ai"].members) == 33
    assert len(universe.baskets["us_ai"].members) == 14
    assert universe.fx["HKD"].invert
    assert universe.rally.boards == ("star50", "chinext", "hstech")
    assert universe.exchange("^HSI") == HONG_KONG  # explicit exchange beats the ^ default
    assert "rallybot default" in universe.baskets["china_ai"].name


@pytest.mark.parametrize(
    ("symbol", "exchange"),
    [
        ("0700.HK", HONG_KONG),
        ("688256.SS", SHANGHAI),
        ("300308.SZ", SHANGHAI),
        ("NVDA", NEW_YORK),
        ("BRK-B", NEW_YORK),
        ("^NDX", NEW_YORK),
        ("HKD=X", FX_MARKET),
    ],
)
def test_exchange_of_known_symbols(symbol: str, exchange: str) -> None:
    assert exchange_of(symbol) == exchange


def mutate(path: str, value: Any) -> dict[str, Any]:
    """VALID with one key (dotted path) replaced; value None deletes it."""
    document = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("extra", {"x": 1}, "unknown section [extra]"),
        ("baskets.china_ai.members", ["0700.HK", "0700.HK"], "lists 0700.HK twice"),
        ("baskets.china_ai.members", ["7203.T"], "baskets.china_ai.members: symbol '7203.T'"),
        ("baskets.china_ai.members", ["HKD=X"], "is an FX series"),
        ("baskets.china_ai.members", [], "must be a non-empty list"),
        ("rally.benchmark", "nope", "rally.benchmark names 'nope'"),
        ("rally.onshore", ["star50", "ghost"], "rally.onshore names 'ghost'"),
        ("rally.basket", "star50", "rally.basket names 'star50'"),
        ("rally.compare_basket", None, "rally.compare_basket is missing"),
        ("rally.colour", "red", "unknown key rally.colour"),
        ("indices.ndx", {"name": "no symbol"}, "[indices.ndx] needs symbol"),
        ("indices.ndx", {"symbol": "^NDX", "exchange": "XLON"}, "indices.ndx.exchange"),
        ("fx.hkd", "HKD=X", "fx.hkd: currency codes"),
        ("indices", None, "section [indices] is missing"),
    ],
)
def test_invalid_universe_names_the_key(path: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_universe(mutate(path, value), "mine.toml")
    assert message in str(error.value)
    assert str(error.value).startswith("mine.toml: ")


def test_bad_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    broken = tmp_path / "u.toml"
    broken.write_text("[indices\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_universe(broken)
    with pytest.raises(ConfigError, match="cannot read universe file"):
        load_universe(tmp_path / "absent.toml")
