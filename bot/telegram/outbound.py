"""All Telegram sends go through here: chart reuse by file_id, limits, retries."""

from __future__ import annotations

import asyncio
import enum
import functools
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TypeVar

import httpx
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResult,
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InputMediaPhoto,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.answers.inline import InlineAnswer
from bot.answers.reply import Button, Chart, Reply, share_button
from bot.core.metrics import SENDS
from bot.storage.chats import ChatStore
from bot.storage.market import MarketStore
from bot.telegram.memory import collect_chart_garbage, keep_for_good
from bot.telegram.pacing import retry_after_seconds
from bot.text.i18n import t
from bot.text.market import MESSAGE_LIMIT
from charts.model import ChartSpec

logger = logging.getLogger(__name__)

T = TypeVar("T")
FILE_ID_CACHE_LIMIT = 1024
KEYBOARDS_KEPT = 256
"""Serialized keyboards kept: one per period and language of each answer kind is plenty."""
SEND_TRIES = 3
"""The first try and two more, only while Telegram certainly did not get the request."""


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as Telegram's inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, switch_inline_query=b.switch_inline_query)
                if b.switch_inline_query is not None
                else InlineKeyboardButton(b.text, callback_data=b.data)
                for b in row
            ]
            for row in reply.buttons
        ]
    )


def inline_results(
    answer: InlineAnswer, photo_file_id: str | None, lang: str
) -> list[InlineQueryResult]:
    """The answer as inline results: its chart by file_id (when there is one), then as text."""
    markup = (
        keyboard(Reply("", buttons=(share_button(answer.share_query, lang),)))
        if answer.share_query
        else None
    )
    # Ids need only be unique within one answer (which holds each language's results); a
    # hash keeps any query within 64 bytes.
    digest = hashlib.sha256((answer.share_query or answer.title).encode()).hexdigest()[:40]
    key = f"{lang}-{digest}"
    results: list[InlineQueryResult] = []
    if photo_file_id is not None:
        results.append(
            InlineQueryResultCachedPhoto(
                f"chart-{key}",
                photo_file_id,
                title=answer.title,
                description=t(lang, "inline.as_chart"),
                caption=answer.reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        )
    results.append(
        InlineQueryResultArticle(
            f"text-{key}",
            answer.title,
            InputTextMessageContent(
                split_message(answer.reply.text)[0],
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
            description=answer.description or t(lang, "inline.as_text"),
            reply_markup=markup,
        )
    )
    return results


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML text at line breaks into chunks Telegram accepts (tags never span lines)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            chunks.append(current)
            candidate = line
        while len(candidate) > limit:
            chunks.append(candidate[:limit])
            candidate = candidate[limit:]
        current = candidate
    if current:
        chunks.append(current)
    return chunks or [text]


def topic_deleted(error: BadRequest) -> bool:
    """Whether Telegram refused a send because its forum topic no longer exists."""
    return "message thread not found" in error.message.lower()


def certainly_not_received(error: TelegramError) -> bool:
    """Whether Telegram certainly did not act on the request, so sending again is safe.

    Not connected, no free connection in the pool, or a 5xx answer from Telegram's edge.
    A read timeout or a broken connection after the request went out may have delivered
    the message: never repeat those. A 429 is the rate limiter's to wait out and retry.
    """
    if isinstance(error, BadRequest | RetryAfter | Forbidden | ChatMigrated):
        return False
    cause = error.__cause__
    if isinstance(error, TimedOut):
        return "pool timeout" in error.message.lower() or isinstance(cause, httpx.ConnectTimeout)
    if isinstance(error, NetworkError):
        # PTB raises a bare NetworkError, without a cause, for Telegram's 5xx answers.
        return cause is None or isinstance(cause, httpx.ConnectError)
    return False


async def call_safely(call: Callable[[], Awaitable[T]]) -> T:
    """Run one Telegram call, repeating it only while Telegram certainly did not get it."""
    for attempt in range(SEND_TRIES):
        try:
            return await call()
        except TelegramError as error:
            if attempt == SEND_TRIES - 1 or not certainly_not_received(error):
                raise
            logger.warning("Telegram did not get the call (%s); sending it again", error)
            await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


@functools.cache
def _renderer() -> Callable[[ChartSpec], bytes]:
    """The chart renderer, loaded with the first chart this process draws: a replica that
    only resends charts already drawn (cached in Redis, or by file_id) never holds matplotlib
    (~29 MB)."""
    from charts.drawing import render  # noqa: PLC0415

    keep_for_good()  # matplotlib lives as long as the process, like what loaded at start
    return render


def _render_and_release(spec: ChartSpec) -> bytes:
    png = _renderer()(spec)
    collect_chart_garbage()
    return png


class Delivery(enum.Enum):
    """How a send ended."""

    SENT = "sent"
    MAYBE = "maybe"
    """Timed out after the request went out: it may well have arrived; never resent."""
    FAILED = "failed"
    GONE = "gone"
    """The bot was blocked or removed: the chat's subscriptions and alerts are dropped."""
    TOPIC_GONE = "topic_gone"
    """The forum topic was deleted: its subscription and alerts are dropped, the chat's
    other topics keep theirs."""


@dataclass(frozen=True)
class Delivered:
    """The outcome of one delivery and the chat it went to (after a migration)."""

    status: Delivery
    chat_id: int
    retry_after: float | None = None
    """Seconds Telegram asked to wait when it refused for flood control (429)."""
    retryable: bool = False
    """Failed, and certainly not received (429, Telegram unreachable): worth sending again."""

    @property
    def may_have_arrived(self) -> bool:
        """Sent, or possibly sent: either way it must not be sent again."""
        return self.status in {Delivery.SENT, Delivery.MAYBE}


class Outbound:
    """Every send: one retry policy, 403 and migrations, each chart uploaded once."""

    def __init__(
        self,
        store: MarketStore,
        chats: ChatStore,
        render_pool: Executor,
        inline_upload_chat_id: int | None = None,
    ) -> None:
        self.store = store
        self.chats = chats
        self.render_pool = render_pool
        """The threads charts are drawn on: few and always the same ones, since matplotlib
        keeps fonts and caches per thread (about 15 MB each)."""
        self.inline_upload_chat_id = inline_upload_chat_id
        """Where a chart no chat has seen yet is uploaded once, for its file_id, for inline."""
        self._uploads: dict[str, asyncio.Future[str | None]] = {}
        # A chart name holds its snapshot version, so its file_id never changes: keep it.
        self._file_ids: dict[str, str] = {}
        self._keyboards: dict[tuple[tuple[Button, ...], ...], dict[str, str]] = {}

    def _markup(self, reply: Reply) -> dict[str, str] | None:
        """The reply's buttons as the request's `reply_markup` field (PTB's `api_kwargs`),
        serialized once per set of buttons: building twelve PTB button objects and
        serializing them again took ~0.19 ms of every warm /rally. The JSON is what PTB
        itself would send."""
        fields = self._keyboards.get(reply.buttons)
        if fields is None:
            markup = keyboard(reply)
            if markup is None:
                return None
            if len(self._keyboards) >= KEYBOARDS_KEPT:
                self._keyboards.pop(next(iter(self._keyboards)))
            fields = self._keyboards[reply.buttons] = {
                "reply_markup": json.dumps(markup.to_dict())
            }
        return fields

    async def deliver(
        self,
        bot: Bot,
        chat_id: int,
        reply: Reply,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> Delivered:
        """Send a reply and handle what Telegram says: the one way anything is sent.

        `thread_id` is the forum topic it goes to. 403 forgets the chat; a deleted topic
        ("message thread not found") forgets that topic's subscription and alerts; a migrated
        group has its state moved and the reply sent once more, to the new id; a send that
        may have arrived is never sent again.
        """
        delivered = await self._deliver(bot, chat_id, reply, reply_to, thread_id)
        SENDS.labels(delivered.status.value).inc()
        return delivered

    async def _deliver(
        self, bot: Bot, chat_id: int, reply: Reply, reply_to: int | None, thread_id: int | None
    ) -> Delivered:
        target = chat_id
        for _hop in range(2):
            try:
                await self.send(bot, target, reply, reply_to, thread_id)
                return Delivered(Delivery.SENT, target)
            except ChatMigrated as error:
                logger.info("Chat %s moved to %s; moving its state", target, error.new_chat_id)
                await self.chats.migrate_chat(target, error.new_chat_id)
                # A basic group has no topics: the new supergroup gets it in its main chat.
                target, reply_to, thread_id = error.new_chat_id, None, None
            except Forbidden as error:
                logger.warning(
                    "Chat %s blocked or removed the bot (%s); forgetting it", target, error
                )
                await self.chats.forget_chat(target)
                return Delivered(Delivery.GONE, target)
            except BadRequest as error:
                if thread_id is not None and topic_deleted(error):
                    alerts, digest = await self.chats.forget_topic(target, thread_id)
                    logger.warning(
                        "Topic %s of chat %s is gone; dropped its %d alerts%s",
                        thread_id,
                        target,
                        alerts,
                        " and the digest" if digest else "",
                    )
                    return Delivered(Delivery.TOPIC_GONE, target)
                logger.error("Telegram rejected a message to %s: %s", target, error)
                return Delivered(Delivery.FAILED, target)
            except RetryAfter as error:
                # Still 429 after the limiter's own waits: refused, so certainly not sent.
                logger.warning("Telegram kept refusing a send to %s: %s", target, error)
                return Delivered(Delivery.FAILED, target, retry_after_seconds(error), True)
            except TelegramError as error:
                if certainly_not_received(error):
                    logger.warning("Send to %s failed: %s", target, error)
                    return Delivered(Delivery.FAILED, target, retryable=True)
                logger.warning(
                    "Send to %s may have arrived (%s); not sending again", target, error
                )
                return Delivered(Delivery.MAYBE, target)
        return Delivered(Delivery.FAILED, target)

    async def _with_chart(
        self,
        bot: Bot,
        chat_id: int,
        chart: Chart,
        deliver: Callable[[str | bytes], Awaitable[Message | bool]],
        thread_id: int | None = None,
    ) -> Message | bool:
        """Deliver with the chart's file_id when Telegram has it; otherwise upload it once.

        While one sender uploads, the others wait for the file_id it gets, so a fan-out of a
        thousand digests uploads the picture one time; if it gets none (a slow answer), they
        upload their own at once instead of queueing one behind another.
        """
        file_id = await self.known_file_id(chart)
        if file_id:
            return await deliver(file_id)
        upload = self._uploads.get(chart.name)
        if upload is not None:
            # Another sender is uploading this chart: reuse its file_id when it gets one.
            file_id = await asyncio.shield(upload)
            if file_id:
                return await deliver(file_id)
            # Its upload got no file_id back: upload our own rather than queue behind it.
            message = await deliver(await self._png(bot, chat_id, chart, thread_id))
            await self._remember_file_id(chart, message)
            return message
        upload = asyncio.get_running_loop().create_future()
        self._uploads[chart.name] = upload
        file_id = None
        try:
            message = await deliver(await self._png(bot, chat_id, chart, thread_id))
            file_id = await self._remember_file_id(chart, message)
            return message
        finally:
            upload.set_result(file_id)
            self._uploads.pop(chart.name, None)

    async def _remember_file_id(self, chart: Chart, message: Message | bool) -> str | None:
        if not (isinstance(message, Message) and message.photo):
            return None
        file_id = message.photo[-1].file_id
        await self.store.save_file_id(chart.name, file_id)
        self._keep_file_id(chart.name, file_id)
        return file_id

    def _keep_file_id(self, name: str, file_id: str) -> None:
        if name not in self._file_ids and len(self._file_ids) >= FILE_ID_CACHE_LIMIT:
            self._file_ids.pop(next(iter(self._file_ids)))
        self._file_ids[name] = file_id

    async def prepare(self, chart: Chart) -> bool:
        """Draw a chart ahead of its first send, so a fan-out starts without waiting for
        it; False when it was drawn or uploaded already."""
        if await self.known_file_id(chart) or await self.store.has_chart(chart.name):
            return False
        await self._draw_and_keep(chart)
        return True

    async def _draw_and_keep(self, chart: Chart) -> bytes:
        """Draw a chart on the render threads and keep its PNG for every process."""
        loop = asyncio.get_running_loop()
        png = await loop.run_in_executor(self.render_pool, _render_and_release, chart.spec)
        await self.store.save_chart(chart.name, png)
        return png

    async def _png(
        self, bot: Bot, chat_id: int, chart: Chart, thread_id: int | None = None
    ) -> bytes:
        png = await self.store.load_chart(chart.name)
        if png is None:
            await bot.send_chat_action(
                chat_id, ChatAction.UPLOAD_PHOTO, message_thread_id=thread_id
            )
            png = await self._draw_and_keep(chart)
        return png

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        reply: Reply,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> Message:
        """Send a reply (photo with caption, or text chunks) to a chat, in the forum topic
        `thread_id` if given (every chunk: only the first is a reply that would carry it)."""
        markup = self._markup(reply)
        parameters = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        )
        if reply.chart is not None:

            async def send_photo(photo: str | bytes) -> Message:
                return await call_safely(
                    functools.partial(
                        bot.send_photo,
                        chat_id,
                        photo,
                        caption=reply.text,
                        parse_mode=ParseMode.HTML,
                        reply_parameters=parameters,
                        message_thread_id=thread_id,
                        api_kwargs=markup,
                    )
                )

            message = await self._with_chart(bot, chat_id, reply.chart, send_photo, thread_id)
            assert isinstance(message, Message)
            return message
        chunks = split_message(reply.text)
        sent: Message | None = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            sent = await call_safely(
                functools.partial(
                    bot.send_message,
                    chat_id,
                    chunk,
                    parse_mode=ParseMode.HTML,
                    reply_parameters=parameters if index == 0 else None,
                    message_thread_id=thread_id,
                    disable_web_page_preview=True,
                    api_kwargs=markup if last else None,
                )
            )
        assert sent is not None  # split_message always yields a chunk
        return sent

    async def edit(self, message: Message, reply: Reply) -> None:
        """Replace a message's chart, caption and buttons in place (period buttons)."""
        markup = self._markup(reply)
        try:
            if reply.chart is not None and message.photo:

                async def edit_photo(photo: str | bytes) -> Message | bool:
                    media = InputMediaPhoto(photo, caption=reply.text, parse_mode=ParseMode.HTML)
                    return await call_safely(
                        functools.partial(message.edit_media, media, api_kwargs=markup)
                    )

                topic = message.message_thread_id if message.is_topic_message else None
                await self._with_chart(
                    message.get_bot(), message.chat_id, reply.chart, edit_photo, topic
                )
            elif message.photo:
                await call_safely(
                    lambda: message.edit_caption(
                        reply.text, parse_mode=ParseMode.HTML, api_kwargs=markup
                    )
                )
            else:
                await call_safely(
                    lambda: message.edit_text(
                        split_message(reply.text)[0],
                        parse_mode=ParseMode.HTML,
                        disable_web_page_preview=True,
                        api_kwargs=markup,
                    )
                )
        except BadRequest as exc:
            # Pressing the button of the period already shown changes nothing: not an error.
            if "message is not modified" not in exc.message.lower():
                raise

    async def known_file_id(self, chart: Chart) -> str | None:
        """Telegram's file_id for the chart from an earlier send; None before any."""
        file_id = self._file_ids.get(chart.name) or await self.store.load_file_id(chart.name)
        if file_id:
            self._keep_file_id(chart.name, file_id)
        return file_id

    async def chart_file_id(self, bot: Bot, chart: Chart) -> str | None:
        """A file_id for the chart: Telegram's from any earlier send, else from uploading it
        once to the inline upload chat; None when there is neither (the answer goes as text)."""
        file_id = await self.known_file_id(chart)
        if file_id:
            return file_id
        in_flight = self._uploads.get(chart.name)
        if in_flight is not None:
            # A chat (or another inline query) is being sent this chart now: its file_id will do.
            return await asyncio.shield(in_flight)
        if self.inline_upload_chat_id is None:
            return None
        return await self._upload_for_inline(bot, chart, self.inline_upload_chat_id)

    async def _upload_for_inline(self, bot: Bot, chart: Chart, chat_id: int) -> str | None:
        # Registered before the first await, so queries arriving together share one upload.
        upload = asyncio.get_running_loop().create_future()
        self._uploads[chart.name] = upload
        file_id = None
        try:
            png = await self._png(bot, chat_id, chart)
            message = await call_safely(functools.partial(bot.send_photo, chat_id, png))
            file_id = await self._remember_file_id(chart, message)
        except TelegramError as error:
            logger.warning("Could not upload %s to the inline upload chat: %s", chart.name, error)
        finally:
            upload.set_result(file_id)
            self._uploads.pop(chart.name, None)
        return file_id

    async def answer_inline(
        self, bot: Bot, query_id: str, answers: Sequence[tuple[InlineAnswer, str]]
    ) -> bool:
        """Answer an inline query with each (answer, language): chart by file_id, and text.

        Telegram serves a non-personal answer to everyone who types the same query, whatever
        their language, so it holds every language, the asker's first; only the asker's
        chart may be uploaded for a file_id, the others go as charts once some chat has seen
        them. Not a chat send: no chat to forget or migrate and nothing the flood limits
        count, so it shares only the retry rule; an answer Telegram refuses (the user typed
        on and the query expired) is logged and dropped, as the user already sees a newer
        query's answer.
        """
        results: list[InlineQueryResult] = []
        for index, (answer, lang) in enumerate(answers):
            chart = answer.reply.chart
            file_id = None
            if chart is not None:
                file_id = await (
                    self.chart_file_id(bot, chart) if index == 0 else self.known_file_id(chart)
                )
            results.extend(inline_results(answer, file_id, lang))
        try:
            await call_safely(
                functools.partial(
                    bot.answer_inline_query,
                    query_id,
                    results,
                    cache_time=min(answer.cache_seconds for answer, _ in answers),
                    is_personal=False,
                )
            )
        except TelegramError as error:
            logger.info("Inline query %s was not answered: %s", query_id, error)
            return False
        return True
