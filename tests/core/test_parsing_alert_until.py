"""`/alert … until DATE` and `/alerts history` parsing: exact dates, exact errors."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.commands.parsing import parse_alert_request, parse_alerts, parse_until
from bot.core.errors import UserError
from bot.core.universe import Universe, load_universe

UNIVERSE: Universe = load_universe()
SYMBOLS = UNIVERSE.price_symbols
EXAMPLE = "/alert star50 mtd > 10% until 2026-12-31"
MISSING = f"Give the alert's last day once, after until, e.g. {EXAMPLE}"


def not_a_date(token: str) -> str:
    return f"“{token}” is not a date: write until YYYY-MM-DD, e.g. {EXAMPLE}"


@pytest.mark.parametrize(
    ("text", "canonical", "until"),
    [
        ("star50 mtd > 10%", "star50 mtd > 10%", None),
        ("star50 mtd > 10% until 2026-12-31", "star50 mtd > 10%", dt.date(2026, 12, 31)),
        ("star50 mtd > 10% UNTIL 2026-1-5", "star50 mtd > 10%", dt.date(2026, 1, 5)),
        ("ndx price > 1 every until 2027-02-28", "ndx price > 1 every", dt.date(2027, 2, 28)),
        ("ndx price > 1 until 2028-02-29 every", "ndx price > 1 every", dt.date(2028, 2, 29)),
        ("star50 until 2026-12-31 mtd > 10%", "star50 mtd > 10%", dt.date(2026, 12, 31)),
        (
            "china_ai value ytd >= 500B until 2026-11-26",
            "china_ai value ytd >= 500B",
            dt.date(2026, 11, 26),
        ),
    ],
)
def test_until_takes_a_day_anywhere_after_the_target(
    text: str, canonical: str, until: dt.date | None
) -> None:
    request = parse_alert_request(text.split(), UNIVERSE, SYMBOLS)
    assert request.condition.canonical() == canonical
    assert request.until == until


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("star50 mtd > 10% until", MISSING),
        ("star50 mtd > 10% until 2026-12-31 until 2027-01-01", MISSING),
        ("star50 mtd > 10% until tomorrow", not_a_date("tomorrow")),
        ("star50 mtd > 10% until 2026-02-30", not_a_date("2026-02-30")),
        ("star50 mtd > 10% until 2026-13-01", not_a_date("2026-13-01")),
        ("star50 mtd > 10% until 31.12.2026", not_a_date("31.12.2026")),
        ("star50 mtd > 10% until 26-12-31", not_a_date("26-12-31")),
        ("star50 mtd > 10% until 2026-12-31T00:00", not_a_date("2026-12-31T00:00")),
    ],
)
def test_a_bad_until_says_what_to_write(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_alert_request(text.split(), UNIVERSE, SYMBOLS)
    assert caught.value.render("en") == message


def test_a_bad_until_is_explained_in_chinese_too() -> None:
    with pytest.raises(UserError) as caught:
        parse_until("soon")
    assert caught.value.render("zh") == f"“soon” 不是有效日期：请写 until 年-月-日，例如 {EXAMPLE}"


def test_the_condition_is_still_checked_beside_until() -> None:
    with pytest.raises(UserError) as caught:
        parse_alert_request(["star50", "mtd", "until", "2026-12-31"], UNIVERSE, SYMBOLS)
    assert caught.value.key == "alert.usage"


@pytest.mark.parametrize(
    ("args", "history"),
    [([], False), (["history"], True), (["HISTORY"], True)],
)
def test_alerts_lists_or_shows_history(args: list[str], history: bool) -> None:
    assert parse_alerts(args) is history


@pytest.mark.parametrize("args", [["old"], ["history", "10"]])
def test_alerts_with_anything_else_shows_usage(args: list[str]) -> None:
    with pytest.raises(UserError) as caught:
        parse_alerts(args)
    assert caught.value.render("en") == (
        "Usage: /alerts for the list, /alerts history for the last firings"
    )
