"""The engine's socket server: HTTP/1.1 over unix and TCP sockets, h11 for parsing.

Why h11 and not Werkzeug: Docker's attach answers `101 UPGRADED` and then writes raw bytes on the same
socket; h11 is sans-IO, so after the request it hands us the socket and whatever bytes it already read.

Connections are handled as Go's net/http server handles them, so that a hostile local client cannot lock
others out:
- one reactor thread reads every request *head* (selectors, non-blocking): a slow or silent connection costs
  a socket and a small buffer, never a thread; a thread is started only once a whole head has arrived;
- that thread keeps the connection while its client keeps it busy: after an answer it waits up to
  `_LINGER_SECONDS` for the next head and serves it at once, so a client that sends request after request
  costs one thread, not a thread and two hand-offs per request; a head that does not arrive whole in that
  time, or silence, goes back to the reactor (a lingering connection may be shed like an idle one);
- the whole head must arrive within `read_header_timeout` (Go's ReadHeaderTimeout), counted from the
  connection (or, on a kept-alive connection, from the first byte of the next request): a byte now and then
  does not extend it; a kept-alive connection may stay silent `idle_timeout` (Go's IdleTimeout) between requests;
- there is no fixed pool: past `max_connections` the slowest unfinished heads are dropped first, then the
  longest-idle kept-alive connections, so a fresh client always gets in;
- malformed requests get Go's own plain-text answers (`400 Bad Request`, `505 HTTP Version Not Supported:
  unsupported protocol version`, `501 Not Implemented`…) and the connection is closed;
- a request a web browser sent, or one naming a host the engine is not (`guard.py`), gets 403 as soon as its
  head is in, unread and untraced, and the connection is closed.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import resource
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.utils import formatdate

import h11

from hellotrace.engine.budget import ByteBudget
from hellotrace.engine.guard import RequestGuard
from hellotrace.engine.http import Hijack, RawConnection, Request, Response, peer_has_left, reason_phrase
from hellotrace.engine.tap import TappedSocket, TapSink
from hellotrace.protocol.units import human_size
from hellotrace.trusted_hosts import engine_hosts

log = logging.getLogger("hellotrace.engine")

App = Callable[[Request], Response | Hijack]


@dataclass(frozen=True)
class ServerLimits:
    max_header_bytes: int = 64 * 1024
    max_body_bytes: int = 4 * 1024 * 1024
    # The whole request head, from the connection (or the next request's first byte) to its blank line.
    read_header_timeout: float = 30.0
    # Silence allowed on a kept-alive connection between two requests.
    idle_timeout: float = 120.0
    # The whole body, once the head is in; and each write of an answer.
    body_timeout: float = 60.0
    # Open connections before the slowest unfinished heads are shed (also bounded by the file limit).
    max_connections: int = 4096
    # Bytes of unfinished heads held for all connections together before the slowest are shed.
    max_pending_head_bytes: int = 32 * 1024 * 1024


# Go's net/http buffers this much of a handler's output: a whole answer that fits gets a Content-Length, a
# longer one (a large JSON document such as /info or a container's inspect) is sent chunked.
GO_BUFFER_BEFORE_CHUNKING = 2048
# How often the reactor looks for expired deadlines; deadlines are kept to within this.
_SWEEP_SECONDS = 0.25
# How long a worker waits for the next request on its kept-alive connection before handing it to the reactor.
_LINGER_SECONDS = 0.25
# A connection younger than this is shed only when no older one can be.
_SHED_GRACE_SECONDS = 1.0
# File descriptors kept free for listeners, the wake-up pair, logs and the engine's own files.
_SPARE_DESCRIPTORS = 64
_HTTP_VERSION = re.compile(rb"^HTTP/(\d)\.(\d)$")
_ERROR_HEADERS = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"


class AddressInUse(Exception):
    """A listening address is taken; the message says which and what to do."""


def require_socket_folder(path: str) -> None:
    """AddressInUse naming the folder when a unix socket's folder does not exist (said before anything starts)."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise AddressInUse(f"cannot create the unix socket {path}: the directory {directory} does not exist; "
                           "create it or choose another path with --unix")


def go_plain_error(status: int, detail: str = "") -> bytes:
    """What Go's net/http writes itself for a request it cannot parse, before any handler runs.

    With a detail it is one of Go's `statusError`s: `400 Bad Request: missing required Host header`.
    """
    text = f"{status} {reason_phrase(status)}" + (f": {detail}" if detail else "")
    return f"HTTP/1.1 {text}{_ERROR_HEADERS}{text}".encode("ascii")


# Go answers an unknown Transfer-Encoding with 501 and this body (server.go, isUnsupportedTEError).
_UNSUPPORTED_TE = f"HTTP/1.1 501 {reason_phrase(501)}{_ERROR_HEADERS}Unsupported transfer encoding".encode("ascii")


def request_line_answer(buffered: bytes) -> tuple[bool, bytes | None]:
    """Judge the request line as soon as it is complete, as Go does before reading any header.

    Returns (line complete, Go's error answer or None). An HTTP/0.9 line (`GET /`, no version) is
    `400 Bad Request` at once instead of a wait for headers that will never come.
    """
    stripped = buffered.lstrip(b"\r\n")
    end = stripped.find(b"\n")
    if end < 0:
        return False, None
    line = stripped[:end].removesuffix(b"\r")
    _method, sep1, rest = line.partition(b" ")
    _target, sep2, proto = rest.partition(b" ")
    if not sep1 or not sep2:
        return True, go_plain_error(400)  # malformed HTTP request
    version = _HTTP_VERSION.match(proto)
    if version is None:
        return True, go_plain_error(400)  # malformed HTTP version
    if version.group(1) != b"1":
        return True, go_plain_error(505, "unsupported protocol version")
    return True, None


def protocol_error_answer(exc: h11.RemoteProtocolError) -> bytes:
    """Go's answer for what h11 refused."""
    text = str(exc)
    if "Transfer-Encoding" in text:
        return _UNSUPPORTED_TE
    if "exceeded" in text or "too long" in text:
        return go_plain_error(431)
    if "Host" in text:
        return go_plain_error(400, "missing required Host header")
    return go_plain_error(exc.error_status_hint if exc.error_status_hint >= 400 else 400)


class _Refused(Exception):
    """The request cannot be served; `answer` is what goes back before the connection closes."""

    def __init__(self, answer: bytes) -> None:
        super().__init__()
        self.answer = answer


class _Connection:
    """One client connection, as the reactor sees it between requests."""

    __slots__ = ("sock", "h11", "phase", "deadline", "head_started", "head_bytes", "line_checked")

    def __init__(self, sock: socket.socket, max_header_bytes: int, deadline: float) -> None:
        self.sock = sock
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=max_header_bytes)
        self.phase = "head"  # head: reading a request head; idle: kept alive, silent; busy: in a worker
        self.deadline = deadline
        self.head_started = time.monotonic()
        self.head_bytes = 0
        self.line_checked = False

    def shed_order(self, now: float) -> tuple[bool, int, float, float]:
        """Sort key, first shed first: unfinished heads before idle connections, old before young, slow first."""
        age = now - self.head_started
        rate = self.head_bytes / max(age, 0.001)
        return (self.phase != "head", age < _SHED_GRACE_SECONDS, rate, -age)

    def start_head(self, now: float, timeout: float) -> None:
        self.phase = "head"
        self.head_started = now
        self.deadline = now + timeout
        self.head_bytes = 0
        self.line_checked = False


class EngineServer:
    """Listens on a unix socket and/or a TCP address and feeds each request to `app`.

    `body_budget`, when given, holds the bytes of request bodies being read: a body the engine cannot hold
    gets 413 before it is read whole.
    """

    def __init__(
        self,
        app: App,
        *,
        unix_path: str | None = None,
        tcp_address: tuple[str, int] | None = None,
        limits: ServerLimits | None = None,
        log_requests: bool = False,
        body_budget: ByteBudget | None = None,
        tap: TapSink | None = None,
        host_names: Iterable[str] = (),
    ) -> None:
        """`host_names`: the names the engine answers to besides loopback, Docker's unix-socket names and its own
        TCP address (the site's trusted names, the address nginx listens on for it)."""
        if unix_path is None and tcp_address is None:
            raise ValueError("the engine needs a unix socket path, a TCP address, or both")
        self.app = app
        self.unix_path = unix_path
        self.tcp_address = tcp_address
        self.limits = limits or ServerLimits()
        self.log_requests = log_requests
        self.body_budget = body_budget
        self.tap = tap  # sees every byte of every connection (the site's trace page)
        self.host_names = tuple(host_names)
        self.guard: RequestGuard | None = None  # made once the TCP address is known
        self.max_connections = self.limits.max_connections
        self._listeners: list[socket.socket] = []
        self._reactor: threading.Thread | None = None
        self._selector = selectors.DefaultSelector()
        self._waiting: set[_Connection] = set()  # owned by the reactor thread
        self._open: set[_Connection] = set()
        self._open_lock = threading.Lock()
        self._returns: deque[_Connection] = deque()
        self._lingering: set[_Connection] = set()  # in a worker, between two requests; under _open_lock
        self._wake_r, self._wake_w = socket.socketpair()
        self._stopping = threading.Event()
        self._shed_count = 0
        self._pending_head_bytes = 0  # owned by the reactor thread

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind every address (or none: a taken address undoes the others) and start the reactor."""
        try:
            if self.unix_path is not None:
                self._listeners.append(bind_unix(self.unix_path))
            if self.tcp_address is not None:
                listener = bind_tcp(self.tcp_address)
                self.tcp_address = listener.getsockname()[:2]
                self._listeners.append(listener)
        except BaseException:
            self._close_listeners()
            raise
        self.max_connections = min(self.limits.max_connections, raise_file_limit(self.limits.max_connections))
        own = [self.tcp_address[0]] if self.tcp_address is not None else []
        self.guard = RequestGuard(engine_hosts(own, self.host_names))
        for listener in self._listeners:
            listener.setblocking(False)
            self._selector.register(listener, selectors.EVENT_READ, "listener")
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._reactor = threading.Thread(target=self._reactor_loop, name="engine-reactor", daemon=True)
        self._reactor.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake()
        if self._reactor is not None:
            self._reactor.join(timeout=2)
        self._close_listeners()
        with self._open_lock:
            for conn in list(self._open):
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self.unix_path and os.path.exists(self.unix_path):
            try:
                os.unlink(self.unix_path)
            except OSError:
                pass

    def open_connections(self) -> int:
        with self._open_lock:
            return len(self._open)

    @property
    def pending_head_bytes(self) -> int:
        """Bytes of request heads received but not yet complete, over every connection."""
        return self._pending_head_bytes

    def _close_listeners(self) -> None:
        for listener in self._listeners:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                listener.close()
            except OSError:
                pass
        self._listeners.clear()

    # -- the reactor: accepting, reading heads, deadlines, shedding ---------------------------------

    def _reactor_loop(self) -> None:
        last_sweep = time.monotonic()
        while not self._stopping.is_set():
            try:
                events = self._selector.select(_SWEEP_SECONDS)
            except OSError:
                return
            for key, _ in events:
                if key.data == "listener":
                    self._accept(key.fileobj)  # type: ignore[arg-type]
                elif key.data == "wake":
                    self._take_returns()
                else:
                    self._on_readable(key.data)
            now = time.monotonic()
            if now - last_sweep >= _SWEEP_SECONDS:
                last_sweep = now
                self._expire(now)
        for conn in list(self._waiting):
            self._close(conn)
        self._selector.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE) and self._shed_one():
                    continue  # out of descriptors: a slow connection makes room, as shedding does
                return
            if self.open_connections() >= self.max_connections and not self._shed_one():
                self._refuse_busy(sock)
                continue
            if self.tap is not None:
                sock = TappedSocket.wrap(sock, self.tap)
            sock.setblocking(False)
            if sock.family != socket.AF_UNIX:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(sock, self.limits.max_header_bytes,
                               time.monotonic() + self.limits.read_header_timeout)
            with self._open_lock:
                self._open.add(conn)
            self._watch(conn)

    @staticmethod
    def _refuse_busy(sock: socket.socket) -> None:
        """Every connection is in a handler: there is nothing slow to shed, so this one is told plainly."""
        try:
            sock.setblocking(False)
            sock.send(go_plain_error(503))
        except OSError:
            pass
        sock.close()

    def _shed_one(self) -> bool:
        """Close the connection that least deserves its place: the slowest unfinished head, else the
        longest-idle kept-alive connection, else one a worker holds between two requests. False when every
        connection is busy in a handler."""
        if not self._waiting:
            with self._open_lock:
                victim = min(self._lingering, key=lambda conn: conn.head_started, default=None)
                if victim is not None:
                    self._lingering.discard(victim)
            if victim is None:
                return False
            self._shed_count += 1
            try:
                victim.sock.shutdown(socket.SHUT_RDWR)  # its worker sees the end and closes it
            except OSError:
                pass
            return True
        now = time.monotonic()
        victim = min(self._waiting, key=lambda conn: conn.shed_order(now))
        self._shed_count += 1
        self._close(victim)
        return True

    def _watch(self, conn: _Connection) -> None:
        self._waiting.add(conn)
        self._pending_head_bytes += conn.head_bytes  # a head a worker began to read, handed over
        self._selector.register(conn.sock, selectors.EVENT_READ, conn)

    def _unwatch(self, conn: _Connection) -> None:
        if conn in self._waiting:
            self._pending_head_bytes -= conn.head_bytes
        self._waiting.discard(conn)
        try:
            self._selector.unregister(conn.sock)
        except (KeyError, ValueError):
            pass

    def _close(self, conn: _Connection) -> None:
        self._unwatch(conn)
        with self._open_lock:
            self._open.discard(conn)
        try:
            conn.sock.close()
        except OSError:
            pass

    def _expire(self, now: float) -> None:
        """Past its deadline, a head or an idle connection is closed without an answer, as Go does."""
        for conn in [c for c in self._waiting if c.deadline <= now]:
            self._close(conn)
        if self._shed_count:
            log.info("shed %d slow connection(s) to make room (limit %d open connections)",
                     self._shed_count, self.max_connections)
            self._shed_count = 0

    def _on_readable(self, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not data:
            self._close(conn)
            return
        if conn.phase == "idle":
            conn.start_head(time.monotonic(), self.limits.read_header_timeout)
        conn.head_bytes += len(data)
        self._pending_head_bytes += len(data)
        conn.h11.receive_data(data)
        self._advance(conn)
        while self._pending_head_bytes > self.limits.max_pending_head_bytes and self._shed_one():
            pass  # many large heads arriving slowly: the slowest make room

    def _advance(self, conn: _Connection) -> None:
        """Feed what arrived to h11; a whole head goes to a worker thread."""
        try:
            event = self._parse_head(conn)
        except _Refused as refused:
            self._answer_and_close(conn, refused.answer)
            return
        if event is None:
            return
        self._unwatch(conn)
        conn.phase = "busy"
        threading.Thread(target=self._serve, args=(conn, event), name="engine-conn", daemon=True).start()

    def _parse_head(self, conn: _Connection) -> h11.Request | None:
        """The request head h11 holds, once whole; None while more bytes are needed. Raises _Refused with
        Go's answer (empty: close without one) for what cannot be served."""
        if not conn.line_checked:
            conn.line_checked, answer = request_line_answer(conn.h11.trailing_data[0])
            if answer is not None:
                raise _Refused(answer)
        try:
            event = conn.h11.next_event()
        except h11.RemoteProtocolError as exc:
            raise _Refused(protocol_error_answer(exc)) from None
        if event is h11.NEED_DATA:
            return None
        if not isinstance(event, h11.Request):
            raise _Refused(b"")
        head_size = len(event.target) + sum(len(name) + len(value) + 4 for name, value in event.headers.raw_items())
        if head_size > self.limits.max_header_bytes:
            raise _Refused(go_plain_error(431))  # it arrived whole, past h11's own check
        refusal = None
        if self.guard is not None:
            refusal = self.guard.refusal(event.headers, tcp=conn.sock.family != socket.AF_UNIX)
        if refusal is not None:
            if isinstance(conn.sock, TappedSocket):
                conn.sock.mute()  # neither the request (it may carry the site's cookies) nor the answer is traced
            if self.log_requests:
                log.info("%s %s -> 403 (refused: a web browser's request, or a host the engine is not)",
                         event.method.decode("latin-1"), event.target.decode("latin-1")[:200])
            raise _Refused(refusal)
        if isinstance(conn.sock, TappedSocket):
            conn.sock.release()
        return event

    def _answer_and_close(self, conn: _Connection, answer: bytes) -> None:
        if answer:
            try:
                conn.sock.send(answer)
            except OSError:
                pass
        self._close(conn)

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _take_returns(self) -> None:
        """Connections handed back by workers, silent or with part of a head: watch them again."""
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError, OSError):
            pass
        while self._returns:
            conn = self._returns.popleft()
            if self._stopping.is_set():
                self._close(conn)
                continue
            self._watch(conn)

    # -- workers: a thread per connection whose head is complete, while it keeps sending ------------------

    def _serve(self, conn: _Connection, event: h11.Request | None) -> None:
        handed_back = False
        try:
            conn.sock.setblocking(True)
            while event is not None:
                if not self._exchange(conn, event) or self._stopping.is_set():
                    break
                event = self._next_head(conn)
            else:
                handed_back = True
        except OSError:
            pass  # the peer vanished; nothing to answer
        except _Refused as refused:
            if refused.answer:
                try:
                    conn.sock.sendall(refused.answer)
                except OSError:
                    pass
        except Exception:  # noqa: BLE001 - one bad connection must never take the server down
            log.exception("unexpected error while serving a connection")
        if handed_back:
            return
        with self._open_lock:
            self._open.discard(conn)
            self._lingering.discard(conn)
        try:
            conn.sock.close()
        except OSError:
            pass

    def _next_head(self, conn: _Connection) -> h11.Request | None:
        """After an answer: the next request if its head arrives whole within `_LINGER_SECONDS` (or was
        pipelined), else None once the connection is handed back to the reactor. The head's own deadline
        runs from its first byte, the idle deadline from the end of the answer, as in the reactor."""
        sock = conn.sock
        now = time.monotonic()
        conn.phase = "idle"
        conn.head_started = now
        conn.deadline = now + self.limits.idle_timeout
        conn.head_bytes = 0
        conn.line_checked = False
        if isinstance(sock, TappedSocket):
            sock.hold()  # the next head is judged before the trace sees it
        linger_end = now + _LINGER_SECONDS
        with self._open_lock:
            self._lingering.add(conn)
        while True:
            if conn.h11.trailing_data[0] and conn.phase == "idle":
                conn.start_head(now, self.limits.read_header_timeout)  # a pipelined request is already here
            event = self._parse_head(conn)
            if event is not None:
                with self._open_lock:
                    if conn not in self._lingering:
                        raise _Refused(b"")  # shed while its head arrived
                    self._lingering.discard(conn)
                conn.phase = "busy"
                return event
            remaining = min(linger_end, conn.deadline) - now
            if remaining <= 0:
                break
            sock.settimeout(remaining)
            try:
                data = sock.recv(65536)
            except TimeoutError:
                break
            if not data:
                raise _Refused(b"")
            now = time.monotonic()
            if conn.phase == "idle":
                conn.start_head(now, self.limits.read_header_timeout)
            conn.head_bytes += len(data)
            conn.h11.receive_data(data)
        if conn.deadline <= time.monotonic():
            raise _Refused(b"")  # idle or head deadline passed, closed without an answer as Go does
        with self._open_lock:
            if conn not in self._lingering:
                raise _Refused(b"")  # shed
            self._lingering.discard(conn)
        sock.setblocking(False)
        self._returns.append(conn)
        self._wake()
        return None

    def _exchange(self, conn: _Connection, event: h11.Request) -> bool:
        """Read the body, run the app, answer; True when the connection may serve another request."""
        sock = conn.sock
        held = [0]
        try:
            try:
                request = self._read_body(conn, event, held)
            except _Refused as refused:
                sock.sendall(refused.answer)
                return False
            except TimeoutError:
                return False
            started = time.perf_counter()
            result = self.app(request)
            if isinstance(result, Hijack):
                self._log(request, 101, started)
                sock.settimeout(None)
                result.handler(RawConnection(sock, conn.h11.trailing_data[0]))
                return False
            # RFC 9112 6.1: a request framed twice (Content-Length and Transfer-Encoding) is served by its
            # chunked framing, as Go does, and the connection is then closed.
            framed_twice = _has_header(event.headers, b"content-length") and _has_header(
                event.headers, b"transfer-encoding")
            try:
                self._send_response(sock, conn.h11, request, result, close=framed_twice)
            except OSError:
                self._log(request, result.status, started, "the client left before the end")
                raise
            self._log(request, result.status, started)
            if framed_twice or h11.MUST_CLOSE in (conn.h11.our_state, conn.h11.their_state):
                return False
            try:
                conn.h11.start_next_cycle()
            except h11.LocalProtocolError:
                return False
            return True
        finally:
            if self.body_budget is not None:
                self.body_budget.release(held[0])

    def _read_body(self, conn: _Connection, event: h11.Request, held: list[int]) -> Request:
        """The body, within `body_timeout`; too big for the limit or for the engine's budget: 413 first."""
        sock = conn.sock
        declared = _content_length(event.headers)
        if declared is not None and not _has_header(event.headers, b"transfer-encoding"):
            self._hold_body(declared, held)
        deadline = time.monotonic() + self.limits.body_timeout
        body = bytearray()
        while True:
            try:
                item = conn.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise _Refused(protocol_error_answer(exc)) from None
            if item is h11.NEED_DATA:
                if conn.h11.they_are_waiting_for_100_continue:
                    sock.sendall(conn.h11.send(h11.InformationalResponse(status_code=100, headers=[])))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                sock.settimeout(remaining)
                conn.h11.receive_data(sock.recv(65536))
            elif isinstance(item, h11.Data):
                body += item.data
                if len(body) > held[0]:
                    self._hold_body(len(body), held)
            elif isinstance(item, h11.EndOfMessage):
                return Request(
                    method=event.method.decode("ascii"),
                    target=event.target.decode("latin-1"),
                    headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers.raw_items()],
                    body=bytes(body),
                )
            else:
                raise _Refused(go_plain_error(400))

    def _hold_body(self, size: int, held: list[int]) -> None:
        """Reserve the body's bytes (up to `size` in all) or refuse it with 413 before reading further."""
        if size > self.limits.max_body_bytes:
            raise _Refused(self._too_large_response(
                f"the mock engine accepts at most {self.limits.max_body_bytes} bytes"))
        if self.body_budget is None:
            held[0] = size
            return
        more = size - held[0]
        if not self.body_budget.try_charge(more):
            raise _Refused(self._too_large_response(
                f"the mock engine's memory budget ({human_size(self.body_budget.limit)}) cannot hold "
                f"{size} more bytes now"))
        held[0] = size

    @staticmethod
    def _too_large_response(reason: str) -> bytes:
        body = f'{{"message":"request body is too large: {reason}"}}\n'.encode()
        return (
            b"HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    def _send_response(self, sock: socket.socket, conn: h11.Connection, request: Request, response: Response,
                       close: bool = False) -> None:
        headers = sorted(response.headers, key=lambda item: item[0])
        headers.append(("Date", _http_date()))
        if close:
            headers.append(("Connection", "close"))
        body = response.body
        no_body = response.status in (204, 304) or response.status < 200
        has_length = any(name.lower() == "content-length" for name, _ in headers)
        if isinstance(body, (bytes, bytearray)) and not has_length and len(body) > GO_BUFFER_BEFORE_CHUNKING:
            body = iter([bytes(body)])  # Go's net/http: a body that overflows its buffer goes out chunked
        if isinstance(body, (bytes, bytearray)):
            if not has_length:
                headers.append(("Content-Length", str(len(body))))
        if response.sniffed_type:
            headers.append(("Content-Type", response.sniffed_type))
        if body is not None and not isinstance(body, (bytes, bytearray)) and not no_body:
            headers.append(("Transfer-Encoding", "chunked"))
        reason = response.reason or reason_phrase(response.status)
        try:
            sock.settimeout(self.limits.body_timeout)
            head = conn.send(h11.Response(status_code=response.status, headers=headers, reason=reason))
            if isinstance(body, (bytes, bytearray)):  # the whole answer in one write
                if body and request.method != "HEAD":
                    head += conn.send(h11.Data(data=bytes(body)))
                sock.sendall(head + conn.send(h11.EndOfMessage()))
                return
            sock.sendall(head)
            if body is not None:
                self._stream(sock, conn, body)
            sock.sendall(conn.send(h11.EndOfMessage()))
        finally:
            close = getattr(response.body, "close", None)
            if close is not None:
                close()  # a stream ends here whatever happened, so that it lets go of its sandbox

    @staticmethod
    def _stream(sock: socket.socket, conn: h11.Connection, chunks: Iterator[bytes]) -> None:
        """Write each chunk as it comes; an empty chunk is a moment to check that the client is still there."""
        try:
            for chunk in chunks:
                if not chunk:
                    if peer_has_left(sock):
                        raise ConnectionAbortedError("client left during a streamed response")
                    continue
                sock.sendall(conn.send(h11.Data(data=chunk)))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def _log(self, request: Request, status: int, started: float, note: str = "") -> None:
        if self.log_requests:
            elapsed = (time.perf_counter() - started) * 1000
            suffix = f", {note}" if note else ""
            log.info("%s %s -> %d (%.1f ms%s)", request.method, request.target, status, elapsed, suffix)


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header, formatted once per second rather than once per answer."""
    global _date_cache
    now = int(time.time())
    second, text = _date_cache
    if second != now:
        text = formatdate(now, usegmt=True)
        _date_cache = (now, text)
    return text


def _content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value)
    return None


def _has_header(headers: Iterable[tuple[bytes, bytes]], wanted: bytes) -> bool:
    return any(name == wanted for name, _ in headers)


def raise_file_limit(wanted_connections: int) -> int:
    """Let the process hold `wanted_connections` sockets if the hard limit allows; return how many it can."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = wanted_connections + _SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted_connections
    return max(16, soft - _SPARE_DESCRIPTORS)


def bind_unix(path: str) -> socket.socket:
    """Bound and listening (mode 0660); a stale socket file is removed, a live one is AddressInUse."""
    if os.path.exists(path):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # a stale socket file left by a process that died
        else:
            raise AddressInUse(
                f"the unix socket {path} is already in use by another running server; "
                "stop it or choose another path with --unix"
            )
        finally:
            probe.close()
    require_socket_folder(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(path)
    except OSError as exc:
        listener.close()
        raise AddressInUse(f"cannot listen on the unix socket {path}: {exc.strerror}") from exc
    os.chmod(path, 0o660)
    listener.listen(1024)
    return listener


def bind_tcp(address: tuple[str, int], listen: bool = True) -> socket.socket:
    """Bound with address reuse, listening unless `listen` is false (a reservation for another server, which
    `--workers` makes for nginx); a taken address is AddressInUse with the message the engine gives."""
    host, port = address
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise AddressInUse(
                f"the TCP address {host}:{port} is already in use (another mock engine or a real dockerd?); "
                "stop that process or choose another address with --tcp"
            ) from exc
        raise AddressInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    if listen:
        listener.listen(1024)
    return listener
