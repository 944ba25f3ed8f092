"""Since-dates and date ranges end to end: every command form, the buttons, and the report."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from bot.analytics.periods import DateRange
from bot.answers.market import RANGE_VIEWS_KEPT
from bot.cli import main
from bot.commands.callbacks import CALLBACK_DATA_LIMIT, ButtonAction
from bot.refresh import stored_market
from bot.sandbox.session import BotReply, DemoSession
from bot.text.formatting import fmt_pct, fmt_pp, fmt_price, fmt_usd
from handlers.market import _reply_for_button
from tests.e2e.test_market_commands import line_with, only, press

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEEPSEEK = "2025-01-27"
SINCE_DEEPSEEK_DATA = "rally:20250127-"


async def closes_of(session: DemoSession) -> pd.DataFrame:
    """Every stored bar, as the bot stored it."""
    closes, _meta = await stored_market(session.runtime.store, session.runtime.universe)
    return closes


def range_return(closes: pd.DataFrame, symbol: str, start: str, end: str) -> float:
    """DESIGN.md's definition, by hand: last close on or before `end` over the last before
    `start`."""
    series = closes[symbol].dropna()
    base = series[series.index < pd.Timestamp(start)].iloc[-1]
    last = series[series.index <= pd.Timestamp(end)].iloc[-1]
    return float(last / base - 1)


async def as_of_of(session: DemoSession) -> str:
    """The stored snapshot's as-of day: the end of a since-range."""
    snapshot = await session.runtime.store.load_snapshot()
    assert snapshot is not None
    return snapshot.as_of


def every_button_fits(reply: BotReply) -> None:
    """Telegram refuses callback data over 64 bytes; the local server would have too."""
    assert reply.buttons
    assert all(len(data.encode()) <= CALLBACK_DATA_LIMIT for _label, data in reply.buttons)


async def test_rally_since_a_date_bases_every_board_on_the_close_before_it(
    session: DemoSession,
) -> None:
    reply = only(await session.ask(f"/rally since {DEEPSEEK}"))

    closes, as_of = await closes_of(session), await as_of_of(session)
    universe = session.runtime.universe
    assert reply.method == "sendPhoto"
    assert reply.photo is not None
    assert reply.photo.startswith(PNG_MAGIC)
    # The day is DeepSeek's: the answer names the event, as `since deepseek` would.
    assert reply.text.splitlines()[0] == (
        f"China tech rally · since DeepSeek R1 shock ({DEEPSEEK}) · DEMO"
    )
    bench = universe.indices["ndx"]
    bench_return = range_return(closes, bench.symbol, DEEPSEEK, as_of)
    assert fmt_pct(bench_return) in line_with(reply.text, "(benchmark)")
    for key in universe.rally.boards:
        spec = universe.indices[key]
        board_return = range_return(closes, spec.symbol, DEEPSEEK, as_of)
        line = line_with(reply.text, f"{spec.name} ")
        assert fmt_pct(board_return) in line
        assert fmt_pp(board_return - bench_return) in line
    assert ("• 2025-01-27 → •", SINCE_DEEPSEEK_DATA) in reply.buttons
    every_button_fits(reply)


async def test_basket_since_an_event_names_it_and_pages_within_the_range(
    session: DemoSession,
) -> None:
    reply = only(await session.ask("/basket china_ai since deepseek"))
    assert reply.message_id is not None

    assert reply.text.splitlines()[0] == (
        "China AI 33 (rallybot default) · since DeepSeek R1 shock (2025-01-27)"
    )
    assert reply.photo is not None
    assert ("• 2025-01-27 → •", "basket:china_ai:20250127-") in reply.buttons
    assert ("next ▶", "basket:china_ai:20250127-:1") in reply.buttons
    every_button_fits(reply)

    calls = await press(session, reply.message_id, "basket:china_ai:20250127-:1")

    assert [c.ok for c in calls if c.method.startswith("edit")] == [True]
    [message] = session.server.sent_messages(session.chat)
    assert "Page 2/" in message["caption"]
    assert "since DeepSeek R1 shock (2025-01-27)" in message["caption"].splitlines()[0]
    marked = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert "• 2025-01-27 → •" in marked


async def test_index_over_a_closed_range_ends_on_the_last_close_of_its_end(
    session: DemoSession,
) -> None:
    reply = only(await session.ask("/index star50 2025-04-01..2025-12-31"))

    closes = await closes_of(session)
    star50 = closes["000688.SS"].dropna()
    last = star50[star50.index <= pd.Timestamp("2025-12-31")]
    expected = range_return(closes, "000688.SS", "2025-04-01", "2025-12-31")
    assert reply.photo is not None
    assert reply.text.splitlines()[0] == "STAR 50 (000688.SS) · 2025-04-01 to 2025-12-31"
    assert f"Close {fmt_price(float(last.iloc[-1]))} CNY on {last.index[-1].date()}" in reply.text
    assert f"2025-04-01 to 2025-12-31 {fmt_pct(expected)}" in reply.text
    assert ("• 2025-04-01 → 2025-12-31 •", "index:star50:20250401-20251231") in reply.buttons
    every_button_fits(reply)


async def test_chart_since_a_date_draws_both_series_from_the_range(
    session: DemoSession,
) -> None:
    reply = only(await session.ask("/chart star50 ndx since 2025-04-07"))

    assert reply.photo is not None
    assert reply.photo.startswith(PNG_MAGIC)
    assert reply.text.splitlines()[0] == (
        "STAR 50 · Nasdaq 100 · since 2025-04-07, rebased to 100"
    )


async def test_compare_since_an_event_states_the_spread_over_it(session: DemoSession) -> None:
    reply = only(await session.ask("/compare star50 ndx since deepseek"))

    closes, as_of = await closes_of(session), await as_of_of(session)
    star50 = range_return(closes, "000688.SS", DEEPSEEK, as_of)
    ndx = range_return(closes, "^NDX", DEEPSEEK, as_of)
    assert reply.photo is not None
    assert reply.text.splitlines()[0] == (
        "STAR 50 vs Nasdaq 100 · since DeepSeek R1 shock (2025-01-27)"
    )
    assert f"STAR 50 {fmt_pct(star50)} · Nasdaq 100 {fmt_pct(ndx)}" in reply.text
    assert fmt_pp(star50 - ndx) in line_with(reply.text, "Spread")
    assert ("• 2025-01-27 → •", "compare:star50:ndx:20250127-") in reply.buttons
    every_button_fits(reply)


async def test_heatmap_over_a_closed_range_is_drawn_from_that_range(
    session: DemoSession,
) -> None:
    reply = only(await session.ask("/heatmap china_ai 2025-04-01..2025-12-31"))

    assert reply.photo is not None
    assert reply.photo.startswith(PNG_MAGIC)
    assert reply.text.splitlines()[0].startswith(
        "China AI 33 (rallybot default) · 2025-04-01 to 2025-12-31 heatmap"
    )
    marked = ("• 2025-04-01 → 2025-12-31 •", "heatmap:china_ai:20250401-20251231")
    assert marked in reply.buttons
    every_button_fits(reply)


async def test_the_range_button_keeps_the_range_selected_and_a_fixed_one_leaves_it(
    session: DemoSession, caplog: pytest.LogCaptureFixture
) -> None:
    reply = only(await session.ask("/rally since deepseek"))
    assert reply.message_id is not None
    before = session.server.sent_messages(session.chat)

    calls = await press(session, reply.message_id, SINCE_DEEPSEEK_DATA)

    # The range is what the message shows already: answered, nothing sent, still selected.
    assert [c.ok for c in calls if c.method == "answerCallbackQuery"] == [True]
    assert not [c for c in calls if c.method.startswith("send") and c.method != "sendChatAction"]
    assert session.server.sent_messages(session.chat) == before
    keyboard = before[0]["reply_markup"]["inline_keyboard"]
    range_row, share_row = keyboard[-2:]
    assert [b["text"] for b in range_row] == ["• 2025-01-27 → •"]
    assert [b["callback_data"] for b in range_row] == [SINCE_DEEPSEEK_DATA]
    assert [b["switch_inline_query"] for b in share_row] == ["rally since 2025-01-27"]
    assert [r for r in caplog.records if r.levelno >= 40] == []

    calls = await press(session, reply.message_id, "rally:YTD")

    assert [c.ok for c in calls if c.method == "editMessageMedia"] == [True]
    [message] = session.server.sent_messages(session.chat)
    assert message["caption"].startswith("China tech rally · YTD")
    rows = message["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [
        ["1D", "5D", "MTD", "• YTD •", "1Y"],
        ["↗ Share"],
    ]


async def test_range_views_are_reused_and_only_the_recent_ones_are_kept(
    session: DemoSession,
) -> None:
    market = session.application.bot_data.services.market
    first = DateRange(dt.date(2025, 1, 27))
    view = await market.view_for(first)
    assert await market.view_for(first) is view  # reused, not recomputed
    for day in range(1, RANGE_VIEWS_KEPT + 1):  # that many other ranges asked since
        await market.view_for(DateRange(dt.date(2025, 3, day)))
    again = await market.view_for(first)
    assert again is not view  # dropped, so memory stays bounded whatever people ask
    assert again.snapshot == view.snapshot


async def test_a_button_for_a_range_starting_in_the_future_gets_no_answer(
    session: DemoSession,
) -> None:
    """Clients cannot press such a button (the local server refuses), but data can be forged:
    the handler treats it as expired instead of drawing a range of no days."""
    market = session.application.bot_data.services.market
    future = ButtonAction("rally", DateRange(market.today() + dt.timedelta(days=1)))
    today = ButtonAction("rally", DateRange(market.today()))

    assert await _reply_for_button(market, future, "en") is None
    assert await _reply_for_button(market, today, "en") is not None


async def test_a_range_answer_redraws_in_place_from_its_own_button(session: DemoSession) -> None:
    reply = only(await session.ask("/compare star50 ndx ytd"))
    assert reply.message_id is not None
    ranged = only(await session.ask("/compare star50 ndx since deepseek"))
    assert ranged.message_id is not None
    await press(session, ranged.message_id, "compare:star50:ndx:YTD")

    calls = await press(session, reply.message_id, "compare:star50:ndx:1Y")

    assert [c.ok for c in calls if c.method == "editMessageMedia"] == [True]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/rally since 2019-01-01", "The stored data begins on "),
        ("/rally since moonlanding", "I know no event “moonlanding”. Use a date"),
        ("/rally since 2099-01-01", "2099-01-01 is after today (2026-11-25)"),
        ("/index star50 2025-12-31..2025-04-01", "The range ends (2025-04-01) before it starts"),
        ("/chart star50 since 2025-02-30", "“2025-02-30” is not a date"),
        ("/alert star50 since deepseek > 10%", "Alerts watch the fixed periods 1D, 5D, MTD"),
    ],
)
async def test_a_bad_range_gets_a_short_helpful_reply(
    session: DemoSession, text: str, expected: str
) -> None:
    reply = only(await session.ask(text))

    assert reply.method == "sendMessage"
    assert expected in reply.text


async def test_a_range_error_is_in_the_chats_language(session: DemoSession) -> None:
    chat = session.server.private_chat(3003, "Li", language_code="zh-hans")
    reply = only(
        await session.ask("/alert star50 since deepseek > 10%", chat, session.server.user(3003))
    )

    assert "提醒只支持固定区间" in reply.text


async def test_rally_since_deepseek_and_the_report_since_that_day_agree_to_the_cent(
    session: DemoSession,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    redis_url: str,
    key_prefix: str,
    tmp_path: Path,
) -> None:
    reply = only(await session.ask("/rally since deepseek"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MARKET_DATA", "demo")
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("RALLYBOT_REDIS_PREFIX", key_prefix)
    # The report reads what the bot stored instead of refreshing: the same bars for both.
    monkeypatch.setenv("RALLYBOT_REFRESH_SECONDS", str(10**9))
    capsys.readouterr()

    code = await asyncio.to_thread(main, ["report", "--json", "--since", DEEPSEEK])

    assert code == 0
    report = json.loads(capsys.readouterr().out)
    key = f"{DEEPSEEK}.."
    universe = session.runtime.universe
    caption = reply.text
    # The same numbers in the reply's text ...
    bench = report["instruments"][universe.indices["ndx"].symbol]["returns"][key]
    assert fmt_pct(bench) in line_with(caption, "(benchmark)")
    for board in universe.rally.boards:
        spec = universe.indices[board]
        line = line_with(caption, f"{spec.name} ")
        assert fmt_pct(report["instruments"][spec.symbol]["returns"][key]) in line
        assert fmt_pp(report["spreads"][f"{board}-ndx"][key]) in line
    stats = report["baskets"]["china_ai"]["returns"][key]
    value_line = line_with(caption, "cap-weighted")
    assert fmt_usd(stats["value_change_usd"]) in value_line
    assert fmt_pct(stats["cap"]) in value_line
    top = report["baskets"]["china_ai"]["top_contributors"][key][:3]
    names = {m["symbol"]: m["name"] for m in report["baskets"]["china_ai"]["moves"][key]}
    for move in top:
        assert f"{names[move['symbol']]} {fmt_usd(move['value_change_usd'])}" in caption
    # ... and, to the cent, in the numbers behind it.
    market = session.application.bot_data.services.market
    ranged = (await market.view_for(DateRange(dt.date(2025, 1, 27)))).snapshot
    answered = ranged.baskets["china_ai"].stats(key)
    assert abs(answered.value_change_usd - stats["value_change_usd"]) < 0.005
    assert answered.included == stats["included"]
    for symbol, info in report["instruments"].items():
        assert ranged.instruments[symbol].returns[key] == info["returns"][key]
    # The fixed periods are still there beside the range, shaped the same.
    assert set(report["instruments"]["000688.SS"]["returns"]) == {
        "1D",
        "5D",
        "MTD",
        "YTD",
        "1Y",
        key,
    }


async def test_help_names_the_range_forms_and_the_events(session: DemoSession) -> None:
    text = only(await session.ask("/help")).text

    assert "since 2025-01-27, since deepseek" in text
    assert "2025-04-01..2025-12-31" in text
    assert "Events for since: deepseek, tariff_low, start2025, start2026." in text
