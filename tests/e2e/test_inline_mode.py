"""Inline mode end to end: `@rallybot QUERY` in any chat, through the real Application."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.answers.inline import INLINE_CACHE_MAX_SECONDS, INLINE_CACHE_MIN_SECONDS, InlineAnswers
from bot.commands.parsing import RallyRequest
from bot.sandbox.console import print_inline
from bot.sandbox.localapi import LocalBotApi, SimUser
from bot.sandbox.session import DemoSession
from tests.e2e.conftest import FAST_LIMITS, FIXED_NOW, make_settings

UPLOAD_CHAT_ID = -100777
GROUP_ID = -100123


async def ask_inline(
    session: DemoSession, query: str, user: SimUser | None = None, chat_type: str = "group"
) -> dict[str, Any]:
    """Type `@rallybot QUERY` as a person; what the bot answered once it has."""
    query_id = session.server.send_inline_query(user or session.user, query, chat_type=chat_type)
    return await session.server.wait_for_inline_answer(query_id)


def results_in(answer: dict[str, Any], lang: str = "en") -> list[dict[str, Any]]:
    """The answer's results in one language (each answer holds every language's)."""
    return [r for r in answer["results"] if r["id"].split("-", 2)[1] == lang]


def by_type(answer: dict[str, Any], kind: str, lang: str = "en") -> list[dict[str, Any]]:
    """The answer's results of one type (photo or article) in one language."""
    return [r for r in results_in(answer, lang) if r["type"] == kind]


def share_queries(markup: dict[str, Any] | None) -> list[str]:
    """The switch_inline_query of every Share button of a keyboard."""
    rows = (markup or {}).get("inline_keyboard", [])
    return [b["switch_inline_query"] for row in rows for b in row if "switch_inline_query" in b]


def assert_shared_and_cached_briefly(answer: dict[str, Any]) -> None:
    """Every inline answer is the same for everyone and cached only until data may change."""
    assert answer["is_personal"] is False
    assert INLINE_CACHE_MIN_SECONDS <= answer["cache_time"] <= INLINE_CACHE_MAX_SECONDS


@pytest.fixture
async def upload_session(redis_url: str, key_prefix: str) -> AsyncIterator[DemoSession]:
    """A bot with RALLYBOT_INLINE_UPLOAD_CHAT_ID set to a group it belongs to."""
    settings = make_settings(redis_url, key_prefix).replace(inline_upload_chat_id=UPLOAD_CHAT_ID)
    async with LocalBotApi(bot_username="rallybot") as server:
        server.group_chat(UPLOAD_CHAT_ID, "rallybot uploads", supergroup=True)
        async with DemoSession.open(
            settings,
            clock=lambda: FIXED_NOW,
            rate_limits=FAST_LIMITS,
            schedule_refresh=False,
            server=server,
        ) as running:
            yield running


async def test_star50_offers_the_chart_by_the_file_id_the_server_issued(
    session: DemoSession,
) -> None:
    group = session.server.group_chat(GROUP_ID, "Rally fans")
    [sent] = await session.ask("/index star50", group, session.server.user(2001, "Ann"))
    [upload] = session.server.calls_to("sendPhoto")
    issued = upload.result["photo"][-1]["file_id"]

    answer = await ask_inline(session, "star50")

    assert_shared_and_cached_briefly(answer)
    [photo] = by_type(answer, "photo")
    [text] = by_type(answer, "article")
    assert photo["photo_file_id"] == issued
    assert issued in session.server.world.photos
    assert photo["parse_mode"] == "HTML"
    assert "STAR 50" in photo["title"]
    content = text["input_message_content"]
    assert content["message_text"] == photo["caption"]
    assert content["parse_mode"] == "HTML"
    assert "STAR 50" in content["message_text"]
    assert share_queries(photo.get("reply_markup")) == ["star50 mtd"]
    # Offering a cached chart uploads nothing.
    assert len(session.server.calls_to("sendPhoto")) == 1
    assert sent.method == "sendPhoto"


async def test_rally_ytd_never_sent_and_no_upload_chat_is_offered_as_text_only(
    session: DemoSession,
) -> None:
    answer = await ask_inline(session, "rally ytd")

    assert_shared_and_cached_briefly(answer)
    [text] = results_in(answer)
    assert text["type"] == "article"
    assert text["title"] == "China tech rally · YTD"
    message = text["input_message_content"]["message_text"]
    assert "China tech rally · YTD" in message
    assert "Nasdaq 100" in message
    assert share_queries(text.get("reply_markup")) == ["rally ytd"]
    assert session.server.calls_to("sendPhoto") == []


async def test_a_chart_never_sent_is_uploaded_once_to_the_upload_chat(
    upload_session: DemoSession,
) -> None:
    server = upload_session.server

    first = await ask_inline(upload_session, "rally ytd")
    second = await ask_inline(upload_session, "rally ytd", chat_type="private")

    [upload] = server.calls_to("sendPhoto")
    assert upload.params["chat_id"] == UPLOAD_CHAT_ID
    assert upload.files
    issued = upload.result["photo"][-1]["file_id"]
    for answer in (first, second):
        assert_shared_and_cached_briefly(answer)
        [photo] = by_type(answer, "photo")
        assert photo["photo_file_id"] == issued
        assert "China tech rally · YTD" in photo["caption"]
        assert len(by_type(answer, "article")) == 1


async def test_empty_query_answers_what_rally_answers(session: DemoSession) -> None:
    [rally] = await session.ask("/rally")

    answer = await ask_inline(session, "")

    assert_shared_and_cached_briefly(answer)
    [photo] = by_type(answer, "photo")
    [text] = by_type(answer, "article")
    assert photo["title"] == text["title"] == "China tech rally · MTD"
    assert photo["caption"] == text["input_message_content"]["message_text"]
    # The caption as the person saw it is the HTML without its tags.
    assert "China tech rally · MTD" in rally.text
    assert share_queries(text.get("reply_markup")) == ["rally mtd"]


@pytest.mark.parametrize(
    ("query", "hint"),
    [
        ("rally forever", "“forever” is not a period."),
        ("hello there friend", "I don't understand “hello”."),
        ("china_ai since atlantis", "deepseek"),  # an unknown event: the known ones listed
    ],
)
async def test_bad_query_answers_one_article_explaining_the_syntax(
    session: DemoSession, query: str, hint: str
) -> None:
    answer = await ask_inline(session, query)

    assert_shared_and_cached_briefly(answer)
    [help_article] = results_in(answer)
    assert help_article["type"] == "article"
    assert help_article["title"].startswith("How to ask")
    assert hint in help_article["description"]
    message = help_article["input_message_content"]["message_text"]
    assert hint in message
    assert "rally ytd" in message
    assert "star50" in message
    assert "reply_markup" not in help_article


async def test_a_basket_since_an_event_answers_over_that_range(session: DemoSession) -> None:
    [basket] = await session.ask("/basket china_ai since deepseek")

    answer = await ask_inline(session, "china_ai since deepseek")

    assert_shared_and_cached_briefly(answer)
    [photo] = by_type(answer, "photo")  # the command's upload is reused by its file_id
    [text] = by_type(answer, "article")
    since = "since DeepSeek R1 shock (2025-01-27)"
    assert text["title"] == f"China AI 33 (rallybot default) · {since}"
    assert since in text["input_message_content"]["message_text"]
    assert photo["caption"] == text["input_message_content"]["message_text"]
    assert basket.text.splitlines()[0].endswith(since)
    assert share_queries(text.get("reply_markup")) == ["basket china_ai since 2025-01-27"]


async def test_a_chinese_user_gets_chinese_answers_and_help(session: DemoSession) -> None:
    li = session.server.user(3001, "Li", language_code="zh-hans")

    answer = await ask_inline(session, "rally ytd", li)
    bad = await ask_inline(session, "rally forever", li)

    # The asker's language first; English follows, as Telegram may serve it to anyone.
    assert [r["id"].split("-", 2)[1] for r in answer["results"]] == ["zh", "en"]
    [text] = results_in(answer, "zh")
    assert text["title"] == "中国科技股行情 · YTD"
    assert "中国科技股" in text["input_message_content"]["message_text"]
    [help_article] = results_in(bad, "zh")
    assert help_article["title"].startswith("用法")
    assert "不是有效的区间" in help_article["input_message_content"]["message_text"]
    assert share_queries(text.get("reply_markup")) == ["rally ytd"]
    assert text["reply_markup"]["inline_keyboard"][0][0]["text"] == "↗ 分享"


async def test_rally_has_a_share_button_that_follows_the_period(session: DemoSession) -> None:
    [reply] = await session.ask("/rally")
    assert reply.message_id is not None
    [message] = session.server.sent_messages(session.chat)
    assert share_queries(message["reply_markup"]) == ["rally mtd"]

    await session.press(reply.message_id, "rally:YTD")

    [edited] = session.server.sent_messages(session.chat)
    assert share_queries(edited["reply_markup"]) == ["rally ytd"]
    assert any(b["text"] == "• YTD •" for b in edited["reply_markup"]["inline_keyboard"][0])


@pytest.mark.parametrize(
    ("command", "query"),
    [
        ("/index star50 ytd", "star50 ytd"),
        ("/compare star50 ndx 1y", "compare star50 ndx 1y"),
        ("/basket china_ai", "basket china_ai mtd"),
        ("/chart star50 ndx 5d", "chart star50 ndx 5d"),
    ],
)
async def test_other_market_answers_share_the_query_that_reproduces_them(
    session: DemoSession, command: str, query: str
) -> None:
    await session.ask(command)

    [message] = session.server.sent_messages(session.chat)
    assert share_queries(message["reply_markup"]) == [query]
    answer = await ask_inline(session, query)
    [photo] = by_type(answer, "photo")
    [sent] = session.server.calls_to("sendPhoto")
    assert photo["caption"] == sent.params["caption"]
    assert photo["photo_file_id"] == sent.result["photo"][-1]["file_id"]


@pytest.mark.parametrize(
    ("refresh_every", "next_check", "seconds"),
    [
        # 07:00 Wed: Hong Kong trades, the data was refreshed at 07:00; every 2 min is 07:02.
        (dt.timedelta(minutes=2), FIXED_NOW, 120),
        # The refresh job looks next at 07:01:30: the schedule has work from 07:02:30.
        (dt.timedelta(minutes=2), FIXED_NOW + dt.timedelta(seconds=90), 150),
        # Every 10 min is past the cap.
        (dt.timedelta(minutes=10), FIXED_NOW, INLINE_CACHE_MAX_SECONDS),
    ],
)
async def test_cache_time_runs_to_the_next_scheduled_refresh(
    session: DemoSession, refresh_every: dt.timedelta, next_check: dt.datetime, seconds: int
) -> None:
    services = session.application.bot_data.services
    inline = InlineAnswers(services.market, session.runtime.store, refresh_every)

    answer = await inline.answer(RallyRequest("YTD"), next_check)

    assert answer.cache_seconds == seconds
    assert answer.share_query == "rally ytd"


async def test_an_upload_chat_that_refuses_the_chart_leaves_the_text_answer(
    upload_session: DemoSession,
) -> None:
    upload_session.server.block_chat(UPLOAD_CHAT_ID)

    answer = await ask_inline(upload_session, "rally ytd")

    [text] = results_in(answer)
    assert text["type"] == "article"
    to_upload_chat = [
        c for c in upload_session.server.calls if c.params.get("chat_id") == UPLOAD_CHAT_ID
    ]
    assert to_upload_chat
    assert not any(c.ok for c in to_upload_chat)


async def test_an_expired_query_is_dropped_quietly_and_the_next_is_answered(
    session: DemoSession, caplog: pytest.LogCaptureFixture
) -> None:
    session.server.fail_next(
        "answerInlineQuery",
        status=400,
        description="Bad Request: query is too old and response timeout expired or query ID "
        "is invalid",
    )
    expired = session.server.send_inline_query(session.user, "rally")
    await session.server.wait_for_call(
        "answerInlineQuery", lambda call: call.params.get("inline_query_id") == expired
    )

    answer = await ask_inline(session, "rally ytd")

    assert answer["results"]
    assert session.server.inline_answer(expired) is None
    assert [r for r in caplog.records if r.levelno >= 40] == []


async def test_the_demo_asks_inline_and_prints_each_result(
    session: DemoSession, capsys: pytest.CaptureFixture[str]
) -> None:
    await session.ask("/rally ytd")

    print_inline(await session.inline("rally ytd"))

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[chart] China tech rally · YTD · Chart with the summary"
    assert out[1] == "[text] China tech rally · YTD · The summary as text"
    # The Chinese chart was never sent, so only its text is offered.
    assert out[2] == "[text] 中国科技股行情 · YTD · 仅文字摘要"
    assert "China tech rally · YTD" in out[3]


async def test_queries_arriving_together_upload_the_chart_once(
    upload_session: DemoSession,
) -> None:
    server = upload_session.server
    first = server.send_inline_query(upload_session.user, "star50 ytd")
    second = server.send_inline_query(server.user(2002, "Bo"), "star50 ytd")

    answers = [await server.wait_for_inline_answer(q) for q in (first, second)]

    [upload] = server.calls_to("sendPhoto")
    issued = upload.result["photo"][-1]["file_id"]
    assert [by_type(a, "photo")[0]["photo_file_id"] for a in answers] == [issued, issued]
