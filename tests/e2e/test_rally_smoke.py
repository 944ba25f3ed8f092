"""Smoke: /rally in a private chat answers with a photo and caption."""

from __future__ import annotations

from bot.sandbox.session import DemoSession


async def test_rally_answers_with_photo(session: DemoSession) -> None:
    replies = await session.ask("/rally ytd")
    assert len(replies) == 1
    assert replies[0].photo is not None
    assert "China tech rally · YTD" in replies[0].text
