"""The chat state records every layer shares: plain dataclasses, no storage, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChatSettings:
    """A chat's timezone, language and who may change things."""

    tz: str = "Asia/Hong_Kong"
    lang: str | None = None
    who: str = "admins"


@dataclass
class Subscription:
    """A chat's daily digest: local time, timezone, every day or trading days only."""

    time: str = "16:30"
    tz: str = "Asia/Hong_Kong"
    every_day: bool = False
    last_sent_at: str | None = None
    """ISO time the last digest went out; decides whether markets traded since."""
    last_slot: float | None = None
    """The due time (epoch seconds) of the last digest delivered, so a retry never repeats it."""
    thread_id: int | None = None
    """The forum topic the digest goes to (None: the chat itself, or a forum's General)."""


@dataclass
class AlertRecord:
    """One alert as people see it: its condition (JSON form) and its evaluation state."""

    id: int
    chat_id: int
    condition: dict[str, Any]
    created_at: str
    armed: bool = True
    last_fired_at: str | None = None
    fired_count: int = 0
    thread_id: int | None = None
    """The forum topic it was set in, where it fires (None: the chat itself)."""
    expires_at: str | None = None
    """ISO time (UTC) it stops: the end of its `until` day in the chat's time zone."""


@dataclass(frozen=True)
class AlertFiring:
    """One firing as the chat's history keeps it: which alert, its value then, and when."""

    alert_id: int
    condition: dict[str, Any]
    value: float
    fired_at: str
    """ISO time (UTC)."""
