"""`/alert` parsing: each input's exact normalized condition or exact error (en and zh)."""

from __future__ import annotations

import pytest

from bot.chatops.conditions import Condition
from bot.commands.parsing import parse_alert, parse_value
from bot.core.errors import UserError
from bot.core.universe import Universe, load_universe
from bot.text.market import esc

UNIVERSE: Universe = load_universe()
SYMBOLS = UNIVERSE.price_symbols

EXAMPLE = "/alert star50 mtd > 10%"
VALUE_EXAMPLE = "/alert china_ai value ytd >= 500B"
PRICE_EXAMPLE = "/alert hstech price crosses 6000"
SPREAD_EXAMPLE = "/alert star50-ndx mtd > 5pp"
OPS = "> < >= <= crosses crosses_up crosses_down"
USAGE = f"Usage: /alert TARGET METRIC OP VALUE [once|every], e.g. {EXAMPLE}"
USAGE_ZH = f"用法：/alert 目标 指标 运算符 数值 [once|every]，例如 {EXAMPLE}"
LONG_TOKEN = "A" * 300
CLIPPED = "A" * 39 + "…"


def unknown_target(token: str) -> str:
    """The English error for a target the universe does not know."""
    return (
        f"I don't know “{token}”. Use an index (star50, chinext, csi300, hsi, hstech, "
        "hstech_etf, ndx, spx), a basket (china_ai, us_ai), a symbol like 9988.HK or a spread "
        "like star50-ndx, "
        f"e.g. {EXAMPLE}"
    )


def unknown_target_zh(token: str) -> str:
    """The Chinese error for a target the universe does not know."""
    return (
        f"找不到 “{token}”。可用指数（star50, chinext, csi300, hsi, hstech, hstech_etf, ndx, "
        "spx）、篮子（china_ai, us_ai）、股票代码（如 9988.HK）或差值（如 star50-ndx），"
        f"例如 {EXAMPLE}"
    )


def parse(text: str) -> Condition:
    """Parse the words after /alert exactly as the handler receives them."""
    return parse_alert(text.split(" "), UNIVERSE, SYMBOLS)


VALID = [
    # The headline forms from DESIGN.md.
    ("star50 mtd > 10%", "star50 mtd > 10%"),
    ("hstech price crosses 6000", "hstech price crosses 6000"),
    ("china_ai value ytd >= 500B", "china_ai value ytd >= 500B"),
    ("star50-ndx mtd > 5pp", "star50-ndx mtd > 5pp"),
    ("9988.HK 1d < -5%", "9988.HK 1d < -5%"),
    ("ndx price > 1", "ndx price > 1"),
    # Dollar amounts: suffixes in either case, rescaled to the largest whole unit.
    ("china_ai value 1y >= 1.2T", "china_ai value 1y >= 1.2T"),
    ("china_ai value mtd <= 800b", "china_ai value mtd <= 800B"),
    ("china_ai value 1d > 2500M", "china_ai value 1d > 2.5B"),
    ("china_ai value 5d < -50B", "china_ai value 5d < -50B"),
    ("china_ai value ytd >= $500B", "china_ai value ytd >= 500B"),
    ("us_ai value ytd crosses 1T", "us_ai value ytd crosses 1T"),
    ("ndx price > 0.5k", "ndx price > 500"),
    # Repeat: `once` is the default and is not written out.
    ("star50 mtd > 10% every", "star50 mtd > 10% every"),
    ("star50 mtd > 10% once", "star50 mtd > 10%"),
    ("hstech price CROSSES 6000 EVERY", "hstech price crosses 6000 every"),
    # Every operator and the typed aliases of >= and <=.
    ("hstech price crosses_up 6000", "hstech price crosses_up 6000"),
    ("hstech price crosses_down 5000.5", "hstech price crosses_down 5000.5"),
    ("ndx 5d >= 3%", "ndx 5d >= 3%"),
    ("star50 ytd ≥ 20%", "star50 ytd >= 20%"),
    ("star50 ytd ≤ -20%", "star50 ytd <= -20%"),
    ("star50 ytd => 20%", "star50 ytd >= 20%"),
    ("spx price >= 6000.25", "spx price >= 6000.25"),
    # Case-insensitive keys and symbols; symbols keep the universe's spelling.
    ("STAR50 MTD > 10%", "star50 mtd > 10%"),
    ("China_AI ytd > 15%", "china_ai ytd > 15%"),
    ("9988.hk price > 150", "9988.HK price > 150"),
    # Signs: explicit plus, Unicode minus, negative percentage points; 1w means 5d.
    ("chinext 1y <= +25%", "chinext 1y <= 25%"),
    ("star50 mtd > −5%", "star50 mtd > -5%"),
    ("star50-ndx ytd < -3pp", "star50-ndx ytd < -3pp"),
    ("0700.HK 1w >= 2%", "0700.HK 5d >= 2%"),
]


@pytest.mark.parametrize(("text", "canonical"), VALID)
def test_valid_alert_normalizes_to_its_canonical_form(text: str, canonical: str) -> None:
    assert parse(text).canonical() == canonical


@pytest.mark.parametrize(("text", "canonical"), VALID)
def test_canonical_form_parses_back_to_itself(text: str, canonical: str) -> None:
    assert parse(canonical).canonical() == canonical


INVALID = [
    ("nope mtd > 10%", unknown_target("nope"), unknown_target_zh("nope")),
    ("star50-zzz mtd > 5pp", unknown_target("star50-zzz"), None),
    (
        "star50 qtd > 10%",
        f"“qtd” is not a metric. Use price, 1d, 5d, mtd, ytd, 1y or value PERIOD, e.g. {EXAMPLE}",
        f"“qtd” 不是有效指标。可用 price、1d、5d、mtd、ytd、1y 或 value 区间，例如 {EXAMPLE}",
    ),
    (
        "china_ai value qtd > 500B",
        f"“qtd” is not a period. Use one of 1D, 5D, MTD, YTD, 1Y, e.g. {VALUE_EXAMPLE}",
        None,
    ),
    (
        "star50 mtd = 10%",
        f"“=” is not a comparison. Use one of {OPS}, e.g. {EXAMPLE}",
        f"“=” 不是有效的比较符。可用：{OPS}，例如 {EXAMPLE}",
    ),
    ("star50 mtd >> 10%", f"“>>” is not a comparison. Use one of {OPS}, e.g. {EXAMPLE}", None),
    (
        "star50 mtd > ten",
        f"“ten” is not a value. Write 6000, 12%, -5%, 5pp, 800B or 1.2T, e.g. {EXAMPLE}",
        f"“ten” 不是有效数值。可写 6000、12%、-5%、5pp、800B 或 1.2T，例如 {EXAMPLE}",
    ),
    (
        "star50 1d > 1e5%",
        f"“1e5%” is not a value. Write 6000, 12%, -5%, 5pp, 800B or 1.2T, e.g. {EXAMPLE}",
        None,
    ),
    (
        "star50 price > 10%",
        f"A price is a level, not “10%”: write a number, e.g. {PRICE_EXAMPLE}",
        f"价格是点位，不能写 “10%”：请写数字，例如 {PRICE_EXAMPLE}",
    ),
    (
        "star50 mtd > 10",
        f"Returns are in percent: write “10” with %, e.g. {EXAMPLE}",
        f"涨跌幅以百分比计：请在 “10” 后加 %，例如 {EXAMPLE}",
    ),
    ("star50 mtd > 10pp", f"Returns are in percent: write “10pp” with %, e.g. {EXAMPLE}", None),
    (
        "china_ai mtd > 500B",
        f"Returns are in percent: write “500B” with %, e.g. {EXAMPLE}",
        None,
    ),
    (
        "star50-ndx mtd > 5%",
        f"Spreads are in percentage points: write “5%” as e.g. 5pp, e.g. {SPREAD_EXAMPLE}",
        f"差值以百分点计：请把 “5%” 写成 5pp 这样的形式，例如 {SPREAD_EXAMPLE}",
    ),
    (
        "star50 value ytd > 500B",
        f"Value changes are for baskets only, e.g. {VALUE_EXAMPLE}",
        f"市值变化只适用于篮子，例如 {VALUE_EXAMPLE}",
    ),
    (
        "china_ai value ytd > 10%",
        f"“10%” is not a dollar amount: write 500B or 1.2T, e.g. {VALUE_EXAMPLE}",
        None,
    ),
    (
        "china_ai price > 100",
        f"Baskets and spreads have no price: use a return like mtd, e.g. {PRICE_EXAMPLE}",
        f"篮子和差值没有价格：请使用 mtd 等涨跌幅，例如 {PRICE_EXAMPLE}",
    ),
    (
        "star50-ndx price > 5",
        f"Baskets and spreads have no price: use a return like mtd, e.g. {PRICE_EXAMPLE}",
        None,
    ),
    ("star50 mtd >", USAGE, USAGE_ZH),
    ("every", USAGE, None),
    ("", USAGE, None),
    ("star50 mtd > 10% extra", USAGE, None),
    (
        "star50-star50 mtd > 5pp",
        f"A spread needs two different indices, e.g. {SPREAD_EXAMPLE}",
        f"差值需要两个不同的指数，例如 {SPREAD_EXAMPLE}",
    ),
    # HTML is echoed verbatim here; the reply boundary escapes it (see the test below).
    ("<b>x</b> mtd > 10%", unknown_target("<b>x</b>"), unknown_target_zh("<b>x</b>")),
    # A 300-character token is echoed clipped to 40 characters.
    (f"{LONG_TOKEN} mtd > 10%", unknown_target(CLIPPED), unknown_target_zh(CLIPPED)),
    (
        f"star50 {'m' * 300} > 10%",
        f"“{'m' * 39}…” is not a metric. Use price, 1d, 5d, mtd, ytd, 1y or value PERIOD, "
        f"e.g. {EXAMPLE}",
        None,
    ),
]


@pytest.mark.parametrize(("text", "english", "chinese"), INVALID)
def test_invalid_alert_says_exactly_what_was_wrong(
    text: str, english: str, chinese: str | None
) -> None:
    with pytest.raises(UserError) as caught:
        parse(text)
    assert str(caught.value) == english
    if chinese is not None:
        assert caught.value.render("zh") == chinese


def test_table_is_large_enough() -> None:
    assert len(VALID) + len(INVALID) >= 40
    assert sum(1 for *_, zh in INVALID if zh is not None) >= 6


def test_html_in_a_token_is_escaped_at_the_reply_boundary() -> None:
    with pytest.raises(UserError) as caught:
        parse("<b>x</b> mtd > 10%")
    assert "“&lt;b&gt;x&lt;/b&gt;”" in esc(caught.value.render("en"))


def test_no_echo_of_a_long_token_exceeds_the_clip() -> None:
    with pytest.raises(UserError) as caught:
        parse(f"{LONG_TOKEN} mtd > 10%")
    assert LONG_TOKEN[:41] not in str(caught.value)
    assert len(caught.value.params["token"]) == 40


@pytest.mark.parametrize(
    ("token", "number", "suffix"),
    [
        ("12%", 0.12, "%"),
        ("-5%", -0.05, "%"),
        ("−5%", -0.05, "%"),
        ("5pp", 0.05, "pp"),
        ("5PP", 0.05, "pp"),
        ("1.2T", 1.2e12, "t"),
        ("800b", 800e9, "b"),
        ("$500B", 500e9, "b"),
        ("2.5m", 2.5e6, "m"),
        ("0.5k", 500.0, "k"),
        ("6000", 6000.0, None),
        ("+6000.25", 6000.25, None),
    ],
)
def test_parse_value_reads_natural_units(token: str, number: float, suffix: str | None) -> None:
    value, unit = parse_value(token)
    assert value == pytest.approx(number, rel=1e-12)
    assert unit == suffix


@pytest.mark.parametrize("token", ["", "%", "1,5%", "1e3", "10 %", "nan", "inf", "5bn", "--5%"])
def test_parse_value_rejects_what_is_not_a_value(token: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_value(token)
    assert caught.value.key == "alert.value_bad"


def test_condition_round_trips_through_json() -> None:
    condition = parse("star50-ndx mtd > 5pp every")
    assert Condition.from_json(condition.to_json()) == condition
    assert condition.kind == "spread"
    assert condition.unit == "pp"
    assert condition.period == "MTD"
    assert condition.threshold == pytest.approx(0.05)


def test_a_value_that_overflows_after_scaling_is_rejected() -> None:
    with pytest.raises(UserError) as caught:
        parse(f"china_ai value ytd > {'9' * 300}T")
    assert caught.value.key == "alert.value_bad"
