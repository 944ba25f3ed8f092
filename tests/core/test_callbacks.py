"""Callback data: every button's action survives the round trip within 64 bytes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.analytics.periods import DateRange
from bot.commands.callbacks import CALLBACK_DATA_LIMIT, ButtonAction, decode, encode


@pytest.mark.parametrize(
    ("action", "data"),
    [
        (ButtonAction("rally", "YTD"), "rally:YTD"),
        (ButtonAction("index", "MTD", ("star50",)), "index:star50:MTD"),
        (ButtonAction("basket", "1Y", ("china_ai",)), "basket:china_ai:1Y"),
        (ButtonAction("basket", "5D", ("us_ai",), 3), "basket:us_ai:5D:3"),
        (ButtonAction("heatmap", "YTD", ("china_ai",)), "heatmap:china_ai:YTD"),
        (ButtonAction("compare", "1D", ("star50", "9988.HK")), "compare:star50:9988.HK:1D"),
    ],
)
def test_the_wire_forms_stay_as_sent_messages_know_them(action: ButtonAction, data: str) -> None:
    assert encode(action) == data
    assert decode(data) == action


def test_the_longest_compare_fits_telegrams_limit() -> None:
    longest = ButtonAction("compare", "MTD", ("A" * 20, "B" * 20))  # names are at most 20
    assert len(encode(longest).encode()) <= CALLBACK_DATA_LIMIT


def test_data_over_64_bytes_is_refused_before_telegram_sees_it() -> None:
    with pytest.raises(ValueError, match="over 64 bytes"):
        encode(ButtonAction("compare", "MTD", ("A" * 30, "B" * 30)))


def test_a_period_button_starts_again_from_the_first_page() -> None:
    paged = ButtonAction("basket", "MTD", ("china_ai",), 2)
    assert paged.with_period("YTD") == ButtonAction("basket", "YTD", ("china_ai",))


@pytest.mark.parametrize(
    "data",
    [
        "",
        "rally",
        "rally:QTD",
        "rally:YTD:extra",
        "index:MTD",
        "index::MTD",
        "basket:china_ai:MTD:x",
        "basket:china_ai:MTD:99999",
        "compare:star50:MTD",
        "chart:star50:MTD",
        "☃:MTD",
        "rally:20251004-20251002",  # a range ending before it starts: no button of ours
        "rally:20250230-",
    ],
)
def test_data_this_version_does_not_understand_is_none(data: str) -> None:
    assert decode(data) is None


@pytest.mark.parametrize(
    ("action", "data"),
    [
        (ButtonAction("rally", DateRange(dt.date(2025, 1, 27))), "rally:20250127-"),
        (
            ButtonAction(
                "index", DateRange(dt.date(2025, 4, 1), dt.date(2025, 12, 31)), ("star50",)
            ),
            "index:star50:20250401-20251231",
        ),
        (
            ButtonAction("basket", DateRange(dt.date(2025, 1, 27)), ("china_ai",), 2),
            "basket:china_ai:20250127-:2",
        ),
        (
            ButtonAction("compare", DateRange(dt.date(2025, 4, 7)), ("star50", "ndx")),
            "compare:star50:ndx:20250407-",
        ),
    ],
)
def test_a_date_range_travels_as_its_days(action: ButtonAction, data: str) -> None:
    assert encode(action) == data
    assert decode(data) == action


def test_an_events_label_is_not_sent_but_its_days_are() -> None:
    since_deepseek = DateRange(dt.date(2025, 1, 27), None, "DeepSeek R1 shock")
    decoded = decode(encode(ButtonAction("rally", since_deepseek)))
    assert decoded == ButtonAction("rally", DateRange(dt.date(2025, 1, 27)))


def test_a_range_between_two_long_names_stays_within_64_bytes_or_is_refused() -> None:
    widest = DateRange(dt.date(2025, 4, 1), dt.date(2025, 12, 31))
    fitting = ButtonAction("compare", widest, ("A" * 19, "B" * 18))
    assert len(encode(fitting).encode()) == CALLBACK_DATA_LIMIT
    with pytest.raises(ValueError, match="over 64 bytes"):
        encode(ButtonAction("compare", widest, ("A" * 20, "B" * 20)))


@pytest.mark.parametrize(
    "data",
    ["rally:2025-01-27", "rally:20250230-", "rally:20250127-2025", "rally:-20250127", "rally:1-"],
)
def test_a_range_that_is_no_pair_of_days_is_not_understood(data: str) -> None:
    assert decode(data) is None
