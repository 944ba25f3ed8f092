"""ChatStore against a real server: settings, digest claims, alerts, firings, forget, migrate."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence

import numpy as np
import pytest

from bot.chatops.records import AlertFiring, AlertRecord, ChatSettings, Subscription
from bot.chatops.table import AlertTable
from bot.storage import alerts as alert_storage
from bot.storage.alerts import FiringBatch
from bot.storage.chats import ChatStore
from bot.storage.connect import RedisClient, open_redis
from bot.storage.keys import Keys

LEASE = 300.0
NOW = 1_790_000_000.0  # 2026-09-21, any fixed epoch second works
CONDITION = {
    "target": "star50",
    "kind": "index",
    "metric": "MTD",
    "op": ">",
    "threshold": 0.1,
    "unit": "pct",
    "repeat": "once",
}


pytestmark = pytest.mark.on_each_redis_topology


@pytest.fixture
def store(redis_client: RedisClient, keys: Keys) -> ChatStore:
    """A ChatStore on the test server under this test's prefix."""
    return ChatStore(redis_client, keys)


@pytest.fixture
async def other_store(redis_url: str, keys: Keys) -> AsyncIterator[ChatStore]:
    """A second ChatStore on its own connection, like another replica."""
    async with open_redis(redis_url) as client:
        yield ChatStore(client, keys)


async def prefixed_keys(client: RedisClient, keys: Keys) -> set[str]:
    """Every key under the test's prefix."""
    return {k.decode() async for k in client.scan_iter(match=f"{keys.prefix}:*")}


async def record_firings(
    store: ChatStore, alert_ids: Sequence[int], version: int, lease_end: float = NOW + LEASE
) -> FiringBatch:
    """An alert pass on snapshot `version` that finds these alerts firing: their state
    written and their firings recorded, as the evaluator does."""
    table = await store.alerts.load()
    ids, alive = table.columns["ids"], table.columns["alive"].astype(bool)
    rows = np.flatnonzero(np.isin(ids, alert_ids) & alive)
    return await store.alerts.record(table, rows, fire_all(table, NOW), rows, version, lease_end)


def position(batch: FiringBatch, alert_id: int) -> int:
    """Where an alert's firing is in its batch."""
    [at] = np.flatnonzero(batch.alert_ids == alert_id)
    return int(at)


# ---- settings ----------------------------------------------------------------------------------
async def test_settings_default_then_round_trip(store: ChatStore) -> None:
    assert await store.settings(-100) == ChatSettings()
    saved = await store.update_settings(-100, tz="Europe/London", lang="zh", who="everyone")
    assert saved == ChatSettings(tz="Europe/London", lang="zh", who="everyone")
    assert await store.settings(-100) == saved
    # An empty language means "each user's own" and reads back as None.
    assert (await store.update_settings(-100, lang="")).lang is None
    assert await store.settings(-101) == ChatSettings()


# ---- subscriptions -----------------------------------------------------------------------------
async def test_subscribe_and_unsubscribe(store: ChatStore) -> None:
    subscription = Subscription(time="08:00", tz="Europe/London", every_day=True)
    await store.subscribe(42, subscription, NOW + 60)
    assert await store.subscription(42) == subscription
    assert await store.due_at(42) == NOW + 60
    subscription.last_sent_at = "2026-09-21T07:00:00+00:00"
    subscription.last_slot = NOW
    await store.save_subscription(42, subscription)
    assert await store.subscription(42) == subscription
    assert await store.unsubscribe(42) is True
    assert await store.subscription(42) is None
    assert await store.due_at(42) is None
    assert await store.unsubscribe(42) is False


async def test_claim_due_takes_only_due_entries_and_holds_them(store: ChatStore) -> None:
    await store.subscribe(1, Subscription(), NOW - 10)
    await store.subscribe(2, Subscription(), NOW)
    await store.subscribe(3, Subscription(), NOW + 10)
    assert sorted(await store.claim_due(NOW, LEASE)) == [(1, NOW - 10), (2, NOW)]
    # Held for the lease: a second claim sees nothing until it lapses.
    assert await store.claim_due(NOW + 20, LEASE) == [(3, NOW + 10)]
    assert await store.due_at(1) == NOW + LEASE
    assert await store.claim_due(NOW + LEASE - 1, LEASE) == []


async def test_claim_due_respects_its_limit(store: ChatStore) -> None:
    for chat_id in range(10):
        await store.subscribe(chat_id, Subscription(), NOW - chat_id)
    first = await store.claim_due(NOW, LEASE, limit=4)
    assert [c for c, _ in first] == [9, 8, 7, 6]  # most overdue first
    rest = await store.claim_due(NOW, LEASE, limit=100)
    assert sorted(c for c, _ in rest) == [0, 1, 2, 3, 4, 5]


async def test_claim_due_is_atomic_across_two_clients(
    store: ChatStore, other_store: ChatStore
) -> None:
    chats = 400
    async with store.client.pipeline(transaction=False) as pipe:
        for chat_id in range(chats):
            pipe.zadd(store.keys.subscriptions(), {str(chat_id): NOW - chat_id % 7})
        await pipe.execute()

    async def drain(claimer: ChatStore) -> list[int]:
        claimed: list[int] = []
        while batch := await claimer.claim_due(NOW, LEASE, limit=13):
            claimed.extend(chat for chat, _ in batch)
            await asyncio.sleep(0)
        return claimed

    results = await asyncio.gather(*(drain(s) for s in (store, other_store, store, other_store)))
    every_claim = [chat for result in results for chat in result]
    assert sorted(every_claim) == list(range(chats))  # each chat exactly once


async def test_recorded_firings_wait_for_sending_until_their_lease_lapses(
    store: ChatStore, other_store: ChatStore
) -> None:
    first = await store.add_alert(1, CONDITION, "t")
    second = await store.add_alert(2, CONDITION, "t")
    batch = await record_firings(store, [first.id, second.id], 5, lease_end=NOW + LEASE)
    assert sorted(batch.alert_ids.tolist()) == [first.id, second.id]
    await store.alerts.mark_sent(batch.id, [position(batch, second.id)])  # its message went out

    assert await other_store.alerts.take_lapsed(NOW + LEASE - 1, NOW + 2 * LEASE) == []
    assert await store.alerts.renew_batch(batch.id, NOW + LEASE, NOW + 2 * LEASE) is True
    assert await other_store.alerts.take_lapsed(NOW + LEASE, NOW + 3 * LEASE) == []
    # The sender stopped renewing: another process takes the batch over, once, and finds
    # only the unsent firing in it.
    assert await other_store.alerts.take_lapsed(NOW + 2 * LEASE, NOW + 3 * LEASE) == [batch.id]
    positions, ids = await other_store.alerts.unsent(batch.id)
    assert (positions.tolist(), ids.tolist()) == ([position(batch, first.id)], [first.id])
    assert await store.alerts.take_lapsed(NOW + 2 * LEASE, NOW + 3 * LEASE) == []
    assert await store.alerts.renew_batch(batch.id, NOW + 2 * LEASE, NOW + 4 * LEASE) is False


async def test_a_batch_is_gone_once_every_firing_in_it_is_sent(
    store: ChatStore, redis_client: RedisClient, keys: Keys
) -> None:
    alerts = [await store.add_alert(chat, CONDITION, "t") for chat in (1, 2, 3)]
    batch = await record_firings(store, [a.id for a in alerts], 5)
    assert len(batch) == 3
    await store.alerts.mark_sent(batch.id, [0, 2])
    assert (await store.alerts.unsent(batch.id))[0].tolist() == [1]
    await store.alerts.mark_sent(batch.id, [1])
    assert await redis_client.exists(keys.alert_batch(batch.id)) == 0
    assert await redis_client.exists(keys.alert_batch_sent(batch.id)) == 0
    assert await redis_client.zscore(keys.alert_batches(), batch.id) is None
    assert await store.alerts.take_lapsed(NOW + 10 * LEASE, NOW + 11 * LEASE) == []
    await store.alerts.mark_sent(batch.id, [1])  # a late mark of a gone batch changes nothing
    assert not [k for k in await prefixed_keys(redis_client, keys) if "alert-batch" in k]


async def test_a_partly_sent_batch_left_by_a_stopped_sender_hands_over_only_the_unsent(
    store: ChatStore, other_store: ChatStore
) -> None:
    alerts = [await store.add_alert(chat, CONDITION, "t") for chat in range(1, 8)]
    batch = await record_firings(store, [a.id for a in alerts], 5)
    sent = [position(batch, alerts[n].id) for n in (0, 3, 4)]
    await store.alerts.mark_sent(batch.id, sent)  # then the sender stopped
    [taken] = await other_store.alerts.take_lapsed(NOW + LEASE, NOW + 2 * LEASE)
    positions, ids = await other_store.alerts.unsent(taken)
    assert sorted(ids.tolist()) == sorted(alerts[n].id for n in (1, 2, 5, 6))
    assert set(positions.tolist()).isdisjoint(sent)
    # The survivor sends some and stops too: the next one finds only the rest.
    await other_store.alerts.mark_sent(taken, positions[:2].tolist())
    [again] = await store.alerts.take_lapsed(NOW + 2 * LEASE, NOW + 3 * LEASE)
    assert again == batch.id
    assert (await store.alerts.unsent(again))[1].tolist() == ids[2:].tolist()
    await store.alerts.mark_sent(again, positions[2:].tolist())
    assert await other_store.alerts.take_lapsed(NOW + 10 * LEASE, NOW + 11 * LEASE) == []


async def test_firings_held_one_by_one_before_batches_are_taken_over_as_a_batch(
    store: ChatStore, redis_client: RedisClient, keys: Keys
) -> None:
    """Upgrading: the sending set of before held each unsent firing by its own lease."""
    first = await store.add_alert(1, CONDITION, "t")
    second = await store.add_alert(2, CONDITION, "t")
    await redis_client.zadd(keys.alert_sending(), {str(first.id): NOW, str(second.id): NOW + 9})
    [batch] = await store.alerts.take_lapsed(NOW + 1, NOW + LEASE)
    assert (await store.alerts.unsent(batch))[1].tolist() == [first.id]
    # The one still held by its sender stays where it is until its lease lapses.
    assert await redis_client.zrange(keys.alert_sending(), 0, -1) == [str(second.id).encode()]
    assert await store.alerts.renew_batch(batch, NOW + LEASE, NOW + 2 * LEASE) is True
    [later] = await store.alerts.take_lapsed(NOW + 9, NOW + 3 * LEASE)
    assert (await store.alerts.unsent(later))[1].tolist() == [second.id]
    assert await redis_client.exists(keys.alert_sending()) == 0


async def test_released_claims_are_due_again_at_once_unless_no_longer_ours(
    store: ChatStore, other_store: ChatStore
) -> None:
    for chat_id, due in ((1, NOW - 10), (2, NOW - 5), (3, NOW)):
        await store.subscribe(chat_id, Subscription(), due)
    assert len(await store.claim_due(NOW, LEASE)) == 3
    # The claims lapsed and another process holds them now; it hands chat 3 back.
    assert await other_store.claim_due(NOW + LEASE, LEASE) == [
        (1, NOW - 10),
        (2, NOW - 5),
        (3, NOW),
    ]
    assert await other_store.release_claims([3], NOW + LEASE + LEASE) == 1
    assert await store.release_claims([1, 2], NOW + LEASE) == 0  # that lease end is gone

    assert await store.due_at(3) == NOW  # its original due time: claimable now
    assert await store.claim_due(NOW + 1, LEASE) == [(3, NOW)]


async def test_an_unfinished_claim_becomes_due_again_after_the_lease(
    store: ChatStore, other_store: ChatStore
) -> None:
    await store.subscribe(7, Subscription(), NOW)
    assert [c for c, _ in await store.claim_due(NOW, LEASE)] == [7]
    # The claimer "crashed": another replica picks the chat up once the lease has lapsed.
    assert await other_store.claim_due(NOW + LEASE - 0.5, LEASE) == []
    assert [c for c, _ in await other_store.claim_due(NOW + LEASE, LEASE)] == [7]
    # The first claim's finish now fails and leaves the new holder's lease alone...
    assert await store.finish_claim(7, NOW + LEASE, NOW + 86_400) is False
    assert await store.due_at(7) == NOW + 2 * LEASE
    # ...while the new holder's finish reschedules it.
    assert await other_store.finish_claim(7, NOW + 2 * LEASE, NOW + 86_400) is True
    assert await store.due_at(7) == NOW + 86_400


async def test_finish_claim_reschedules_when_the_claim_holds(store: ChatStore) -> None:
    await store.subscribe(8, Subscription(), NOW)
    await store.claim_due(NOW, LEASE)
    assert await store.finish_claim(8, NOW + LEASE, NOW + 86_400) is True
    assert await store.due_at(8) == NOW + 86_400
    # Finishing twice, or finishing an entry that is gone, does nothing.
    assert await store.finish_claim(8, NOW + LEASE, NOW + 1) is False
    assert await store.finish_claim(9, NOW + LEASE, NOW + 1) is False
    assert await store.due_at(9) is None


async def test_a_fractional_lease_end_still_matches(store: ChatStore) -> None:
    now = NOW + 0.123456789
    await store.subscribe(10, Subscription(), now - 1)
    await store.claim_due(now, 299.987654321)
    assert await store.finish_claim(10, now + 299.987654321, NOW + 86_400) is True


async def test_a_reclaim_after_the_lease_reports_the_original_due_time(
    store: ChatStore,
) -> None:
    await store.subscribe(11, Subscription(), NOW)
    assert await store.claim_due(NOW, LEASE) == [(11, NOW)]
    assert await store.claim_due(NOW + LEASE, LEASE) == [(11, NOW)]


# ---- alerts ------------------------------------------------------------------------------------
async def test_alerts_add_list_count_remove(store: ChatStore) -> None:
    first = await store.add_alert(-5, CONDITION, "2026-09-21T00:00:00+00:00")
    second = await store.add_alert(
        -5, {**CONDITION, "threshold": 0.2}, "2026-09-21T00:01:00+00:00"
    )
    other = await store.add_alert(77, CONDITION, "2026-09-21T00:02:00+00:00")
    assert second.id > first.id
    assert first == AlertRecord(first.id, -5, CONDITION, "2026-09-21T00:00:00+00:00")
    assert await store.chat_alerts(-5) == [first, second]
    assert await store.count_alerts(-5) == 2
    assert await store.count_alerts(77) == 1
    assert await store.count_alerts(78) == 0
    assert sorted(r.id for r in await store.all_alerts()) == [first.id, second.id, other.id]
    # A chat cannot remove another chat's alert.
    assert await store.remove_alert(-5, other.id) is False
    assert await store.remove_alert(-5, first.id) is True
    assert await store.remove_alert(-5, first.id) is False
    assert await store.chat_alerts(-5) == [second]
    assert await store.remove_all_alerts(-5) == 1
    assert await store.chat_alerts(-5) == []
    assert await store.remove_all_alerts(-5) == 0
    assert await store.all_alerts() == [other]


def fire_all(table: AlertTable, stamp: float) -> dict[str, np.ndarray]:
    """Every row's state as if each had fired at `stamp`."""
    return {
        "armed": np.zeros(len(table), dtype=np.int8),
        "last_fired": np.full(len(table), stamp),
        "fired_count": table.columns["fired_count"] + 1,
    }


async def test_state_is_written_only_into_rows_that_still_hold_their_alert(
    store: ChatStore,
) -> None:
    kept = await store.add_alert(1, CONDITION, "t")
    gone = await store.add_alert(1, CONDITION, "t")
    table = await store.alerts.load()  # an evaluation loads both rows ...
    await store.remove_alert(1, gone.id)
    reused = await store.add_alert(2, CONDITION, "t")  # ... and gone's row is reused
    rows = np.arange(len(table))
    assert await store.alerts.save_state(table, rows, fire_all(table, NOW)) == 1
    records = {r.id: r for r in await store.all_alerts()}
    assert set(records) == {kept.id, reused.id}
    assert (records[kept.id].armed, records[kept.id].fired_count) == (False, 1)
    assert records[kept.id].last_fired_at is not None
    assert records[reused.id] == reused  # untouched: armed, never fired
    assert len(await store.alerts.load()) == 2  # the freed row was reused, not appended


async def test_firings_are_recorded_only_for_rows_that_still_hold_their_alert(
    store: ChatStore,
) -> None:
    kept = await store.add_alert(1, CONDITION, "t")
    gone = await store.add_alert(1, CONDITION, "t")
    table = await store.alerts.load()  # an evaluation loads both rows, both firing ...
    await store.remove_alert(1, gone.id)
    reused = await store.add_alert(2, CONDITION, "t")  # ... and gone's row is reused
    rows = np.arange(len(table))
    batch = await store.alerts.record(table, rows, fire_all(table, NOW), rows, 3, NOW + LEASE)
    assert batch.alert_ids.tolist() == [kept.id]
    assert batch.rows.tolist() == [0]
    records = {r.id: r for r in await store.all_alerts()}
    assert records[reused.id] == reused  # untouched: armed, never fired
    # The newcomer in the reused row fires in the next pass on the same snapshot.
    assert (await record_firings(store, [reused.id], 3)).alert_ids.tolist() == [reused.id]


async def test_columns_load_what_was_added_with_one_group_per_watched_metric(
    store: ChatStore,
) -> None:
    await store.add_alert(-5, CONDITION, "t", value=0.04)
    await store.add_alert(7, {**CONDITION, "op": "crosses", "threshold": 0.2}, "t", value=0.05)
    other = {**CONDITION, "metric": "YTD", "repeat": "every"}
    await store.add_alert(7, other, "t")
    table = await store.alerts.load()
    assert table.groups == [("index", "star50", "MTD"), ("index", "star50", "YTD")]
    assert list(table.columns["chats"]) == [-5, 7, 7]
    assert list(table.columns["groups"]) == [0, 0, 1]
    assert list(table.columns["thresholds"]) == [0.1, 0.2, 0.1]
    assert list(table.columns["every"]) == [0, 0, 1]
    assert list(table.columns["armed"]) == [1, 1, 1]
    # The first value seen for a group is where its crossings start; later ones don't move it.
    assert table.previous[0] == 0.04
    assert np.isnan(table.previous[1])


async def test_alerts_stored_before_the_columns_keep_their_ids_and_state(
    store: ChatStore,
) -> None:
    legacy = {
        "id": 41,
        "chat_id": -3,
        "condition": {**CONDITION, "repeat": "every"},
        "created_at": "2026-06-01T00:00:00+00:00",
        "armed": False,
        "last_value": 0.07,
        "last_fired_at": "2026-06-02T00:00:00+00:00",
        "fired_count": 2,
        "extra": {},
    }
    await store.client.hset(store.keys.alerts(), "41", json.dumps(legacy))
    await store.client.sadd(store.keys.chat_alerts(-3), 41)
    await store.add_alert(-3, CONDITION, "t")  # a new one beside it, before any evaluation
    [_, record] = await store.chat_alerts(-3)  # listed before any evaluation adopted it
    table = await store.alerts.load()
    assert 41 in list(table.columns["ids"])
    assert table.previous[table.groups.index(("index", "star50", "MTD"))] == 0.07
    assert record == AlertRecord(
        41,
        -3,
        legacy["condition"],  # type: ignore[arg-type]
        "2026-06-01T00:00:00+00:00",
        armed=False,
        last_fired_at="2026-06-02T00:00:00+00:00",
        fired_count=2,
    )
    assert await store.remove_alert(-3, 41) is True


async def test_record_firing_once_per_alert_and_version(
    store: ChatStore, other_store: ChatStore
) -> None:
    alert = await store.add_alert(1, CONDITION, "t")
    another = await store.add_alert(2, CONDITION, "t")
    for version in (5, 6):
        races = await asyncio.gather(
            *(record_firings(s, [alert.id], version) for s in (store, other_store) * 8)
        )
        assert sorted(len(batch) for batch in races) == [0] * 15 + [1]
    # An older snapshot never fires again; another alert is independent.
    assert len(await record_firings(store, [alert.id], 5)) == 0
    assert len(await record_firings(store, [another.id], 5)) == 1
    # Removing the alert forgets its firings: a new alert in its row fires afresh.
    await store.remove_alert(1, alert.id)
    newcomer = await store.add_alert(1, CONDITION, "t")
    rows = await store.client.hmget(store.keys.alert_rows(), [str(alert.id), str(newcomer.id)])
    assert rows == [None, b"0"]
    assert (await record_firings(store, [newcomer.id], 6)).alert_ids.tolist() == [newcomer.id]


async def test_fired_log_is_capped_and_cleared_only_as_far_as_a_digest_carried_it(
    store: ChatStore,
) -> None:
    for n in range(25):
        await store.log_fired(3, f"alert {n}")
    carried = await store.fired_log(3)
    assert carried == [f"alert {n}" for n in range(5, 25)]
    assert await store.fired_log(3) == carried  # reading clears nothing: a retry carries it
    await store.log_fired(3, "fired while the digest was out")
    await store.clear_fired_log(3, carried)
    assert await store.fired_log(3) == ["fired while the digest was out"]


async def test_alerts_keep_their_topic_and_expiry(store: ChatStore) -> None:
    in_topic = await store.add_alert(-8, CONDITION, "t", thread_id=17, expires_at=NOW + 0.5)
    plain = await store.add_alert(-8, CONDITION, "t")
    listed = await store.chat_alerts(-8)
    assert listed == [in_topic, plain]
    assert (listed[0].thread_id, listed[0].expires_at) == (17, "2026-09-21T14:13:21+00:00")
    assert (listed[1].thread_id, listed[1].expires_at) == (None, None)
    table = await store.alerts.load()
    assert list(table.columns["threads"]) == [17, 0]
    assert list(table.columns["expires"]) == [NOW + 1, 0]


async def test_alerts_stored_before_the_topic_and_expiry_columns_still_load(
    store: ChatStore,
) -> None:
    old = await store.add_alert(-8, CONDITION, "t")
    await store.client.delete(
        store.keys.alert_column("threads"), store.keys.alert_column("expires")
    )
    assert len(await store.alerts.load()) == 1
    new = await store.add_alert(-8, CONDITION, "t", thread_id=5)
    table = await store.alerts.load()
    assert list(table.columns["ids"]) == [old.id, new.id]
    assert list(table.columns["threads"]) == [0, 5]
    assert list(table.columns["expires"]) == [0, 0]
    assert [r.thread_id for r in await store.chat_alerts(-8)] == [None, 5]


async def test_forget_topic_drops_only_that_topics_alerts_and_digest(store: ChatStore) -> None:
    await store.subscribe(-8, Subscription(thread_id=5), NOW)
    gone = await store.add_alert(-8, CONDITION, "t", thread_id=5)
    other_topic = await store.add_alert(-8, CONDITION, "t", thread_id=6)
    general = await store.add_alert(-8, CONDITION, "t")
    assert await store.forget_topic(-8, 6) == (1, False)
    assert await store.subscription(-8) == Subscription(thread_id=5)
    assert await store.forget_topic(-8, 5) == (1, True)
    assert await store.subscription(-8) is None
    assert [r.id for r in await store.chat_alerts(-8)] == [general.id]
    assert gone.id != other_topic.id


async def test_a_subscription_saved_before_topics_reads_as_the_chat_itself(
    store: ChatStore,
) -> None:
    old = {"time": "08:00", "tz": "UTC", "every_day": True}
    await store.client.set(store.keys.subscription(4), json.dumps(old))
    assert await store.subscription(4) == Subscription("08:00", "UTC", every_day=True)


async def test_alert_history_is_newest_first_and_capped(store: ChatStore) -> None:
    for n in range(25):
        await store.log_firing(3, AlertFiring(n, CONDITION, n / 100, f"2026-09-21T00:{n:02}:00"))
    history = await store.alert_history(3)
    assert [f.alert_id for f in history] == list(range(24, 4, -1))
    assert history[0] == AlertFiring(24, CONDITION, 0.24, "2026-09-21T00:24:00")
    assert await store.alert_history(4) == []


# ---- whole chats -------------------------------------------------------------------------------
async def test_forget_chat_removes_everything_of_that_chat(
    store: ChatStore, redis_client: RedisClient, keys: Keys
) -> None:
    await store.update_settings(-9, tz="UTC")
    await store.subscribe(-9, Subscription(), NOW)
    alert = await store.add_alert(-9, CONDITION, "t")
    await record_firings(store, [alert.id], 1)
    await store.log_fired(-9, "fired")
    await store.log_firing(-9, AlertFiring(alert.id, CONDITION, 0.2, "2026-09-21T00:00:00"))
    await store.subscribe(12, Subscription(), NOW)
    survivor = await store.add_alert(12, CONDITION, "t")
    await record_firings(store, [survivor.id], 1)
    before = await prefixed_keys(redis_client, keys)

    await store.forget_chat(-9)

    after = await prefixed_keys(redis_client, keys)
    assert before - after == {
        keys.chat(-9),
        keys.subscription(-9),
        keys.chat_alerts(-9),
        keys.fired_log(-9),
        keys.alert_history(-9),
    }
    assert await store.settings(-9) == ChatSettings()
    assert await store.due_at(-9) is None
    assert [r.id for r in await store.all_alerts()] == [survivor.id]  # fired: its state moved
    # The survivor's firing stays recorded; a new alert in the forgotten one's row fires afresh.
    assert len(await record_firings(store, [survivor.id], 1)) == 0
    newcomer = await store.add_alert(-9, CONDITION, "t")
    assert (await record_firings(store, [newcomer.id], 1)).alert_ids.tolist() == [newcomer.id]
    assert await store.due_at(12) == NOW


async def test_migrate_chat_moves_settings_subscription_and_alerts(store: ChatStore) -> None:
    await store.update_settings(-100, tz="Asia/Shanghai", lang="zh")
    subscription = Subscription(time="09:00", tz="Asia/Shanghai", last_sent_at="x", last_slot=1.0)
    await store.subscribe(-100, subscription, NOW + 123)
    first = await store.add_alert(-100, CONDITION, "t")
    second = await store.add_alert(-100, CONDITION, "t")

    await store.migrate_chat(-100, -1_000_000_000_100)

    new = -1_000_000_000_100
    assert await store.settings(new) == ChatSettings(tz="Asia/Shanghai", lang="zh")
    assert await store.subscription(new) == subscription
    assert await store.due_at(new) == NOW + 123
    moved = await store.chat_alerts(new)
    assert [r.id for r in moved] == [first.id, second.id]
    assert {r.chat_id for r in moved} == {new}
    assert {r.chat_id for r in await store.all_alerts()} == {new}
    # Nothing is left under the old id.
    assert await store.settings(-100) == ChatSettings()
    assert await store.subscription(-100) is None
    assert await store.due_at(-100) is None
    assert await store.chat_alerts(-100) == []
    assert await store.count_alerts(-100) == 0


async def test_migrate_chat_without_state_is_harmless(store: ChatStore) -> None:
    await store.migrate_chat(-200, -1_000_000_000_200)
    assert await store.subscription(-1_000_000_000_200) is None
    assert await store.chat_alerts(-1_000_000_000_200) == []


async def test_migrate_chat_moves_the_fired_log(store: ChatStore) -> None:
    await store.log_fired(-300, "fired before the upgrade")
    await store.migrate_chat(-300, -1_000_000_000_300)
    assert await store.fired_log(-1_000_000_000_300) == ["fired before the upgrade"]
    assert await store.fired_log(-300) == []


async def test_migrate_chat_moves_the_alert_history_in_order(store: ChatStore) -> None:
    for n in (1, 2):
        await store.log_firing(-300, AlertFiring(n, CONDITION, 0.1, f"2026-09-21T00:0{n}:00"))
    await store.migrate_chat(-300, -1_000_000_000_300)
    assert [f.alert_id for f in await store.alert_history(-1_000_000_000_300)] == [2, 1]
    assert await store.alert_history(-300) == []


async def two_stores_with_alerts(redis_client: RedisClient) -> list[ChatStore]:
    """Two stores under prefixes of their own, each with the same 40 alerts."""
    stores = [ChatStore(redis_client, Keys(f"test-{uuid.uuid4().hex[:12]}")) for _ in "ab"]
    for store in stores:
        for chat in range(40):
            await store.add_alert(chat, CONDITION, "t")
    return stores


async def test_whole_column_writes_store_what_row_writes_store(
    redis_client: RedisClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = await two_stores_with_alerts(redis_client)
    saved = []
    for store, fraction in zip(stores, (0.05, 1.0), strict=True):  # whole columns, then rows
        monkeypatch.setattr(alert_storage, "BULK_FRACTION", fraction)
        table = await store.alerts.load()
        changed = np.arange(0, len(table), 3)
        state = fire_all(table, NOW)
        assert await store.alerts.save_state(table, changed, state) == len(changed)
        saved.append(await store.alerts.load())
    for name in ("armed", "last_fired", "fired_count"):
        assert saved[0].columns[name].tobytes() == saved[1].columns[name].tobytes()


async def test_whole_column_records_are_the_row_by_row_records(
    redis_client: RedisClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = await two_stores_with_alerts(redis_client)
    batches, saved = [], []
    for store, fraction in zip(stores, (0.05, 1.0), strict=True):  # whole columns, then rows
        monkeypatch.setattr(alert_storage, "BULK_FRACTION", fraction)
        for version in (7, 8):
            table = await store.alerts.load()
            changed = np.arange(version % 2, len(table), 3)
            fired = changed[::2]
            batches.append(
                await store.alerts.record(
                    table, changed, fire_all(table, NOW), fired, version, NOW + LEASE
                )
            )
        saved.append(await store.alerts.load())
    for whole, by_row in zip(batches[:2], batches[2:], strict=True):
        assert len(whole) > 0
        assert whole.alert_ids.tolist() == by_row.alert_ids.tolist()
        assert whole.rows.tolist() == by_row.rows.tolist()
        for store, batch in zip(stores, (whole, by_row), strict=True):
            assert (await store.alerts.unsent(batch.id))[1].tolist() == batch.alert_ids.tolist()
    for name in ("armed", "last_fired", "fired_count"):
        assert saved[0].columns[name].tobytes() == saved[1].columns[name].tobytes()
    recorded = [
        await redis_client.get(store.keys.alert_column(alert_storage.RECORDED)) for store in stores
    ]
    assert recorded[0] == recorded[1]
    for store in stores:  # the whole columns were staged, then moved: nothing is left over
        assert not [k for k in await prefixed_keys(redis_client, store.keys) if "staging" in k]


async def test_a_whole_write_that_meets_a_change_records_row_by_row_and_leaves_nothing(
    store: ChatStore, redis_client: RedisClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts = [await store.add_alert(chat, CONDITION, "t") for chat in (1, 2, 3)]
    table = await store.alerts.load()
    stage = store.alerts._stage

    async def stage_then_add(values: dict[str, bytes]) -> dict[str, str]:
        staged = await stage(values)
        await store.add_alert(4, CONDITION, "t")  # another process adds one meanwhile
        return staged

    monkeypatch.setattr(store.alerts, "_stage", stage_then_add)
    rows = np.arange(len(table))
    batch = await store.alerts.record(table, rows, fire_all(table, NOW), rows, 4, NOW + LEASE)
    assert batch.alert_ids.tolist() == [a.id for a in alerts]
    assert not [k for k in await prefixed_keys(redis_client, keys) if "alert-staging" in k]
    assert (await store.alerts.unsent(batch.id))[1].tolist() == batch.alert_ids.tolist()
    assert [r.fired_count for r in await store.chat_alerts(1)] == [1]
    assert len(await record_firings(store, [a.id for a in alerts], 4)) == 0  # recorded once


async def test_renewing_claims_holds_only_the_claims_still_ours(
    store: ChatStore, redis_client: RedisClient, keys: Keys
) -> None:
    for chat in (21, 22):
        await store.subscribe(chat, Subscription(), NOW)
    assert len(await store.claim_due(NOW, LEASE)) == 2
    assert await store.renew_claims([21, 22, 23], NOW + LEASE, NOW + 2 * LEASE) == [21, 22]
    other = ChatStore(redis_client, keys)
    assert await other.claim_due(NOW + LEASE, LEASE) == []  # renewed: not lapsed yet
    taken = await other.claim_due(NOW + 2 * LEASE, LEASE)  # lapsed: the other takes them
    assert sorted(chat for chat, _ in taken) == [21, 22]
    assert await store.renew_claims([21, 22], NOW + 2 * LEASE, NOW + 5 * LEASE) == []
    assert await store.finish_claim(21, NOW + 2 * LEASE, NOW + 86_400) is False
