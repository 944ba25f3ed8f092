"""One Redis client from one URL: a single server, a Sentinel-watched primary, or a cluster.

`REDIS_URL` picks the deployment by its scheme:
- `redis://host:port/db` (or `rediss://`, `unix://`): one server.
- `redis+sentinel://[user:password@]host:port[,host:port...]/service[/db]`: the primary that
  the Sentinels name for `service`, followed through failovers. `?sentinel_password=...`
  when the Sentinels themselves need one.
- `redis+cluster://[user:password@]host:port[,host:port...]`: a Redis or Valkey Cluster,
  any nodes as seeds. Keys that are read or written together share a hash tag (see
  bot.storage.keys), so every transaction and script stays within one slot.

No client here repeats a command whose connection failed: the server may have run it before
the reply was lost, and running a script twice would add an alert twice or claim a firing
that then never goes out. A failed command raises; the job or reply that issued it is
designed to be run again (claims and leases make that safe), and the next command opens a
fresh connection.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import parse_qs, unquote, urlsplit

import redis.asyncio as redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff

RedisClient: TypeAlias = redis.Redis | RedisCluster
"""What every store takes: commands, pipelines and scripts work the same on both."""

_CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}
_SENTINEL_SCHEMES = {"redis+sentinel": False, "rediss+sentinel": True}
DEFAULT_SENTINEL_PORT = 26379
DEFAULT_SERVER_PORT = 6379


class RedisUrlError(ValueError):
    """A REDIS_URL this module cannot read; the message says what is wrong."""


@dataclass(frozen=True)
class Endpoints:
    """The parts of a multi-host URL: credentials, hosts, path and query."""

    username: str | None
    password: str | None
    hosts: tuple[tuple[str, int], ...]
    path: str
    query: dict[str, list[str]]


def deployment_of(url: str) -> str:
    """`cluster`, `sentinel` or `server`: what kind of deployment a REDIS_URL names."""
    scheme = urlsplit(url).scheme
    if scheme in _CLUSTER_SCHEMES:
        return "cluster"
    if scheme in _SENTINEL_SCHEMES:
        return "sentinel"
    return "server"


def parse_endpoints(url: str, default_port: int) -> Endpoints:
    """Split a `scheme://[user:password@]host:port,host:port/path?query` URL."""
    parts = urlsplit(url)
    credentials, _, hostlist = parts.netloc.rpartition("@")
    username: str | None = None
    password: str | None = None
    if credentials:
        user, has_password, secret = credentials.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if has_password else None
    hosts: list[tuple[str, int]] = []
    for item in (part.strip() for part in hostlist.split(",")):
        has_port = ":" in item and not item.endswith("]")
        host, port = item.rsplit(":", 1) if has_port else (item, str(default_port))
        if not host:
            raise RedisUrlError(f"REDIS_URL names a host without a name: {item!r}")
        try:
            hosts.append((host.strip("[]"), int(port)))
        except ValueError:
            raise RedisUrlError(f"REDIS_URL has a port that is not a number: {item!r}") from None
    return Endpoints(username, password, tuple(hosts), parts.path, parse_qs(parts.query))


@contextlib.asynccontextmanager
async def open_redis(url: str, max_connections: int = 64) -> AsyncIterator[RedisClient]:
    """A client for the deployment `url` names, every connection it opened closed on exit."""
    kind = deployment_of(url)
    if kind == "cluster":
        cluster = _cluster_client(url, max_connections)
        try:
            # Learn the slots before any command: commands that all find the client
            # uninitialised each start an initialisation that closes the others' sockets.
            await cluster.initialize()
            yield cluster
        finally:
            await cluster.aclose()
        return
    if kind == "sentinel":
        sentinel, service, db = _sentinel(url)
        primary = sentinel.master_for(service, db=db, retry=_never_repeat())
        try:
            yield primary
        finally:
            await primary.aclose()
            for watcher in sentinel.sentinels:
                await watcher.aclose()
        return
    # A blocking pool waits for a free connection instead of failing a burst of work.
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=30, retry=_never_repeat()
    )
    client = redis.Redis.from_pool(pool)  # the client owns the pool and closes it
    try:
        yield client
    finally:
        await client.aclose()


def _cluster_client(url: str, max_connections: int) -> RedisCluster:
    endpoints = parse_endpoints(url, DEFAULT_SERVER_PORT)
    if endpoints.path not in {"", "/", "/0"}:
        raise RedisUrlError("A Redis Cluster has only database 0; drop the path from REDIS_URL")
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in endpoints.hosts],
        username=endpoints.username,
        password=endpoints.password,
        ssl=_CLUSTER_SCHEMES[urlsplit(url).scheme],
        max_connections=max_connections,
        retry=_never_repeat(),
    )


def _never_repeat() -> Retry:
    return Retry(NoBackoff(), retries=0)


def _sentinel(url: str) -> tuple[Sentinel, str, int]:
    endpoints = parse_endpoints(url, DEFAULT_SENTINEL_PORT)
    segments = [segment for segment in endpoints.path.split("/") if segment]
    if not segments or len(segments) > 2:
        raise RedisUrlError(
            "A Sentinel REDIS_URL ends in /SERVICE or /SERVICE/DB, "
            "e.g. redis+sentinel://sentinel-1:26379,sentinel-2:26379/rallybot"
        )
    try:
        db = int(segments[1]) if len(segments) == 2 else 0
    except ValueError:
        raise RedisUrlError(
            f"The database in REDIS_URL is not a number: {segments[1]!r}"
        ) from None
    sentinel_password = endpoints.query.get("sentinel_password", [None])[0]
    tls = _SENTINEL_SCHEMES[urlsplit(url).scheme]
    # The Sentinels themselves are reached the same way as the servers: TLS for rediss+.
    watchers: dict[str, object] = {"ssl": tls}
    if sentinel_password:
        watchers["password"] = sentinel_password
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        list(endpoints.hosts),
        sentinel_kwargs=watchers,
        username=endpoints.username,
        password=endpoints.password,
        ssl=tls,
    )
    return sentinel, segments[0], db
