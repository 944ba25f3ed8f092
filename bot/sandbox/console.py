"""The sandbox at a terminal: `rallybot demo` (a chat with the bot) and `rallybot ask`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.core.config import Settings
from bot.sandbox.session import BotReply, DemoSession, save_photos


def _print_replies(replies: list[BotReply], out: Path, stem: str) -> None:
    paths = save_photos(replies, out, stem)
    for reply in replies:
        print(reply.text)
        if reply.buttons:
            print("buttons: " + " · ".join(f"[{label}]" for label, _ in reply.buttons))
    for path in paths:
        print(f"chart: {path.resolve()}")


def print_inline(results: list[dict[str, Any]]) -> None:
    """Each inline result's kind, title and description, then the text the user would send."""
    for result in results:
        kind = "chart" if result["type"] == "photo" else "text"
        print(f"[{kind}] {result.get('title', '')} · {result.get('description', '')}")
    text = next((r for r in results if r["type"] == "article"), None)
    if text is not None:
        print(text["input_message_content"]["message_text"])


async def ask(settings: Settings, text: str, out: Path) -> int:
    """Answer one message offline and print the replies; charts go under `out`."""
    async with DemoSession.open(settings, schedule_refresh=False) as session:
        replies = await session.ask(text)
    _print_replies(replies, out, "reply")
    return 0


async def demo(settings: Settings, out: Path) -> int:
    """Chat with the bot offline until Ctrl-D or /quit."""
    print(
        "Starting the offline demo: embedded Valkey, demo market data, a local Telegram server..."
    )
    async with DemoSession.open(settings) as session:
        print(
            "Ready. You are chatting with rallybot in a private chat. Type a command such as\n"
            "  /rally ytd   /basket   /chart star50 hstech ndx ytd   /help\n"
            "Press a button of the last answer with !LABEL (e.g. !YTD); ask inline with\n"
            "@ QUERY (e.g. @ star50 ytd). Ctrl-D or /quit ends.\n"
            f"Charts are written to {out}/"
        )
        last: list[BotReply] = []
        turn = 0
        while True:
            try:
                line = (await asyncio.to_thread(input, "you> ")).strip()
            except (EOFError, KeyboardInterrupt):
                break
            if line in {"/quit", "/exit"}:
                break
            if not line:
                continue
            turn += 1
            try:
                if line.startswith("@"):
                    query = line.removeprefix("@rallybot").removeprefix("@").strip()
                    print_inline(await session.inline(query))
                    continue
                if line.startswith("!"):
                    replies = await _press(session, last, line[1:])
                else:
                    replies = await session.ask(line)
            except (TimeoutError, ValueError) as exc:
                print(f"(no answer: {exc})")
                continue
            _print_replies(replies, out, f"turn{turn}")
            last = replies or last
    return 0


async def _press(session: DemoSession, last: list[BotReply], label: str) -> list[BotReply]:
    for reply in reversed(last):
        for text, data in reply.buttons:
            if label.strip().lower() in text.lower() and reply.message_id is not None:
                return await session.press(reply.message_id, data)
    raise ValueError(f"no button labelled {label!r} on the last answer")
