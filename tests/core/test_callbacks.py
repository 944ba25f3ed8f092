"""Callback data: every button's action survives the round trip within 64 bytes."""

from __future__ import annotations

import pytest

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
    ],
)
def test_data_this_version_does_not_understand_is_none(data: str) -> None:
    assert decode(data) is None
