"""Alerts with a last day, and a chat's firing history, end to end."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.core.config import Settings
from bot.sandbox.localapi import LocalBotApi
from tests.e2e.conftest import FIXED_NOW, MutableClock, make_settings
from tests.e2e.test_chatops import run_alerts, running, texts_to

# FIXED_NOW is 15:00 on Wednesday 25 November 2026 in Hong Kong, the chats' default zone.


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(FIXED_NOW)


@pytest.fixture
def settings(redis_url: str, key_prefix: str) -> Settings:
    return make_settings(redis_url, key_prefix)


@pytest.fixture
async def server() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(bot_username="rallybot") as api:
        yield api


def alert_id(text: str) -> int:
    """The id in '✅ Alert #12 set: …'."""
    found = re.search(r"#(\d+)", text)
    assert found, text
    return int(found.group(1))


async def test_an_alert_until_a_day_is_listed_with_it_and_never_fires_after(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    async with running(settings, clock, server) as bot:
        [past] = await bot.ask("/alert ndx price > 1 until 2026-11-24")
        assert past.text == (
            "2026-11-24 has already passed here (today is 2026-11-25 in Asia/Hong_Kong). "
            "Pick today or a later day, e.g. /alert star50 mtd > 10% until 2026-12-31"
        )
        [far] = await bot.ask("/alert ndx price > 1 until 9999-12-31")
        assert far.text.startswith("9999-12-31 is too far ahead: an alert can last until 2036-")
        [today] = await bot.ask("/alert ndx price > 1 until 2026-11-25")
        assert today.text.endswith("It fires once. Until 2026-11-25.")
        [later] = await bot.ask("/alert ndx price > 1 until 2026-11-26")
        [forever] = await bot.ask("/alert ndx price > 2")
        [listing] = await bot.ask("/alerts")
        lines = listing.text.split("\n")
        assert lines[1].startswith(f"#{alert_id(today.text)} Nasdaq 100 price > 1")
        assert lines[1].endswith(" · until 2026-11-25")
        assert lines[2].endswith(" · until 2026-11-26")
        assert "until" not in lines[3]

        # Midnight in Hong Kong: the first has expired; the evaluator never fires it and
        # removes it, while the others fire.
        clock.advance(hours=9)
        start = len(server.calls)
        assert await run_alerts(bot) == 2
        fired = [t for t in texts_to(server, bot.chat.id, start) if t.startswith("Alert #")]
        assert sorted(alert_id(t) for t in fired) == [alert_id(later.text), alert_id(forever.text)]
        remaining = [r.id for r in await bot.runtime.chats.chat_alerts(bot.chat.id)]
        assert remaining == [alert_id(later.text), alert_id(forever.text)]

        # A day on, the next listing removes the second before any evaluation does.
        clock.advance(days=1)
        [listing] = await bot.ask("/alerts")
        assert listing.text.split("\n")[-1] == f"Expired and removed: #{alert_id(later.text)}."
        assert f"#{alert_id(forever.text)} Nasdaq 100 price > 2" in listing.text
        assert await bot.runtime.chats.count_alerts(bot.chat.id) == 1


async def test_alerts_history_lists_the_last_firings_newest_first_in_the_chats_zone(
    settings: Settings, clock: MutableClock, server: LocalBotApi
) -> None:
    async with running(settings, clock, server) as bot:
        [empty] = await bot.ask("/alerts history")
        assert empty.text == "No alert has fired in this chat yet. See /alerts for the ones set."
        [first] = await bot.ask("/alert ndx price > 1")
        start = len(server.calls)
        assert await run_alerts(bot) == 1
        [first_fired] = texts_to(server, bot.chat.id, start)
        clock.advance(minutes=5)
        [second] = await bot.ask("/alert star50 mtd > -90%")
        start = len(server.calls)
        assert await run_alerts(bot) == 1
        [second_fired] = texts_to(server, bot.chat.id, start)

        [history] = await bot.ask("/alerts history")
        now_value = re.compile(r"Now (.+)\.$")
        first_value = now_value.search(first_fired)
        second_value = now_value.search(second_fired)
        assert first_value
        assert second_value
        assert history.text.split("\n") == [
            "Last alert firings in this chat (newest first)",
            f"2026-11-25 15:05 HKT · #{alert_id(second.text)} STAR 50 MTD return > −90.0% · "
            f"was {second_value.group(1)}",
            f"2026-11-25 15:00 HKT · #{alert_id(first.text)} Nasdaq 100 price > 1 · "
            f"was {first_value.group(1)}",
        ]

        # In the chat's own zone, whichever it is.
        await bot.ask("/settings tz Europe/London")
        [history] = await bot.ask("/alerts history")
        assert history.text.split("\n")[1].startswith("2026-11-25 07:05 GMT · ")

        [usage] = await bot.ask("/alerts everything")
        assert usage.text == "Usage: /alerts for the list, /alerts history for the last firings"
