"""The connections the traced client opens: kept-alive connections to one daemon for ordinary calls, a fresh one
for each hijacked attach. Every socket is wrapped in a RecordingSocket.

HTTP/1.1 is spoken with h11 (sans-IO: it frames the messages, keep-alive, `Content-Length`, chunked, a body that
ends at the close), as the hijacked attach and the mock engine speak it. Not urllib3 and http.client: they parse
each answer a second time (the recorder reads its head from the recorded bytes anyway), through the email
package, and cost a replay's step more than the engine's own work on the other side.

The pool serves one daemon: a keep-alive connection is reused across calls, as the Docker client does. No call is
retried (a retried request would be sent twice on the wire), nothing is added to the request: the head and body
go out exactly as the client spelled them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence

import h11

from hellotrace.docker_host import DaemonAddress
from hellotrace.tracing.wire import RecordingSocket, readable_now

NextNumber = Callable[[], int]
READ_SIZE = 65536
# Idle kept-alive connections a pool keeps for its next calls.
_KEPT_IDLE = 10


class DaemonHungUp(ConnectionResetError):
    """The daemon closed the connection before its answer was complete."""

    def __init__(self) -> None:
        super().__init__("the daemon closed the connection before its answer was complete")


class _Connection:
    """A recorded socket and the state of the HTTP/1.1 conversation on it."""

    __slots__ = ("sock", "http")

    def __init__(self, sock: RecordingSocket) -> None:
        self.sock = sock
        self.http = h11.Connection(h11.CLIENT)

    def next_event(self) -> h11.Event | type[h11.PAUSED]:
        """The next thing the daemon said, reading from the socket as needed; bytes that are not HTTP raise
        h11.RemoteProtocolError."""
        while True:
            event = self.http.next_event()
            if event is not h11.NEED_DATA:
                return event
            data = self.sock.recv(READ_SIZE)
            self.http.receive_data(data)
            if not data:
                return self._after_close()

    def _after_close(self) -> h11.Event | type[h11.PAUSED]:
        """What the daemon's close means: the end of a body that ends there, else an answer cut short."""
        try:
            event = self.http.next_event()
        except h11.RemoteProtocolError:
            event = None  # a head or a framed body cut short: raised below, outside this handler
        if event is None or isinstance(event, h11.ConnectionClosed):
            raise DaemonHungUp()
        return event

    def reusable(self) -> bool:
        """Both sides are done with the exchange, neither asked to close, and the daemon sent nothing more (bytes
        past its answer, a body to a HEAD say, would be read as the start of the next answer)."""
        done = self.http.our_state is h11.DONE and self.http.their_state is h11.DONE
        return done and not self.http.trailing_data[0]

    def close(self) -> None:
        self.sock.close()


class Response:
    """A response whose head was read; its body is read with `body()`, then the connection is given back
    (`release`, kept alive when the exchange ended cleanly) or closed (`close`)."""

    def __init__(self, pool: DaemonPool, connection: _Connection) -> None:
        self._pool = pool
        self._connection: _Connection | None = connection

    def body(self) -> Iterator[bytes]:
        """The body's bytes as they arrive, without their framing (chunk sizes); ends with the message."""
        connection = self._connection
        while connection is not None:
            event = connection.next_event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            else:
                raise DaemonHungUp()

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool.give_back(connection)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


class DaemonPool:
    """Connections to one daemon address, numbered in the order they are opened; at most _KEPT_IDLE kept idle."""

    def __init__(self, address: DaemonAddress, next_number: NextNumber) -> None:
        self._address = address
        self._next_number = next_number
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def send(self, method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes | None, *,
             connect_timeout: float, read_timeout: float) -> Response:
        """`method target` with exactly these headers and body; the response with its body not yet read."""
        connection = self._idle_connection() or _Connection(dial(self._address, connect_timeout, self._next_number))
        try:
            connection.sock.settimeout(read_timeout)
            protocol = connection.http
            data = protocol.send(h11.Request(method=method, target=target, headers=latin1_headers(headers)))
            if body:
                data += protocol.send(h11.Data(data=body))
            data += protocol.send(h11.EndOfMessage())
            connection.sock.sendall(data)
            while True:
                event = connection.next_event()
                if isinstance(event, h11.Response):
                    return Response(self, connection)
                if not isinstance(event, h11.InformationalResponse):  # a 100 Continue comes before the answer
                    raise DaemonHungUp()
        except BaseException:
            connection.close()
            raise

    def give_back(self, connection: _Connection) -> None:
        """Keep a connection whose exchange ended cleanly for the next call, or close it."""
        if connection.reusable():
            connection.http.start_next_cycle()
            with self._lock:
                if len(self._idle) < _KEPT_IDLE:
                    self._idle.append(connection)
                    return
        connection.close()

    def _idle_connection(self) -> _Connection | None:
        """The most recently used idle connection the daemon has not closed meanwhile (closed ones are dropped:
        a daemon closes an idle connection after a while, and the next call then dials a new one)."""
        while True:
            with self._lock:
                if not self._idle:
                    return None
                connection = self._idle.pop()
            if not readable_now(connection.sock):  # idle and readable: closed by the daemon (or talking out of turn)
                return connection
            connection.close()

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def latin1_headers(headers: Sequence[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """Header fields as bytes, one byte per character: a value beyond ASCII goes out as the bytes it stands for
    (the lab's custom headers carry UTF-8 that way, as Go writes it), not refused as h11 refuses such text."""
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]


def dial(address: DaemonAddress, timeout: float, next_number: NextNumber) -> RecordingSocket:
    """A fresh recorded connection (the pool's, or one for each hijacked call, as the Docker client dials)."""
    started = time.perf_counter()
    if address.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(address.socket_path or "")
        except OSError:
            sock.close()
            raise
    else:
        sock = socket.create_connection((address.host or "localhost", address.port or 0), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return RecordingSocket(sock, next_number(), address.scheme, _ms_since(started))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
