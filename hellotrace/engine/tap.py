"""The engine's tap: every byte its connections carry, handed to a sink with the moment it crossed.

The server wraps each accepted socket in a `TappedSocket` (one line in server.py). In the site's child
process the sink is a `TapPublisher`, which queues encoded records (protocol/tap.py) and writes them to the
site's unix socket from one thread, so a connection thread only pays for an append. The queue is bounded:
past `max_pending` bytes a connection's further bytes are dropped and the site is told (LOST), and the
engine never waits for the site.
"""

from __future__ import annotations

import itertools
import json
import logging
import socket
import threading
import time
from collections import deque
from typing import Protocol

from hellotrace.protocol.tap import CLIENT, CLOSED, DAEMON, LOST, OPENED, encode_record

log = logging.getLogger("hellotrace.engine")


class TapSink(Protocol):
    def __call__(self, connection: int, kind: int, at: float, data: bytes) -> None: ...


_numbers = itertools.count(1)


class TappedSocket:
    """A connected socket that reports what it reads and writes (a peek is not a read)."""

    def __init__(self, sock: socket.socket, sink: TapSink) -> None:
        self._sock = sock
        self._sink = sink
        self.number = next(_numbers)
        sink(self.number, OPENED, time.time(), json.dumps(describe(sock)).encode())

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)

    def recv(self, size: int, flags: int = 0) -> bytes:
        data = self._sock.recv(size, flags)
        if data and not flags & socket.MSG_PEEK:
            self._sink(self.number, CLIENT, time.time(), data)
        return data

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(data)
        self._sink(self.number, DAEMON, time.time(), bytes(data))

    def close(self) -> None:
        self._sock.close()
        self._sink(self.number, CLOSED, time.time(), b"")


def describe(sock: socket.socket) -> dict[str, str]:
    """Transport and both ends, for the trace's connection line and the curl that replays a request."""
    if sock.family == socket.AF_UNIX:
        return {"transport": "unix", "daemon": str(sock.getsockname() or ""), "client": ""}
    return {"transport": "tcp", "daemon": _address(sock.getsockname()), "client": _address(sock.getpeername())}


def _address(address: tuple) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


class TapPublisher:
    """Sends tap records to the site's unix socket, in order, from its own thread."""

    def __init__(self, path: str, max_pending: int = 8 * 1024 * 1024) -> None:
        self.path = path
        self.max_pending = max_pending
        self._queue: deque[bytes] = deque()
        self._pending = 0
        self._lost: set[int] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._sock: socket.socket | None = None

    def start(self) -> TapPublisher:
        """Connect to the site; without it (no site listening) the engine runs untraced and says so."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.path)
        except OSError as exc:
            sock.close()
            log.warning("tracing is off: cannot reach the site at %s (%s)", self.path, exc.strerror or exc)
            return self
        self._sock = sock
        threading.Thread(target=self._write_loop, name="engine-tap", daemon=True).start()
        return self

    def __call__(self, connection: int, kind: int, at: float, data: bytes) -> None:
        if self._sock is None:
            return
        with self._lock:
            if connection in self._lost:
                if kind == CLOSED:
                    self._lost.discard(connection)
                    self._queue.append(encode_record(connection, kind, at))
                return
            if self._pending + len(data) > self.max_pending and kind in (CLIENT, DAEMON):
                self._lost.add(connection)
                record = encode_record(connection, LOST, at)
            else:
                record = encode_record(connection, kind, at, data)
            self._queue.append(record)
            self._pending += len(record)
            if not self._wake.is_set():
                self._wake.set()

    def _write_loop(self) -> None:
        assert self._sock is not None
        while True:
            self._wake.wait()
            with self._lock:
                self._wake.clear()
                batch, self._queue = self._queue, deque()
                self._pending = 0
            try:
                self._sock.sendall(b"".join(batch))
            except OSError:
                log.warning("tracing is off: the site stopped reading the trace")
                self._sock.close()
                self._sock = None
                return
