"""Requests real Telegram rejects are rejected here too, with the exception PTB raises for them."""

from __future__ import annotations

import re

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.sandbox.localapi import LocalBotApi
from tests.localapi.localapi_support import GROUP_ID, TOKEN, USER_ID, png_bytes


async def test_unknown_method_answers_404_not_found(server: LocalBotApi) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server.base_url}{TOKEN}/sendTelepathy")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_malformed_token_answers_404(server: LocalBotApi) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server.base_url}not-a-token/getMe")
    assert response.status_code == 404


async def test_spec_method_not_implemented_locally_says_so(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)not implemented by the local Bot API server"):
        await bot.send_dice(USER_ID)


async def test_missing_required_field_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)user_id is empty"):
        await bot.do_api_request("getChatMember", api_kwargs={"chat_id": GROUP_ID})


async def test_unknown_field_is_rejected_by_name(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r'(?i)unknown parameter "colour"'):
        await bot.send_message(USER_ID, "hi", api_kwargs={"colour": "red"})


async def test_non_integer_for_integer_field_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message_id"):
        await bot.do_api_request(
            "deleteMessage", api_kwargs={"chat_id": USER_ID, "message_id": "first"}
        )


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>"'),
        ("AT&T", "Character '&' is reserved"),
        ("x </b>", "Unexpected end tag"),
        ('<span class="red">x</span>', 'must have class "tg-spoiler"'),
    ],
)
async def test_invalid_html_cannot_be_parsed(bot: Bot, html: str, error: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await bot.send_message(USER_ID, html, parse_mode=ParseMode.HTML)
    assert error.lower() in caught.value.message.lower()


async def test_all_telegram_html_tags_are_accepted(bot: Bot) -> None:
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span>'
        '<tg-spoiler>q</tg-spoiler><a href="https://t.me">a</a><code>c</code>'
        '<pre><code class="language-python">x = 1</code></pre><blockquote>q</blockquote>'
        '<blockquote expandable>long</blockquote><tg-emoji emoji-id="5368324170671202286">'
        "👍</tg-emoji> &lt;&gt;&quot;&#65;&#x42;"
    )
    sent = await bot.send_message(USER_ID, html, parse_mode=ParseMode.HTML)
    assert sent.text is not None
    assert sent.text.endswith(' <>"AB')
    types = {entity.type for entity in sent.entities}
    assert {"bold", "spoiler", "text_link", "pre", "expandable_blockquote"} <= types


async def test_text_longer_than_4096_visible_characters_is_rejected(bot: Bot) -> None:
    await bot.send_message(USER_ID, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER_ID, "x" * 4097)


async def test_caption_longer_than_1024_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(USER_ID, png_bytes(), caption="x" * 1025)


@pytest.mark.parametrize("text", ["", "   ", "<b></b>"])
async def test_empty_text_is_rejected(bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER_ID, text, parse_mode=ParseMode.HTML)


@pytest.mark.parametrize("data", ["x" * 65, "é" * 33])
async def test_callback_data_over_64_bytes_is_rejected(bot: Bot, data: str) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data=data)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "pick", reply_markup=markup)


@pytest.mark.parametrize(
    ("button", "error"),
    [
        # Checked against the spec's InlineKeyboardButton: a misspelt field, a wrong type.
        ({"text": "Share", "switch_inline_querry": "rally"}, 'unknown field "switch_inline_q'),
        ({"text": "b", "callback_data": 5}, 'field "callback_data" must be a String'),
    ],
)
async def test_a_button_field_the_spec_does_not_declare_as_sent_is_rejected(
    bot: Bot, button: dict[str, object], error: str
) -> None:
    markup = {"inline_keyboard": [[button]]}
    with pytest.raises(BadRequest, match="(?i)" + re.escape(error)):
        await bot.do_api_request(
            "sendMessage", api_kwargs={"chat_id": USER_ID, "text": "x", "reply_markup": markup}
        )


async def test_empty_callback_data_is_rejected(bot: Bot) -> None:
    markup = {"inline_keyboard": [[{"text": "b", "callback_data": ""}]]}
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.do_api_request(
            "sendMessage", api_kwargs={"chat_id": USER_ID, "text": "x", "reply_markup": markup}
        )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"GIF89a" + b"\x00" * 20, "IMAGE_PROCESS_FAILED"),
        (png_bytes(9000, 1001, with_pixels=False), "PHOTO_INVALID_DIMENSIONS"),
        (png_bytes(2100, 100, with_pixels=False), "PHOTO_INVALID_DIMENSIONS"),
        (png_bytes() + b"\x00" * (10 * 1024 * 1024), "PHOTO_SAVE_FILE_INVALID"),
    ],
)
async def test_bad_photo_uploads_are_rejected(bot: Bot, data: bytes, error: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)" + error):
        await bot.send_photo(USER_ID, data)


async def test_photo_string_must_be_a_file_id_this_server_issued(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/HTTP URL specified"):
        await bot.send_photo(USER_ID, "AgACAgIAAxkDAAIBogAAAA-made-up")


async def test_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "hello?")


async def test_reply_to_missing_message_is_rejected_unless_allowed(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(USER_ID, "x", reply_parameters=ReplyParameters(message_id=77))
    sent = await bot.send_message(
        USER_ID,
        "x",
        reply_parameters=ReplyParameters(message_id=77, allow_sending_without_reply=True),
    )
    assert sent.reply_to_message is None


async def test_editing_a_missing_message_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER_ID, message_id=5)


async def test_identical_edits_are_not_modified(bot: Bot) -> None:
    sent = await bot.send_message(USER_ID, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", chat_id=USER_ID, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(chat_id=USER_ID, message_id=sent.message_id)


async def test_identical_media_edit_is_not_modified(bot: Bot) -> None:
    sent = await bot.send_photo(USER_ID, png_bytes())
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_media(
            InputMediaPhoto(sent.photo[-1].file_id), chat_id=USER_ID, message_id=sent.message_id
        )


async def test_users_messages_cannot_be_edited(server: LocalBotApi, bot: Bot) -> None:
    server.send_text(USER_ID, USER_ID, "mine")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("yours", chat_id=USER_ID, message_id=1)


async def test_text_edit_of_a_photo_is_rejected(bot: Bot) -> None:
    sent = await bot.send_photo(USER_ID, png_bytes())
    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=USER_ID, message_id=sent.message_id)


async def test_deleting_others_group_messages_needs_admin(server: LocalBotApi, bot: Bot) -> None:
    server.send_text(GROUP_ID, USER_ID, "spam")
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted"):
        await bot.delete_message(GROUP_ID, 1)
    server.set_member_status(GROUP_ID, server.bot_id, "administrator")
    assert await bot.delete_message(GROUP_ID, 1)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(GROUP_ID, 1)


async def test_second_answer_to_a_callback_query_is_rejected(
    server: LocalBotApi, bot: Bot
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d")]])
    sent = await bot.send_message(USER_ID, "pick", reply_markup=markup)
    server.press_button(USER_ID, USER_ID, sent.message_id, "d")
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    await update.callback_query.answer()
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await update.callback_query.answer()


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (BotCommand("Rally", "x"), "BOT_COMMAND_INVALID"),
        (BotCommand("r" * 33, "x"), "BOT_COMMAND_INVALID"),
        (BotCommand("rally", ""), "BOT_COMMAND_DESCRIPTION_INVALID"),
    ],
)
async def test_invalid_bot_commands_are_rejected(
    bot: Bot, command: BotCommand, error: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)" + error):
        await bot.set_my_commands([command])


async def test_unknown_chat_action_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(USER_ID, "dancing")


async def test_private_chat_has_no_administrators(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
        await bot.get_chat_administrators(USER_ID)
