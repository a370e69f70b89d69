"""The engine's tap: every byte its connections carry, handed to a sink with the moment it crossed.

The server wraps each accepted socket in a `TappedSocket` (one line in server.py). In the site's child
process the sink is a `TapPublisher`, which queues the records and writes them (encoded as protocol/tap.py
says) to the site's unix socket from one thread, so a connection thread only pays for an append. The queue
is bounded: past `max_pending` bytes a connection's further bytes are dropped and the site is told (LOST);
the engine never waits for the site.
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


def trace_tap_path(engine_unix_path: str) -> str:
    """Where an engine child publishes what its connections carry to its site: beside its own socket, 0600."""
    return f"{engine_unix_path}.trace"


class TapSink(Protocol):
    def __call__(self, connection: int, kind: int, at: float, data: bytes) -> None: ...


_numbers = itertools.count(1)
# How long the writer lets records gather before one write to the site. Each write wakes a thread in the engine
# and one in the site, which in a crowd take the interpreter from requests: at 25 ms, a 200-student crowd's tap
# woke each engine's writer about 800 times instead of 2,300, and each site's reader about 1,900 instead of 3,600.
# The trace page gathers what it shows for 50 ms anyway.
_GATHER_SECONDS = 0.025


class TappedSocket(socket.socket):
    """A connected socket that reports what it reads and writes (a peek is not a read). A subclass rather
    than a wrapper, so that every other call stays the socket's own C method.

    While the server reads a request head the client's bytes are held back (`hold`): once the head is judged
    they are reported as they came (`release`, with the moments they arrived), or, for a request the engine
    refuses unread (`hellotrace.engine.guard`: a web browser's, which may carry the site's cookies), never
    (`mute`): nothing more of that connection is reported but its close.
    """

    sink: TapSink
    number: int
    _held: list[tuple[float, bytes]] | None
    _muted: bool

    @classmethod
    def wrap(cls, sock: socket.socket, sink: TapSink) -> TappedSocket:
        tapped = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        tapped.sink = sink
        tapped.number = next(_numbers)
        tapped._held = []
        tapped._muted = False
        sink(tapped.number, OPENED, time.time(), json.dumps(describe(tapped)).encode())
        return tapped

    def hold(self) -> None:
        """Keep the client's next bytes back until `release` or `mute` (a request head is being read)."""
        if self._held is None and not self._muted:
            self._held = []

    def release(self) -> None:
        """Report the bytes held back, with the moments they arrived; report further bytes as they come."""
        held, self._held = self._held, None
        for at, data in held or ():
            self.sink(self.number, CLIENT, at, data)

    def mute(self) -> None:
        """Forget the bytes held back and report nothing more of this connection but its close."""
        self._held, self._muted = None, True

    def recv(self, size: int, flags: int = 0) -> bytes:
        data = super().recv(size, flags)
        if data and not flags & socket.MSG_PEEK and not self._muted:
            if self._held is not None:
                self._held.append((time.time(), data))
            else:
                self.sink(self.number, CLIENT, time.time(), data)
        return data

    def send(self, data: bytes, flags: int = 0) -> int:  # type: ignore[override]
        sent = super().send(data, flags)
        if sent and not self._muted:
            self.release()
            self.sink(self.number, DAEMON, time.time(), bytes(data[:sent]))
        return sent

    def sendall(self, data: bytes, flags: int = 0) -> None:  # type: ignore[override]
        # Reported before it leaves: the client may act on an answer at once, on another connection (`docker
        # start -a` attaches by the ID its inspect answered), and the trace must know the answer before that act,
        # or it files the attach under another run. A send that fails is a client gone; its close follows.
        if not self._muted:
            self.release()
            self.sink(self.number, DAEMON, time.time(), data if type(data) is bytes else bytes(data))
        super().sendall(data, flags)

    def close(self) -> None:
        if self._held:
            self.release()  # a head that never came whole (a timeout, a client that left) is reported as it was
        super().close()
        self.sink(self.number, CLOSED, time.time(), b"")


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
        self._queue: deque[tuple[int, int, float, bytes]] = deque()
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
        """On the connection's own thread, so kept to a few appends: encoding and writing happen in the
        writer thread. The byte count is approximate (no lock), which is all a memory bound needs."""
        if self._sock is None:
            return
        if (self._lost and connection in self._lost) or (self._pending > self.max_pending and kind in (CLIENT, DAEMON)):
            self._drop(connection, kind, at)
            return
        self._pending += len(data)
        self._queue.append((connection, kind, at, data))
        if not self._wake.is_set():
            self._wake.set()

    def _drop(self, connection: int, kind: int, at: float) -> None:
        """Past the bound: this connection's bytes stop here; the site hears it once, and hears the close."""
        with self._lock:
            if connection not in self._lost:
                self._lost.add(connection)
                self._queue.append((connection, LOST, at, b""))
            if kind == CLOSED:
                self._lost.discard(connection)
                self._queue.append((connection, CLOSED, at, b""))
        if not self._wake.is_set():
            self._wake.set()

    def _write_loop(self) -> None:
        assert self._sock is not None
        while True:
            self._wake.wait()
            # Let a burst gather: one wake-up and one write per _GATHER_SECONDS, not per record.
            time.sleep(_GATHER_SECONDS)
            self._wake.clear()
            batch = []
            while self._queue:
                batch.append(encode_record(*self._queue.popleft()))
            self._pending = max(0, self._pending - sum(len(record) for record in batch))
            try:
                self._sock.sendall(b"".join(batch))
            except OSError:
                log.warning("tracing is off: the site stopped reading the trace")
                self._sock.close()
                self._sock = None
                return
