"""Fixtures every test layer shares: a real Redis (embedded Valkey or REDIS_URL), or a cluster."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.storage.connect import RedisClient, open_redis
from bot.storage.embedded import EmbeddedValkey
from bot.storage.keys import Keys
from tests.support.valkey_topologies import ValkeyCluster, running, start_cluster

REDIS_TOPOLOGIES = ("server", "cluster")
"""Where the tests marked `on_each_redis_topology` run: one server, and a 3-primary cluster."""


def pytest_configure(config: pytest.Config) -> None:
    """Name this suite's own marker."""
    config.addinivalue_line(
        "markers",
        "on_each_redis_topology: run once on a single server and once on a Valkey cluster",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the marked tests once per topology: their store code must not care which."""
    marked = metafunc.definition.get_closest_marker("on_each_redis_topology")
    if marked and "redis_topology" in metafunc.fixturenames:
        metafunc.parametrize("redis_topology", REDIS_TOPOLOGIES, indirect=True)


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server: REDIS_URL when set, else an embedded Valkey for the whole run."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    server = EmbeddedValkey(Path(tmp_path_factory.mktemp("valkey")))
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def valkey_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyCluster]:
    """Three Valkey primaries in one cluster, started on first use and kept for the run."""
    cluster = start_cluster(Path(tmp_path_factory.mktemp("valkey-cluster")))
    with running(cluster):
        yield cluster


@pytest.fixture
def redis_topology(request: pytest.FixtureRequest) -> str:
    """`server` unless the test runs once per topology."""
    return str(getattr(request, "param", "server"))


@pytest.fixture
def redis_url(redis_topology: str, request: pytest.FixtureRequest) -> str:
    """The URL of this test's Redis: the shared server, or the cluster's seed nodes."""
    if redis_topology == "cluster":
        cluster: ValkeyCluster = request.getfixturevalue("valkey_cluster")
        return cluster.url
    return str(request.getfixturevalue("redis_server_url"))


@pytest.fixture
def key_prefix() -> str:
    """A prefix of this test's own, so tests never see each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def keys(key_prefix: str) -> Keys:
    """Key builders under this test's prefix."""
    return Keys(key_prefix)


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[RedisClient]:
    """An asyncio client on the test's Redis, made the way the bot makes its own."""
    async with open_redis(redis_url) as client:
        yield client
