"""How a period is named in answers, in English and Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.analytics.periods import DateRange, Period
from bot.text.market import period_label, period_name

D = dt.date


@pytest.mark.parametrize(
    ("period", "lang", "name"),
    [
        ("YTD", "en", "YTD"),
        ("YTD", "zh", "YTD"),
        (DateRange(D(2025, 4, 7)), "en", "since 2025-04-07"),
        (DateRange(D(2025, 4, 7)), "zh", "2025-04-07 以来"),
        (
            DateRange(D(2025, 1, 27), None, "DeepSeek R1 shock"),
            "en",
            "since DeepSeek R1 shock (2025-01-27)",
        ),
        (
            DateRange(D(2025, 1, 27), None, "DeepSeek R1 shock"),
            "zh",
            "DeepSeek R1 shock（2025-01-27）以来",
        ),
        (DateRange(D(2025, 4, 1), D(2025, 12, 31)), "en", "2025-04-01 to 2025-12-31"),
        (DateRange(D(2025, 4, 1), D(2025, 12, 31)), "zh", "2025-04-01 至 2025-12-31"),
    ],
)
def test_a_period_is_named_in_the_chats_language(period: Period, lang: str, name: str) -> None:
    assert period_name(period, lang) == name
    assert period_label(period, lang) == name


def test_an_events_name_is_escaped_for_html_only_where_html_is_sent() -> None:
    since = DateRange(D(2025, 4, 8), None, "Tariffs <&> the low")
    assert period_name(since) == "since Tariffs <&> the low (2025-04-08)"
    assert period_label(since) == "since Tariffs &lt;&amp;&gt; the low (2025-04-08)"
