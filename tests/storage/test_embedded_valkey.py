"""The embedded Valkey: a real server with append-only persistence, reused per directory."""

from __future__ import annotations

from pathlib import Path

import redis

from bot.storage.embedded import EmbeddedValkey


def test_data_survives_a_restart_and_a_second_user_reuses_the_server(tmp_path: Path) -> None:
    first = EmbeddedValkey(tmp_path)
    url = first.start()
    client = redis.Redis.from_url(url)
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    client.set("chat-state", "kept")

    second = EmbeddedValkey(tmp_path)
    assert second.start() == url  # the running server is reused, not a new one
    assert not second.owned
    second.stop()  # not the owner: the server keeps running
    assert client.get("chat-state") == b"kept"
    client.close()
    first.stop()

    third = EmbeddedValkey(tmp_path)
    client = redis.Redis.from_url(third.start())
    assert client.get("chat-state") == b"kept"  # replayed from the append-only file
    client.close()
    third.stop()
