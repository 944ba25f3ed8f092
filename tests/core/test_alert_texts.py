"""Alert texts that depend on the chat's zone: an alert's last day, its history lines."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.chatops.conditions import Condition
from bot.chatops.records import AlertFiring
from bot.core.universe import load_universe
from bot.text.chatops import alert_history, last_day

NDX_ABOVE_1 = Condition("ndx", "index", "price", ">", 1.0, "price").to_json()


@pytest.mark.parametrize(
    ("expires_at", "tz", "day"),
    [
        # The end of 25 Nov in Hong Kong (UTC+8) is 16:00 UTC.
        ("2026-11-25T16:00:00+00:00", "Asia/Hong_Kong", dt.date(2026, 11, 25)),
        ("2026-11-26T00:00:00+00:00", "Europe/London", dt.date(2026, 11, 25)),
        ("2026-11-26T05:00:00+00:00", "America/New_York", dt.date(2026, 11, 25)),
        # Summer time: the end of 30 Jun in London (UTC+1) is 23:00 UTC.
        ("2026-06-30T23:00:00+00:00", "Europe/London", dt.date(2026, 6, 30)),
        ("2026-12-31T16:00:00+00:00", "Asia/Shanghai", dt.date(2026, 12, 31)),
    ],
)
def test_an_alerts_last_day_is_the_day_before_its_end_in_the_chats_zone(
    expires_at: str, tz: str, day: dt.date
) -> None:
    assert last_day(expires_at, tz) == day


@pytest.mark.parametrize(
    ("tz", "lang", "line"),
    [
        (
            "Asia/Hong_Kong",
            "en",
            "2026-11-26 00:30 HKT · #4 Nasdaq 100 price &gt; 1 · was 21,000.50",
        ),
        ("UTC", "en", "2026-11-25 16:30 UTC · #4 Nasdaq 100 price &gt; 1 · was 21,000.50"),
        (
            "Asia/Shanghai",
            "zh",
            "2026-11-26 00:30 CST · #4 Nasdaq 100 价格 高于 1 · 当时 21,000.50",
        ),
    ],
)
def test_a_history_line_says_when_in_the_chats_zone_and_the_value_that_fired(
    tz: str, lang: str, line: str
) -> None:
    firing = AlertFiring(4, NDX_ABOVE_1, 21000.5, "2026-11-25T16:30:00+00:00")
    text = alert_history([firing], load_universe(), None, lang, tz)
    assert text.split("\n")[1] == line  # HTML: the operator arrives escaped
