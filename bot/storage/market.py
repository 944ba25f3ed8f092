"""Market data in Redis: bars, metadata, the snapshot, refresh status and chart files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any, cast

import pandas as pd

from bot.analytics.model import Snapshot
from bot.sources.base import SymbolMeta
from bot.storage.connect import RedisClient
from bot.storage.keys import CHART_TTL_SECONDS, MARKET_TTL_SECONDS, Keys
from bot.storage.keys import text as _text


class MarketStore:
    """Reads and writes market data; takes an already-built asyncio Redis client."""

    def __init__(self, client: RedisClient, keys: Keys | None = None) -> None:
        self.client = client
        self.keys = keys or Keys()

    async def ping(self) -> bool:
        """True when the server answers."""
        return bool(await self.client.ping())

    async def write_closes(self, closes: pd.DataFrame) -> int:
        """Store every valid close (overwriting the same dates); returns rows written."""
        rows = 0
        async with self.client.pipeline(transaction=False) as pipe:
            for symbol in closes.columns:
                series = closes[symbol].dropna()
                if series.empty:
                    continue
                mapping = _bar_fields(series)
                key = self.keys.bars(str(symbol))
                pipe.hset(key, mapping=mapping)
                pipe.expire(key, MARKET_TTL_SECONDS)
                pipe.sadd(self.keys.symbols(), str(symbol))
                rows += len(mapping)
            for key in (self.keys.symbols(), self.keys.bars_format(), self.keys.actions_seen()):
                pipe.expire(key, MARKET_TTL_SECONDS)
            await pipe.execute()
        return rows

    async def delete_closes(self, days: Mapping[str, Iterable[dt.date]]) -> None:
        """Drop these days' bars per symbol (those older than the history window)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for symbol, dropped in days.items():
                fields = [day.isoformat() for day in dropped]
                if fields:
                    pipe.hdel(self.keys.bars(symbol), *fields)
            await pipe.execute()

    async def actions_seen(self, symbols: Iterable[str]) -> dict[str, dt.date]:
        """Per symbol, the newest split or dividend its stored bars already reflect."""
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return {}
        replies = await self.client.hmget(self.keys.actions_seen(), wanted)
        return {
            s: dt.date.fromisoformat(_text(r))
            for s, r in zip(wanted, replies, strict=True)
            if r is not None
        }

    async def save_actions_seen(self, seen: Mapping[str, dt.date]) -> None:
        """Record the newest corporate action each symbol's stored bars reflect."""
        if not seen:
            return
        key = self.keys.actions_seen()
        await self.client.hset(key, mapping={s: d.isoformat() for s, d in seen.items()})
        await self.client.expire(key, MARKET_TTL_SECONDS)

    async def read_closes(self, symbols: Iterable[str] | None = None) -> pd.DataFrame:
        """Stored closes as a frame: tz-naive date index, a column per symbol with data."""
        if symbols is None:
            symbols = sorted(_text(s) for s in await self.client.smembers(self.keys.symbols()))
        wanted = list(dict.fromkeys(symbols))
        async with self.client.pipeline(transaction=False) as pipe:
            for symbol in wanted:
                pipe.hgetall(self.keys.bars(symbol))
            replies = await pipe.execute()
        columns: dict[str, pd.Series] = {}
        for symbol, reply in zip(wanted, replies, strict=True):
            if not reply:
                continue
            dates = pd.to_datetime([_text(k) for k in reply])
            values = [float(v) for v in reply.values()]
            columns[symbol] = pd.Series(values, index=dates, dtype=float)
        if not columns:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="date"), dtype=float)
        frame = pd.DataFrame(columns).sort_index()
        frame.index.name = "date"
        return frame

    async def newest_dates(self, symbols: Iterable[str]) -> dict[str, dt.date]:
        """The newest stored bar date per symbol (for incremental fetches)."""
        wanted = list(symbols)
        async with self.client.pipeline(transaction=False) as pipe:
            for symbol in wanted:
                pipe.hkeys(self.keys.bars(symbol))
            replies = await pipe.execute()
        newest: dict[str, dt.date] = {}
        for symbol, fields in zip(wanted, replies, strict=True):
            if fields:
                newest[symbol] = dt.date.fromisoformat(max(_text(f) for f in fields))
        return newest

    async def replace_closes(self, closes: pd.DataFrame, bars_format: str) -> int:
        """Replace each column's whole stored history at once, recording its price definition.

        Used after a split or a revision at the source, and for first loads.
        """
        rows = 0
        async with self.client.pipeline(transaction=True) as pipe:
            for symbol in closes.columns:
                series = closes[symbol].dropna()
                if series.empty:
                    continue
                key = self.keys.bars(str(symbol))
                pipe.delete(key)
                pipe.hset(key, mapping=_bar_fields(series))
                pipe.expire(key, MARKET_TTL_SECONDS)
                pipe.sadd(self.keys.symbols(), str(symbol))
                pipe.hset(self.keys.bars_format(), str(symbol), bars_format)
                rows += len(series)
            pipe.expire(self.keys.symbols(), MARKET_TTL_SECONDS)
            pipe.expire(self.keys.bars_format(), MARKET_TTL_SECONDS)
            await pipe.execute()
        return rows

    async def bars_formats(self, symbols: Iterable[str]) -> dict[str, str]:
        """Per symbol, the price definition its stored bars follow, where recorded."""
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return {}
        replies = await self.client.hmget(self.keys.bars_format(), wanted)
        return {s: _text(r) for s, r in zip(wanted, replies, strict=True) if r is not None}

    async def write_meta(
        self, meta: Mapping[str, SymbolMeta], fetched_at: dt.datetime | None = None
    ) -> None:
        """Merge metadata per symbol: a missing value never overwrites a stored good one.

        `fetched_at` marks these symbols' share counts as fetched (a full metadata answer);
        without it only what a price answer carries (currency, exchange) is merged.
        """
        async with self.client.pipeline(transaction=False) as pipe:
            for symbol, info in meta.items():
                key = self.keys.meta(symbol)
                fields = _meta_fields(info)
                if fetched_at is not None:
                    fields["fetched_at"] = fetched_at.isoformat()
                pipe.hset(key, mapping=cast("Mapping[Any, Any]", fields))
                pipe.expire(key, MARKET_TTL_SECONDS)
            await pipe.execute()

    async def read_meta(self, symbols: Iterable[str]) -> dict[str, SymbolMeta]:
        """Stored metadata for the symbols that have it."""
        return {
            symbol: _meta_from(symbol, fields)
            for symbol, fields in (await self._meta_hashes(symbols)).items()
        }

    async def meta_due(
        self, symbols: Iterable[str], now: dt.datetime, max_age: dt.timedelta
    ) -> list[str]:
        """The symbols whose full metadata was never fetched or is older than `max_age`."""
        hashes = await self._meta_hashes(symbols, keep_empty=True)
        due = []
        for symbol, fields in hashes.items():
            fetched = fields.get("fetched_at")
            if not fetched or now - dt.datetime.fromisoformat(fetched) > max_age:
                due.append(symbol)
        return due

    async def _meta_hashes(
        self, symbols: Iterable[str], keep_empty: bool = False
    ) -> dict[str, dict[str, str]]:
        wanted = list(dict.fromkeys(symbols))
        async with self.client.pipeline(transaction=False) as pipe:
            for symbol in wanted:
                pipe.hgetall(self.keys.meta(symbol))
            replies = await pipe.execute()
        return {
            symbol: {_text(k): _text(v) for k, v in reply.items()}
            for symbol, reply in zip(wanted, replies, strict=True)
            if reply or keep_empty
        }

    async def load_symbol_health(self) -> dict[str, dict[str, Any]]:
        """Per failing symbol, its failure record (JSON as the refresh wrote it)."""
        raw = await self.client.hgetall(self.keys.symbol_health())
        return {_text(k): json.loads(v) for k, v in raw.items()}

    async def save_symbol_health(
        self, failing: Mapping[str, Mapping[str, Any]], recovered: Iterable[str]
    ) -> None:
        """Record the symbols that failed and forget the ones that answered again."""
        key = self.keys.symbol_health()
        async with self.client.pipeline(transaction=True) as pipe:
            gone = list(recovered)
            if gone:
                pipe.hdel(key, *gone)
            if failing:
                pipe.hset(key, mapping={s: json.dumps(r) for s, r in failing.items()})
            pipe.expire(key, MARKET_TTL_SECONDS)
            await pipe.execute()

    async def load_last_values(self) -> dict[str, float]:
        """Each basket member's last known USD market value."""
        raw = await self.client.hgetall(self.keys.last_values())
        return {_text(k): float(v) for k, v in raw.items()}

    async def save_last_values(self, values: Mapping[str, float]) -> None:
        """Remember members' latest USD market values (only the ones known now)."""
        if not values:
            return
        key = self.keys.last_values()
        await self.client.hset(key, mapping={s: repr(float(v)) for s, v in values.items()})
        await self.client.expire(key, MARKET_TTL_SECONDS)

    async def save_refresh_failure(self, failure: Mapping[str, Any] | None) -> None:
        """Record (or with None, clear) a refresh attempt that stored nothing."""
        if failure is None:
            await self.client.delete(self.keys.refresh_failure())
            return
        await self.client.set(
            self.keys.refresh_failure(), json.dumps(failure), ex=MARKET_TTL_SECONDS
        )

    async def load_refresh_failure(self) -> dict[str, Any] | None:
        """The last refresh attempt that stored nothing, since the last good one."""
        raw = await self.client.get(self.keys.refresh_failure())
        return json.loads(raw) if raw else None

    async def save_snapshot(self, snapshot: Snapshot) -> int:
        """Store a new snapshot and return its version number."""
        version = int(await self.client.incr(self.keys.snapshot_version()))
        document = dataclasses.replace(snapshot, version=version).to_json()
        await self.client.set(
            self.keys.snapshot(), json.dumps(document, allow_nan=False), ex=MARKET_TTL_SECONDS
        )
        return version

    async def snapshot_version(self) -> int:
        """The latest snapshot's version; 0 before the first."""
        raw = await self.client.get(self.keys.snapshot_version())
        return int(raw) if raw else 0

    async def load_snapshot(self) -> Snapshot | None:
        """The latest snapshot, or None before the first refresh."""
        raw = await self.client.get(self.keys.snapshot())
        if raw is None:
            return None
        return Snapshot.from_json(json.loads(raw))

    async def save_refresh_status(self, status: Mapping[str, Any]) -> None:
        """Record what the last refresh did."""
        await self.client.set(
            self.keys.refresh_status(), json.dumps(status), ex=MARKET_TTL_SECONDS
        )

    async def load_refresh_status(self) -> dict[str, Any] | None:
        """What the last refresh did, if any has run."""
        raw = await self.client.get(self.keys.refresh_status())
        return json.loads(raw) if raw else None

    async def try_lock_refresh(self, owner: str, seconds: int) -> bool:
        """Take the refresh lock unless another process holds it."""
        return bool(await self.client.set(self.keys.refresh_lock(), owner, nx=True, ex=seconds))

    async def unlock_refresh(self, owner: str) -> None:
        """Release the refresh lock if this owner still holds it."""
        script = (
            "if redis.call('get', KEYS[1]) == ARGV[1] then "
            "return redis.call('del', KEYS[1]) end return 0"
        )
        await self.client.eval(script, 1, self.keys.refresh_lock(), owner)

    async def save_chart(self, name: str, png: bytes) -> None:
        """Keep a rendered chart for reuse."""
        await self.client.set(self.keys.chart(name), png, ex=CHART_TTL_SECONDS)

    async def has_chart(self, name: str) -> bool:
        """Whether a rendered chart is kept."""
        return bool(await self.client.exists(self.keys.chart(name)))

    async def load_chart(self, name: str) -> bytes | None:
        """A rendered chart, if kept."""
        raw = await self.client.get(self.keys.chart(name))
        return raw if isinstance(raw, bytes) else None

    async def save_file_id(self, name: str, file_id: str) -> None:
        """Remember Telegram's file_id of an uploaded chart."""
        await self.client.set(self.keys.chart_file_id(name), file_id, ex=CHART_TTL_SECONDS)

    async def load_file_id(self, name: str) -> str | None:
        """Telegram's file_id of an uploaded chart, if it was uploaded."""
        raw = await self.client.get(self.keys.chart_file_id(name))
        return _text(raw) if raw is not None else None


def _bar_fields(series: pd.Series) -> Mapping[Any, Any]:
    return {day.date().isoformat(): repr(float(value)) for day, value in series.items()}


def _meta_fields(info: SymbolMeta) -> dict[str, str]:
    """The fields worth storing: a missing value is left out, so it never erases one."""
    fields = {"currency": info.currency, "exchange": info.exchange}
    if info.name and info.name != info.symbol:
        fields["name"] = info.name
    for name, value in (
        ("shares", info.shares_outstanding),
        ("market_cap", info.market_cap),
        ("cap_price", info.cap_price),
    ):
        if value is not None and math.isfinite(value) and value > 0:
            fields[name] = repr(float(value))
    return fields


def _meta_from(symbol: str, fields: Mapping[str, str]) -> SymbolMeta:
    def number(name: str) -> float | None:
        text = fields.get(name, "")
        return float(text) if text else None

    return SymbolMeta(
        symbol=symbol,
        name=fields.get("name", symbol),
        currency=fields.get("currency", "USD"),
        exchange=fields.get("exchange", ""),
        shares_outstanding=number("shares"),
        market_cap=number("market_cap"),
        cap_price=number("cap_price"),
    )
