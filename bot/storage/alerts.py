"""Alerts in Redis as columns: one fixed-width binary string per column, a row per alert.

A million alerts load with one MGET and evaluate as numpy arrays (`bot.chatops.table`).
Each alert's definition (its condition as JSON and when it was made) is kept beside, by
id, for the texts. Rows of removed alerts are reused. Every script checks a row still holds
the alert it expects, so an evaluation that loaded a row before it was removed and reused
never writes into the new alert.

An evaluation writes its rows' new state and records its firings in one step (whole
columns written aside in pieces and moved in by one script, or one script per chunk of
rows): a firing is recorded once per alert and snapshot version, and the firings one pass
recorded form one batch (their ids, packed), held for sending as a unit by one lease and
marked sent one by one in a bitmap. A process that dies between recording and sending
leaves its batch to lapse; a survivor sends the firings in it still unsent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

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
#       group previous, every column in COLUMNS order, the columns' generation, the recorded
#       column (a reused row's firings were another alert's).
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
redis.call('SETRANGE', KEYS[22], row * 8, struct.pack('<i8', 0))
redis.call('HSET', KEYS[4], id, row)
redis.call('HSET', KEYS[2], id, ARGV[1])
redis.call('SADD', KEYS[3], id)
redis.call('INCR', KEYS[21])
return {id, row}
"""

# KEYS: definitions, the chat's ids, rows, free rows, the firings hash of before the recorded
#       column (cleaned), the alive column, generation.
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

# Write the new state of rows that still hold their alert and record their firings, as one
# step. A firing is recorded once per alert and snapshot version: the first process to record
# it sends it; any other (or a restart evaluating the same snapshot) finds it recorded. The
# firings recorded go into the pass's batch, held for sending until the lease end.
# KEYS: ids, armed, last_fired, fired_count, recorded columns, generation, batches, the batch.
# ARGV: rows (i4), ids (i8), armed (1 byte), last fired (f8), fired count (i4), fires (1 byte:
#       1 when the row fires), all packed; snapshot version; lease end; batch id.
# Returns one byte per row: 0 left alone (it holds another alert now), 1 state written,
# 2 written and its firing recorded.
_RECORD = """
local rows, ids, fires = ARGV[1], ARGV[2], ARGV[6]
local version = tonumber(ARGV[7])
local stamp = struct.pack('<i8', version)
local outcome, recorded = {}, {}
local saved = 0
for i = 0, #rows / 4 - 1 do
  local row = struct.unpack('<i4', rows, i * 4 + 1)
  local id = string.sub(ids, i * 8 + 1, i * 8 + 8)
  local result = '\\0'
  if redis.call('GETRANGE', KEYS[1], row * 8, row * 8 + 7) == id then
    redis.call('SETRANGE', KEYS[2], row, string.sub(ARGV[3], i + 1, i + 1))
    redis.call('SETRANGE', KEYS[3], row * 8, string.sub(ARGV[4], i * 8 + 1, i * 8 + 8))
    redis.call('SETRANGE', KEYS[4], row * 4, string.sub(ARGV[5], i * 4 + 1, i * 4 + 4))
    saved = saved + 1
    result = '\\1'
    if string.byte(fires, i + 1) == 1 then
      local last = redis.call('GETRANGE', KEYS[5], row * 8, row * 8 + 7)
      if #last < 8 or struct.unpack('<i8', last) < version then
        redis.call('SETRANGE', KEYS[5], row * 8, stamp)
        recorded[#recorded + 1] = id
        result = '\\2'
      end
    end
  end
  outcome[i + 1] = result
end
if #recorded > 0 then
  redis.call('APPEND', KEYS[8], table.concat(recorded))
  redis.call('ZADD', KEYS[7], ARGV[8], ARGV[9])
end
if saved > 0 then redis.call('INCR', KEYS[6]) end
return table.concat(outcome)
"""

# Move whole columns (and a batch) written under staging keys into place, if no alert was
# added, removed or written since the table was loaded (the generation is as loaded).
# KEYS: generation, batches, then (staging key, its destination) pairs.
# ARGV: the generation loaded, the batch id ('' for none), its lease end.
# Returns 1 when moved, 0 when the table changed (or a staged value is gone) and nothing was.
_MOVE_WHOLE = """
if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
for i = 3, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 0 then return 0 end
end
for i = 3, #KEYS, 2 do
  redis.call('RENAME', KEYS[i], KEYS[i + 1])
  redis.call('PERSIST', KEYS[i + 1])
end
if ARGV[2] ~= '' then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2]) end
redis.call('INCR', KEYS[1])
return 1
"""

# These firings of a batch are out (or may be): never sent again. A batch whose every firing
# is marked (or whose firings are gone) is gone, lease and all.
# KEYS: batches, the batch, its sent marks. ARGV: batch id, positions.
_MARK_SENT = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
for i = 2, #ARGV do redis.call('SETBIT', KEYS[3], ARGV[i], 1) end
if redis.call('BITCOUNT', KEYS[3]) * 8 >= redis.call('STRLEN', KEYS[2]) then
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
"""

# Batches whose sender's lease lapsed (it stopped): taken over, held to a new lease end.
# Firings held one by one, as before batches, whose lease lapsed come along as a new batch.
# KEYS: batches, the per-alert sending set, the new batch.
# ARGV: now, new lease end, limit, the new batch's id.
_TAKE_LAPSED = """
local single = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 4096)
if #single > 0 then
  local packed = {}
  for i, id in ipairs(single) do packed[i] = struct.pack('<i8', tonumber(id)) end
  redis.call('APPEND', KEYS[3], table.concat(packed))
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('ZREM', KEYS[2], unpack(single))
end
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, batch in ipairs(lapsed) do redis.call('ZADD', KEYS[1], ARGV[2], batch) end
return lapsed
"""

RECORDED = "recorded"
"""The column of each row's last recorded firing: its snapshot version (0: none). Read only
when recording, never loaded with the table; rows beyond its end read as 0."""
RECORDED_DTYPE = np.dtype("<i8")
ROW_RECORDED = 2
"""The record script's answer for a row whose firing it recorded."""

BULK_FRACTION = 0.05
"""Past this share of rows changed, whole state columns are written instead of rows."""
STAGE_PIECE = 1 << 20
"""Bytes a staged value is written in at a time: a whole column in one command would hold
the event loop while the client copies it (tens of ms for a million rows)."""
STAGE_SECONDS = 300
"""How long a staged value outlives a writer that died before moving it."""


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


class _Recording(NamedTuple):
    """Where a write records its firings: the batch, the snapshot version, the lease end."""

    batch: str
    version: int
    lease_end: float


_NOTHING_RECORDED = _Recording("", 0, 0.0)


@dataclass(frozen=True)
class FiringBatch:
    """The firings one alert pass recorded: held for sending as one unit, by one lease, and
    marked sent one by one by their position (their index here)."""

    id: str
    alert_ids: np.ndarray
    rows: np.ndarray
    """Each firing's row in the table the pass evaluated."""
    lease_end: float
    """Until when the recording process holds the batch for sending (renewed while it
    sends); once it lapses, a survivor sends the firings still unsent."""

    def __len__(self) -> int:
        return len(self.alert_ids)


class AlertStore:
    """Alerts as columns; takes an already-built asyncio Redis client."""

    def __init__(self, client: RedisClient, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self._add = LuaScript(client, _ADD)
        self._remove = LuaScript(client, _REMOVE)
        self._record = LuaScript(client, _RECORD)
        self._move_whole = LuaScript(client, _MOVE_WHOLE)
        self._mark_sent = LuaScript(client, _MARK_SENT)
        self._take_lapsed = LuaScript(client, _TAKE_LAPSED)
        self._renew_batch = LuaScript(client, RENEW_LEASE)

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
                self._column(RECORDED),
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
        state = {
            "armed": np.array([1 if armed else 0]),
            "last_fired": np.array([fired]),
            "fired_count": np.array([count]),
        }
        await self._write_rows(
            np.array([row]), np.array([alert_id]), state, np.zeros(1, bool), _NOTHING_RECORDED
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
        how many were written. Records no firing (`record` does)."""
        saved, _ = await self._write(table, rows, state)
        return saved

    async def record(
        self,
        table: AlertTable,
        rows: np.ndarray,
        state: Mapping[str, np.ndarray],
        fired: np.ndarray,
        version: int,
        lease_end: float,
    ) -> FiringBatch:
        """Write the new state of `rows` and record the firings of `fired` (rows among them)
        for snapshot `version`, as one step; the firings no process recorded before, as one
        batch held for sending until `lease_end` (see `mark_sent`, `renew_batch`).

        A row that holds another alert now is left alone; a firing some process recorded at
        this version or a later one is not recorded again.
        """
        recording = _Recording(f"{version}-{uuid.uuid4().hex[:16]}", version, lease_end)
        _, recorded = await self._write(table, rows, state, fired, recording)
        return FiringBatch(recording.batch, table.columns["ids"][recorded], recorded, lease_end)

    async def _write(
        self,
        table: AlertTable,
        rows: np.ndarray,
        state: Mapping[str, np.ndarray],
        fired: np.ndarray | None = None,
        recording: _Recording | None = None,
    ) -> tuple[int, np.ndarray]:
        """Write `rows`' state and record `fired`'s firings: (rows written, rows whose firing
        was recorded).

        When many rows changed (a first pass over new alerts, a market-wide move) and no
        alert was added, removed or written since `table` was loaded, whole columns are
        written: the same bytes as row by row, a few large writes instead of one per row.
        """
        fired = rows[:0] if fired is None else fired
        recording = recording or _NOTHING_RECORDED
        if len(rows) > BULK_FRACTION * len(table):
            recorded = await self._write_whole(table, rows, state, fired, recording)
            if recorded is not None:
                return len(rows), recorded
        fires = np.zeros(len(table), dtype=bool)
        fires[fired] = True
        ids = table.columns["ids"]
        saved, recorded_rows = 0, [rows[:0]]
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            cells = {name: state[name][chunk] for name in STATE_COLUMNS}
            outcome = await self._write_rows(chunk, ids[chunk], cells, fires[chunk], recording)
            saved += int(np.count_nonzero(outcome))
            recorded_rows.append(chunk[outcome == ROW_RECORDED])
        return saved, np.concatenate(recorded_rows)

    async def _write_rows(
        self,
        rows: np.ndarray,
        ids: np.ndarray,
        cells: Mapping[str, np.ndarray],
        fires: np.ndarray,
        recording: _Recording,
    ) -> np.ndarray:
        """One script call: these rows' new state cells, and their firings where `fires`;
        the script's answer per row (0 left alone, 1 written, ROW_RECORDED)."""
        answer = await self._record(
            keys=[
                *(self._column(n) for n in ("ids", *STATE_COLUMNS, RECORDED)),
                self.keys.alert_generation(),
                self.keys.alert_batches(),
                self.keys.alert_batch(recording.batch),
            ],
            args=[
                pack_rows(rows),
                pack("ids", ids),
                *(pack(name, cells[name]) for name in STATE_COLUMNS),
                np.asarray(fires, dtype=np.uint8).tobytes(),
                recording.version,
                recording.lease_end,
                recording.batch,
            ],
        )
        return np.frombuffer(answer or b"", dtype=np.uint8)

    async def _write_whole(
        self,
        table: AlertTable,
        rows: np.ndarray,
        state: Mapping[str, np.ndarray],
        fired: np.ndarray,
        recording: _Recording,
    ) -> np.ndarray | None:
        """Replace the state columns (and the recorded column, and write the batch) in one
        step, if no alert was added, removed or written since `table` was loaded (its
        generation); the rows whose firing was recorded, or None if the table changed."""
        generation = self.keys.alert_generation()
        if int(await self.client.get(generation) or 0) != table.generation:
            return None
        # Read after the load: if the generation is still the loaded one when the values
        # move in, this is current (every write to the recorded column bumps it).
        before = await self.client.get(self._column(RECORDED)) if len(fired) else None
        columns, recorded, recorded_column, batch = await asyncio.to_thread(
            _whole_columns,
            table,
            rows,
            state,
            fired,
            before if isinstance(before, bytes) else b"",
            recording.version,
        )
        values = {self._column(name): blob for name, blob in columns.items()}
        if len(recorded):
            values[self._column(RECORDED)] = recorded_column
            values[self.keys.alert_batch(recording.batch)] = batch
        staged: dict[str, str] = {}
        moved = False
        try:
            staged = await self._stage(values)
            moved = bool(
                await self._move_whole(
                    keys=[
                        generation,
                        self.keys.alert_batches(),
                        *(key for pair in staged.items() for key in reversed(pair)),
                    ],
                    args=[
                        table.generation,
                        recording.batch if len(recorded) else "",
                        recording.lease_end,
                    ],
                )
            )
        finally:
            if not moved and staged:
                await self.client.delete(*staged.values())
        return recorded if moved else None

    async def _stage(self, values: Mapping[str, bytes]) -> dict[str, str]:
        """Write each value under a staging key of its own, STAGE_PIECE bytes at a time,
        expiring unless moved; the staging key of each destination key."""
        staged = {}
        for key, value in values.items():
            staging = self.keys.alert_staging(uuid.uuid4().hex)
            staged[key] = staging
            piece = memoryview(value)
            await self.client.set(staging, piece[:STAGE_PIECE], ex=STAGE_SECONDS)
            for offset in range(STAGE_PIECE, len(value), STAGE_PIECE):
                await self.client.setrange(staging, offset, piece[offset : offset + STAGE_PIECE])
        return staged

    async def save_previous(self, previous: np.ndarray) -> None:
        """Keep each group's previous value for the next pass (known ones only)."""
        known = {str(i): repr(float(v)) for i, v in enumerate(previous) if math.isfinite(v)}
        if known:
            key = self.keys.alert_group_previous()
            await self.client.hset(key, mapping=known)  # type: ignore[arg-type]

    async def mark_sent(self, batch: str, positions: Iterable[int]) -> None:
        """These firings of `batch` are out (or may be): no one sends them again. A batch
        whose every firing is marked is gone."""
        marks = [int(position) for position in positions]
        keys = [
            self.keys.alert_batches(),
            self.keys.alert_batch(batch),
            self.keys.alert_batch_sent(batch),
        ]
        for start in range(0, len(marks), BATCH):
            await self._mark_sent(keys=keys, args=[batch, *marks[start : start + BATCH]])

    async def renew_batch(self, batch: str, lease_end: float, new_lease_end: float) -> bool:
        """Hold `batch` (still ours: scored at `lease_end`) to `new_lease_end`; False when it
        is not ours any more (its lease lapsed and another process took it, or it is all
        sent)."""
        renewed = await self._renew_batch(
            keys=[self.keys.alert_batches()], args=[lease_end, new_lease_end, batch]
        )
        return bool(renewed)

    async def take_lapsed(self, now: float, lease_end: float, limit: int = 1) -> list[str]:
        """Batches whose sender's lease lapsed before `now`, now held to `lease_end`."""
        adopted = f"adopted-{uuid.uuid4().hex[:16]}"
        lapsed = await self._take_lapsed(
            keys=[
                self.keys.alert_batches(),
                self.keys.alert_sending(),
                self.keys.alert_batch(adopted),
            ],
            args=[now, lease_end, limit, adopted],
        )
        return [_text(batch) for batch in lapsed]

    async def unsent(self, batch: str) -> tuple[np.ndarray, np.ndarray]:
        """The positions in `batch` of its firings not marked sent, and their alert ids."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.get(self.keys.alert_batch(batch))
            pipe.get(self.keys.alert_batch_sent(batch))
            packed, marks = await pipe.execute()
        ids = np.frombuffer(packed or b"", dtype=COLUMNS["ids"])
        # Padded here: numpy's own padding (`count` past the end) is not zeros for no input.
        marks = (marks or b"").ljust(-(-len(ids) // 8), b"\0")
        sent = np.unpackbits(np.frombuffer(marks, dtype=np.uint8), count=len(ids))
        positions = np.flatnonzero(sent == 0)
        return positions, ids[positions]

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


def _whole_columns(
    table: AlertTable,
    rows: np.ndarray,
    state: Mapping[str, np.ndarray],
    fired: np.ndarray,
    recorded_before: bytes,
    version: int,
) -> tuple[dict[str, bytes], np.ndarray, bytes, bytes]:
    """What a whole-column write stores: the state columns with `rows`' new state; the fired
    rows no process recorded at `version` or later; the recorded column with those at
    `version`; and their alert ids, packed, the batch."""
    columns = {}
    for name in STATE_COLUMNS:
        column = table.columns[name].copy()
        column[rows] = state[name][rows]
        columns[name] = pack(name, column)
    if not len(fired):
        return columns, fired, b"", b""
    stored = np.frombuffer(recorded_before, dtype=RECORDED_DTYPE)
    recorded = np.zeros(max(len(table), len(stored)), dtype=RECORDED_DTYPE)
    recorded[: len(stored)] = stored
    fresh = fired[recorded[fired] < version]
    recorded[fresh] = version
    return columns, fresh, recorded.tobytes(), pack("ids", table.columns["ids"][fresh])


def _column(name: str, blob: bytes, length: int) -> np.ndarray:
    """`length` cells of a column; a later column stored shorter reads as zeros beyond."""
    missing = length * WIDTH[name] - len(blob)
    return np.frombuffer(blob + bytes(max(missing, 0)), dtype=COLUMNS[name], count=length)


def _iso(stamp: float) -> str | None:
    if math.isnan(stamp):
        return None
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds")
