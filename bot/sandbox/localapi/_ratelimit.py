"""Sliding-window flood limits like Telegram's: per second overall, per minute per group."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    """Flood-control thresholds; the defaults are Telegram's documented broadcast limits."""

    global_limit: int = 30
    global_window: float = 1.0
    group_limit: int = 20
    group_window: float = 60.0


class _Window:
    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.stamps: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        while self.stamps and self.stamps[0] <= now - self.window:
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return 0.0
        return self.stamps[0] + self.window - now


class FloodControl:
    """Decide whether a send is allowed; answers the retry_after Telegram would send."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self._global = _Window(limits.global_limit, limits.global_window)
        self._groups: dict[int, _Window] = {}

    def check(self, chat_id: int | None) -> int | None:
        """Record a send to `chat_id` and return None, or return retry_after seconds if over."""
        now = self.clock()
        windows = [self._global]
        if chat_id is not None and chat_id < 0:
            group = self._groups.get(chat_id)
            if group is None:
                group = self._groups[chat_id] = _Window(
                    self.limits.group_limit, self.limits.group_window
                )
            windows.append(group)
        wait = max(window.wait_needed(now) for window in windows)
        if wait > 0:
            # Telegram only ever answers whole seconds, rounded up so a retry then succeeds.
            return max(1, math.ceil(wait))
        for window in windows:
            window.stamps.append(now)
        return None
