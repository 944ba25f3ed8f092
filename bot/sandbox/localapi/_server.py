"""LocalBotApi: an aiohttp server speaking the Telegram Bot API, for tests and the demo."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import BodyPartReader, web

from bot.sandbox.localapi._errors import ApiError, bad_request, forbidden, too_many_requests
from bot.sandbox.localapi._html import utf16_len
from bot.sandbox.localapi._inline import InlineQueries
from bot.sandbox.localapi._methods import BotApiMethods, Handler, not_implemented
from bot.sandbox.localapi._ratelimit import FloodControl, RateLimits
from bot.sandbox.localapi._spec import ApiSpec, load_spec, validate_request
from bot.sandbox.localapi._world import (
    ANONYMOUS_ADMIN_ID,
    MEMBER_STATUSES,
    CallbackRecord,
    JsonDict,
    SimChat,
    SimUser,
    World,
    copy_json,
)

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]+")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
_DEFAULT_FAULT_TEXT = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class RecordedCall:
    """One request the bot made and what the server answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    status: int
    response: dict[str, Any]
    content_type: str = ""
    """How the request's parameters came: form, multipart or JSON (empty: none)."""

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The `result` of a successful call (None for failures)."""
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        """The error description of a failed call."""
        return self.response.get("description")


@dataclass
class _Fault:
    method: str | None
    chat_id: int | str | None
    error: ApiError
    remaining: int

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass
class _Late:
    method: str
    seconds: float
    remaining: int


@dataclass
class _Waiters:
    futures: list[asyncio.Future[None]] = field(default_factory=list)

    def add(self) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.futures.append(future)
        return future

    def wake(self) -> None:
        futures, self.futures = self.futures, []
        for future in futures:
            if not future.done():
                future.set_result(None)


def _is_send(method: str) -> bool:
    return method.startswith(("send", "copy", "forward", "edit"))


def _counts_toward_flood(method: str) -> bool:
    return method.startswith(("send", "copy", "forward")) and method != "sendChatAction"


def _chat_of(chat: SimChat | int) -> int:
    return chat.id if isinstance(chat, SimChat) else int(chat)


class LocalBotApi:
    """A local Telegram Bot API server plus methods to simulate users, chats and failures."""

    def __init__(
        self,
        bot_username: str = "rallybot",
        *,
        bot_first_name: str = "Rally Bot",
        bot_id: int | None = None,
        enforce_rate_limits: bool = False,
        rate_limits: RateLimits | None = None,
        spec_path: Path | str | None = None,
        strict_html: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec: ApiSpec = load_spec(spec_path)
        # Without an explicit id the bot's id is taken from the first token seen, like Telegram.
        self._fixed_bot_id = bot_id is not None
        self.world = World(
            bot_id=bot_id if bot_id is not None else 0,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
        )
        self._methods = BotApiMethods(self.world, self.spec, strict_html=strict_html)
        self._handlers: dict[str, Handler] = self._methods.table()
        self._handlers["getUpdates"] = self._get_updates
        self._inline = InlineQueries(self.world, self.spec, clock, strict_html=strict_html)
        self._handlers["answerInlineQuery"] = self._inline.answer
        self.enforce_rate_limits = enforce_rate_limits
        self._flood = FloodControl(rate_limits or RateLimits(), clock)
        self.rate_limited_count = 0
        self.calls: list[RecordedCall] = []
        self._faults: list[_Fault] = []
        self._late: list[_Late] = []
        self._allowed_updates: list[str] | None = None
        self._poll_waiter: asyncio.Future[None] | None = None
        self._call_waiters = _Waiters()
        self._poll_started = _Waiters()
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Bind the HTTP server (port 0 picks a free port)."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._bound_port = int(self._runner.addresses[0][1])
        logger.info("Local Bot API (%s) listening on %s", self.spec.version, self.base_url)

    async def stop(self) -> None:
        """Stop serving; pending long polls return immediately."""
        self._wake_poller()
        self._call_waiters.wake()
        self._poll_started.wake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._bound_port = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._bound_port is None:
            raise RuntimeError("LocalBotApi is not started; await server.start() first")
        return self._bound_port

    @property
    def base_url(self) -> str:
        """Value for ApplicationBuilder().base_url(): PTB appends the token and method."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ApplicationBuilder().base_file_url()."""
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        """The bot's user id (from the constructor or the first token seen)."""
        return self.world.bot_id

    # --- HTTP ----------------------------------------------------------------------------

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return web.json_response(_NOT_FOUND, status=404)

    async def _handle_file(self, request: web.Request) -> web.Response:
        file_id = self.world.file_paths.get(request.match_info["path"])
        photo = self.world.photos.get(file_id) if file_id else None
        if photo is None:
            return web.json_response(_NOT_FOUND, status=404)
        return web.Response(body=photo.data, content_type=f"image/{photo.extension}")

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = _TOKEN.fullmatch(request.match_info["token"])
        method_spec = self.spec.lookup(request.match_info["method"])
        if token is None or method_spec is None:
            return web.json_response(_NOT_FOUND, status=404)
        if not self._fixed_bot_id and self.world.bot_id == 0:
            self.world.bot_id = int(token.group(1))
        method = method_spec.name
        raw: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        params: dict[str, Any] = {}
        try:
            raw, files = await _read_request(request)
            params = validate_request(method_spec, raw, files)
            self._gate(method, params)
            handler = self._handlers.get(method)
            if handler is None:
                raise not_implemented(method)
            body: dict[str, Any] = {"ok": True, "result": await handler(params, files)}
            status = 200
        except ApiError as error:
            body, status = error.to_body(), error.status
            logger.debug("%s -> %s %s", method, status, error.description)
        content_type = request.content_type if request.body_exists else ""
        self._record(RecordedCall(method, params or raw, files, status, body, content_type))
        delay = self._lateness(method)
        if delay:
            # The call is done and recorded; only the answer is late, as when Telegram is
            # slow to reply: a client that gave up cannot know the message went out.
            await asyncio.sleep(delay)
        return web.json_response(body, status=status, dumps=_compact_json)

    def _lateness(self, method: str) -> float:
        for rule in self._late:
            if rule.remaining > 0 and rule.method.lower() == method.lower():
                rule.remaining -= 1
                return rule.seconds
        return 0.0

    def _record(self, call: RecordedCall) -> None:
        self.calls.append(call)
        self._call_waiters.wake()

    def _gate(self, method: str, params: Mapping[str, Any]) -> None:
        """Apply injected faults, blocks, migrations and flood limits before the method runs."""
        chat_id = params.get("chat_id")
        for fault in self._faults:
            if fault.remaining > 0 and fault.matches(method, chat_id):
                fault.remaining -= 1
                self._faults = [f for f in self._faults if f.remaining > 0]
                raise fault.error
        if isinstance(chat_id, int):
            if chat_id in self.world.migrated:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": self.world.migrated[chat_id]},
                )
            if _is_send(method) and chat_id in self.world.blocked:
                chat = self.world.chats.get(chat_id)
                if chat is not None and chat.is_group:
                    raise forbidden(f"bot was kicked from the {chat.type} chat")
                raise forbidden("bot was blocked by the user")
        if self.enforce_rate_limits and _counts_toward_flood(method):
            retry_after = self._flood.check(chat_id if isinstance(chat_id, int) else None)
            if retry_after is not None:
                self.rate_limited_count += 1
                raise too_many_requests(retry_after)

    # --- getUpdates ----------------------------------------------------------------------

    def _wake_poller(self) -> None:
        if self._poll_waiter is not None and not self._poll_waiter.done():
            self._poll_waiter.set_result(None)

    def _select_updates(self, limit: int) -> list[JsonDict]:
        allowed = self._allowed_updates
        chosen = [
            update
            for update in self.world.updates
            if not allowed or any(kind in update for kind in allowed)
        ]
        return copy_json(chosen[:limit])

    async def _get_updates(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        if self.world.webhook is not None:
            raise ApiError(409, _CONFLICT_WEBHOOK)
        offset = params.get("offset")
        if isinstance(offset, int):
            if offset < 0:
                self.world.updates = self.world.updates[offset:]
            else:
                # An offset confirms every earlier update, which Telegram then forgets.
                self.world.updates = [u for u in self.world.updates if u["update_id"] >= offset]
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = list(allowed) if allowed else None
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        timeout = max(float(params.get("timeout", 0)), 0.0)
        batch = self._select_updates(limit)
        if batch or timeout == 0:
            return batch
        if self._poll_waiter is not None and not self._poll_waiter.done():
            self._poll_waiter.set_exception(ApiError(409, _CONFLICT_POLL))
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._poll_waiter = waiter
        self._poll_started.wake()
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError:
            pass
        finally:
            if self._poll_waiter is waiter:
                self._poll_waiter = None
        return self._select_updates(limit)

    # --- recording helpers ---------------------------------------------------------------

    def calls_to(self, method: str) -> list[RecordedCall]:
        """All recorded calls of one method, oldest first."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        # A deadline parameter reads better in tests than wrapping every call in a timeout.
        timeout: float = 10.0,  # noqa: ASYNC109
        after: int = 0,
    ) -> RecordedCall:
        """Wait for the first call of `method` at index >= `after` that satisfies `predicate`."""
        index = after
        try:
            async with asyncio.timeout(timeout):
                while True:
                    while index < len(self.calls):
                        call = self.calls[index]
                        index += 1
                        if call.method.lower() == method.lower() and (
                            predicate is None or predicate(call)
                        ):
                            return call
                    await self._call_waiters.add()
        except TimeoutError:
            recent = [
                f"{c.method}({c.status}: {c.description or 'ok'})"
                for c in self.calls[-15:]
                if c.method != "getUpdates"
            ]
            raise TimeoutError(
                f"no {method} call{' matching the predicate' if predicate else ''} after index "
                f"{after} within {timeout}s; recent calls (getUpdates omitted): "
                f"{', '.join(recent) or 'none'}"
            ) from None

    def sent_messages(self, chat_id: SimChat | int) -> list[JsonDict]:
        """The bot's messages in a chat as they are now (edits applied, deletions gone)."""
        stored = self.world.messages.get(_chat_of(chat_id), {})
        return [
            copy_json(message)
            for _, message in sorted(stored.items())
            if message.get("from", {}).get("id") == self.world.bot_id
        ]

    @property
    def is_long_polling(self) -> bool:
        """Whether a getUpdates call is currently waiting for an update."""
        return self._poll_waiter is not None and not self._poll_waiter.done()

    async def wait_for_long_poll(self) -> None:
        """Return once a getUpdates call is waiting, so a test can push an update into it."""
        while not self.is_long_polling:
            await self._poll_started.add()

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates queued and not yet confirmed by the bot."""
        return copy_json(self.world.updates)

    # --- simulation: users and chats -----------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> SimUser:
        """Get or create a simulated user; given fields overwrite earlier ones."""
        existing = self.world.users.get(user_id)
        if existing is None:
            existing = self.world.users[user_id] = SimUser(user_id, first_name or f"User{user_id}")
        if first_name is not None:
            existing.first_name = first_name
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                setattr(existing, key, value)
        return existing

    def private_chat(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> SimChat:
        """Create (or return) the private chat between the bot and a user."""
        if user_id <= 0:
            raise ValueError("private chat ids are positive user ids")
        person = self.user(
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        chat = SimChat(
            user_id,
            "private",
            first_name=person.first_name,
            last_name=person.last_name,
            username=person.username,
        )
        self.world.chats[user_id] = chat
        return chat

    def group_chat(
        self,
        chat_id: int,
        title: str = "Test group",
        *,
        supergroup: bool = False,
        username: str | None = None,
    ) -> SimChat:
        """Create (or replace) a group or supergroup; its id must be negative."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = SimChat(
            chat_id, "supergroup" if supergroup else "group", title=title, username=username
        )
        self.world.chats[chat_id] = chat
        return chat

    def forum_chat(self, chat_id: int, title: str = "Test forum") -> SimChat:
        """Create (or replace) a forum supergroup: one with topics."""
        chat = self.group_chat(chat_id, title, supergroup=True)
        chat.is_forum = True
        self.world.topics.setdefault(chat_id, {})
        return chat

    def create_topic(self, chat: SimChat | int, name: str) -> int:
        """Open a topic in a forum; its thread id is the id of the service message that
        opened it, as in Telegram."""
        forum = self.world.resolve_chat(_chat_of(chat))
        if not forum.is_forum:
            raise ValueError(f"chat {forum.id} is not a forum")
        thread_id = self.world.last_message_id.get(forum.id, 0) + 1
        self.world.new_message(
            forum,
            None,
            message_thread_id=thread_id,
            is_topic_message=True,
            forum_topic_created={"name": name, "icon_color": 7322096},
        )
        self.world.topics[forum.id][thread_id] = name
        return thread_id

    def delete_topic(self, chat: SimChat | int, thread_id: int) -> None:
        """Delete a topic and its messages, as an admin would: sends to it then answer 400
        "message thread not found"."""
        chat_id = _chat_of(chat)
        del self.world.topics[chat_id][thread_id]
        stored = self.world.messages.get(chat_id, {})
        for message_id in [
            i for i, m in stored.items() if m.get("message_thread_id") == thread_id
        ]:
            del stored[message_id]

    def set_member_status(
        self, chat_id: SimChat | int, user_id: SimUser | int, status: str
    ) -> None:
        """Set a user's (or the bot's) status in a chat: creator, administrator, member, ..."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        uid = user_id.id if isinstance(user_id, SimUser) else int(user_id)
        self.world.members[(_chat_of(chat_id), uid)] = status

    def block_chat(self, chat_id: SimChat | int) -> None:
        """Make every send to the chat fail with 403 (blocked by the user / kicked)."""
        self.world.blocked.add(_chat_of(chat_id))

    def unblock_chat(self, chat_id: SimChat | int) -> None:
        """Undo block_chat."""
        self.world.blocked.discard(_chat_of(chat_id))

    def migrate_group(
        self, old_chat_id: SimChat | int, new_chat_id: int, *, announce: bool = True
    ) -> SimChat:
        """Upgrade a group to a supergroup; the old id then answers 400 with migrate_to_chat_id."""
        old = self.world.resolve_chat(_chat_of(old_chat_id))
        new = self.group_chat(new_chat_id, old.title or "", supergroup=True)
        for (chat_id, user_id), status in list(self.world.members.items()):
            if chat_id == old.id:
                self.world.members[(new.id, user_id)] = status
        self.world.migrated[old.id] = new.id
        if announce:
            for chat, content in (
                (old, {"migrate_to_chat_id": new.id}),
                (new, {"migrate_from_chat_id": old.id}),
            ):
                message = self.world.new_message(chat, None, **content)
                self.enqueue_update({"message": message})
        return new

    # --- simulation: updates -------------------------------------------------------------

    def enqueue_update(self, payload: JsonDict) -> int:
        """Queue an arbitrary Update body (without update_id); return the update_id."""
        update_id = self.world.enqueue(payload)
        self._wake_poller()
        return update_id

    def send_text(
        self,
        chat: SimChat | int,
        user: SimUser | int | None,
        text: str,
        *,
        sender_chat: SimChat | int | None = None,
        reply_to_message_id: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Queue a text message from a user (or an anonymous admin), in a forum topic if
        `thread_id` is given; return the update_id."""
        target = self.world.resolve_chat(_chat_of(chat))
        sender: JsonDict
        extra: JsonDict = {}
        if sender_chat is not None:
            sender = {
                "id": ANONYMOUS_ADMIN_ID,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
            extra["sender_chat"] = self.world.resolve_chat(_chat_of(sender_chat)).to_dict()
        else:
            if user is None:
                if target.is_group:
                    raise ValueError("a group message needs a user or sender_chat")
                user = target.id
            person = user if isinstance(user, SimUser) else self.user(int(user))
            sender = person.to_dict()
        if reply_to_message_id is not None:
            replied = self.world.find_message(target.id, reply_to_message_id)
            if replied is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {target.id}")
            replied = copy_json(replied)
            replied.pop("reply_to_message", None)
            extra["reply_to_message"] = replied
        entities: list[JsonDict] = []
        command = _COMMAND.match(text)
        if command is not None:
            entities.append(
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
            )
        if thread_id is not None:
            if thread_id not in self.world.topics.get(target.id, {}):
                raise ValueError(f"chat {target.id} has no topic {thread_id}")
            extra.update(message_thread_id=thread_id, is_topic_message=True)
        message = self.world.new_message(
            target, sender, **extra, text=text, entities=entities or None
        )
        return self.enqueue_update({"message": message})

    def press_button(
        self, chat: SimChat | int, user: SimUser | int, message_id: int, callback_data: str
    ) -> int:
        """Queue a CallbackQuery for a button on a bot message; return the update_id."""
        chat_id = _chat_of(chat)
        message = self.world.find_message(chat_id, message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        offered = [b.get("callback_data") for row in rows for b in row if "callback_data" in b]
        if callback_data not in offered:
            # A real client can only press buttons that exist, so tests must not either.
            raise ValueError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"it offers {offered}"
            )
        person = user if isinstance(user, SimUser) else self.user(int(user))
        query_id = str(secrets.randbits(63))
        self.world.callbacks[query_id] = CallbackRecord(query_id)
        return self.enqueue_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": person.to_dict(),
                    "message": copy_json(message),
                    "chat_instance": str(abs(chat_id) * 7 + 1),
                    "data": callback_data,
                }
            }
        )

    def send_inline_query(
        self,
        user: SimUser | int,
        query: str,
        *,
        offset: str = "",
        chat_type: str | None = "sender",
    ) -> str:
        """Queue an InlineQuery typed by a user (`@bot query`); return the query id."""
        person = user if isinstance(user, SimUser) else self.user(int(user))
        inline_query = self._inline.new_query(person.to_dict(), query, offset, chat_type)
        self.enqueue_update({"inline_query": inline_query})
        return str(inline_query["id"])

    def inline_answer(self, query_id: str) -> JsonDict | None:
        """What the bot answered an inline query (results, cache_time, is_personal, ...)."""
        record = self._inline.records.get(query_id)
        return None if record is None or record.answer is None else copy_json(record.answer)

    async def wait_for_inline_answer(
        self,
        query_id: str,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JsonDict:
        """Wait until the bot answered the inline query successfully; return its answer."""
        await self.wait_for_call(
            "answerInlineQuery",
            lambda call: call.ok and call.params.get("inline_query_id") == query_id,
            timeout=timeout,
        )
        answer = self.inline_answer(query_id)
        assert answer is not None
        return answer

    # --- simulation: faults --------------------------------------------------------------

    def answer_late(self, method: str, seconds: float, count: int = 1) -> None:
        """Carry out the next `count` calls of `method` but answer each `seconds` late."""
        self._late.append(_Late(method, seconds, count))

    def fail_next(
        self,
        method: str | None = None,
        chat_id: SimChat | int | str | None = None,
        *,
        status: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        count: int = 1,
    ) -> None:
        """Make the next `count` matching calls fail with the given Telegram error."""
        parameters: JsonDict = {}
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            elif migrate_to_chat_id is not None:
                description = "Bad Request: group chat was upgraded to a supergroup chat"
            else:
                description = _DEFAULT_FAULT_TEXT.get(status, f"Injected failure {status}")
        target = chat_id.id if isinstance(chat_id, SimChat) else chat_id
        error = ApiError(status, description, parameters or None)
        self._faults.append(_Fault(method, target, error, count))


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def _read_multipart(
    request: web.Request, raw: dict[str, Any], files: dict[str, bytes]
) -> None:
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            raise bad_request("nested multipart bodies are not supported")
        if part.filename is not None:
            files[part.name] = bytes(await part.read())
        else:
            raw[part.name] = await part.text()


async def _read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Collect parameters from the query string and a form, multipart or JSON body."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, bytes] = {}
    if not request.can_read_body:
        return raw, files
    if request.content_type == "multipart/form-data":
        await _read_multipart(request, raw, files)
    elif request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON request body must be an object")
        raw.update(body)
    else:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                raw[key] = value
            elif isinstance(value, web.FileField):
                files[key] = value.file.read()
            else:
                files[key] = bytes(value)
    return raw, files
