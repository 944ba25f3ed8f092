"""Inline mode on the local server: inline queries out, answerInlineQuery checked and recorded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InputTextMessageContent,
)
from telegram.error import BadRequest

from bot.sandbox.localapi import LocalBotApi, load_spec
from bot.sandbox.localapi._spec import PACKAGED_SPEC
from tests.localapi.localapi_support import TOKEN, USER_ID, png_bytes

TOO_OLD = "Query is too old and response timeout expired or query id is invalid"


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def article(result_id: str = "a", text: str = "<b>STAR 50</b> +1.0%") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        result_id, "STAR 50", InputTextMessageContent(text, parse_mode="HTML")
    )


async def raw_answer(server: LocalBotApi, **params: Any) -> dict[str, Any]:
    """answerInlineQuery as JSON, for shapes PTB itself would never build."""
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server.base_url}{TOKEN}/answerInlineQuery", json=params)
    body: dict[str, Any] = response.json()
    return body


def test_packaged_spec_carries_the_inline_result_shapes() -> None:
    spec = load_spec(PACKAGED_SPEC)
    cached = spec.types["InlineQueryResultCachedPhoto"]
    assert cached.kind == "photo"
    assert cached.fields["photo_file_id"].required
    assert {t.name for t in spec.result_types("photo")} == {
        "InlineQueryResultPhoto",
        "InlineQueryResultCachedPhoto",
    }
    assert spec.types["InputTextMessageContent"].fields["message_text"].required


async def test_inline_query_reaches_the_bot_with_query_offset_and_chat_type(
    server: LocalBotApi, bot: Bot
) -> None:
    query_id = server.send_inline_query(USER_ID, "rally ytd", offset="", chat_type="group")

    (update,) = await bot.get_updates()

    inline = update.inline_query
    assert inline is not None
    assert inline.id == query_id
    assert inline.query == "rally ytd"
    assert inline.offset == ""
    assert inline.chat_type == "group"
    assert inline.from_user.id == USER_ID
    assert inline.from_user.language_code == "en"


async def test_answer_with_a_cached_photo_and_an_article_is_recorded(
    server: LocalBotApi, bot: Bot
) -> None:
    sent = await bot.send_photo(USER_ID, png_bytes(40, 30))
    file_id = sent.photo[-1].file_id
    query_id = server.send_inline_query(USER_ID, "star50")
    share = InlineKeyboardMarkup([[InlineKeyboardButton("Share", switch_inline_query="star50")]])

    assert await bot.answer_inline_query(
        query_id,
        [
            InlineQueryResultCachedPhoto(
                "p", file_id, caption="<i>chart</i>", parse_mode="HTML", reply_markup=share
            ),
            article(),
        ],
        cache_time=42,
        is_personal=False,
    )

    answer = server.inline_answer(query_id)
    assert answer is not None
    assert answer["cache_time"] == 42
    assert answer["is_personal"] is False
    photo, text = answer["results"]
    assert photo["type"] == "photo"
    assert photo["photo_file_id"] == file_id
    assert text["input_message_content"]["message_text"] == "<b>STAR 50</b> +1.0%"


async def test_cached_photo_needs_a_file_id_the_server_issued(
    server: LocalBotApi, bot: Bot
) -> None:
    query_id = server.send_inline_query(USER_ID, "star50")

    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.answer_inline_query(query_id, [InlineQueryResultCachedPhoto("p", "AgACnope")])

    assert server.inline_answer(query_id) is None


async def test_a_query_is_answered_once(server: LocalBotApi, bot: Bot) -> None:
    query_id = server.send_inline_query(USER_ID, "")
    await bot.answer_inline_query(query_id, [article()])

    with pytest.raises(BadRequest, match=TOO_OLD):
        await bot.answer_inline_query(query_id, [article()])


async def test_an_answer_after_the_time_limit_or_to_an_unknown_query_is_refused() -> None:
    clock = _FakeClock()
    async with LocalBotApi(clock=clock) as server:
        server.private_chat(USER_ID, "Ann")
        async with Bot(TOKEN, base_url=server.base_url) as bot:
            query_id = server.send_inline_query(USER_ID, "star50")
            clock.now += 11
            with pytest.raises(BadRequest, match=TOO_OLD):
                await bot.answer_inline_query(query_id, [article()])
            with pytest.raises(BadRequest, match=TOO_OLD):
                await bot.answer_inline_query("12345", [article()])
            fresh = server.send_inline_query(USER_ID, "star50")
            clock.now += 9
            assert await bot.answer_inline_query(fresh, [article()])


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([{"type": "article", "id": "a", "title": "t"}], 'field "input_message_content"'),
        (
            [
                {
                    "type": "article",
                    "id": "a",
                    "title": "t",
                    "input_message_content": {"message_text": "x"},
                    "colour": "red",
                }
            ],
            'unknown field "colour"',
        ),
        (
            [
                {"type": "article", "id": "a", "title": "t", "input_message_content": c}
                for c in ({"message_text": "x"}, {"message_text": "y"})
            ],
            "RESULT_ID_DUPLICATE",
        ),
        (
            [
                {
                    "type": "article",
                    "id": "x" * 65,
                    "title": "t",
                    "input_message_content": {"message_text": "x"},
                }
            ],
            "RESULT_ID_INVALID",
        ),
        (
            [
                {
                    "type": "article",
                    "id": "a",
                    "title": "t",
                    "input_message_content": {"message_text": "<b>x", "parse_mode": "HTML"},
                }
            ],
            "can't parse entities",
        ),
        ([{"type": "hologram", "id": "a"}], "RESULT_TYPE_INVALID"),
    ],
)
async def test_malformed_results_are_refused_like_telegram(
    server: LocalBotApi, results: list[dict[str, Any]], error: str
) -> None:
    query_id = server.send_inline_query(USER_ID, "star50")

    body = await raw_answer(server, inline_query_id=query_id, results=results)

    assert body["ok"] is False
    assert error in body["description"]
    assert server.inline_answer(query_id) is None
