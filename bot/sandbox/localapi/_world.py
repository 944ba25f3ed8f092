"""What the local Bot API server knows: users, chats, members, messages, files and updates."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.sandbox.localapi._errors import bad_request

ANONYMOUS_ADMIN_ID = 1087968824
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
JsonDict = dict[str, Any]
_T = TypeVar("_T")


def copy_json(value: _T) -> _T:
    """A deep copy of JSON-shaped data (dicts, lists, scalars), several times faster than
    copy.deepcopy: answers must not alias stored state, or a later edit would rewrite them."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [copy_json(item) for item in value]  # type: ignore[return-value]
    return value


@dataclass
class SimUser:
    """A simulated Telegram user."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> JsonDict:
        """Return the Bot API User object."""
        data: JsonDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class SimChat:
    """A simulated chat: private (id = the user's id) or a group/supergroup (negative id)."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    """A supergroup with topics: messages may belong to a topic (message_thread_id)."""

    @property
    def is_group(self) -> bool:
        """Whether this is a group or supergroup."""
        return self.type in {"group", "supergroup"}

    def to_dict(self) -> JsonDict:
        """Return the Bot API Chat object."""
        data: JsonDict = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class StoredPhoto:
    """One uploaded photo and the PhotoSize list Telegram would report for it."""

    data: bytes
    extension: str
    sizes: list[JsonDict]


@dataclass
class CallbackRecord:
    """A callback query handed to the bot, so answerCallbackQuery can be checked."""

    query_id: str
    answered: bool = False


@dataclass
class World:
    """Mutable state shared by the HTTP methods and the simulation API."""

    bot_id: int
    bot_username: str
    bot_first_name: str
    users: dict[int, SimUser] = field(default_factory=dict)
    chats: dict[int, SimChat] = field(default_factory=dict)
    members: dict[tuple[int, int], str] = field(default_factory=dict)
    messages: dict[int, dict[int, JsonDict]] = field(default_factory=dict)
    last_message_id: dict[int, int] = field(default_factory=dict)
    photos: dict[str, StoredPhoto] = field(default_factory=dict)
    file_paths: dict[str, str] = field(default_factory=dict)
    callbacks: dict[str, CallbackRecord] = field(default_factory=dict)
    updates: list[JsonDict] = field(default_factory=list)
    last_update_id: int = 0
    commands: dict[tuple[str, str], list[JsonDict]] = field(default_factory=dict)
    webhook: JsonDict | None = None
    blocked: set[int] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)
    topics: dict[int, dict[int, str]] = field(default_factory=dict)
    """Per forum chat: its open topics, thread id -> name (deleted ones are gone)."""

    def bot_user(self) -> JsonDict:
        """The bot's own User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def resolve_chat(self, chat_id: int | str) -> SimChat:
        """Find a chat by id or @username, or fail with Telegram's "chat not found"."""
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            for candidate in self.chats.values():
                if candidate.username and candidate.username.lower() == name:
                    return candidate
            raise bad_request("chat not found")
        found = self.chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        return found

    def member_status(self, chat: SimChat, user_id: int) -> str:
        """A user's status in a chat; anyone not set explicitly is a plain member."""
        return self.members.get((chat.id, user_id), "member")

    def topic_thread(self, chat: SimChat, thread_id: int | None) -> int | None:
        """The topic a message sent with this message_thread_id lands in; Telegram's 400 for
        a thread that does not exist (never made, or deleted)."""
        if thread_id is None:
            return None
        if not (chat.is_forum and thread_id in self.topics.get(chat.id, {})):
            raise bad_request("message thread not found")
        return thread_id

    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id in a chat."""
        self.last_message_id[chat_id] = self.last_message_id.get(chat_id, 0) + 1
        return self.last_message_id[chat_id]

    def store_message(self, message: JsonDict) -> JsonDict:
        """Remember a message so edits, replies and callback queries can refer to it."""
        self.messages.setdefault(message["chat"]["id"], {})[message["message_id"]] = message
        return message

    def find_message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """Look up a stored message."""
        return self.messages.get(chat_id, {}).get(message_id)

    def new_message(self, chat: SimChat, sender: JsonDict | None, **content: Any) -> JsonDict:
        """Create and store a message in `chat` from `sender` (None: no `from` field)."""
        message: JsonDict = {"message_id": self.next_message_id(chat.id)}
        if sender is not None:
            message["from"] = sender
        message.update({"chat": chat.to_dict(), "date": int(time.time())})
        message.update({key: value for key, value in content.items() if value is not None})
        return self.store_message(message)

    def enqueue(self, payload: JsonDict) -> int:
        """Append an Update (everything but update_id) to the queue; return its update_id."""
        self.last_update_id += 1
        self.updates.append({"update_id": self.last_update_id, **copy_json(payload)})
        return self.last_update_id

    def register_photo(self, data: bytes, extension: str, width: int, height: int) -> StoredPhoto:
        """Store an uploaded photo and mint the PhotoSize file_ids Telegram would return."""
        sizes: list[JsonDict] = []
        longest = max(width, height)
        # Telegram keeps thumbnails plus a copy capped at 1280/2560 px; only the ids matter here.
        targets = [side for side in (90, 320, 800) if side < longest] + [min(longest, 2560)]
        for side in targets:
            scale = side / longest
            sizes.append(
                {
                    "file_id": "AgACAgIAAxkD" + secrets.token_urlsafe(36),
                    "file_unique_id": "AQAD" + secrets.token_urlsafe(12),
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": max(1, round(len(data) * scale * scale)),
                }
            )
        photo = StoredPhoto(data=data, extension=extension, sizes=sizes)
        for size in sizes:
            self.photos[size["file_id"]] = photo
        return photo
