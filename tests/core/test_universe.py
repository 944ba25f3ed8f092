"""Loading and validating the universe file."""

from __future__ import annotations

import copy
import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import ConfigError
from bot.core.universe import (
    FX_MARKET,
    HONG_KONG,
    NEW_YORK,
    SHANGHAI,
    Event,
    exchange_of,
    load_universe,
    parse_universe,
)
from bot.refresh import with_defaults
from bot.sources.base import SymbolMeta
from bot.text.i18n import CATALOGUE

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
        ("baskets.china_ai.sectors", ["0700.HK"], "sectors must be a table"),
        ("baskets.china_ai.sectors", {"Chips": ["688256.SS"]}, "[baskets.china_ai.sectors.Chips]"),
        ("baskets.china_ai.sectors", {"chips": "688256.SS"}, "sectors.chips must be a list"),
        ("baskets.china_ai.sectors", {"chips": ["NVDA"]}, "lists NVDA, which is not a member"),
        (
            "baskets.china_ai.sectors",
            {"chips": ["688256.SS"], "apps": ["688256.SS", "0700.HK"]},
            "688256.SS is in both chips and apps",
        ),
        ("baskets.china_ai.sectors", {"chips": ["688256.SS"]}, "0700.HK in no sector"),
        ("rally.benchmark", "nope", "rally.benchmark names 'nope'"),
        ("rally.onshore", ["star50", "ghost"], "rally.onshore names 'ghost'"),
        ("rally.basket", "star50", "rally.basket names 'star50'"),
        ("rally.compare_basket", None, "rally.compare_basket is missing"),
        ("rally.colour", "red", "unknown key rally.colour"),
        ("indices.ndx", {"name": "no symbol"}, "[indices.ndx] needs symbol"),
        ("indices.ndx", {"symbol": "^NDX", "exchange": "XLON"}, "indices.ndx.exchange"),
        ("fx.hkd", "HKD=X", "fx.hkd: currency codes"),
        ("indices", None, "section [indices] is missing"),
        ("indices.ndx.source", "bloomberg", "indices.ndx.source must be one of"),
        ("indices.ndx.stand_in", "QQQ", "indices.ndx.stand_in must be"),
        ("indices.ndx.stand_in", {"symbol": "7203.T"}, "indices.ndx.stand_in: symbol"),
        ("shares", {"TSLA": {"shares": 1, "note": "x", "as_of": "2026-01-01"}}, "in no basket"),
        ("shares", {"NVDA": 24.3e9}, "shares.NVDA must be { shares = "),
        ("shares", {"NVDA": {"shares": 1e9, "note": "x"}}, "shares.NVDA must be { shares = "),
        (
            "shares",
            {"NVDA": {"shares": -1, "note": "x", "as_of": "2026-01-01"}},
            "shares.NVDA.shares must be a positive number",
        ),
        (
            "shares",
            {"NVDA": {"shares": 1e9, "note": " ", "as_of": "2026-01-01"}},
            "shares.NVDA.note must say where the figure comes from",
        ),
        (
            "shares",
            {"NVDA": {"shares": 1e9, "note": "10-Q", "as_of": "last week"}},
            "shares.NVDA.as_of must be a date",
        ),
        ("events", ["deepseek"], "[events] maps keys to"),
        ("events", {"deepseek": "2025-01-27"}, "events.deepseek must be { date = "),
        ("events", {"deepseek": {"date": "2025-01-27"}}, "events.deepseek must be { date = "),
        (
            "events",
            {"deepseek": {"date": "2025-02-30", "name": "DeepSeek"}},
            "events.deepseek.date must be a day like 2025-01-27, not '2025-02-30'",
        ),
        (
            "events",
            {"deepseek": {"date": "last January", "name": "DeepSeek"}},
            "events.deepseek.date must be a day like 2025-01-27",
        ),
        (
            "events",
            {"deepseek": {"date": 20250127, "name": "DeepSeek"}},
            "events.deepseek.date must be a day like 2025-01-27",
        ),
        (
            "events",
            {"deepseek": {"date": "2025-01-27", "name": "  "}},
            "events.deepseek.name must say what happened",
        ),
        (
            "events",
            {"DeepSeek": {"date": "2025-01-27", "name": "DeepSeek"}},
            "[events.DeepSeek] keys are lower-case letters",
        ),
        (
            "names_zh",
            {"0700.HK ": "腾讯控股"},
            "[names_zh] names '0700.HK ', which is no index or member symbol, basket or event",
        ),
        ("names_zh", {"0700.HK": 700}, "[names_zh] maps symbols and keys to names"),
    ],
)
def test_invalid_universe_names_the_key(path: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_universe(mutate(path, value), "mine.toml")
    assert message in str(error.value)
    assert str(error.value).startswith("mine.toml: ")


def test_default_baskets_put_every_member_in_one_named_sector() -> None:
    universe = load_universe()
    for basket in universe.baskets.values():
        placed = [member for members in basket.sectors.values() for member in members]
        assert sorted(placed) == sorted(basket.members)
        for sector in basket.sectors:
            assert f"sector.{sector}" in CATALOGUE
    china = universe.baskets["china_ai"]
    assert list(china.sectors) == ["platforms", "cloud", "chips", "optical", "robotics", "apps"]
    assert china.sector_of("688256.SS") == "chips"
    assert universe.baskets["us_ai"].sector_of("TSLA") == "robotics"


def test_sectors_are_optional_and_keep_the_files_order() -> None:
    plain = parse_universe(VALID)
    assert plain.baskets["china_ai"].sectors == {}
    assert plain.baskets["china_ai"].sector_of("0700.HK") is None
    sectored = parse_universe(
        mutate("baskets.china_ai.sectors", {"chips": ["688256.SS"], "platforms": ["0700.HK"]})
    )
    assert sectored.baskets["china_ai"].sectors == {
        "chips": ("688256.SS",),
        "platforms": ("0700.HK",),
    }


def test_bad_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    broken = tmp_path / "u.toml"
    broken.write_text("[indices\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_universe(broken)
    with pytest.raises(ConfigError, match="cannot read universe file"):
        load_universe(tmp_path / "absent.toml")


def test_an_events_date_is_read_from_toml_or_text(tmp_path: Path) -> None:
    universe = parse_universe(
        mutate(
            "events",
            {
                "deepseek": {"date": dt.date(2025, 1, 27), "name": "DeepSeek R1 shock"},
                "tariff_low": {"date": "2025-04-08", "name": " April 2025 tariff low "},
            },
        )
    )
    assert universe.events["deepseek"] == Event(
        "deepseek", dt.date(2025, 1, 27), "DeepSeek R1 shock"
    )
    assert universe.events["tariff_low"] == Event(
        "tariff_low", dt.date(2025, 4, 8), "April 2025 tariff low"
    )
    broken = tmp_path / "events.toml"
    broken.write_text(
        load_text_of_default().replace('date = "2025-01-27"', 'date = "2025-13-27"'),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"events\.deepseek\.date must be a day like"):
        load_universe(broken)


def test_the_default_universe_ships_the_well_dated_events() -> None:
    events = load_universe().events
    assert {key: (e.date.isoformat(), e.name) for key, e in events.items()} == {
        "deepseek": ("2025-01-27", "DeepSeek R1 shock"),
        "tariff_low": ("2025-04-08", "April 2025 tariff low"),
        "start2025": ("2025-01-01", "start of 2025"),
        "start2026": ("2026-01-01", "start of 2026"),
    }


def load_text_of_default() -> str:
    """The packaged universe file's text."""
    return resources.files("bot.core").joinpath("universe.toml").read_text(encoding="utf-8")


def test_share_overrides_replace_the_sources_count_for_that_line() -> None:
    document = mutate(
        "shares",
        {"NVDA": {"shares": 24.4e9, "note": "10-Q cover page", "as_of": dt.date(2026, 10, 24)}},
    )
    universe = parse_universe(document)
    override = universe.shares["NVDA"]
    assert (override.shares, override.note, override.as_of) == (
        24.4e9,
        "10-Q cover page",
        "2026-10-24",
    )
    reported = {"NVDA": SymbolMeta("NVDA", "NVDA", "USD", "XNYS", 12.0e9)}
    assert with_defaults(reported, universe)["NVDA"].shares_outstanding == 24.4e9


def test_an_index_from_another_source_has_a_named_stand_in() -> None:
    universe = load_universe()
    hstech = universe.indices["hstech"]
    assert (hstech.symbol, hstech.source, hstech.exchange) == ("HSTECH.HK", "akshare", HONG_KONG)
    assert universe.source_of("HSTECH.HK") == "akshare"
    assert universe.source_of("0700.HK") == "yahoo"
    without = universe.without_source("akshare")
    assert without.indices["hstech"].symbol == "3033.HK"
    assert "tracker" in without.indices["hstech"].name
    assert without.indices["hstech_etf"].symbol == "3033.HK"  # the ETF stays a symbol
    assert without.all_symbols.count("3033.HK") == 1
