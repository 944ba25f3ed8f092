"""MarketStore against a real server: bars, metadata, snapshots, locks, chart files."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from bot.analytics.model import Snapshot
from bot.sources.base import SymbolMeta
from bot.storage.connect import RedisClient
from bot.storage.keys import MARKET_TTL_SECONDS, Keys
from bot.storage.market import MarketStore
from tests.support.frames import frame

pytestmark = pytest.mark.on_each_redis_topology


@pytest.fixture
def store(redis_client: RedisClient, keys: Keys) -> MarketStore:
    return MarketStore(redis_client, keys)


async def test_closes_round_trip_keeps_nan_gaps(store: MarketStore) -> None:
    closes = frame(
        {
            "0700.HK": {"2025-10-02": 600.5, "2025-10-03": 610.25},
            "000688.SS": {"2025-09-30": 1400.0, "2025-10-09": 1420.0},
        }
    )
    assert await store.write_closes(closes) == 4
    back = await store.read_closes(["0700.HK", "000688.SS", "MISSING"])
    expected = closes[["0700.HK", "000688.SS"]]
    pd.testing.assert_frame_equal(back, expected, check_names=False, check_freq=False)


async def test_incremental_write_overwrites_and_extends(store: MarketStore) -> None:
    await store.write_closes(frame({"A": {"2025-01-02": 1.0, "2025-01-03": 2.0}}))
    await store.write_closes(frame({"A": {"2025-01-03": 2.5, "2025-01-06": 3.0}}))
    back = await store.read_closes(["A"])
    assert back["A"].tolist() == [1.0, 2.5, 3.0]
    assert await store.newest_dates(["A", "B"]) == {"A": dt.date(2025, 1, 6)}


async def test_market_keys_expire(store: MarketStore, redis_client: RedisClient) -> None:
    await store.write_closes(frame({"A": {"2025-01-02": 1.0}}))
    ttl = await redis_client.ttl(store.keys.bars("A"))
    assert 0 < ttl <= MARKET_TTL_SECONDS


async def test_meta_round_trip(store: MarketStore) -> None:
    meta = {
        "0700.HK": SymbolMeta("0700.HK", "Tencent", "HKD", "XHKG", 9.2e9),
        "^NDX": SymbolMeta("^NDX", "Nasdaq 100", "USD", "XNYS", None),
    }
    when = dt.datetime(2026, 11, 25, 8, tzinfo=dt.UTC)
    await store.write_meta(meta, when)
    assert await store.read_meta(["0700.HK", "^NDX", "NOPE"]) == meta
    day = dt.timedelta(days=1)
    assert await store.meta_due(["0700.HK", "NOPE"], when + day, day) == ["NOPE"]
    later = when + day + dt.timedelta(seconds=1)
    assert await store.meta_due(["0700.HK", "NOPE"], later, day) == ["0700.HK", "NOPE"]


async def test_a_missing_value_never_overwrites_a_stored_good_one(store: MarketStore) -> None:
    when = dt.datetime(2026, 11, 25, 8, tzinfo=dt.UTC)
    good = SymbolMeta("0700.HK", "Tencent", "HKD", "XHKG", 9.2e9, 5.8e12, 630.0)
    await store.write_meta({"0700.HK": good}, when)
    # What a price answer carries (no shares), and a later answer that lacks them.
    await store.write_meta({"0700.HK": SymbolMeta("0700.HK", "0700.HK", "HKD", "XHKG")})
    assert await store.read_meta(["0700.HK"]) == {"0700.HK": good}
    day = dt.timedelta(days=1)
    # Merged without `fetched_at`, the share count is still as old as its fetch.
    assert await store.meta_due(["0700.HK"], when + 2 * day, day) == ["0700.HK"]


async def test_replacing_a_history_drops_every_old_bar_at_once(store: MarketStore) -> None:
    await store.write_closes(frame({"A": {"2025-01-02": 10.0, "2025-01-03": 20.0}}))
    await store.replace_closes(frame({"A": {"2025-01-03": 10.0, "2025-01-06": 11.0}}), "v2")
    assert await store.bars_formats(["A", "B"]) == {"A": "v2"}
    back = await store.read_closes(["A"])
    assert back["A"].to_dict() == {
        pd.Timestamp("2025-01-03"): 10.0,
        pd.Timestamp("2025-01-06"): 11.0,
    }


async def test_snapshot_versions_increase(store: MarketStore) -> None:
    assert await store.load_snapshot() is None
    older = Snapshot("2026-11-25", "demo", "2026-11-25T09:00:00+00:00", {}, {}, {}, {}, {}, {}, {})
    newer = dataclasses.replace(older, as_of="2026-11-26")
    first = await store.save_snapshot(older)
    second = await store.save_snapshot(newer)
    assert second == first + 1
    assert await store.load_snapshot() == dataclasses.replace(newer, version=second)


async def test_refresh_lock_is_exclusive_and_owned(store: MarketStore) -> None:
    assert await store.try_lock_refresh("one", 30)
    assert not await store.try_lock_refresh("two", 30)
    await store.unlock_refresh("two")  # not the owner: no effect
    assert not await store.try_lock_refresh("two", 30)
    await store.unlock_refresh("one")
    assert await store.try_lock_refresh("two", 30)


async def test_chart_bytes_and_file_ids(store: MarketStore) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    await store.save_chart("rally:YTD:v3", png)
    await store.save_file_id("rally:YTD:v3", "AgAD-file")
    assert await store.load_chart("rally:YTD:v3") == png
    assert await store.load_file_id("rally:YTD:v3") == "AgAD-file"
    assert await store.load_file_id("rally:YTD:v4") is None


def test_keys_share_a_cluster_hash_tag() -> None:
    keys = Keys("rally")
    assert keys.bars("0700.HK") == "rally:{m}:bars:0700.HK"
    assert keys.snapshot().startswith("rally:{m}:")
    assert keys.subscriptions().startswith("rally:{c}:")
