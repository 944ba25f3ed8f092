"""REDIS_URL for one server, a Sentinel-watched primary and a cluster; a Sentinel failover."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio.connection import SSLConnection
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.storage.chats import ChatStore
from bot.storage.connect import (
    Endpoints,
    RedisUrlError,
    deployment_of,
    open_redis,
    parse_endpoints,
)
from bot.storage.connect import _sentinel as sentinel_of
from bot.storage.keys import Keys
from tests.support.valkey_topologies import (
    SentinelSet,
    ValkeyCluster,
    running,
    start_sentinel_set,
)

CONDITION = {
    "kind": "index",
    "target": "star50",
    "metric": "mtd",
    "op": ">=",
    "threshold": 10.0,
    "repeat": "once",
}
FAILOVER_DEADLINE_SECONDS = 60.0
"""Only a bound on waiting, so a broken failover fails instead of hanging."""


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("redis://localhost:6379/0", "server"),
        ("rediss://user:pw@cache.internal:6380/2", "server"),
        ("unix:///run/valkey.sock", "server"),
        ("redis+sentinel://s1:26379,s2:26379/rallybot", "sentinel"),
        ("rediss+sentinel://s1/rallybot/1", "sentinel"),
        ("redis+cluster://n1:7000,n2:7001", "cluster"),
        ("rediss+cluster://n1:7000", "cluster"),
    ],
)
def test_the_url_scheme_names_the_deployment(url: str, kind: str) -> None:
    assert deployment_of(url) == kind


@pytest.mark.parametrize(
    ("url", "default_port", "expected"),
    [
        (
            "redis+cluster://n1:7000,n2:7001",
            6379,
            Endpoints(None, None, (("n1", 7000), ("n2", 7001)), "", {}),
        ),
        (
            "redis+sentinel://:s%40cret@s1,s2:26380/rallybot/3?sentinel_password=x",
            26379,
            Endpoints(
                None,
                "s@cret",
                (("s1", 26379), ("s2", 26380)),
                "/rallybot/3",
                {"sentinel_password": ["x"]},
            ),
        ),
        (
            "redis+cluster://bot:pw@[::1]:7000,[::1]",
            6379,
            Endpoints("bot", "pw", (("::1", 7000), ("::1", 6379)), "", {}),
        ),
    ],
)
def test_multi_host_urls_split_into_hosts_and_credentials(
    url: str, default_port: int, expected: Endpoints
) -> None:
    assert parse_endpoints(url, default_port) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis+cluster://n1:notaport", "not a number"),
        ("redis+cluster://n1:7000,:7001", "without a name"),
        ("redis+cluster://n1:7000/3", "only database 0"),
        ("redis+sentinel://s1:26379", "/SERVICE"),
        ("redis+sentinel://s1:26379/rallybot/one", "not a number"),
    ],
)
async def test_a_url_that_cannot_work_says_why(url: str, message: str) -> None:
    with pytest.raises(RedisUrlError, match=message):
        async with open_redis(url):
            pass


@pytest.mark.parametrize(("scheme", "tls"), [("redis+sentinel", False), ("rediss+sentinel", True)])
def test_the_sentinels_are_reached_like_the_servers(scheme: str, tls: bool) -> None:
    """rediss+sentinel: TLS to the Sentinels too, not only to the primary they name."""
    sentinel, service, db = sentinel_of(f"{scheme}://:pw@s1:26380,s2/rallybot/2")
    assert (service, db) == ("rallybot", 2)
    for watcher in sentinel.sentinels:
        assert watcher.connection_pool.connection_kwargs.get("ssl", False) is tls or (
            issubclass(watcher.connection_pool.connection_class, SSLConnection) is tls
        )


async def test_market_and_chat_keys_live_on_different_cluster_primaries(
    valkey_cluster: ValkeyCluster, keys: Keys
) -> None:
    """Else the cluster tests would prove nothing about commands crossing nodes."""
    market_node = valkey_cluster.node_for(keys.snapshot())
    chat_node = valkey_cluster.node_for(keys.chat(1))
    assert market_node != chat_node
    assert valkey_cluster.node_for(keys.alerts()) == chat_node  # one tag, one slot


@pytest.fixture
def sentinels(tmp_path: Path) -> Iterator[SentinelSet]:
    """A primary, its replica and a Sentinel, for this test alone (it kills the primary)."""
    deployment = start_sentinel_set(tmp_path / "sentinel")
    with running(deployment):
        yield deployment


async def test_a_sentinel_failover_keeps_the_data_and_the_client_follows(
    sentinels: SentinelSet, keys: Keys
) -> None:
    async with open_redis(sentinels.url) as client:
        store = ChatStore(client, keys)
        await store.add_alert(-7, CONDITION, "2026-11-26T00:00:00+00:00")
        assert await client.execute_command("WAIT", 1, 5000) == 1  # the replica has it

        old_primary = sentinels.primary.port
        sentinels.primary.kill()
        errors: list[str] = []
        deadline = time.monotonic() + FAILOVER_DEADLINE_SECONDS
        while True:
            try:
                added = await store.add_alert(-7, CONDITION, "2026-11-26T00:00:00+00:00")
                break
            except RedisConnectionError as error:  # MasterNotFoundError among them
                errors.append(type(error).__name__)
                assert time.monotonic() < deadline, f"no new primary; errors: {errors}"
                await asyncio.sleep(0.2)

        assert sentinels.current_primary_port() == sentinels.replica.port != old_primary
        assert errors  # the client did see the old primary go
        assert [alert.id for alert in await store.chat_alerts(-7)] == [1, added.id]
        assert added.id == 2  # the id counter came across too: no id is handed out twice
