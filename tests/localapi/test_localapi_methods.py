"""Happy paths of every implemented Bot API method, driven through the real PTB Bot."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyParameters,
)
from telegram.constants import ChatAction, ParseMode

from bot.sandbox.localapi import LocalBotApi
from tests.localapi.localapi_support import BOT_ID, GROUP_ID, USER_ID, jpeg_bytes, png_bytes

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("YTD", callback_data="period:ytd")]])


async def test_get_me_reports_the_configured_username_and_token_id(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, "rallybot", True)


async def test_webhook_methods_record_and_clear_the_webhook(server: LocalBotApi, bot: Bot) -> None:
    assert await bot.set_webhook("https://example.org/hook", max_connections=5)
    info = await bot.get_webhook_info()
    assert (info.url, info.max_connections) == ("https://example.org/hook", 5)
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert server.calls_to("setWebhook")[0].params["url"] == "https://example.org/hook"


async def test_send_message_parses_html_and_keeps_the_inline_keyboard(
    server: LocalBotApi, bot: Bot
) -> None:
    sent = await bot.send_message(
        USER_ID, "<b>Rally</b> &amp; co", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )
    assert sent.text == "Rally & co"
    assert sent.text_html == "<b>Rally</b> &amp; co"
    assert sent.reply_markup == KEYBOARD
    assert sent.from_user is not None
    assert sent.from_user.id == BOT_ID
    stored = server.sent_messages(USER_ID)
    assert [m["message_id"] for m in stored] == [sent.message_id]


async def test_message_ids_increase_per_chat(server: LocalBotApi, bot: Bot) -> None:
    first = await bot.send_message(USER_ID, "one")
    server.send_text(USER_ID, USER_ID, "hello")
    second = await bot.send_message(USER_ID, "two")
    in_group = await bot.send_message(GROUP_ID, "group")
    assert (first.message_id, second.message_id, in_group.message_id) == (1, 3, 1)


async def test_reply_includes_the_replied_message(server: LocalBotApi, bot: Bot) -> None:
    server.send_text(GROUP_ID, USER_ID, "/rally ytd")
    reply = await bot.send_message(
        GROUP_ID, "answer", reply_parameters=ReplyParameters(message_id=1)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "/rally ytd"


async def test_send_photo_upload_returns_sizes_and_the_file_id_is_reusable(
    server: LocalBotApi, bot: Bot
) -> None:
    first = await bot.send_photo(
        USER_ID, png_bytes(1600, 900), caption="<i>chart</i>", parse_mode=ParseMode.HTML
    )
    assert first.caption == "chart"
    largest = first.photo[-1]
    assert (largest.width, largest.height) == (1600, 900)
    assert len({size.file_id for size in first.photo}) == len(first.photo) > 1
    assert server.calls_to("sendPhoto")[0].files["photo"].startswith(b"\x89PNG")

    again = await bot.send_photo(GROUP_ID, largest.file_id)
    assert again.photo[-1].file_unique_id == largest.file_unique_id


async def test_send_photo_accepts_jpeg(bot: Bot) -> None:
    sent = await bot.send_photo(USER_ID, jpeg_bytes(640, 480))
    assert (sent.photo[-1].width, sent.photo[-1].height) == (640, 480)


async def test_uploaded_photo_can_be_downloaded_via_get_file(bot: Bot) -> None:
    data = png_bytes()
    sent = await bot.send_photo(USER_ID, data)
    telegram_file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == data


async def test_edit_message_text_replaces_text_and_drops_omitted_keyboard(
    server: LocalBotApi, bot: Bot
) -> None:
    sent = await bot.send_message(USER_ID, "loading", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("done", chat_id=USER_ID, message_id=sent.message_id)
    assert not isinstance(edited, bool)
    assert edited.text == "done"
    (stored,) = server.sent_messages(USER_ID)
    assert stored["text"] == "done"
    assert "reply_markup" not in stored
    assert "edit_date" in stored


async def test_edit_caption_media_and_markup_of_a_photo(server: LocalBotApi, bot: Bot) -> None:
    sent = await bot.send_photo(USER_ID, png_bytes(), caption="v1", reply_markup=KEYBOARD)
    await bot.edit_message_caption(
        chat_id=USER_ID, message_id=sent.message_id, caption="v2", reply_markup=KEYBOARD
    )
    new_photo = png_bytes(8, 8)
    edited = await bot.edit_message_media(
        InputMediaPhoto(new_photo, caption="v3"),
        chat_id=USER_ID,
        message_id=sent.message_id,
        reply_markup=KEYBOARD,
    )
    assert not isinstance(edited, bool)
    assert edited.caption == "v3"
    assert edited.photo[-1].width == 8
    reused = await bot.edit_message_media(
        InputMediaPhoto(sent.photo[-1].file_id),
        chat_id=USER_ID,
        message_id=sent.message_id,
    )
    assert not isinstance(reused, bool)
    assert reused.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    await bot.edit_message_reply_markup(
        chat_id=USER_ID, message_id=sent.message_id, reply_markup=KEYBOARD
    )
    (stored,) = server.sent_messages(USER_ID)
    assert stored["reply_markup"] == KEYBOARD.to_dict()
    assert "caption" not in stored


async def test_button_press_delivers_the_message_and_can_be_answered_once(
    server: LocalBotApi, bot: Bot
) -> None:
    sent = await bot.send_message(USER_ID, "pick", reply_markup=KEYBOARD)
    server.press_button(USER_ID, USER_ID, sent.message_id, "period:ytd")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    assert (query.data, query.message.message_id) == ("period:ytd", sent.message_id)
    assert await query.answer("ok")
    with pytest.raises(ValueError, match="no button"):
        server.press_button(USER_ID, USER_ID, sent.message_id, "period:1y")


async def test_chat_member_shapes_follow_the_status(server: LocalBotApi, bot: Bot) -> None:
    server.set_member_status(GROUP_ID, 7, "administrator")
    server.set_member_status(GROUP_ID, 8, "left")
    server.set_member_status(GROUP_ID, 9, "kicked")
    assert isinstance(await bot.get_chat_member(GROUP_ID, USER_ID), ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(GROUP_ID, 7), ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(GROUP_ID, 8), ChatMemberLeft)
    assert isinstance(await bot.get_chat_member(GROUP_ID, 9), ChatMemberBanned)
    assert isinstance(await bot.get_chat_member(GROUP_ID, 10), ChatMemberMember)
    admins = await bot.get_chat_administrators(GROUP_ID)
    assert [a.user.id for a in admins] == [USER_ID, 7]


async def test_get_chat_returns_full_info(bot: Bot) -> None:
    chat = await bot.get_chat(GROUP_ID)
    assert (chat.id, chat.type, chat.title) == (GROUP_ID, "group", "Rally fans")
    private = await bot.get_chat(USER_ID)
    assert private.first_name == "Ann"


async def test_commands_are_stored_per_scope(bot: Bot) -> None:
    commands = [BotCommand("rally", "Show the rally"), BotCommand("help", "Help")]
    assert await bot.set_my_commands(commands)
    assert await bot.set_my_commands(commands[:1], scope=BotCommandScopeChat(GROUP_ID))
    assert await bot.get_my_commands() == tuple(commands)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(GROUP_ID)) == (commands[0],)
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_chat_action_and_delete_message(server: LocalBotApi, bot: Bot) -> None:
    assert await bot.send_chat_action(USER_ID, ChatAction.UPLOAD_PHOTO)
    sent = await bot.send_message(USER_ID, "bye")
    assert await bot.delete_message(USER_ID, sent.message_id)
    assert server.sent_messages(USER_ID) == []


async def test_anonymous_admin_message_has_group_anonymous_bot_sender(
    server: LocalBotApi, bot: Bot
) -> None:
    server.send_text(GROUP_ID, None, "/rally@rallybot ytd", sender_chat=GROUP_ID)
    (update,) = await bot.get_updates()
    message = update.message
    assert message is not None
    assert message.from_user is not None
    assert (message.from_user.id, message.from_user.username) == (
        1087968824,
        "GroupAnonymousBot",
    )
    assert message.sender_chat is not None
    assert message.sender_chat.id == GROUP_ID
    assert message.parse_entities(["bot_command"]) == {message.entities[0]: "/rally@rallybot"}


async def test_command_entity_length_counts_utf16_code_units(
    server: LocalBotApi, bot: Bot
) -> None:
    server.send_text(USER_ID, USER_ID, "/rally ytd 📈")
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.entities[0].length == len("/rally")


async def test_json_and_query_string_requests_are_accepted(server: LocalBotApi) -> None:
    base = f"{server.base_url}123456:TEST"
    async with httpx.AsyncClient() as client:
        by_json = await client.post(f"{base}/sendMessage", json={"chat_id": USER_ID, "text": "j"})
        by_query = await client.get(
            f"{base}/sendMessage", params={"chat_id": USER_ID, "text": "q"}
        )
    assert by_json.json()["result"]["text"] == "j"
    assert by_query.json()["result"]["text"] == "q"


async def test_method_names_are_case_insensitive(server: LocalBotApi) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server.base_url}123456:TEST/GETME")
    assert response.json()["result"]["username"] == "rallybot"
    assert server.calls[-1].method == "getMe"


async def test_a_multipart_upload_that_arrives_in_uneven_pieces_is_read_whole(
    server: LocalBotApi,
) -> None:
    """A tiny TCP segment followed by a large one makes aiohttp's part reader take its
    deprecated unread_data() path; the upload must still be served, not answered with a 500."""
    url = httpx.URL(server.base_url)
    boundary = "rallybot-boundary-0123456789abcdef"
    photo = png_bytes(640, 480) + bytes(range(256)) * 80  # bytes after IEND are ignored
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n'.encode(),
            f"{USER_ID}\r\n".encode(),
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="photo"; filename="chart.png"\r\nContent-Type: image/png\r\n\r\n'.encode(),
            photo,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    head = (
        f"POST {url.path}123456:TEST/sendPhoto HTTP/1.1\r\nHost: {url.host}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    cut = body.index(photo) + 8192
    reader, writer = await asyncio.open_connection(url.host, url.port)
    try:
        for piece in (head + body[:cut], body[cut : cut + 3], body[cut + 3 :]):
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.05)  # let the server read each piece on its own
        answer = (await reader.read()).decode()
    finally:
        writer.close()
        await writer.wait_closed()

    assert answer.startswith("HTTP/1.1 200"), answer
    sizes = server.sent_messages(USER_ID)[-1]["photo"]
    assert (sizes[-1]["width"], sizes[-1]["height"]) == (640, 480)
