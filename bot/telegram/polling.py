"""Polling with any number of processes: only the holder of the poller lease polls.

Telegram lets one getUpdates consumer per token; a second gets 409 Conflict. Every
process runs this loop: the one holding the lease polls and renews it every third of its
length; the others try to take it as often. When the poller dies its lease expires, and
another process polls within about one lease length; a process that cannot renew (Redis
unreachable, the process paused) stops polling before anyone else can start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid

from redis.exceptions import RedisError
from telegram import Update
from telegram.ext import Updater

from bot.core.metrics import POLLING
from bot.storage.leases import Lease

logger = logging.getLogger(__name__)


def process_name() -> str:
    """Who this process is, for leases: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class PollingLeader:
    """Polls Telegram while this process holds the poller lease."""

    def __init__(self, lease: Lease, updater: Updater, lease_seconds: float) -> None:
        self.lease = lease
        self.updater = updater
        self.owner = process_name()
        self.lease_seconds = lease_seconds
        self.renew_every = lease_seconds / 3
        self._renewed_at = -float("inf")

    @property
    def polling(self) -> bool:
        """Whether this process polls now."""
        return self.updater.running

    async def run(self, stop: asyncio.Event) -> None:
        """Take, keep or give up polling every `renew_every` seconds until `stop`."""
        try:
            while not stop.is_set():
                await self._step()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.renew_every)
        finally:
            await self._stop_polling()
            with contextlib.suppress(RedisError):
                await self.lease.release(self.owner)

    async def _step(self) -> None:
        try:
            if self.polling:
                if await self.lease.renew(self.owner, self.lease_seconds):
                    self._renewed_at = time.monotonic()
                    return
                logger.warning("Lost the poller lease; another process polls now")
                await self._stop_polling()
            elif await self.lease.acquire(self.owner, self.lease_seconds):
                self._renewed_at = time.monotonic()
                await self.updater.start_polling(
                    allowed_updates=Update.ALL_TYPES, poll_interval=0.0
                )
                POLLING.set(1)
                logger.info("This process polls Telegram (%s)", self.owner)
        except RedisError as error:
            # Unable to renew: once the lease may have lapsed, stop before another starts.
            logger.warning("Poller lease unreachable: %s", error)
            if self.polling and time.monotonic() - self._renewed_at > self.lease_seconds / 2:
                await self._stop_polling()

    async def _stop_polling(self) -> None:
        if self.updater.running:
            await self.updater.stop()
            logger.info("This process stopped polling")
        POLLING.set(0)
