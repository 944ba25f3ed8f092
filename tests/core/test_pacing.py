"""The send pacer: sliding windows of reserved send times, absolute deadlines, 429 pauses."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.telegram.pacing import PacedRateLimiter, SendWindow


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The largest number of sends inside any half-open window of `seconds` (a send exactly
    one window earlier has left it, give or take float rounding)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - seconds + 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


def send_all(window: SendWindow, count: int, now: float = 0.0) -> list[float]:
    """Send `count` times, each as early as the window allows; the moments they left."""
    sent = []
    for _ in range(count):
        now = window.earliest(now)
        window.record(now)
        sent.append(now)
    return sent


def test_a_burst_gets_the_limit_at_once_then_one_slot_per_expired_send() -> None:
    slots = send_all(SendWindow(30, 1.0), 95)
    assert slots[:30] == [0.0] * 30
    assert slots[30:60] == [1.0] * 30
    assert slots[90:] == [3.0] * 5
    assert most_in_any_window(slots, 1.0) == 30


def test_a_long_fan_out_runs_at_the_full_rate_without_drift() -> None:
    window = SendWindow(30, 1.015)
    slots = send_all(window, 3000)
    rate = len(slots) / (slots[-1] + 1.015)
    assert most_in_any_window(slots, 1.015) == 30
    assert rate == pytest.approx(30 / 1.015, rel=0.01)  # 98.5% of 30/s, by construction


def test_a_window_opens_when_its_oldest_send_leaves_it() -> None:
    window = SendWindow(2, 60.0)
    assert send_all(window, 3, now=10.0) == [10.0, 10.0, 70.0]
    assert window.earliest(200.0) == 200.0
    assert window.idle(200.0)


async def test_group_sends_wait_for_the_group_and_other_chats_do_not() -> None:
    limiter = PacedRateLimiter(1000, 2, 0.3, max_retries=0, margin=0.0)
    loop = asyncio.get_running_loop()
    sent: list[tuple[Any, float]] = []

    async def send(chat_id: Any) -> bool:
        sent.append((chat_id, loop.time()))
        return True

    start = loop.time()
    await asyncio.gather(
        *(
            limiter.process_request(send, (-5,), {}, "sendMessage", {"chat_id": -5}, None)
            for _ in range(3)
        ),
        limiter.process_request(send, (7,), {}, "sendMessage", {"chat_id": 7}, None),
    )
    group = sorted(t - start for chat, t in sent if chat == -5)
    private = [t - start for chat, t in sent if chat == 7]
    assert group[2] >= 0.3 > group[1]
    assert private[0] < 0.1


async def test_a_429_holds_sends_and_is_retried() -> None:
    limiter = PacedRateLimiter(1000, 1000, 1, max_retries=2, margin=0.0)
    loop = asyncio.get_running_loop()
    attempts: list[float] = []

    async def flaky() -> bool:
        attempts.append(loop.time())
        if len(attempts) == 1:
            raise RetryAfter(dt.timedelta(seconds=0.2))  # type: ignore[arg-type]
        return True

    assert await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 0.3  # retry_after + 0.1


async def test_a_late_send_pushes_the_next_ones_back_instead_of_overfilling() -> None:
    window = SendWindow(2, 1.0)
    window.record(0.0)
    window.record(0.4)  # planned for 0.0, the loop was busy
    assert window.earliest(0.5) == 1.0
    window.record(1.0)
    assert window.earliest(1.0) == 1.4


async def test_only_messages_are_paced() -> None:
    limiter = PacedRateLimiter(1, 1, 60, max_retries=0)

    async def answer() -> bool:
        return True

    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                limiter.process_request(answer, (), {}, "answerCallbackQuery", {}, None)
                for _ in range(5)
            )
        ),
        timeout=1,
    )
    assert results == [True] * 5
