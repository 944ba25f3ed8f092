"""Lua scripts run by their SHA on a server or a cluster, loaded once where they are missing."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any

from redis.exceptions import NoScriptError

from bot.storage.connect import RedisClient

# Hold the members still held by this lease (scored at its end) to a new end; a member a
# lapse let another process take over is left alone. Digest claims and unsent alert firings
# are both held this way.
# KEYS: the sorted set. ARGV: old lease end, new lease end, members. Returns the members
# still held (renewed): a caller stops working on the others.
RENEW_LEASE = """
local renewed = {}
for i = 3, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[1]) then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i])
    renewed[#renewed + 1] = ARGV[i]
  end
end
return renewed
"""


class LuaScript:
    """One script; call it with `keys=` and `args=` as redis-py's own scripts are called.

    A server that answers NOSCRIPT (new, restarted, or a replica just promoted) did not run
    the script, so loading it and calling again repeats nothing. Concurrent callers that all
    met NOSCRIPT share one SCRIPT LOAD, which a cluster client sends to every primary.
    """

    def __init__(self, client: RedisClient, source: str) -> None:
        self.client = client
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()
        self._loads = 0
        self._loading = asyncio.Lock()

    async def __call__(self, keys: Sequence[str], args: Sequence[Any] = ()) -> Any:
        """Run the script on the server that holds `keys`."""
        loads_before = self._loads
        try:
            return await self.client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            await self._load(loads_before)
            return await self.client.evalsha(self.sha, len(keys), *keys, *args)

    async def _load(self, loads_before: int) -> None:
        async with self._loading:
            if self._loads == loads_before:  # nobody loaded it since this call began
                await self.client.script_load(self.source)
                self._loads += 1
