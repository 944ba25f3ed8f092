"""How long Telegram may cache an inline answer: until the next refresh, within bounds."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answers.inline import inline_cache_seconds

NOW = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("next_refresh", "seconds"),
    [
        (None, 5),  # no refresh job here: short, another process may refresh
        (NOW + dt.timedelta(seconds=120), 120),
        (NOW + dt.timedelta(seconds=90.2), 91),  # rounded up to whole seconds
        (NOW + dt.timedelta(seconds=300), 300),
        (NOW + dt.timedelta(minutes=45), 300),  # capped at Telegram's default
        (NOW + dt.timedelta(seconds=2), 5),  # a refresh due now still leaves a few seconds
        (NOW, 5),
        (NOW - dt.timedelta(minutes=1), 5),  # overdue
    ],
)
def test_cache_time_runs_to_the_next_refresh_within_bounds(
    next_refresh: dt.datetime | None, seconds: int
) -> None:
    assert inline_cache_seconds(NOW, next_refresh) == seconds
