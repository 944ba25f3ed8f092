"""Leases in Redis: one holder at a time, lost unless renewed before they expire."""

from __future__ import annotations

from bot.storage.connect import RedisClient
from bot.storage.scripts import LuaScript

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Lease:
    """One named lease; `owner` strings tell holders apart."""

    def __init__(self, client: RedisClient, key: str) -> None:
        self.client = client
        self.key = key
        self._renew = LuaScript(client, _RENEW)
        self._release = LuaScript(client, _RELEASE)

    async def acquire(self, owner: str, seconds: float) -> bool:
        """Take the lease if nobody holds it."""
        taken = await self.client.set(self.key, owner, nx=True, px=int(seconds * 1000))
        return bool(taken)

    async def renew(self, owner: str, seconds: float) -> bool:
        """Extend the lease if `owner` still holds it; False if it was lost."""
        return bool(await self._renew(keys=[self.key], args=[owner, int(seconds * 1000)]))

    async def release(self, owner: str) -> None:
        """Give the lease up if `owner` holds it, so another process takes it at once."""
        await self._release(keys=[self.key], args=[owner])
