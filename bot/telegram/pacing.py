"""Telegram's flood limits kept by reserving each send a slot in sliding windows of send times.

Messages leave on evenly spaced absolute deadlines at the overall limit's rate, so a long
fan-out neither drifts behind the limit (as repeated fixed sleeps do) nor arrives in
bursts that queue up at the server. Each send is also checked against sliding windows of
the times earlier sends actually left (overall, and the group's for a group), so nothing
ever puts one message too many in a window; a group may still burst up to its limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.core.metrics import RATE_LIMITED

logger = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
GROUP_WINDOWS_KEPT = 4096
"""Group windows remembered; an idle group's window is dropped past this many groups."""


class SendWindow:
    """At most `limit` sends in any `seconds`: the times of the sends made, oldest first."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = max(1, limit)
        self.seconds = seconds
        self._sends: deque[float] = deque(maxlen=self.limit)

    def earliest(self, now: float) -> float:
        """The first moment at or after `now` when one more send fits."""
        if len(self._sends) < self.limit:
            return now
        return max(now, self._sends[0] + self.seconds)

    def record(self, moment: float) -> None:
        """A send leaves now (`moment`, at or after `earliest`)."""
        self._sends.append(moment)

    def idle(self, now: float) -> bool:
        """No send in the window any more."""
        return not self._sends or self._sends[-1] <= now - self.seconds


class PacedRateLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter interface over sliding windows of send times.

    A message sent, copied, forwarded or edited counts against the overall window; in a group
    or channel (negative id or @username) also against that chat's. `margin` widens each
    window a little so requests that leave on time but arrive a little unevenly still keep
    Telegram's windows. A 429 holds
    every send for its `retry_after` and is retried up to `max_retries` times.
    """

    def __init__(
        self,
        overall_per_second: float,
        group_per_period: float,
        group_period_seconds: float,
        max_retries: int,
        margin: float = 0.015,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._overall = SendWindow(int(overall_per_second), 1.0 + margin)
        self._interval = (1.0 + margin) / max(overall_per_second, 1.0)
        self._next_slot = 0.0
        self._group_limit = int(group_per_period)
        self._group_seconds = group_period_seconds + margin
        self._groups: dict[int | str, SendWindow] = {}
        self._max_retries = max_retries
        self._clock = clock
        self._paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def _group_window(self, group: int | str) -> SendWindow:
        window = self._groups.get(group)
        if window is None:
            if len(self._groups) >= GROUP_WINDOWS_KEPT:
                now = self._now()
                for key in [k for k, w in self._groups.items() if w.idle(now)]:
                    del self._groups[key]
            window = self._groups[group] = SendWindow(self._group_limit, self._group_seconds)
        return window

    async def _wait_for_slot(self, group: int | str | None) -> None:
        windows = [self._overall]
        if group is not None and self._group_limit > 0:
            windows.append(self._group_window(group))
        while True:
            # Evenly spaced slots on absolute deadlines: a burst leaves one message per
            # interval, never all at once, and a late wake-up does not push later slots back.
            now = self._now()
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + self._interval
            if slot > now:  # an idle bot sends at once, without a trip round the event loop
                await asyncio.sleep(slot - now)
            # The windows are checked on the times sends actually left, so neither a slow
            # event loop nor a group at its limit can put one message too many in a window.
            while True:
                now = self._now()
                moment = max(self._paused_until, *(w.earliest(now) for w in windows))
                if moment <= now:
                    for window in windows:
                        window.record(now)
                    return
                if moment - now > self._interval:
                    break  # a long wait (a full group, a 429): queue for a new slot after it
                await asyncio.sleep(moment - now)
            await asyncio.sleep(moment - self._now())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Send when the windows allow; after a 429, wait as told and try again."""
        chat_id = data.get("chat_id") if _is_message(endpoint) else None
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        is_group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        group = chat_id if is_group else None
        retries = rate_limit_args or self._max_retries
        for attempt in range(retries + 1):
            if chat_id is not None:
                await self._wait_for_slot(group)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                RATE_LIMITED.inc()
                if attempt == retries:
                    raise
                seconds = retry_after_seconds(error)
                logger.info("Telegram asked to wait %.1f s (%s); holding sends", seconds, endpoint)
                self._paused_until = max(self._paused_until, self._now() + seconds + 0.1)
        raise AssertionError("unreachable")


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait, in seconds (PTB gives an int or a timedelta)."""
    wait = error.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()


def _is_message(endpoint: str) -> bool:
    """Whether a call sends or changes a message (what Telegram's flood limits count)."""
    return (
        endpoint.startswith(("send", "copy", "forward", "edit")) and endpoint != "sendChatAction"
    )
