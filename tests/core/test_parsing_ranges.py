"""`since DATE|EVENT` and `START..END`: the one period parser every market command shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from bot.analytics.periods import DateRange, Period
from bot.commands.parsing import (
    BasketRequest,
    ChartRequest,
    CompareRequest,
    IndexRequest,
    RallyRequest,
    named_range,
    parse_alert,
    parse_basket,
    parse_chart,
    parse_compare,
    parse_index,
    parse_rally,
    require_range_in_data,
    split_period,
)
from bot.core.errors import UserError
from bot.core.universe import load_universe

UNIVERSE = load_universe()
SYMBOLS = UNIVERSE.price_symbols
TODAY = dt.date(2026, 11, 26)
EVENTS = (
    "deepseek (2025-01-27), tariff_low (2025-04-08), start2025 (2025-01-01), "
    "start2026 (2026-01-01)"
)
D = dt.date


@pytest.mark.parametrize(
    ("text", "rest", "period"),
    [
        ("", [], "MTD"),
        ("star50 ytd", ["star50"], "YTD"),
        ("star50", ["star50"], "MTD"),
        # A day that is an event's day is named after it, however it was written.
        ("since 2025-01-27", [], DateRange(D(2025, 1, 27), None, "DeepSeek R1 shock")),
        ("2025-01-27..", [], DateRange(D(2025, 1, 27), None, "DeepSeek R1 shock")),
        ("2025-01-27..2025-02-27", [], DateRange(D(2025, 1, 27), D(2025, 2, 27))),
        ("star50 SINCE 2025-4-7", ["star50"], DateRange(D(2025, 4, 7))),
        ("since deepseek", [], DateRange(D(2025, 1, 27), None, "DeepSeek R1 shock")),
        (
            "china_ai since DeepSeek",
            ["china_ai"],
            DateRange(D(2025, 1, 27), None, "DeepSeek R1 shock"),
        ),
        ("since tariff_low", [], DateRange(D(2025, 4, 8), None, "April 2025 tariff low")),
        ("star50 2025-04-01..2025-12-31", ["star50"], DateRange(D(2025, 4, 1), D(2025, 12, 31))),
        ("2025-04-01..2025-04-01", [], DateRange(D(2025, 4, 1), D(2025, 4, 1))),
        ("2025-04-01..", [], DateRange(D(2025, 4, 1))),
        # An end after today is fine: the range stops at the newest close.
        ("2025-04-01..2027-01-01", [], DateRange(D(2025, 4, 1), D(2027, 1, 1))),
        # A start on today itself: the base is yesterday's close.
        ("since 2026-11-26", [], DateRange(D(2026, 11, 26))),
        (
            "star50 ndx since start2026",
            ["star50", "ndx"],
            DateRange(D(2026, 1, 1), None, "start of 2026"),
        ),
    ],
)
def test_a_trailing_period_or_range_is_split_off(
    text: str, rest: list[str], period: Period
) -> None:
    assert split_period(text.split(), UNIVERSE, TODAY, "/rally ytd") == (rest, period)


@pytest.mark.parametrize(
    ("text", "english", "chinese"),
    [
        (
            "since 2025-02-30",
            "“2025-02-30” is not a date. Write days as YYYY-MM-DD, e.g. /index star50 since "
            "2025-01-27",
            "“2025-02-30” 不是有效日期。日期格式为 YYYY-MM-DD，"
            "例如 /index star50 since 2025-01-27",
        ),
        (
            "since 27/01/2025",
            "“27/01/2025” is not a date. Write days as YYYY-MM-DD, e.g. /index star50 since "
            "2025-01-27",
            "“27/01/2025” 不是有效日期。日期格式为 YYYY-MM-DD，"
            "例如 /index star50 since 2025-01-27",
        ),
        (
            "2025-04-01..2025-13-01",
            "“2025-13-01” is not a date. Write days as YYYY-MM-DD, e.g. /index star50 since "
            "2025-01-27",
            "“2025-13-01” 不是有效日期。日期格式为 YYYY-MM-DD，"
            "例如 /index star50 since 2025-01-27",
        ),
        (
            "april..2025-12-31",
            "“april” is not a date. Write days as YYYY-MM-DD, e.g. /index star50 since 2025-01-27",
            "“april” 不是有效日期。日期格式为 YYYY-MM-DD，例如 /index star50 since 2025-01-27",
        ),
        (
            "2025-12-31..2025-04-01",
            "The range ends (2025-04-01) before it starts (2025-12-31). Write START..END, "
            "e.g. 2025-04-01..2025-12-31",
            "区间结束日（2025-04-01）早于开始日（2025-12-31）。请写成 开始..结束，"
            "例如 2025-04-01..2025-12-31",
        ),
        (
            "since 2026-11-27",
            "2026-11-27 is after today (2026-11-26): a period can only start in the past.",
            "2026-11-27 晚于今天（2026-11-26）：区间只能从过去开始。",
        ),
        (
            "2027-01-01..2027-02-01",
            "2027-01-01 is after today (2026-11-26): a period can only start in the past.",
            "2027-01-01 晚于今天（2026-11-26）：区间只能从过去开始。",
        ),
        (
            "since moonlanding",
            f"I know no event “moonlanding”. Use a date (since 2025-01-27) or one of: {EVENTS}",
            f"没有名为 “moonlanding” 的事件。请用日期（since 2025-01-27）或以下之一：{EVENTS}",
        ),
        (
            "since",
            f"Since when? Give a date (since 2025-01-27) or an event: {EVENTS}",
            f"从何时起？请给出日期（since 2025-01-27）或事件：{EVENTS}",
        ),
    ],
)
def test_a_bad_range_says_what_was_wrong(text: str, english: str, chinese: str) -> None:
    with pytest.raises(UserError) as caught:
        split_period(["star50", *text.split()], UNIVERSE, TODAY, "/index star50 ytd")
    assert str(caught.value) == english
    assert caught.value.render("zh") == chinese


@pytest.mark.parametrize(
    ("start", "first_day", "error"),
    [
        # The base is the last close before the start: the first stored day can't be one.
        (D(2024, 9, 17), D(2024, 9, 17), True),
        (D(2020, 1, 1), D(2024, 9, 17), True),
        (D(2024, 9, 18), D(2024, 9, 17), False),
        (D(2025, 1, 27), D(2024, 9, 17), False),
        (D(2025, 1, 27), None, True),  # nothing stored at all
    ],
)
def test_a_range_needs_a_stored_close_before_its_start(
    start: dt.date, first_day: dt.date | None, error: bool
) -> None:
    if not error:
        require_range_in_data(DateRange(start), first_day)
        return
    with pytest.raises(UserError) as caught:
        require_range_in_data(DateRange(start), first_day)
    assert caught.value.key == "range.before_data"


def test_before_the_data_names_the_first_day_and_a_start_that_works() -> None:
    with pytest.raises(UserError) as caught:
        require_range_in_data(DateRange(D(2020, 1, 1)), D(2024, 9, 17))
    assert str(caught.value) == (
        "The stored data begins on 2024-09-17: a period starting 2020-01-01 has no base close. "
        "Start later, e.g. /rally since 2024-09-18"
    )
    assert caught.value.render("zh") == (
        "已存数据从 2024-09-17 开始：从 2020-01-01 起的区间没有基准收盘价。请晚一些开始，"
        "例如 /rally since 2024-09-18"
    )


@pytest.mark.parametrize(
    ("period", "named"),
    [
        (DateRange(D(2025, 1, 27)), DateRange(D(2025, 1, 27), None, "DeepSeek R1 shock")),
        (DateRange(D(2025, 4, 8)), DateRange(D(2025, 4, 8), None, "April 2025 tariff low")),
        (DateRange(D(2025, 1, 28)), DateRange(D(2025, 1, 28))),
        (DateRange(D(2025, 1, 27), D(2025, 3, 1)), DateRange(D(2025, 1, 27), D(2025, 3, 1))),
        ("YTD", "YTD"),
    ],
)
def test_a_since_range_from_an_events_day_is_named_after_it(period: Period, named: Period) -> None:
    assert named_range(period, UNIVERSE) == named


def test_a_fixed_period_is_never_before_the_data() -> None:
    require_range_in_data("YTD", None)


DEEPSEEK = DateRange(D(2025, 1, 27), None, "DeepSeek R1 shock")
H2 = DateRange(D(2025, 4, 1), D(2025, 12, 31))


@pytest.mark.parametrize(
    ("command", "text", "request_"),
    [
        ("rally", "since 2025-01-28", RallyRequest(DateRange(D(2025, 1, 28)))),
        ("rally", "since 2025-01-27", RallyRequest(DEEPSEEK)),
        ("rally", "since deepseek", RallyRequest(DEEPSEEK)),
        ("basket", "china_ai since deepseek", BasketRequest("china_ai", DEEPSEEK)),
        ("basket", "since deepseek", BasketRequest("china_ai", DEEPSEEK)),
        ("index", "star50 2025-04-01..2025-12-31", IndexRequest("star50", H2)),
        (
            "chart",
            "star50 ndx since 2025-04-07",
            ChartRequest(("star50", "ndx"), DateRange(D(2025, 4, 7))),
        ),
        ("compare", "star50 ndx since deepseek", CompareRequest("star50", "ndx", DEEPSEEK)),
    ],
)
def test_every_market_command_takes_since_and_ranges(
    command: str, text: str, request_: object
) -> None:
    args: Sequence[str] = text.split()
    parsed = {
        "rally": lambda: parse_rally(args, UNIVERSE, TODAY),
        "index": lambda: parse_index(args, UNIVERSE, TODAY),
        "basket": lambda: parse_basket(args, UNIVERSE, TODAY),
        "chart": lambda: parse_chart(args, UNIVERSE, SYMBOLS, TODAY),
        "compare": lambda: parse_compare(args, UNIVERSE, SYMBOLS, TODAY),
    }[command]()
    assert parsed == request_


@pytest.mark.parametrize(
    "text",
    [
        "star50 since deepseek > 10%",
        "star50 2025-04-01..2025-12-31 > 10%",
        "china_ai value since 2025-01-27 >= 500B",
    ],
)
def test_alerts_say_they_take_no_ranges(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_alert(text.split(), UNIVERSE, SYMBOLS)
    assert str(caught.value) == (
        "Alerts watch the fixed periods 1D, 5D, MTD, YTD, 1Y, not since-dates or ranges, "
        "e.g. /alert star50 mtd > 10%"
    )
    assert caught.value.render("zh") == (
        "提醒只支持固定区间 1D, 5D, MTD, YTD, 1Y，不支持 since 日期或日期范围，"
        "例如 /alert star50 mtd > 10%"
    )
