"""The Bot API methods the local server implements, answering like Telegram does."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.sandbox.localapi._errors import ApiError, bad_request, forbidden
from bot.sandbox.localapi._html import parse_formatted
from bot.sandbox.localapi._media import validate_photo
from bot.sandbox.localapi._spec import ApiSpec, TypeSpec, check_fields
from bot.sandbox.localapi._world import JsonDict, SimChat, StoredPhoto, World, copy_json

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Mapping[str, bytes]], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def validate_inline_keyboard(markup: Any, button_shape: TypeSpec) -> JsonDict:
    """Check an InlineKeyboardMarkup the way Telegram does and return it; each button's
    fields against the spec's InlineKeyboardButton (`button_shape`)."""
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            check_fields(button_shape, button)
            for name, value in button.items():
                if button_shape.fields[name].types == ("String",) and not isinstance(value, str):
                    raise bad_request(
                        f'can\'t parse inline keyboard button: field "{name}" must be a String'
                    )
            actions = [key for key in _BUTTON_ACTIONS if key in button]
            if len(actions) != 1:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not re.match(r"(https?|tg)://\S", str(button["url"])):
                raise bad_request(
                    f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL"
                )
    return {"inline_keyboard": rows}


def _inline_markup_of(
    params: Mapping[str, Any], button_shape: TypeSpec, *, inline_only: bool
) -> JsonDict | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return validate_inline_keyboard(markup, button_shape)
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup and not isinstance(markup["keyboard"], list):
        raise bad_request("can't parse reply keyboard markup JSON object")
    # Reply keyboards live on the user's client; Telegram does not echo them in the Message.
    return None


class BotApiMethods:
    """Implementations of the Bot API methods over a World."""

    def __init__(self, world: World, spec: ApiSpec, *, strict_html: bool = True) -> None:
        self.world = world
        self.button_shape = spec.types["InlineKeyboardButton"]
        self.strict_html = strict_html

    def table(self) -> dict[str, Handler]:
        """Map method names to their handlers (getUpdates is served by the server itself)."""
        return {
            "getMe": self.get_me,
            "deleteWebhook": self.delete_webhook,
            "setWebhook": self.set_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageMedia": self.edit_message_media,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "answerCallbackQuery": self.answer_callback_query,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "getChat": self.get_chat,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "sendChatAction": self.send_chat_action,
            "deleteMessage": self.delete_message,
            "getFile": self.get_file,
        }

    # --- shared checks -------------------------------------------------------------------

    def _writable_chat(self, chat_id: int | str) -> SimChat:
        chat = self.world.resolve_chat(chat_id)
        if chat.is_group:
            status = self.world.member_status(chat, self.world.bot_id)
            if status == "kicked":
                raise forbidden(f"bot was kicked from the {chat.type} chat")
            if status == "left":
                raise forbidden(f"bot is not a member of the {chat.type} chat")
        return chat

    def _formatted(
        self,
        params: Mapping[str, Any],
        text_key: str,
        entities_key: str,
        limit: int,
        too_long: str,
        *,
        parse_mode: str | None = None,
    ) -> tuple[str, list[JsonDict]]:
        mode = parse_mode if parse_mode is not None else params.get("parse_mode")
        text, entities = parse_formatted(
            str(params.get(text_key, "")),
            mode,
            params.get(entities_key),
            strict=self.strict_html,
        )
        if len(text) > limit:
            raise bad_request(too_long)
        return text, entities

    def _message_text(self, params: Mapping[str, Any]) -> tuple[str, list[JsonDict]]:
        text, entities = self._formatted(
            params, "text", "entities", MAX_TEXT, "message is too long"
        )
        if not text.strip():
            raise bad_request("message text is empty")
        return text, entities

    def _caption(
        self, params: Mapping[str, Any], *, parse_mode: str | None = None
    ) -> tuple[str, list[JsonDict]]:
        return self._formatted(
            params,
            "caption",
            "caption_entities",
            MAX_CAPTION,
            "message caption is too long",
            parse_mode=parse_mode,
        )

    def _reply_target(self, chat: SimChat, params: Mapping[str, Any]) -> JsonDict | None:
        reply = params.get("reply_parameters")
        if reply is None:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise bad_request("can't parse reply parameters JSON object")
        target_chat = chat
        if reply.get("chat_id") is not None:
            target_chat = self.world.resolve_chat(reply["chat_id"])
        target = self.world.find_message(target_chat.id, int(reply["message_id"]))
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        replied = copy_json(target)
        replied.pop("reply_to_message", None)
        return replied

    def _topic(
        self, chat: SimChat, params: Mapping[str, Any], reply_to: JsonDict | None
    ) -> JsonDict:
        """Where in a forum a new message goes: the topic asked for, else the topic of the
        message it answers (as Telegram does), else none (the General topic)."""
        explicit = params.get("message_thread_id")
        thread = self.world.topic_thread(chat, None if explicit is None else int(explicit))
        if thread is None and reply_to is not None and reply_to.get("is_topic_message"):
            thread = int(reply_to["message_thread_id"])
        if thread is None:
            return {}
        return {"message_thread_id": thread, "is_topic_message": True}

    def _photo_from(self, value: Any, files: Mapping[str, bytes], part: str) -> StoredPhoto:
        if isinstance(value, str) and value.startswith("attach://"):
            part, value = value.removeprefix("attach://"), None
        if value is None or value == "":
            data = files.get(part)
            if data is None:
                raise bad_request("there is no photo in the request")
            extension, width, height = validate_photo(data)
            return self.world.register_photo(data, extension, width, height)
        photo = self.world.photos.get(str(value))
        if photo is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return photo

    def _editable(self, params: Mapping[str, Any]) -> JsonDict:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not implemented by the local Bot API server")
        if params.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self._writable_chat(params["chat_id"])
        message = self.world.find_message(chat.id, int(params["message_id"]))
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.world.bot_id:
            raise bad_request("message can't be edited")
        return message

    @staticmethod
    def _apply_edit(message: JsonDict, changes: Mapping[str, Any]) -> JsonDict:
        unchanged = all(message.get(key) == value for key, value in changes.items())
        if unchanged:
            raise bad_request(NOT_MODIFIED)
        for key, value in changes.items():
            if value is None or value == []:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        return copy_json(message)

    # --- methods -------------------------------------------------------------------------

    async def get_me(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """getMe."""
        return {
            **self.world.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def set_webhook(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """setWebhook: remembered only, since nothing here pushes updates."""
        url = params.get("url", "")
        self.world.webhook = {"url": url, **params} if url else None
        if params.get("drop_pending_updates"):
            self.world.updates.clear()
        return True

    async def delete_webhook(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """deleteWebhook."""
        self.world.webhook = None
        if params.get("drop_pending_updates"):
            self.world.updates.clear()
        return True

    async def get_webhook_info(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """getWebhookInfo."""
        hook = self.world.webhook or {}
        info: JsonDict = {
            "url": hook.get("url", ""),
            "has_custom_certificate": "certificate" in files,
            "pending_update_count": len(self.world.updates),
        }
        for key in ("max_connections", "allowed_updates", "ip_address"):
            if key in hook:
                info[key] = hook[key]
        return info

    async def send_message(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """sendMessage."""
        chat = self._writable_chat(params["chat_id"])
        self.world.topic_thread(chat, params.get("message_thread_id"))
        text, entities = self._message_text(params)
        markup = _inline_markup_of(params, self.button_shape, inline_only=False)
        reply_to = self._reply_target(chat, params)
        message = self.world.new_message(
            chat,
            self.world.bot_user(),
            **self._topic(chat, params, reply_to),
            reply_to_message=reply_to,
            text=text,
            entities=entities or None,
            reply_markup=markup,
        )
        return copy_json(message)

    async def send_photo(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """sendPhoto."""
        chat = self._writable_chat(params["chat_id"])
        self.world.topic_thread(chat, params.get("message_thread_id"))
        caption, entities = self._caption(params)
        markup = _inline_markup_of(params, self.button_shape, inline_only=False)
        reply_to = self._reply_target(chat, params)
        photo = self._photo_from(params.get("photo"), files, "photo")
        message = self.world.new_message(
            chat,
            self.world.bot_user(),
            **self._topic(chat, params, reply_to),
            reply_to_message=reply_to,
            photo=copy_json(photo.sizes),
            caption=caption or None,
            caption_entities=entities or None,
            show_caption_above_media=params.get("show_caption_above_media") or None,
            has_media_spoiler=params.get("has_spoiler") or None,
            reply_markup=markup,
        )
        return copy_json(message)

    async def edit_message_text(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """editMessageText."""
        message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._message_text(params)
        markup = _inline_markup_of(params, self.button_shape, inline_only=True)
        return self._apply_edit(
            message,
            {"text": text, "entities": entities or None, "reply_markup": markup},
        )

    async def edit_message_caption(
        self, params: dict[str, Any], files: Mapping[str, bytes]
    ) -> Any:
        """editMessageCaption."""
        message = self._editable(params)
        if "photo" not in message:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._caption(params)
        markup = _inline_markup_of(params, self.button_shape, inline_only=True)
        return self._apply_edit(
            message,
            {
                "caption": caption or None,
                "caption_entities": entities or None,
                "reply_markup": markup,
            },
        )

    async def edit_message_media(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """editMessageMedia (photos only)."""
        message = self._editable(params)
        media = params["media"]
        if not isinstance(media, dict) or "media" not in media:
            raise bad_request("can't parse InputMedia JSON object")
        if media.get("type") != "photo":
            raise bad_request(
                f"editMessageMedia with media type {media.get('type')!r} is not implemented by "
                "the local Bot API server"
            )
        if "photo" not in message:
            raise bad_request("there is no media in the message to edit")
        caption, entities = self._caption(
            {
                "caption": media.get("caption", ""),
                "caption_entities": media.get("caption_entities"),
            },
            parse_mode=media.get("parse_mode"),
        )
        photo = self._photo_from(media["media"], files, "media")
        markup = _inline_markup_of(params, self.button_shape, inline_only=True)
        return self._apply_edit(
            message,
            {
                "photo": copy_json(photo.sizes),
                "caption": caption or None,
                "caption_entities": entities or None,
                "reply_markup": markup,
            },
        )

    async def edit_message_reply_markup(
        self, params: dict[str, Any], files: Mapping[str, bytes]
    ) -> Any:
        """editMessageReplyMarkup."""
        message = self._editable(params)
        markup = _inline_markup_of(params, self.button_shape, inline_only=True)
        return self._apply_edit(message, {"reply_markup": markup})

    async def answer_callback_query(
        self, params: dict[str, Any], files: Mapping[str, bytes]
    ) -> Any:
        """answerCallbackQuery: each query can be answered once."""
        record = self.world.callbacks.get(str(params["callback_query_id"]))
        if record is None or record.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text", ""))) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answered = True
        return True

    def _member(self, chat: SimChat, user_id: int) -> JsonDict:
        if user_id == self.world.bot_id:
            user = self.world.bot_user()
        elif user_id in self.world.users:
            user = self.world.users[user_id].to_dict()
        else:
            user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        status = self.world.member_status(chat, user_id)
        if status == "creator":
            return {"status": status, "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = dict.fromkeys(
                (
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                    "can_pin_messages",
                ),
                True,
            )
            rights["can_promote_members"] = False
            return {
                "status": status,
                "user": user,
                "can_be_edited": user_id == self.world.bot_id,
                "is_anonymous": False,
                **rights,
            }
        if status == "restricted":
            permissions = dict.fromkeys(
                (
                    "can_send_messages",
                    "can_send_audios",
                    "can_send_documents",
                    "can_send_photos",
                    "can_send_videos",
                    "can_send_video_notes",
                    "can_send_voice_notes",
                    "can_send_polls",
                    "can_send_other_messages",
                    "can_add_web_page_previews",
                    "can_react_to_messages",
                    "can_edit_tag",
                    "can_change_info",
                    "can_invite_users",
                    "can_pin_messages",
                    "can_manage_topics",
                ),
                False,
            )
            return {
                "status": status,
                "user": user,
                "is_member": True,
                "until_date": 0,
                **permissions,
            }
        if status == "kicked":
            return {"status": status, "user": user, "until_date": 0}
        return {"status": status, "user": user}

    async def get_chat_member(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """getChatMember."""
        chat = self.world.resolve_chat(params["chat_id"])
        return self._member(chat, int(params["user_id"]))

    async def get_chat_administrators(
        self, params: dict[str, Any], files: Mapping[str, bytes]
    ) -> Any:
        """getChatAdministrators: the creator first, then administrators."""
        chat = self.world.resolve_chat(params["chat_id"])
        if not chat.is_group:
            raise bad_request("there are no administrators in the private chat")
        ranked = sorted(
            (
                (status != "creator", user_id)
                for (chat_id, user_id), status in self.world.members.items()
                if chat_id == chat.id and status in {"creator", "administrator"}
            ),
        )
        return [self._member(chat, user_id) for _, user_id in ranked]

    async def get_chat(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """getChat: a ChatFullInfo with the fields Telegram always fills in."""
        chat = self.world.resolve_chat(params["chat_id"])
        return {
            **chat.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    @staticmethod
    def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code", ""))

    async def set_my_commands(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """setMyCommands."""
        commands = params["commands"]
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("too many commands, or commands is not a list")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description", "")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.world.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def get_my_commands(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """getMyCommands."""
        return copy_json(self.world.commands.get(self._commands_key(params), []))

    async def delete_my_commands(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """deleteMyCommands."""
        self.world.commands.pop(self._commands_key(params), None)
        return True

    async def send_chat_action(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """sendChatAction."""
        chat = self._writable_chat(params["chat_id"])
        self.world.topic_thread(chat, params.get("message_thread_id"))
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def delete_message(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """deleteMessage: others' group messages need the bot to be an administrator."""
        chat = self._writable_chat(params["chat_id"])
        message = self.world.find_message(chat.id, int(params["message_id"]))
        if message is None:
            raise bad_request("message to delete not found")
        own = message.get("from", {}).get("id") == self.world.bot_id
        bot_status = self.world.member_status(chat, self.world.bot_id)
        if chat.is_group and not own and bot_status not in {"creator", "administrator"}:
            raise bad_request("message can't be deleted")
        del self.world.messages[chat.id][message["message_id"]]
        return True

    async def get_file(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """getFile: photos this server issued can be downloaded from base_file_url."""
        file_id = str(params["file_id"])
        photo = self.world.photos.get(file_id)
        if photo is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        size = next(s for s in photo.sizes if s["file_id"] == file_id)
        path = f"photos/file_{size['file_unique_id']}.{photo.extension}"
        self.world.file_paths[path] = file_id
        return {
            "file_id": file_id,
            "file_unique_id": size["file_unique_id"],
            "file_size": len(photo.data),
            "file_path": path,
        }


def not_implemented(method: str) -> ApiError:
    """The error for spec methods this server does not model, so tests notice immediately."""
    return bad_request(
        f"method {method} is not implemented by the local Bot API server (bot/sandbox/localapi)"
    )
