"""Inline mode: inline queries handed to the bot and answerInlineQuery checked as Telegram does."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.sandbox.localapi._errors import bad_request
from bot.sandbox.localapi._html import parse_formatted
from bot.sandbox.localapi._methods import MAX_CAPTION, MAX_TEXT, validate_inline_keyboard
from bot.sandbox.localapi._spec import ApiSpec, TypeSpec, check_fields
from bot.sandbox.localapi._world import JsonDict, World, copy_json

ANSWER_WITHIN_SECONDS = 10.0
"""Telegram drops an inline query the bot has not answered within about ten seconds."""
MAX_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
MAX_NEXT_OFFSET_BYTES = 64
MAX_QUERY_CHARS = 256
CHAT_TYPES = ("sender", "private", "group", "supergroup", "channel")
TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
# The result shapes this server checks in depth; others fail loudly rather than pass unseen.
_MODELLED_RESULTS = ("InlineQueryResultArticle", "InlineQueryResultCachedPhoto")


@dataclass
class InlineQueryRecord:
    """An inline query handed to the bot, and its answer once it came."""

    query_id: str
    user_id: int
    query: str
    received_at: float
    answer: JsonDict | None = None


class InlineQueries:
    """The inline queries the server handed out, and answerInlineQuery over them."""

    def __init__(
        self, world: World, spec: ApiSpec, clock: Callable[[], float], *, strict_html: bool
    ) -> None:
        self.world = world
        self.spec = spec
        self.clock = clock
        self.strict_html = strict_html
        self.records: dict[str, InlineQueryRecord] = {}

    def new_query(
        self, user: JsonDict, query: str, offset: str, chat_type: str | None
    ) -> JsonDict:
        """Record a new inline query from `user` and return the InlineQuery object."""
        if len(query) > MAX_QUERY_CHARS:
            raise ValueError(f"Telegram clients send at most {MAX_QUERY_CHARS} characters")
        if chat_type is not None and chat_type not in CHAT_TYPES:
            raise ValueError(f"chat_type must be one of {CHAT_TYPES}")
        query_id = str(secrets.randbits(63))
        self.records[query_id] = InlineQueryRecord(query_id, user["id"], query, self.clock())
        inline_query: JsonDict = {"id": query_id, "from": user, "query": query, "offset": offset}
        if chat_type is not None:
            inline_query["chat_type"] = chat_type
        return inline_query

    async def answer(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        """answerInlineQuery: once per query, within the time limit, every result checked."""
        record = self.records.get(str(params["inline_query_id"]))
        if (
            record is None
            or record.answer is not None
            or self.clock() - record.received_at > ANSWER_WITHIN_SECONDS
        ):
            raise bad_request(TOO_OLD)
        results = params["results"]
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_result(result, seen)
        cache_time = params.get("cache_time", 300)
        if not isinstance(cache_time, int) or cache_time < 0:
            raise bad_request('field "cache_time" must be a non-negative Integer')
        next_offset = str(params.get("next_offset", ""))
        if len(next_offset.encode()) > MAX_NEXT_OFFSET_BYTES:
            raise bad_request("NEXT_OFFSET_INVALID")
        record.answer = {
            "results": copy_json(results),
            "cache_time": cache_time,
            "is_personal": bool(params.get("is_personal", False)),
            "next_offset": next_offset,
        }
        return True

    def _check_result(self, result: Any, seen: set[str]) -> None:
        if not isinstance(result, dict):
            raise bad_request("can't parse inline query result JSON object")
        shape = self._shape_of(result)
        if shape.name not in _MODELLED_RESULTS:
            raise bad_request(
                f"{shape.name} is not implemented by the local Bot API server "
                "(bot/sandbox/localapi/_inline.py)"
            )
        check_fields(shape, result)
        result_id = result["id"]
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if shape.name == "InlineQueryResultCachedPhoto":
            # Only a photo Telegram already holds can be offered by file_id.
            if str(result["photo_file_id"]) not in self.world.photos:
                raise bad_request("wrong file identifier/HTTP URL specified")
            self._check_text(result, "caption", "caption_entities", MAX_CAPTION)
        if "reply_markup" in result:
            validate_inline_keyboard(
                result["reply_markup"], self.spec.types["InlineKeyboardButton"]
            )
        if "input_message_content" in result:
            self._check_message_content(result["input_message_content"])

    def _shape_of(self, result: JsonDict) -> TypeSpec:
        """The result type a JSON object is: its `type`, then the fields it carries."""
        candidates = self.spec.result_types(str(result.get("type")))
        if not candidates:
            raise bad_request(f"RESULT_TYPE_INVALID: unknown result type {result.get('type')!r}")
        missing = {
            candidate.name: [
                f.name for f in candidate.fields.values() if f.required and f.name not in result
            ]
            for candidate in candidates
        }
        closest = min(candidates, key=lambda candidate: len(missing[candidate.name]))
        if missing[closest.name]:
            field = missing[closest.name][0]
            raise bad_request(f'can\'t parse {closest.name}: field "{field}" is required')
        return closest

    def _check_message_content(self, content: Any) -> None:
        shape = self.spec.types["InputTextMessageContent"]
        if not isinstance(content, dict) or "message_text" not in content:
            raise bad_request(
                "only InputTextMessageContent is implemented by the local Bot API server"
            )
        check_fields(shape, content)
        text = self._check_text(content, "message_text", "entities", MAX_TEXT)
        if not text.strip():
            raise bad_request("message text is empty")

    def _check_text(self, holder: JsonDict, key: str, entities_key: str, limit: int) -> str:
        text, _ = parse_formatted(
            str(holder.get(key, "")),
            holder.get("parse_mode"),
            holder.get(entities_key),
            strict=self.strict_html,
        )
        if len(text) > limit:
            raise bad_request(
                "message caption is too long" if key == "caption" else "MESSAGE_TOO_LONG"
            )
        return text
