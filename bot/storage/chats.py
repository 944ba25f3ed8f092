"""Chat state in Redis, never expiring: settings, digest subscriptions, alerts, firings."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import Any, cast

from bot.chatops.records import AlertFiring, AlertRecord, ChatSettings, Subscription
from bot.storage.alerts import AlertStore
from bot.storage.connect import RedisClient
from bot.storage.keys import Keys
from bot.storage.keys import text as _text
from bot.storage.scripts import RENEW_LEASE, LuaScript

MAX_ALERTS_PER_CHAT = 50
SETTINGS_RECHECK_SECONDS = 1.0
"""How stale another replica's settings change may be here, at most."""
SETTINGS_CACHE_LIMIT = 100_000
FIRED_LOG_LIMIT = 20
ALERT_HISTORY_LIMIT = 20
"""Firings a chat's history keeps (`/alerts history`)."""

# Claim due digests atomically: whoever runs this first pushes each due entry's score to
# the lease end, so a second process (or this one after a crash) only sees it again once
# the lease has lapsed, which is how an unfinished claim gets retried. The original due
# time is kept aside on the first claim and reported on every re-claim, so a retry can
# tell a digest it already delivered for that slot.
_CLAIM_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1],
                      'WITHSCORES', 'LIMIT', 0, ARGV[3])
local claimed = {}
for i = 1, #due, 2 do
  local original = redis.call('HGET', KEYS[2], due[i])
  if not original then
    original = due[i + 1]
    redis.call('HSET', KEYS[2], due[i], original)
  end
  redis.call('ZADD', KEYS[1], ARGV[2], due[i])
  claimed[#claimed + 1] = due[i]
  claimed[#claimed + 1] = original
end
return claimed
"""


# Hand this process's unstarted claims back (a shutdown): each is due again at its original
# time, so the next process to look claims it at once instead of waiting for the lease.
_RELEASE_CLAIMS = """
local released = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  local original = redis.call('HGET', KEYS[2], ARGV[i])
  if score and original and tonumber(score) == tonumber(ARGV[1]) then
    redis.call('ZADD', KEYS[1], original, ARGV[i])
    released = released + 1
  end
end
return released
"""
# Reschedule only if this claim still owns the entry (its score is still our lease end).
_FINISH = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
return 0
"""


class ChatStore:
    """Per-chat state; takes an already-built asyncio Redis client."""

    def __init__(
        self,
        client: RedisClient,
        keys: Keys | None = None,
        recheck_seconds: float = SETTINGS_RECHECK_SECONDS,
    ) -> None:
        self.client = client
        self.keys = keys or Keys()
        self._claim = LuaScript(client, _CLAIM_DUE)
        self._finish = LuaScript(client, _FINISH)
        self._renew_claims = LuaScript(client, RENEW_LEASE)
        self._release_claims = LuaScript(client, _RELEASE_CLAIMS)
        self.alerts = AlertStore(client, self.keys)
        self._recheck_seconds = recheck_seconds
        self._settings: dict[int, ChatSettings] = {}
        self._generation: bytes | str | None = None
        self._checked_at = -math.inf

    # ---- settings -------------------------------------------------------------------------
    async def settings(self, chat_id: int) -> ChatSettings:
        """The chat's settings (defaults where unset).

        Kept in memory: every change anywhere bumps one generation counter, which this
        process reads at most once per `recheck_seconds`, so another replica's change shows
        here within that time and a warm answer needs no Redis round trip for them.
        """
        await self._drop_stale_settings()
        cached = self._settings.get(chat_id)
        if cached is not None:
            return cached
        raw = await self.client.hgetall(self.keys.chat(chat_id))
        values = {_text(k): _text(v) for k, v in raw.items()}
        settings = ChatSettings(
            tz=values.get("tz", ChatSettings.tz),
            lang=values.get("lang") or None,
            who=values.get("who", ChatSettings.who),
        )
        if len(self._settings) >= SETTINGS_CACHE_LIMIT:
            self._settings.clear()
        self._settings[chat_id] = settings
        return settings

    async def _drop_stale_settings(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < self._recheck_seconds:
            return
        self._checked_at = now
        generation = await self.client.get(self.keys.settings_generation())
        if generation != self._generation:
            self._settings.clear()
            self._generation = generation

    async def _settings_changed(self, *chat_ids: int) -> None:
        """Tell every process (this one at once) that these chats' settings changed."""
        await self.client.incr(self.keys.settings_generation())
        for chat_id in chat_ids:
            self._settings.pop(chat_id, None)

    async def update_settings(self, chat_id: int, **changes: str) -> ChatSettings:
        """Change some settings; returns them all."""
        await self.client.hset(self.keys.chat(chat_id), mapping=cast("Mapping[Any, Any]", changes))
        await self._settings_changed(chat_id)
        return await self.settings(chat_id)

    # ---- subscriptions --------------------------------------------------------------------
    async def subscribe(self, chat_id: int, subscription: Subscription, due_at: float) -> None:
        """Save a subscription and schedule its first digest (epoch seconds)."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.subscription(chat_id), json.dumps(asdict(subscription)))
            pipe.zadd(self.keys.subscriptions(), {str(chat_id): due_at})
            await pipe.execute()

    async def subscription(self, chat_id: int) -> Subscription | None:
        """The chat's subscription, if any."""
        raw = await self.client.get(self.keys.subscription(chat_id))
        return Subscription(**json.loads(raw)) if raw else None

    async def save_subscription(self, chat_id: int, subscription: Subscription) -> None:
        """Persist a changed subscription (last sent, last slot)."""
        await self.client.set(self.keys.subscription(chat_id), json.dumps(asdict(subscription)))

    async def unsubscribe(self, chat_id: int) -> bool:
        """Remove the subscription; True if there was one."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(self.keys.subscription(chat_id))
            pipe.zrem(self.keys.subscriptions(), str(chat_id))
            pipe.hdel(self.keys.digest_claims(), str(chat_id))
            removed, _, _ = await pipe.execute()
        return bool(removed)

    async def due_at(self, chat_id: int) -> float | None:
        """When the chat's next digest is due (epoch seconds)."""
        score = await self.client.zscore(self.keys.subscriptions(), str(chat_id))
        return float(score) if score is not None else None

    async def due_before(self, until: float, limit: int) -> list[int]:
        """Up to `limit` subscribed chats whose digest is due by `until` (epoch seconds),
        soonest first; claimed ones included."""
        members = await self.client.zrangebyscore(
            self.keys.subscriptions(), "-inf", until, start=0, num=limit
        )
        return [int(cast("bytes", member)) for member in members]

    async def claim_due(
        self, now: float, lease_seconds: float, limit: int = 500
    ) -> list[tuple[int, float]]:
        """Atomically claim due digests: [(chat_id, due_at)], each held for the lease."""
        lease_end = now + lease_seconds
        reply = await self._claim(
            keys=[self.keys.subscriptions(), self.keys.digest_claims()],
            args=[now, lease_end, limit],
        )
        pairs = list(zip(reply[::2], reply[1::2], strict=True))
        return [(int(member), float(score)) for member, score in pairs]

    async def renew_claims(
        self, chat_ids: Iterable[int], lease_end: float, new_lease_end: float
    ) -> list[int]:
        """Hold these claims (still ours: scored at `lease_end`) until `new_lease_end`; the
        chats still ours."""
        ids = [str(chat_id) for chat_id in chat_ids]
        if not ids:
            return []
        renewed = await self._renew_claims(
            keys=[self.keys.subscriptions()], args=[lease_end, new_lease_end, *ids]
        )
        return [int(chat_id) for chat_id in renewed]

    async def release_claims(self, chat_ids: Iterable[int], lease_end: float) -> int:
        """Make these claims (still ours) due again at once; how many were still ours."""
        ids = [str(chat_id) for chat_id in chat_ids]
        if not ids:
            return 0
        released = await self._release_claims(
            keys=[self.keys.subscriptions(), self.keys.digest_claims()], args=[lease_end, *ids]
        )
        return int(released)

    async def finish_claim(self, chat_id: int, lease_end: float, next_due: float) -> bool:
        """Schedule the next digest if our claim still holds; False when it lapsed."""
        done = await self._finish(
            keys=[self.keys.subscriptions(), self.keys.digest_claims()],
            args=[str(chat_id), lease_end, next_due],
        )
        return bool(done)

    # ---- alerts ---------------------------------------------------------------------------
    async def add_alert(
        self,
        chat_id: int,
        condition: Mapping[str, Any],
        created_at: str,
        value: float | None = None,
        thread_id: int | None = None,
        expires_at: float | None = None,
    ) -> AlertRecord:
        """Store a new alert (the caller checks the cap first); `value` is its metric now,
        `thread_id` the forum topic it fires in, `expires_at` (epoch seconds) when it stops."""
        return await self.alerts.add(
            chat_id, condition, created_at, value, thread_id=thread_id, expires_at=expires_at
        )

    async def count_alerts(self, chat_id: int) -> int:
        """How many alerts the chat has."""
        return int(await self.client.scard(self.keys.chat_alerts(chat_id)))

    async def chat_alerts(self, chat_id: int) -> list[AlertRecord]:
        """The chat's alerts with their state, oldest first."""
        ids = [int(i) for i in await self.client.smembers(self.keys.chat_alerts(chat_id))]
        return await self.alerts.records(ids)

    async def all_alerts(self) -> list[AlertRecord]:
        """Every alert of every chat, as records (the evaluator reads `alerts.load()`)."""
        ids = [int(i) for i in await self.client.hkeys(self.keys.alerts())]
        return await self.alerts.records(ids)

    async def remove_alert(self, chat_id: int, alert_id: int) -> bool:
        """Delete one of the chat's alerts; False if the chat has no such alert."""
        return await self.alerts.remove(chat_id, [alert_id]) == 1

    async def remove_all_alerts(self, chat_id: int) -> int:
        """Delete every alert of the chat; how many."""
        ids = [_text(i) for i in await self.client.smembers(self.keys.chat_alerts(chat_id))]
        return await self.alerts.remove(chat_id, ids)

    async def log_fired(self, chat_id: int, text: str) -> None:
        """Remember a fired alert's text for the chat's next digest."""
        key = self.keys.fired_log(chat_id)
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.rpush(key, text)
            pipe.ltrim(key, -FIRED_LOG_LIMIT, -1)
            await pipe.execute()

    async def fired_log(self, chat_id: int) -> list[str]:
        """The fired alerts' texts since the last digest (`clear_fired_log` once it is out)."""
        return [_text(i) for i in await self.client.lrange(self.keys.fired_log(chat_id), 0, -1)]

    async def clear_fired_log(self, chat_id: int, carried: Sequence[str]) -> None:
        """Drop the texts a digest carried; ones logged since stay (even if the cap dropped
        some carried ones meanwhile, which a count from the head would get wrong)."""
        key = self.keys.fired_log(chat_id)
        async with self.client.pipeline(transaction=True) as pipe:
            for text in carried:
                pipe.lrem(key, 1, text)  # the oldest copy: the carried ones come first
            await pipe.execute()

    async def log_firing(self, chat_id: int, firing: AlertFiring) -> None:
        """Add a firing to the chat's history, keeping the newest ALERT_HISTORY_LIMIT."""
        key = self.keys.alert_history(chat_id)
        entry = json.dumps(asdict(firing))
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.lpush(key, entry)
            pipe.ltrim(key, 0, ALERT_HISTORY_LIMIT - 1)
            await pipe.execute()

    async def alert_history(self, chat_id: int) -> list[AlertFiring]:
        """The chat's last firings, newest first."""
        raw = await self.client.lrange(self.keys.alert_history(chat_id), 0, -1)
        return [AlertFiring(**json.loads(item)) for item in raw]

    # ---- whole-chat operations ------------------------------------------------------------
    async def forget_chat(self, chat_id: int) -> None:
        """Drop everything of a chat that blocked or removed the bot."""
        await self.remove_all_alerts(chat_id)
        await self.unsubscribe(chat_id)
        await self.client.delete(
            self.keys.chat(chat_id),
            self.keys.fired_log(chat_id),
            self.keys.alert_history(chat_id),
        )
        await self._settings_changed(chat_id)

    async def forget_topic(self, chat_id: int, thread_id: int) -> tuple[int, bool]:
        """Drop what belongs to a deleted forum topic: its alerts, and the chat's digest if
        it went there; how many alerts, and whether the digest went. The chat's other
        topics keep theirs."""
        records = await self.chat_alerts(chat_id)
        removed = await self.alerts.remove(
            chat_id, [r.id for r in records if r.thread_id == thread_id]
        )
        subscription = await self.subscription(chat_id)
        dropped = subscription is not None and subscription.thread_id == thread_id
        if dropped:
            await self.unsubscribe(chat_id)
        return removed, dropped

    async def migrate_chat(self, old_id: int, new_id: int) -> None:
        """Move a group's state to its new supergroup id."""
        subscription = await self.subscription(old_id)
        due = await self.due_at(old_id)
        settings = await self.client.hgetall(self.keys.chat(old_id))
        if settings:
            await self.client.hset(
                self.keys.chat(new_id), mapping=cast("Mapping[Any, Any]", settings)
            )
        if subscription is not None:
            await self.subscribe(new_id, subscription, due if due is not None else 0.0)
        await self.alerts.move_chat(old_id, new_id)
        fired = await self.client.lrange(self.keys.fired_log(old_id), 0, -1)
        if fired:
            await self.client.rpush(self.keys.fired_log(new_id), *fired)
        history = await self.client.lrange(self.keys.alert_history(old_id), 0, -1)
        if history:
            await self.client.rpush(self.keys.alert_history(new_id), *history)
        await self.unsubscribe(old_id)
        await self.client.delete(
            self.keys.chat(old_id), self.keys.fired_log(old_id), self.keys.alert_history(old_id)
        )
        await self._settings_changed(old_id, new_id)
