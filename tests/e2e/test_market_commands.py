"""Every market command end to end: the real Application on the local server, demo data."""

from __future__ import annotations

import re

import pytest

from bot.analytics.snapshot import Snapshot
from bot.sandbox.localapi import RecordedCall, SimChat
from bot.sandbox.session import BotReply, DemoSession
from bot.text.formatting import fmt_pct, fmt_pp, fmt_price, fmt_usd
from bot.text.i18n import t

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CAPTION_LIMIT = 1024
SENDS = {"sendMessage", "sendPhoto", "editMessageMedia", "editMessageText", "editMessageCaption"}
COMMANDS = ("rally", "index", "basket", "heatmap", "chart", "compare", "status", "help")
APOLOGY = "Sorry"
USD_CHANGE = re.compile(r"[+−]\$\d+(?:\.\d)?[TBMK]?")
AS_OF = re.compile(r"as of SH/SZ (\d\d-\d\d) · HK (\d\d-\d\d) · NY (\d\d-\d\d)")
GROUP_ID = -100123


# ---- driving the bot: send, then wait until it has handled the update (no quiet period) ----


def sends_to(calls: list[RecordedCall], chat: SimChat) -> list[RecordedCall]:
    """The sends and edits among `calls` addressed to `chat`."""
    return [c for c in calls if c.method in SENDS and str(c.params.get("chat_id")) == str(chat.id)]


async def press(
    session: DemoSession, message_id: int, data: str, chat: SimChat | None = None
) -> list[RecordedCall]:
    """Press an inline button and return every call the bot made while handling it."""
    target = chat or session.chat
    start = len(session.server.calls)
    update_id = session.server.press_button(target, session.user, message_id, data)
    await session.until_handled(update_id, start)
    return [c for c in session.server.calls[start:] if c.method != "getUpdates"]


def utf16_len(text: str) -> int:
    """Telegram counts caption length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def line_with(text: str, marker: str) -> str:
    """The one line of `text` containing `marker`."""
    found = [line for line in text.splitlines() if marker in line]
    assert len(found) == 1, f"expected one line with {marker!r} in:\n{text}"
    return found[0]


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """ERROR records of the application's error handler."""
    return [
        r.getMessage() for r in caplog.records if r.name == "bot.telegram.app" and r.levelno >= 40
    ]


async def snapshot_of(session: DemoSession) -> Snapshot:
    """The snapshot the bot answers from."""
    snapshot = await session.runtime.store.load_snapshot()
    assert snapshot is not None
    return snapshot


def user_message_id(session: DemoSession, chat: SimChat, text: str) -> int:
    """The id of the person's message `text` in `chat`."""
    stored = session.server.world.messages[chat.id]
    ids = [i for i, m in stored.items() if m.get("text") == text and not m["from"]["is_bot"]]
    assert len(ids) == 1
    return ids[0]


def only(replies: list[BotReply]) -> BotReply:
    """The single reply, failing with all of them shown otherwise."""
    assert len(replies) == 1, [(r.method, r.text) for r in replies]
    return replies[0]


# ---- /rally ---------------------------------------------------------------------------


async def test_rally_in_a_group_answers_one_photo_with_every_caption_element(
    session: DemoSession, caplog: pytest.LogCaptureFixture
) -> None:
    group = session.server.group_chat(GROUP_ID, "Rally fans")
    fan = session.server.user(2001, "Ann")
    start = len(session.server.calls)

    reply = only(await session.ask("/rally@rallybot", group, fan))

    snapshot = await snapshot_of(session)
    universe = session.runtime.universe
    period, bench = "MTD", universe.rally.benchmark
    caption = reply.text
    assert reply.method == "sendPhoto"
    assert reply.photo is not None
    assert reply.photo.startswith(PNG_MAGIC)
    assert utf16_len(caption) <= CAPTION_LIMIT
    assert "DEMO" in caption
    for name in ("STAR 50", "ChiNext", "Hang Seng TECH", "Nasdaq 100"):
        assert name in caption
    bench_info = snapshot.instruments[universe.indices[bench].symbol]
    assert fmt_pct(bench_info.returns[period]) in line_with(caption, "Nasdaq 100")
    for key in universe.rally.boards:
        spec = universe.indices[key]
        line = line_with(caption, spec.name)
        assert fmt_pct(snapshot.instruments[spec.symbol].returns[period]) in line
        assert fmt_pp(snapshot.spreads[f"{key}-{bench}"][period]) in line
        assert " pp " in line
    basket = snapshot.baskets[universe.rally.basket]
    stats = basket.returns[period]
    value_line = line_with(caption, "cap-weighted")
    assert USD_CHANGE.search(value_line)
    assert fmt_usd(stats.value_change_usd) in value_line
    assert fmt_pct(stats.cap) in value_line
    top_line = line_with(caption, "Top:")
    ranked = sorted(basket.moves[period], key=lambda m: m.value_change_usd, reverse=True)
    for move in ranked[:3]:
        assert f"{move.name} {fmt_usd(move.value_change_usd)}" in top_line
    ratio = snapshot.ratios[f"{universe.rally.basket}/{universe.rally.compare_basket}"]
    assert f"{ratio * 100:.1f}%" in line_with(caption, "AI market cap")
    as_of = AS_OF.search(caption)
    assert as_of is not None, caption
    markets = snapshot.markets
    assert as_of.groups() == (markets["XSHG"][5:], markets["XHKG"][5:], markets["XNYS"][5:])

    command_id = user_message_id(session, group, "/rally@rallybot")
    [sent] = [c for c in session.server.calls[start:] if c.method == "sendPhoto"]
    assert sent.params["reply_parameters"]["message_id"] == command_id
    assert sent.result["reply_to_message"]["message_id"] == command_id
    assert errors_logged(caplog) == []


async def test_rally_in_a_private_chat_answers_without_quoting_the_command(
    session: DemoSession,
) -> None:
    start = len(session.server.calls)

    reply = only(await session.ask("/rally"))

    [sent] = [c for c in session.server.calls[start:] if c.method == "sendPhoto"]
    assert reply.method == "sendPhoto"
    assert "reply_parameters" not in sent.params
    assert "reply_to_message" not in sent.result


async def test_second_rally_in_another_chat_reuses_the_uploaded_file_id(
    session: DemoSession,
) -> None:
    other = session.server.private_chat(2002, "Bo", language_code="en")
    await session.ask("/rally")
    await session.ask("/rally", other, session.server.user(2002))

    first, second = session.server.calls_to("sendPhoto")
    assert first.files
    issued = first.result["photo"][-1]["file_id"]
    assert second.ok
    assert second.files == {}
    assert second.params["photo"] == issued
    assert second.params["chat_id"] == other.id


async def test_period_button_edits_the_same_message_in_place(session: DemoSession) -> None:
    reply = only(await session.ask("/rally"))
    assert reply.message_id is not None
    assert ("YTD", "rally:YTD") in reply.buttons

    calls = await press(session, reply.message_id, "rally:YTD")

    [edit] = [c for c in calls if c.method == "editMessageMedia"]
    assert edit.ok
    assert edit.params["message_id"] == reply.message_id
    assert not [c for c in calls if c.method.startswith("send") and c.method != "sendChatAction"]
    [message] = session.server.sent_messages(session.chat)
    assert message["message_id"] == reply.message_id
    assert "China tech rally · YTD" in message["caption"]
    marked = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert "• YTD •" in marked


async def test_pressing_the_current_period_is_answered_without_an_error(
    session: DemoSession, caplog: pytest.LogCaptureFixture
) -> None:
    reply = only(await session.ask("/rally ytd"))
    assert reply.message_id is not None
    before = session.server.sent_messages(session.chat)

    calls = await press(session, reply.message_id, "rally:YTD")

    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert [c.ok for c in answers] == [True]
    assert not [c for c in calls if c.method == "sendMessage"]
    assert errors_logged(caplog) == []
    assert session.server.sent_messages(session.chat) == before


# ---- /help and the command menu ---------------------------------------------------------


async def test_help_lists_every_command_with_an_example(session: DemoSession) -> None:
    text = only(await session.ask("/help")).text

    lines = text.splitlines()
    for command in COMMANDS:
        [at] = [i for i, line in enumerate(lines) if line.startswith(f"/{command} ")]
        assert lines[at + 1].strip().startswith(f"e.g. /{command}")


@pytest.mark.parametrize("command", COMMANDS)
async def test_the_help_example_of_each_command_gets_a_real_answer(
    session: DemoSession, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    text = only(await session.ask("/help")).text
    example = re.search(rf"e\.g\. (/{command}\b.*)", text)
    assert example is not None, text

    reply = only(await session.ask(example.group(1).strip()))

    assert reply.text
    assert APOLOGY not in reply.text
    assert "e.g." not in reply.text or command == "help", reply.text
    assert errors_logged(caplog) == []


async def test_command_menu_is_registered_for_private_chats_and_groups(
    session: DemoSession,
) -> None:
    menus = {
        (c.params["scope"]["type"], c.params.get("language_code")): c
        for c in session.server.calls_to("setMyCommands")
    }
    for scope in ("all_private_chats", "all_group_chats"):
        assert (scope, None) in menus, f"setMyCommands was called for {sorted(menus)}"
        call = menus[(scope, None)]
        assert call.ok
        assert set(COMMANDS) <= {c["command"] for c in call.params["commands"]}


# ---- /index, /basket, /chart, /compare, /status ----------------------------------------


async def test_index_shows_the_close_every_period_and_the_spread(session: DemoSession) -> None:
    reply = only(await session.ask("/index star50 ytd"))

    snapshot = await snapshot_of(session)
    info = snapshot.instruments["000688.SS"]
    assert reply.photo is not None
    assert reply.photo.startswith(PNG_MAGIC)
    assert "STAR 50" in reply.text
    assert "YTD" in reply.text.splitlines()[0]
    assert fmt_price(info.close) in reply.text
    for period, value in info.returns.items():
        assert f"{period} {fmt_pct(value)}" in reply.text
    assert fmt_pp(snapshot.spreads["star50-ndx"]["YTD"]) in line_with(reply.text, "Nasdaq 100")
    assert ("• YTD •", "index:star50:YTD") in reply.buttons


async def test_basket_lists_members_by_contribution_and_pages_in_place(
    session: DemoSession,
) -> None:
    reply = only(await session.ask("/basket china_ai ytd"))
    assert reply.message_id is not None

    snapshot = await snapshot_of(session)
    moves = snapshot.baskets["china_ai"].moves["YTD"]
    ranked = sorted(moves, key=lambda m: m.value_change_usd, reverse=True)
    shown = re.findall(r"^(\d+)\. .* (\S+) [+−]\$", reply.text, flags=re.MULTILINE)
    assert len(shown) > 1
    assert [symbol for _, symbol in shown] == [m.symbol for m in ranked[: len(shown)]]
    assert [int(rank) for rank, _ in shown] == list(range(1, len(shown) + 1))
    assert "Page 1/" in reply.text
    nav = [data for label, data in reply.buttons if "next" in label]
    assert nav == ["basket:china_ai:YTD:1"]

    calls = await press(session, reply.message_id, nav[0])

    edits = [c for c in calls if c.method.startswith("edit")]
    assert [c.ok for c in edits] == [True]
    assert edits[0].params["message_id"] == reply.message_id
    [message] = session.server.sent_messages(session.chat)
    page_two = message["caption"]
    assert "Page 2/" in page_two
    first_rank = len(shown) + 1
    assert f"{first_rank}. {ranked[first_rank - 1].name}" in page_two


def sector_sums(
    session: DemoSession, snapshot: Snapshot, key: str, period: str
) -> dict[str, float]:
    """Each sector's USD value change, added up here from the members' moves."""
    changes = {m.symbol: m.value_change_usd for m in snapshot.baskets[key].moves[period]}
    sectors = session.runtime.universe.baskets[key].sectors
    return {
        sector: sum(changes[m] for m in members if m in changes)
        for sector, members in sectors.items()
    }


async def test_basket_caption_has_one_line_of_usd_change_per_sector(session: DemoSession) -> None:
    reply = only(await session.ask("/basket china_ai ytd"))

    snapshot = await snapshot_of(session)
    sums = sector_sums(session, snapshot, "china_ai", "YTD")
    line = line_with(reply.text, "By sector:")
    expected = [
        f"{t('en', f'sector.{sector}')} {fmt_usd(change)}"
        for sector, change in sorted(sums.items(), key=lambda item: item[1], reverse=True)
    ]
    assert line == "By sector: " + " · ".join(expected)
    assert len(expected) == 6


async def test_basket_sector_line_is_in_chinese_for_a_zh_chat(session: DemoSession) -> None:
    chat = session.server.private_chat(2003, "Li", language_code="zh")
    user = session.server.user(2003, "Li", language_code="zh")

    reply = only(await session.ask("/basket us_ai mtd", chat, user))

    line = line_with(reply.text, "分行业：")
    for sector in ("platforms", "cloud", "chips", "robotics", "apps"):
        assert t("zh", f"sector.{sector}") in line


# ---- /heatmap ----------------------------------------------------------------------------


async def test_heatmap_sends_a_photo_with_its_caption_and_period_buttons(
    session: DemoSession, caplog: pytest.LogCaptureFixture
) -> None:
    reply = only(await session.ask("/heatmap china_ai ytd"))

    assert reply.method == "sendPhoto"
    assert reply.photo is not None
    assert reply.photo.startswith(PNG_MAGIC)
    caption = reply.text
    assert caption.splitlines()[0] == (
        "China AI 33 (rallybot default) · YTD heatmap: tiles sized by USD market value, "
        "coloured by the period's return"
    )
    assert AS_OF.search(caption)
    assert "DEMO" in caption
    assert utf16_len(caption) <= CAPTION_LIMIT
    assert ("• YTD •", "heatmap:china_ai:YTD") in reply.buttons
    assert ("1Y", "heatmap:china_ai:1Y") in reply.buttons
    assert errors_logged(caplog) == []


async def test_heatmap_period_button_redraws_in_place(session: DemoSession) -> None:
    reply = only(await session.ask("/heatmap"))
    assert reply.message_id is not None
    assert ("• MTD •", "heatmap:china_ai:MTD") in reply.buttons

    calls = await press(session, reply.message_id, "heatmap:china_ai:1Y")

    [edit] = [c for c in calls if c.method == "editMessageMedia"]
    assert edit.ok
    [message] = session.server.sent_messages(session.chat)
    assert "China AI 33 (rallybot default) · 1Y" in message["caption"]


async def test_second_heatmap_reuses_the_upload_and_another_period_draws_anew(
    session: DemoSession,
) -> None:
    other = session.server.private_chat(2004, "Bo", language_code="en")
    await session.ask("/heatmap us_ai ytd")
    await session.ask("/heatmap us_ai ytd", other, session.server.user(2004))
    await session.ask("/heatmap us_ai 1y")

    first, second, third = session.server.calls_to("sendPhoto")
    assert first.files
    assert second.files == {}
    assert second.params["photo"] == first.result["photo"][-1]["file_id"]
    assert third.files


async def test_heatmap_of_an_unknown_basket_says_which_exist(session: DemoSession) -> None:
    reply = only(await session.ask("/heatmap star50"))

    assert reply.method == "sendMessage"
    assert reply.text == (
        "“star50” is not a basket. Baskets: china_ai, us_ai, e.g. /heatmap china_ai ytd"
    )


# ---- charts in Chinese -------------------------------------------------------------------


async def test_a_zh_chat_gets_its_own_chinese_chart_not_the_english_upload(
    session: DemoSession,
) -> None:
    zh_chat = session.server.private_chat(2005, "Wang", language_code="zh")
    zh_user = session.server.user(2005, "Wang", language_code="zh")
    zh_chat_2 = session.server.private_chat(2006, "Zhao", language_code="zh")
    zh_user_2 = session.server.user(2006, "Zhao", language_code="zh")

    english = only(await session.ask("/rally ytd"))
    chinese = only(await session.ask("/rally ytd", zh_chat, zh_user))
    again = only(await session.ask("/rally ytd", zh_chat_2, zh_user_2))

    assert chinese.text.startswith("中国科技股行情 · YTD")
    assert english.photo is not None
    assert chinese.photo is not None
    assert chinese.photo.startswith(PNG_MAGIC)
    assert chinese.photo != english.photo
    first, second, third = session.server.calls_to("sendPhoto")
    assert first.files
    assert second.files  # the zh chart is drawn and uploaded, not the English file_id
    assert third.params["photo"] == second.result["photo"][-1]["file_id"]
    assert again.photo == chinese.photo


async def test_chart_draws_every_named_series(session: DemoSession) -> None:
    reply = only(await session.ask("/chart star50 hstech ndx ytd"))

    assert reply.photo is not None
    assert reply.photo.startswith(PNG_MAGIC)
    title = reply.text.splitlines()[0]
    for name in ("STAR 50", "Hang Seng TECH", "Nasdaq 100", "YTD"):
        assert name in title
    assert "DEMO" in reply.text


async def test_compare_states_the_spread_in_percentage_points(session: DemoSession) -> None:
    reply = only(await session.ask("/compare star50 ndx ytd"))

    snapshot = await snapshot_of(session)
    star50 = snapshot.instruments["000688.SS"].returns["YTD"]
    ndx = snapshot.instruments["^NDX"].returns["YTD"]
    assert reply.photo is not None
    assert reply.photo.startswith(PNG_MAGIC)
    assert fmt_pct(star50) in reply.text
    assert fmt_pct(ndx) in reply.text
    assert fmt_pp(star50 - ndx) in line_with(reply.text, "Spread")
    assert ("• YTD •", "compare:star50:ndx:YTD") in reply.buttons


@pytest.mark.parametrize("command", ["/chart star50 ndx ytd", "/compare star50 ndx ytd"])
async def test_chart_and_compare_captions_say_as_of_once(
    session: DemoSession, command: str
) -> None:
    reply = only(await session.ask(command))

    assert reply.text.count("as of") == 1, reply.text
    assert AS_OF.search(reply.text)


async def test_status_names_the_provider_newest_bars_and_sessions(session: DemoSession) -> None:
    reply = only(await session.ask("/status"))

    snapshot = await snapshot_of(session)
    markets = snapshot.markets
    assert reply.method == "sendMessage"
    assert "Provider: demo" in reply.text
    # FIXED_NOW is Wednesday 07:00 UTC: 15:00 in Shanghai (just closed), 15:00 in Hong Kong
    # (afternoon session), 02:00 in New York.
    for label, exchange, state in (
        ("Shanghai/Shenzhen", "XSHG", "closed"),
        ("Hong Kong", "XHKG", "open"),
        ("New York", "XNYS", "closed"),
    ):
        line = line_with(reply.text, label)
        assert state in line.split()
        assert markets[exchange] in line


# ---- who the bot answers ----------------------------------------------------------------


async def test_command_for_another_bot_in_a_group_gets_no_reply(session: DemoSession) -> None:
    group = session.server.group_chat(GROUP_ID, "Rally fans")

    replies = await session.ask("/rally@otherbot", group, session.server.user(2001))

    assert replies == []


async def test_unknown_command_in_a_private_chat_gets_a_short_hint(session: DemoSession) -> None:
    reply = only(await session.ask("/unknowncmd"))

    assert reply.method == "sendMessage"
    assert "/unknowncmd" in reply.text
    assert "/help" in reply.text
    assert len(reply.text) < 200


async def test_unaddressed_unknown_command_in_a_group_is_ignored(
    session: DemoSession, caplog: pytest.LogCaptureFixture
) -> None:
    group = session.server.group_chat(GROUP_ID, "Rally fans")

    replies = await session.ask("/unknowncmd", group, session.server.user(2001))

    assert replies == []
    assert errors_logged(caplog) == []
