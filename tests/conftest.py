"""Fixtures every test layer shares: a real Redis server (embedded Valkey or REDIS_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as redis

from bot.storage.embedded import EmbeddedValkey
from bot.storage.keys import Keys


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server: REDIS_URL when set, else an embedded Valkey for the whole run."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    server = EmbeddedValkey(Path(tmp_path_factory.mktemp("valkey")))
    yield server.start()
    server.stop()


@pytest.fixture
def key_prefix() -> str:
    """A prefix of this test's own, so tests never see each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def keys(key_prefix: str) -> Keys:
    """Key builders under this test's prefix."""
    return Keys(key_prefix)


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[redis.Redis]:
    """An asyncio client on the test server, closed after the test."""
    client = redis.Redis.from_url(redis_url)
    yield client
    await client.aclose()
