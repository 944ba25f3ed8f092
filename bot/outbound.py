"""All Telegram sends go through here: chart reuse by file_id, limits, retries."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.service import Chart, Reply
from bot.storage.market import MarketStore
from bot.texts import MESSAGE_LIMIT

logger = logging.getLogger(__name__)

T = TypeVar("T")
NETWORK_RETRIES = 2


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as Telegram's inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


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


async def with_network_retries(call: Callable[[], Awaitable[T]]) -> T:
    """Run a Telegram call, retrying a couple of times on network errors and time-outs."""
    for attempt in range(NETWORK_RETRIES + 1):
        try:
            return await call()
        except (TimedOut, NetworkError) as exc:
            if isinstance(exc, BadRequest) or attempt == NETWORK_RETRIES:
                raise
            logger.warning("Telegram call failed (%s); retrying", exc)
            await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


class Outbound:
    """Sends Replies; uploads each chart once and re-sends it by file_id afterwards."""

    def __init__(self, store: MarketStore, render_slots: asyncio.Semaphore) -> None:
        self.store = store
        self.render_slots = render_slots
        self._chart_locks: dict[str, asyncio.Lock] = {}

    async def _with_chart(
        self,
        bot: Bot,
        chat_id: int,
        chart: Chart,
        deliver: Callable[[str | bytes], Awaitable[Message | bool]],
    ) -> Message | bool:
        """Deliver with the chart's file_id when Telegram has it; otherwise upload it once.

        While one sender uploads, the others wait on a per-chart lock and then reuse the
        file_id it got, so a fan-out of a thousand digests uploads the picture one time.
        """
        file_id = await self.store.load_file_id(chart.name)
        if file_id:
            return await deliver(file_id)
        lock = self._chart_locks.setdefault(chart.name, asyncio.Lock())
        async with lock:
            file_id = await self.store.load_file_id(chart.name)
            if file_id:
                return await deliver(file_id)
            png = await self.store.load_chart(chart.name)
            if png is None:
                await bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
                async with self.render_slots:
                    png = await asyncio.to_thread(chart.render)
                await self.store.save_chart(chart.name, png)
            message = await deliver(png)
            if isinstance(message, Message) and message.photo:
                await self.store.save_file_id(chart.name, message.photo[-1].file_id)
                self._chart_locks.pop(chart.name, None)  # later senders take the file_id path
            return message

    async def send(
        self, bot: Bot, chat_id: int, reply: Reply, reply_to: int | None = None
    ) -> Message:
        """Send a reply (photo with caption, or text chunks) to a chat."""
        markup = keyboard(reply)
        parameters = (
            ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        )
        if reply.chart is not None:

            async def send_photo(photo: str | bytes) -> Message:
                return await with_network_retries(
                    functools.partial(
                        bot.send_photo,
                        chat_id,
                        photo,
                        caption=reply.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                        reply_parameters=parameters,
                    )
                )

            message = await self._with_chart(bot, chat_id, reply.chart, send_photo)
            assert isinstance(message, Message)
            return message
        chunks = split_message(reply.text)
        sent: Message | None = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            sent = await with_network_retries(
                functools.partial(
                    bot.send_message,
                    chat_id,
                    chunk,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    reply_parameters=parameters if index == 0 else None,
                    disable_web_page_preview=True,
                )
            )
        assert sent is not None  # split_message always yields a chunk
        return sent

    async def edit(self, message: Message, reply: Reply) -> None:
        """Replace a message's chart, caption and buttons in place (period buttons)."""
        markup = keyboard(reply)
        try:
            if reply.chart is not None and message.photo:

                async def edit_photo(photo: str | bytes) -> Message | bool:
                    media = InputMediaPhoto(photo, caption=reply.text, parse_mode=ParseMode.HTML)
                    return await with_network_retries(
                        functools.partial(message.edit_media, media, reply_markup=markup)
                    )

                await self._with_chart(message.get_bot(), message.chat_id, reply.chart, edit_photo)
            elif message.photo:
                await with_network_retries(
                    lambda: message.edit_caption(
                        reply.text, parse_mode=ParseMode.HTML, reply_markup=markup
                    )
                )
            else:
                await with_network_retries(
                    lambda: message.edit_text(
                        split_message(reply.text)[0],
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                        disable_web_page_preview=True,
                    )
                )
        except BadRequest as exc:
            # Pressing the button of the period already shown changes nothing: not an error.
            if "message is not modified" not in exc.message.lower():
                raise
