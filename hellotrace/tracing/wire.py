"""Recording at the socket: every byte the client writes and reads, exactly as it crosses the socket.

`RecordingSocket` wraps a connected socket. The transports use it like a socket; it hands each byte
written or read to the `WireCapture` bound to the current thread. One capture is one
exchange; a keep-alive connection serves several exchanges one after the other, always from the thread
that made the request, so a thread-local binding is enough to tell them apart.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from hellotrace.turns import aside

_bound = threading.local()


class CappedBytes:
    """Keeps the first `limit` bytes appended and counts all of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._data = bytearray()

    def append(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit - len(self._data)
        if room > 0:
            self._data += data[:room]

    @property
    def data(self) -> bytes:
        return bytes(self._data)

    @property
    def truncated(self) -> bool:
        return self.total > len(self._data)


@dataclass(frozen=True)
class ConnectionInfo:
    """Which connection carried an exchange: the n-th opened by this client, new or kept alive."""

    number: int
    transport: str  # "unix" or "tcp"
    local: str  # "127.0.0.1:40312"; "" for an unnamed unix client socket
    peer: str  # "127.0.0.1:2375" or the socket path
    reused: bool  # True when an earlier exchange already used this connection
    connect_ms: float | None  # time to connect, None when the connection was reused

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number, "transport": self.transport, "local": self.local, "peer": self.peer,
            "reused": self.reused, "connect_ms": self.connect_ms,
        }


class WireCapture:
    """The bytes of one exchange, in both directions, with the moments they moved."""

    def __init__(self, limit: int, started: float) -> None:
        self.sent = CappedBytes(limit)
        self.received = CappedBytes(limit)
        self.started = started
        self.connection: ConnectionInfo | None = None
        self.connect_error: BaseException | None = None
        self.first_byte_at: float | None = None
        self.last_sent_at: float | None = None
        # Bytes read but not yet handed to a listener (drained by the recorder at each event).
        self.unreported = bytearray()
        self.on_sent: Callable[[], None] | None = None

    def record_sent(self, data: bytes) -> None:
        self.sent.append(data)
        self.last_sent_at = time.perf_counter()
        if self.on_sent is not None:
            self.on_sent()

    def record_received(self, data: bytes) -> None:
        if self.first_byte_at is None and data:
            self.first_byte_at = time.perf_counter()
        self.received.append(data)
        self.unreported += data

    def take_unreported(self, limit: int | None = None) -> bytes:
        """The bytes read since the last call (at most `limit` of them)."""
        size = len(self.unreported) if limit is None else min(limit, len(self.unreported))
        data = bytes(self.unreported[:size])
        del self.unreported[:size]
        return data

    def use_connection(self, sock: RecordingSocket) -> None:
        """Note which connection this exchange runs on (first I/O of the exchange)."""
        if self.connection is None:
            self.connection = sock.describe(connect_ms=sock.take_connect_ms())
            sock.exchanges_served += 1


@contextmanager
def bound_capture(capture: WireCapture) -> Iterator[WireCapture]:
    """Route the current thread's socket I/O to `capture` for the duration of one exchange."""
    previous = getattr(_bound, "capture", None)
    _bound.capture = capture
    try:
        yield capture
    finally:
        _bound.capture = previous


def current_capture() -> WireCapture | None:
    return getattr(_bound, "capture", None)


class RecordingSocket:
    """A socket that reports its traffic to the capture bound to the calling thread."""

    def __init__(self, sock: socket.socket, number: int, transport: str, connect_ms: float) -> None:
        self._sock = sock
        self.number = number
        self.transport = transport
        self.exchanges_served = 0
        self._connect_ms: float | None = connect_ms

    def __getattr__(self, name: str) -> object:
        # settimeout, fileno, close, shutdown, setsockopt, getpeername … go to the real socket.
        return getattr(self._sock, name)

    def take_connect_ms(self) -> float | None:
        """The connect time, reported once: only the exchange that opened the connection paid it."""
        value, self._connect_ms = self._connect_ms, None
        return value

    def describe(self, connect_ms: float | None) -> ConnectionInfo:
        if self.transport == "unix":
            local, peer = "", str(self._sock.getpeername() or "")
        else:
            local, peer = _address_text(self._sock.getsockname()), _address_text(self._sock.getpeername())
        return ConnectionInfo(self.number, self.transport, local, peer, self.exchanges_served > 0, connect_ms)

    def _capture(self) -> WireCapture | None:
        capture = current_capture()
        if capture is not None:
            capture.use_connection(self)
        return capture

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(data)
        capture = self._capture()
        if capture is not None:
            capture.record_sent(bytes(data))

    def recv(self, size: int) -> bytes:
        if readable_now(self._sock):  # already here (a stream's next lines, mostly): read within this turn
            data = self._sock.recv(size)
        else:
            with aside():  # the daemon's answer may take a while: other requests go on meanwhile
                data = self._sock.recv(size)
        capture = self._capture()
        if capture is not None:
            capture.record_received(data)
        return data


def readable_now(sock: socket.socket | RecordingSocket) -> bool:
    """Whether a read would return at once (bytes, the peer's close or an error), without waiting."""
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


@dataclass(frozen=True)
class MessageHead:
    """The start line and the header fields of an HTTP message, as they were on the wire."""

    start_line: str
    headers: tuple[tuple[str, str], ...]
    size: int  # bytes, including the blank line that ends the head

    def header(self, name: str) -> str | None:
        """The first value of a header, compared case-insensitively."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


def parse_head(data: bytes) -> MessageHead | None:
    """Split an HTTP/1.x head from the bytes that start a message; None while the head is incomplete."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = data[:end].decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value.strip(" \t")))
    return MessageHead(lines[0], tuple(headers), end + 4)


def _address_text(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address)
