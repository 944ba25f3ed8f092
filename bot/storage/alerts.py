"""Alerts in Redis as columns: one fixed-width binary string per column, a row per alert.

A million alerts load with one MGET and evaluate as numpy arrays (`bot.chatops.table`).
Each alert's definition (its condition as JSON and when it was made) is kept beside, by
id, for the texts. Rows of removed alerts are reused. Every script checks a row still holds
the alert it expects, so an evaluation that loaded a row before it was removed and reused
never writes into the new alert.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import redis.asyncio as redis

from bot.chatops.records import AlertRecord
from bot.chatops.table import (
    COLUMNS,
    LATER_COLUMNS,
    OP_CODES,
    STATE_COLUMNS,
    AlertTable,
    GroupKey,
)
from bot.storage.connect import RedisClient
from bot.storage.keys import Keys
from bot.storage.keys import text as _text
from bot.storage.scripts import RENEW_LEASE, LuaScript

BATCH = 4096
"""Rows per script call, so no call holds Redis for long."""
WIDTH = {name: np.dtype(dtype).itemsize for name, dtype in COLUMNS.items()}

# KEYS: ids counter, definitions, the chat's ids, rows, free rows, group index, group keys,
#       group previous, every column in COLUMNS order, the columns' generation.
# ARGV: definition JSON, group key JSON, chat, op, threshold, every (packed), value or '',
#       the alert's id or '' for a new one, thread, expires (packed).
_ADD = """
local id = tonumber(ARGV[8]) or redis.call('INCR', KEYS[1])
local group = redis.call('HGET', KEYS[6], ARGV[2])
if not group then
  group = redis.call('LLEN', KEYS[7])
  redis.call('RPUSH', KEYS[7], ARGV[2])
  redis.call('HSET', KEYS[6], ARGV[2], group)
end
if ARGV[7] ~= '' then redis.call('HSETNX', KEYS[8], group, ARGV[7]) end
local row = redis.call('LPOP', KEYS[5])
if not row then row = redis.call('STRLEN', KEYS[9]) / 8 end
row = tonumber(row)
local cells = {struct.pack('<i8', id), ARGV[3], struct.pack('<i4', group), ARGV[4], ARGV[5],
               ARGV[6], '\\1', '\\1', struct.pack('<d', 0/0), struct.pack('<i4', 0),
               ARGV[9], ARGV[10]}
local widths = {8, 8, 4, 1, 8, 1, 1, 1, 8, 4, 8, 8}
for i = 1, 12 do
  redis.call('SETRANGE', KEYS[8 + i], row * widths[i], cells[i])
end
redis.call('HSET', KEYS[4], id, row)
redis.call('HSET', KEYS[2], id, ARGV[1])
redis.call('SADD', KEYS[3], id)
redis.call('INCR', KEYS[21])
return {id, row}
"""

# KEYS: definitions, the chat's ids, rows, free rows, firings, the alive column, generation.
# ARGV: alert ids. Returns how many were the chat's and are gone now.
_REMOVE = """
local removed = 0
for _, id in ipairs(ARGV) do
  if redis.call('SREM', KEYS[2], id) == 1 then
    removed = removed + 1
    local row = redis.call('HGET', KEYS[3], id)
    if row then
      redis.call('SETRANGE', KEYS[6], tonumber(row), '\\0')
      redis.call('HDEL', KEYS[3], id)
      redis.call('RPUSH', KEYS[4], row)
    end
    redis.call('HDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[5], id)
  end
end
if removed > 0 then redis.call('INCR', KEYS[7]) end
return removed
"""

# KEYS: ids, armed, last_fired, fired_count columns, generation.
# ARGV: rows (i4), ids (i8), armed (1 byte), last fired (f8), fired count (i4), packed.
_SAVE_STATE = """
local rows, ids = ARGV[1], ARGV[2]
local saved = 0
for i = 0, #rows / 4 - 1 do
  local row = struct.unpack('<i4', rows, i * 4 + 1)
  local id = string.sub(ids, i * 8 + 1, i * 8 + 8)
  if redis.call('GETRANGE', KEYS[1], row * 8, row * 8 + 7) == id then
    redis.call('SETRANGE', KEYS[2], row, string.sub(ARGV[3], i + 1, i + 1))
    redis.call('SETRANGE', KEYS[3], row * 8, string.sub(ARGV[4], i * 8 + 1, i * 8 + 8))
    redis.call('SETRANGE', KEYS[4], row * 4, string.sub(ARGV[5], i * 4 + 1, i * 4 + 4))
    saved = saved + 1
  end
end
if saved > 0 then redis.call('INCR', KEYS[5]) end
return saved
"""

# A firing is recorded once per alert and snapshot version: the first process to record it
# sends it; any other process (or a restart evaluating the same snapshot) sees it taken.
# The recorded ids wait in the sending set, held by a lease, until their message is out.
# KEYS: firings, sending. ARGV: version, alert ids packed as int64, lease end.
# Returns the recorded ids, packed.
_CLAIM = """
local version = tonumber(ARGV[1])
local packed = ARGV[2]
local ids = {}
for i = 0, #packed / 8 - 1 do
  ids[#ids + 1] = tostring(struct.unpack('<i8', packed, i * 8 + 1))
end
if #ids == 0 then return '' end
local lasts = redis.call('HMGET', KEYS[1], unpack(ids))
local claimed, writes = {}, {}
for i, id in ipairs(ids) do
  local last = lasts[i]
  if not last or tonumber(last) < version then
    writes[#writes + 1] = id
    writes[#writes + 1] = version
    claimed[#claimed + 1] = string.sub(packed, (i - 1) * 8 + 1, i * 8)
  end
end
if #writes > 0 then
  redis.call('HSET', KEYS[1], unpack(writes))
  local held = {}
  for i = 1, #writes, 2 do
    held[#held + 1] = ARGV[3]
    held[#held + 1] = writes[i]
  end
  redis.call('ZADD', KEYS[2], unpack(held))
end
return table.concat(claimed)
"""

# Firings whose sender's lease lapsed (it died): taken over, held to a new lease end.
# KEYS: sending. ARGV: now, new lease end, limit.
_TAKE_LAPSED = """
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(lapsed) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return lapsed
"""


CLAIM_BATCH = 2000
"""Ids per claim call: two commands each, within Lua's limit on unpacked arguments."""

BULK_FRACTION = 0.05
"""Past this share of rows changed, whole state columns are written instead of rows."""


@dataclass(frozen=True)
class AlertDefinition:
    """What an alert is, beside its row: its condition (JSON form) and when it was made."""

    condition: dict[str, Any]
    created_at: str

    def to_json(self) -> str:
        return json.dumps({"condition": self.condition, "created_at": self.created_at})

    @classmethod
    def from_json(cls, raw: str | bytes) -> AlertDefinition:
        # Alerts stored before the columns held their whole record here; both read alike.
        data = json.loads(raw)
        return cls(dict(data["condition"]), str(data["created_at"]))


def pack(name: str, values: Sequence[Any] | np.ndarray) -> bytes:
    """Values as a column's stored bytes."""
    return np.asarray(values, dtype=COLUMNS[name]).tobytes()


def pack_rows(rows: Sequence[int] | np.ndarray) -> bytes:
    """Row numbers as the scripts read them (little-endian int32)."""
    return np.asarray(rows, dtype="<i4").tobytes()


class AlertStore:
    """Alerts as columns; takes an already-built asyncio Redis client."""

    def __init__(self, client: RedisClient, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self._add = LuaScript(client, _ADD)
        self._remove = LuaScript(client, _REMOVE)
        self._save_state = LuaScript(client, _SAVE_STATE)
        self._claim = LuaScript(client, _CLAIM)
        self._take_lapsed = LuaScript(client, _TAKE_LAPSED)
        self._renew_sending = LuaScript(client, RENEW_LEASE)

    def _column(self, name: str) -> str:
        return self.keys.alert_column(name)

    async def add(
        self,
        chat_id: int,
        condition: Mapping[str, Any],
        created_at: str,
        value: float | None = None,
        state: tuple[bool, str | None, int] = (True, None, 0),
        alert_id: int | None = None,
        thread_id: int | None = None,
        expires_at: float | None = None,
    ) -> AlertRecord:
        """Store a new alert (the caller checks the per-chat cap); `value` is its metric now,
        the previous value its first crossing compares with if its group has none yet.
        `state` and `alert_id` carry over an alert stored before the columns. `thread_id`
        is the forum topic it fires in; `expires_at` (epoch seconds) when it stops."""
        keys = self.keys
        group = json.dumps([condition["kind"], condition["target"], condition["metric"]])
        every = 1 if condition.get("repeat") == "every" else 0
        known = value is not None and math.isfinite(value)
        expires = math.ceil(expires_at) if expires_at else 0  # whole seconds, 0: never
        new_id, row = await self._add(
            keys=[
                keys.alert_ids(),
                keys.alerts(),
                keys.chat_alerts(chat_id),
                keys.alert_rows(),
                keys.alert_free_rows(),
                keys.alert_group_index(),
                keys.alert_group_keys(),
                keys.alert_group_previous(),
                *(self._column(name) for name in COLUMNS),
                keys.alert_generation(),
            ],
            args=[
                AlertDefinition(dict(condition), created_at).to_json(),
                group,
                pack("chats", [chat_id]),
                pack("ops", [OP_CODES[condition["op"]]]),
                pack("thresholds", [condition["threshold"]]),
                pack("every", [every]),
                repr(float(value)) if known else "",  # type: ignore[arg-type]
                "" if alert_id is None else str(alert_id),
                pack("threads", [thread_id or 0]),
                pack("expires", [expires]),
            ],
        )
        record = AlertRecord(
            int(new_id),
            chat_id,
            dict(condition),
            created_at,
            thread_id=thread_id or None,
            expires_at=_iso(expires) if expires else None,
        )
        armed, last_fired_at, fired_count = state
        if state != (True, None, 0):
            await self._write_row_state(int(row), record.id, armed, last_fired_at, fired_count)
        return record

    async def _write_row_state(
        self, row: int, alert_id: int, armed: bool, last_fired_at: str | None, count: int
    ) -> None:
        fired = dt.datetime.fromisoformat(last_fired_at).timestamp() if last_fired_at else np.nan
        await self._save_state(
            keys=[
                *(self._column(n) for n in ("ids", "armed", "last_fired", "fired_count")),
                self.keys.alert_generation(),
            ],
            args=[
                pack_rows([row]),
                pack("ids", [alert_id]),
                pack("armed", [1 if armed else 0]),
                pack("last_fired", [fired]),
                pack("fired_count", [count]),
            ],
        )

    async def remove(self, chat_id: int, alert_ids: Iterable[int | str]) -> int:
        """Remove these alerts of the chat; how many it had."""
        ids = [str(i) for i in alert_ids]
        if not ids:
            return 0
        keys = self.keys
        removed = await self._remove(
            keys=[
                keys.alerts(),
                keys.chat_alerts(chat_id),
                keys.alert_rows(),
                keys.alert_free_rows(),
                keys.alert_firings(),
                self._column("alive"),
                keys.alert_generation(),
            ],
            args=ids,
        )
        return int(removed)

    async def load(self) -> AlertTable:
        """Every row, the groups and their previous values: one round trip."""
        async with self.client.pipeline(transaction=True) as pipe:  # one consistent view
            for name in COLUMNS:  # GETs, not MGET: a cluster pipeline refuses MGET
                pipe.get(self._column(name))
            pipe.lrange(self.keys.alert_group_keys(), 0, -1)
            pipe.hgetall(self.keys.alert_group_previous())
            pipe.hlen(self.keys.alerts())
            pipe.hlen(self.keys.alert_rows())
            pipe.get(self.keys.alert_generation())
            *blobs, raw_groups, raw_previous, alerts, rows, generation = await pipe.execute()
        if alerts > rows and await self.adopt_legacy():  # stored before the columns
            return await self.load()
        length = min(
            len(b or b"") // WIDTH[n]
            for n, b in zip(COLUMNS, blobs, strict=True)
            if n not in LATER_COLUMNS
        )
        columns = {
            name: _column(name, blob or b"", length)
            for name, blob in zip(COLUMNS, blobs, strict=True)
        }
        groups: list[GroupKey] = [(k, t, m) for k, t, m in map(json.loads, raw_groups)]
        previous = np.full(len(groups), np.nan)
        for index, value in raw_previous.items():
            if int(index) < len(groups):
                previous[int(index)] = float(value)
        return AlertTable(columns, groups, previous, int(generation or 0))

    async def save_state(
        self, table: AlertTable, rows: np.ndarray, state: Mapping[str, np.ndarray]
    ) -> int:
        """Write the new state of `rows` (only those), where each row still holds its alert;
        how many were written.

        When many rows changed (a first pass over new alerts, a market-wide move) and no alert
        was added, removed or written since `table` was loaded, the state columns are written
        whole: the same bytes as row by row, three large writes instead of one per row.
        """
        if len(rows) > BULK_FRACTION * len(table) and await self._save_whole(table, rows, state):
            return len(rows)
        saved = 0
        keys = [
            *(self._column(n) for n in ("ids", "armed", "last_fired", "fired_count")),
            self.keys.alert_generation(),
        ]
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            saved += int(
                await self._save_state(
                    keys=keys,
                    args=[
                        pack_rows(batch),
                        pack("ids", table.columns["ids"][batch]),
                        pack("armed", state["armed"][batch]),
                        pack("last_fired", state["last_fired"][batch]),
                        pack("fired_count", state["fired_count"][batch]),
                    ],
                )
            )
        return saved

    async def _save_whole(
        self, table: AlertTable, rows: np.ndarray, state: Mapping[str, np.ndarray]
    ) -> bool:
        """Replace the state columns, if no alert was added, removed or written since `table`
        was loaded (its generation; WATCH fails the write if one is meanwhile); False if not."""
        generation = self.keys.alert_generation()
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                await pipe.watch(generation)
                if int(await pipe.get(generation) or 0) != table.generation:
                    return False
                pipe.multi()  # type: ignore[no-untyped-call]
                for name in STATE_COLUMNS:
                    column = table.columns[name].copy()
                    column[rows] = state[name][rows]
                    pipe.set(self._column(name), pack(name, column))
                pipe.incr(generation)
                await pipe.execute()
        except redis.WatchError:
            return False
        return True

    async def save_previous(self, previous: np.ndarray) -> None:
        """Keep each group's previous value for the next pass (known ones only)."""
        known = {str(i): repr(float(v)) for i, v in enumerate(previous) if math.isfinite(v)}
        if known:
            key = self.keys.alert_group_previous()
            await self.client.hset(key, mapping=known)  # type: ignore[arg-type]

    async def claim(self, alert_ids: np.ndarray, version: int, lease_end: float) -> np.ndarray:
        """Record these firings for snapshot `version`; the ids no process recorded before,
        each held for sending until `lease_end` (see `sent`, `renew_sending`)."""
        claimed = []
        ids = np.asarray(alert_ids, dtype=COLUMNS["ids"])
        keys = [self.keys.alert_firings(), self.keys.alert_sending()]
        for start in range(0, len(ids), CLAIM_BATCH):
            packed = ids[start : start + CLAIM_BATCH].tobytes()
            got = await self._claim(keys=keys, args=[version, packed, lease_end])
            claimed.append(np.frombuffer(got or b"", dtype=COLUMNS["ids"]))
        return np.concatenate(claimed) if claimed else ids[:0]

    async def sent(self, alert_ids: Iterable[int]) -> None:
        """These firings' messages are out (or may be): no one sends them again."""
        ids = [str(i) for i in alert_ids]
        if ids:
            await self.client.zrem(self.keys.alert_sending(), *ids)

    async def renew_sending(
        self, alert_ids: Iterable[int], lease_end: float, new_lease_end: float
    ) -> list[int]:
        """Hold these unsent firings (still ours: scored at `lease_end`) to `new_lease_end`;
        the ids still ours."""
        ids = [str(i) for i in alert_ids]
        if not ids:
            return []
        renewed = await self._renew_sending(
            keys=[self.keys.alert_sending()], args=[lease_end, new_lease_end, *ids]
        )
        return [int(i) for i in renewed]

    async def take_lapsed(self, now: float, lease_end: float, limit: int = 500) -> list[int]:
        """Unsent firings whose sender's lease lapsed before `now`, now held to `lease_end`."""
        lapsed = await self._take_lapsed(
            keys=[self.keys.alert_sending()], args=[now, lease_end, limit]
        )
        return [int(i) for i in lapsed]

    async def definitions(self, alert_ids: Sequence[int]) -> dict[int, AlertDefinition]:
        """The definitions of these alerts, where they still exist."""
        found: dict[int, AlertDefinition] = {}
        for start in range(0, len(alert_ids), BATCH):
            batch = list(alert_ids[start : start + BATCH])
            raws = await self.client.hmget(self.keys.alerts(), [str(i) for i in batch])
            found.update(
                {i: AlertDefinition.from_json(r) for i, r in zip(batch, raws, strict=True) if r}
            )
        return found

    async def records(self, alert_ids: Sequence[int]) -> list[AlertRecord]:
        """These alerts with their state, as records (for lists; a chat has at most 50)."""
        if not alert_ids:
            return []
        ids = sorted(alert_ids)
        rows = await self.client.hmget(self.keys.alert_rows(), [str(i) for i in ids])
        if None in rows and await self.adopt_legacy():  # stored before the columns
            rows = await self.client.hmget(self.keys.alert_rows(), [str(i) for i in ids])
        definitions = await self.definitions(ids)
        wanted = [(i, int(r)) for i, r in zip(ids, rows, strict=True) if r and i in definitions]
        names = ("chats", "armed", "last_fired", "fired_count", "threads", "expires")
        async with self.client.pipeline(transaction=False) as pipe:
            for _, row in wanted:
                for name in names:
                    width = WIDTH[name]
                    pipe.getrange(self._column(name), row * width, row * width + width - 1)
            cells = await pipe.execute()
        records = []
        for index, (alert_id, _) in enumerate(wanted):
            chat, armed, fired, count, thread, expires = (
                _column(name, cell, 1)[0]
                for cell, name in zip(
                    cells[index * len(names) : (index + 1) * len(names)], names, strict=True
                )
            )
            definition = definitions[alert_id]
            records.append(
                AlertRecord(
                    alert_id,
                    int(chat),
                    definition.condition,
                    definition.created_at,
                    armed=bool(armed),
                    last_fired_at=_iso(float(fired)),
                    fired_count=int(count),
                    thread_id=int(thread) or None,
                    expires_at=_iso(float(expires)) if expires else None,
                )
            )
        return records

    async def move_chat(self, old_id: int, new_id: int) -> None:
        """Hand a chat's alerts to its new id (a group that became a supergroup)."""
        ids = [_text(i) for i in await self.client.smembers(self.keys.chat_alerts(old_id))]
        rows = await self.client.hmget(self.keys.alert_rows(), ids) if ids else []
        async with self.client.pipeline(transaction=True) as pipe:
            for alert_id, row in zip(ids, rows, strict=True):
                if row is not None:
                    pipe.setrange(self._column("chats"), int(row) * 8, pack("chats", [new_id]))
                pipe.sadd(self.keys.chat_alerts(new_id), alert_id)
            pipe.delete(self.keys.chat_alerts(old_id))
            await pipe.execute()

    async def adopt_legacy(self) -> int:
        """Give a row to every alert stored before the columns (whole records as JSON);
        how many. Their state and last value come along."""
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hlen(self.keys.alerts())
            pipe.hlen(self.keys.alert_rows())
            alerts, rows = await pipe.execute()
        if alerts <= rows:
            return 0
        ids = [_text(i) for i in await self.client.hkeys(self.keys.alerts())]
        with_rows = {_text(i) for i in await self.client.hkeys(self.keys.alert_rows())}
        legacy = [i for i in ids if i not in with_rows]
        for alert_id in legacy:
            raw = await self.client.hget(self.keys.alerts(), alert_id)
            if raw is None:
                continue
            data = json.loads(raw)
            chat_id = int(data["chat_id"])
            await self.client.srem(self.keys.chat_alerts(chat_id), alert_id)
            await self.client.hdel(self.keys.alerts(), alert_id)
            state = (
                bool(data.get("armed", True)),
                data.get("last_fired_at"),
                int(data.get("fired_count", 0)),
            )
            await self.add(
                chat_id,
                data["condition"],
                data["created_at"],
                data.get("last_value"),
                state,
                alert_id=int(alert_id),
            )
        return len(legacy)


def _column(name: str, blob: bytes, length: int) -> np.ndarray:
    """`length` cells of a column; a later column stored shorter reads as zeros beyond."""
    missing = length * WIDTH[name] - len(blob)
    return np.frombuffer(blob + bytes(max(missing, 0)), dtype=COLUMNS[name], count=length)


def _iso(stamp: float) -> str | None:
    if math.isnan(stamp):
        return None
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds")
