"""Bad input, one row each: one short accepted reply that says what was wrong, never a crash.

One bot serves the whole module (starting one takes about a second); every row talks to it
from a chat of its own, so rows cannot see each other's replies.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from bot.sandbox.localapi import RecordedCall, SimChat
from bot.sandbox.session import DemoSession
from tests.e2e import conftest as e2e

pytestmark = pytest.mark.asyncio(loop_scope="module")

SENDS = {"sendMessage", "sendPhoto", "editMessageMedia", "editMessageText", "editMessageCaption"}
APOLOGY = "Sorry"
LONG = 300
MAX_REPLY_CHARS = 400
_chat_ids = itertools.count(30_001)


@dataclass(frozen=True)
class BadInput:
    """One row: what the person sends and what the answer must contain."""

    text: str
    says: str | None  # a phrase of the reply; None when the bot must stay silent
    example: bool = True  # the reply shows a correct example ("e.g. /…")
    echoes: str | None = None  # part of the input the reply must show literally
    in_group: bool = False


ROWS = [
    # Unknown keys.
    BadInput("/index nope", "is not an index", echoes="nope"),
    BadInput("/basket nope", "is not a basket", echoes="nope"),
    BadInput("/chart nosuch ytd", "I don't know", example=False, echoes="nosuch"),
    BadInput("/compare star5 ndx", "Did you mean star50", example=False),
    BadInput("/compare star50 china_ai", "indices and symbols"),
    # Junk periods.
    BadInput("/rally 2W", "is not a period", echoes="2W"),
    BadInput("/rally ytdd", "is not a period", echoes="ytdd"),
    BadInput("/index star50 forever", "is not a period", echoes="forever"),
    BadInput("/basket china_ai forever", "is not a period", echoes="forever"),
    # HTML in arguments is shown as typed, never parsed.
    BadInput("/rally <b>x</b>", "is not a period", echoes="<b>x</b>"),
    BadInput("/chart <script>", "is not a symbol or key", echoes="<script>"),
    BadInput("/compare a&b ndx", "is not a symbol or key", echoes="a&b"),
    BadInput("/compare </i> ndx", "is not a symbol or key", echoes="</i>"),
    BadInput("/basket us_ai&", "is not a basket", echoes="us_ai&"),
    # Very long arguments are echoed clipped.
    BadInput("/chart " + "x" * LONG, "is not a symbol or key", echoes="x" * 30),
    BadInput("/rally " + "y" * LONG, "is not a period", echoes="y" * 30),
    BadInput("/index " + "科" * LONG, "is not an index", echoes="科" * 30),
    BadInput("/" + "z" * LONG, "I don't know", example=False),
    # Missing arguments.
    BadInput("/index", "Which index?"),
    BadInput("/chart", "What should I chart?"),
    BadInput("/compare", "needs two names"),
    BadInput("/compare star50", "needs two names"),
    # Too many, or the same twice.
    BadInput("/chart a b c d e f g", "At most 6"),
    BadInput("/chart star50 chinext csi300 hsi hstech ndx spx", "At most 6"),
    BadInput("/rally ytd mtd", "at most a period"),
    BadInput("/basket china_ai us_ai", "takes a basket and a period"),
    BadInput("/compare star50 ndx ytd 1y", "needs two names"),
    BadInput("/compare ndx ndx", "two different"),
    # Emoji and other scripts.
    BadInput("/index 科创50", "is not an index", echoes="科创50"),
    BadInput("/rally 🚀", "is not a period", echoes="🚀"),
    # Who is addressed.
    BadInput("/unknowncmd", "I don't know /unknowncmd", example=False),
    BadInput("/rally@rallybot 2W", "is not a period", echoes="2W", in_group=True),
    BadInput("/unknowncmd@rallybot", "I don't know /unknowncmd", example=False, in_group=True),
    BadInput("/rally@otherbot", None, in_group=True),
    BadInput("/index@otherbot nope", None, in_group=True),
    BadInput("/unknowncmd", None, in_group=True),
]


def row_id(row: object) -> str:
    """A readable test id: the input, shortened, and where it was sent."""
    assert isinstance(row, BadInput)
    text = row.text if len(row.text) <= 30 else f"{row.text[:20]}…({len(row.text)} chars)"
    return f"{text} [group]" if row.in_group else text


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def session(redis_server_url: str) -> AsyncIterator[DemoSession]:
    """One bot for every row of this module, under a key prefix of its own."""
    settings = e2e.make_settings(redis_server_url, f"test-{uuid.uuid4().hex[:12]}")
    async with DemoSession.open(
        settings,
        clock=lambda: e2e.FIXED_NOW,
        rate_limits=e2e.FAST_LIMITS,
        schedule_refresh=False,
    ) as running:
        yield running


def fresh_chat(session: DemoSession, in_group: bool) -> SimChat:
    """A chat no other row uses, with the module's user in it."""
    chat_id = next(_chat_ids)
    if in_group:
        return session.server.group_chat(-chat_id, f"Group {chat_id}")
    return session.server.private_chat(chat_id, f"User{chat_id}", language_code="en")


@pytest.mark.parametrize("row", ROWS, ids=row_id)
async def test_bad_input_gets_one_accepted_helpful_reply(
    session: DemoSession, caplog: pytest.LogCaptureFixture, row: BadInput
) -> None:
    server = session.server
    chat = fresh_chat(session, row.in_group)
    user = server.user(chat.id if chat.id > 0 else -chat.id, "Tester", language_code="en")
    start = len(server.calls)

    await session.until_handled(server.send_text(chat, user, row.text), start)

    calls: list[RecordedCall] = [c for c in server.calls[start:] if c.method != "getUpdates"]
    errors = [
        r.getMessage() for r in caplog.records if r.name == "bot.telegram.app" and r.levelno >= 40
    ]
    assert errors == []
    assert [(c.method, c.description) for c in calls if not c.ok] == []
    replies = [c for c in calls if c.method in SENDS and c.params.get("chat_id") == chat.id]
    if row.says is None:
        assert replies == []
        return
    assert [c.method for c in replies] == ["sendMessage"]
    message = replies[0].result
    text = message["text"]
    assert row.says in text
    assert APOLOGY not in text
    assert len(text) <= MAX_REPLY_CHARS
    if row.in_group:
        assert message["reply_to_message"]["text"] == row.text
    else:
        assert "reply_to_message" not in message  # a private chat's answers quote nothing
    if row.echoes is not None:
        assert row.echoes in text
    if row.example:
        command = row.text.split()[0].split("@")[0]
        assert f"e.g. {command}" in text
