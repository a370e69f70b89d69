"""The engine's socket server: HTTP/1.1 over unix and TCP sockets, one thread per connection, h11 for parsing.

Why h11 and not Werkzeug: Docker's attach answers `101 UPGRADED` and then writes raw bytes on the same
socket; h11 is sans-IO, so after the request it hands us the socket and whatever bytes it already read.
Every connection is bounded: header size, body size, read time, and the number of open connections.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.utils import formatdate

import h11

from hellotrace.engine.http import Hijack, RawConnection, Request, Response, peer_has_left, reason_phrase
from hellotrace.engine.tap import TappedSocket, TapSink

log = logging.getLogger("hellotrace.engine")

App = Callable[[Request], Response | Hijack]


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int = 512
    max_header_bytes: int = 64 * 1024
    max_body_bytes: int = 4 * 1024 * 1024
    # Time allowed to send a request once it has begun, and time an idle keep-alive connection is kept.
    request_timeout: float = 30.0
    idle_timeout: float = 120.0


# Go's net/http buffers this much of a handler's output: a whole answer that fits gets a Content-Length, a
# longer one (a large JSON document such as /info or a container's inspect) is sent chunked.
GO_BUFFER_BEFORE_CHUNKING = 2048


class AddressInUse(Exception):
    """A listening address is taken; the message says which and what to do."""


def _go_plain_error(status: int) -> bytes:
    """What Go's net/http writes itself for a request it cannot parse, before any handler runs."""
    text = f"{status} {reason_phrase(status)}"
    return (
        f"HTTP/1.1 {text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n{text}"
    ).encode("ascii")


class _RequestTooLarge(Exception):
    pass


class EngineServer:
    """Listens on a unix socket and/or a TCP address and feeds each request to `app`."""

    def __init__(
        self,
        app: App,
        *,
        unix_path: str | None = None,
        tcp_address: tuple[str, int] | None = None,
        limits: ServerLimits | None = None,
        log_requests: bool = False,
        tap: TapSink | None = None,
    ) -> None:
        if unix_path is None and tcp_address is None:
            raise ValueError("the engine needs a unix socket path, a TCP address, or both")
        self.app = app
        self.unix_path = unix_path
        self.tcp_address = tcp_address
        self.limits = limits or ServerLimits()
        self.log_requests = log_requests
        self.tap = tap  # sees every byte of every connection (the site's trace page)
        self._listeners: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._slots = threading.BoundedSemaphore(self.limits.max_connections)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind every address (or none: a taken address undoes the others) and start accepting."""
        try:
            if self.unix_path is not None:
                self._listeners.append(self._bind_unix(self.unix_path))
            if self.tcp_address is not None:
                listener = self._bind_tcp(self.tcp_address)
                self.tcp_address = listener.getsockname()[:2]
                self._listeners.append(listener)
        except BaseException:
            self._close_listeners()
            raise
        for listener in self._listeners:
            thread = threading.Thread(target=self._accept_loop, args=(listener,), name="engine-accept", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self._close_listeners()
        with self._open_lock:
            for conn in list(self._open):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(timeout=2)
        if self.unix_path and os.path.exists(self.unix_path):
            try:
                os.unlink(self.unix_path)
            except OSError:
                pass

    def open_connections(self) -> int:
        with self._open_lock:
            return len(self._open)

    def _close_listeners(self) -> None:
        for listener in self._listeners:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            try:
                listener.close()
            except OSError:
                pass
        self._listeners.clear()

    @staticmethod
    def _bind_unix(path: str) -> socket.socket:
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
        directory = os.path.dirname(path) or "."
        if not os.path.isdir(directory):
            raise AddressInUse(f"cannot create the unix socket {path}: the directory {directory} does not exist")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(path)
        except OSError as exc:
            listener.close()
            raise AddressInUse(f"cannot listen on the unix socket {path}: {exc.strerror}") from exc
        os.chmod(path, 0o660)
        listener.listen(128)
        return listener

    @staticmethod
    def _bind_tcp(address: tuple[str, int]) -> socket.socket:
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
        listener.listen(128)
        return listener

    # -- connections --------------------------------------------------------------------------------

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                # Over the connection limit: refuse plainly rather than queue without bound.
                try:
                    conn.sendall(_go_plain_error(503))
                finally:
                    conn.close()
                continue
            thread = threading.Thread(target=self._serve_connection, args=(conn,), name="engine-conn", daemon=True)
            thread.start()

    def _serve_connection(self, sock: socket.socket) -> None:
        if self.tap is not None:
            sock = TappedSocket.wrap(sock, self.tap)
        with self._open_lock:
            self._open.add(sock)
        try:
            if sock.family != socket.AF_UNIX:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connection_loop(sock)
        except OSError:
            pass  # the peer vanished; nothing to answer
        except Exception:  # noqa: BLE001 - one bad connection must never take the server down
            log.exception("unexpected error while serving a connection")
        finally:
            with self._open_lock:
                self._open.discard(sock)
            try:
                sock.close()
            finally:
                self._slots.release()

    def _connection_loop(self, sock: socket.socket) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_header_bytes)
        while not self._stopping.is_set():
            try:
                request = self._read_request(sock, conn)
            except h11.RemoteProtocolError as exc:
                status = exc.error_status_hint
                if "exceeded" in str(exc) or "too long" in str(exc):
                    status = 431
                sock.sendall(_go_plain_error(status))
                return
            except _RequestTooLarge:
                sock.sendall(self._too_large_response())
                return
            except TimeoutError:
                if conn.their_state is not h11.IDLE:
                    sock.sendall(_go_plain_error(408))
                return
            if request is None:
                return
            started = time.perf_counter()
            result = self.app(request)
            if isinstance(result, Hijack):
                self._log(request, 101, started)
                sock.settimeout(None)
                result.handler(RawConnection(sock, conn.trailing_data[0]))
                return
            try:
                self._send_response(sock, conn, request, result)
            except OSError:
                self._log(request, result.status, started, "the client left before the end")
                raise
            self._log(request, result.status, started)
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            try:
                conn.start_next_cycle()
            except h11.LocalProtocolError:
                return

    def _read_request(self, sock: socket.socket, conn: h11.Connection) -> Request | None:
        request_event: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                if conn.they_are_waiting_for_100_continue:
                    sock.sendall(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
                sock.settimeout(self.limits.idle_timeout if request_event is None and not conn.trailing_data[0]
                                else self.limits.request_timeout)
                data = sock.recv(65536)
                conn.receive_data(data)
                continue
            if isinstance(event, h11.ConnectionClosed):
                return None
            if isinstance(event, h11.Request):
                request_event = event
                header_bytes = sum(len(name) + len(value) + 4 for name, value in event.headers.raw_items())
                if header_bytes + len(event.target) > self.limits.max_header_bytes:
                    raise h11.RemoteProtocolError("request header block exceeded the limit", 431)
                declared = _content_length(event.headers)
                if declared is not None and declared > self.limits.max_body_bytes:
                    raise _RequestTooLarge
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > self.limits.max_body_bytes:
                    raise _RequestTooLarge
            elif isinstance(event, h11.EndOfMessage):
                assert request_event is not None
                return Request(
                    method=request_event.method.decode("ascii"),
                    target=request_event.target.decode("latin-1"),
                    headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request_event.headers.raw_items()],
                    body=bytes(body),
                )

    def _too_large_response(self) -> bytes:
        body = (
            '{"message":"request body is too large: the mock engine accepts at most '
            f'{self.limits.max_body_bytes} bytes"}}\n'
        ).encode()
        return (
            b"HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    def _send_response(self, sock: socket.socket, conn: h11.Connection, request: Request, response: Response) -> None:
        headers = sorted(response.headers, key=lambda item: item[0])
        headers.append(("Date", formatdate(usegmt=True)))
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
        sock.settimeout(self.limits.request_timeout)
        sock.sendall(conn.send(h11.Response(status_code=response.status, headers=headers, reason=reason)))
        if isinstance(body, (bytes, bytearray)):
            if body and request.method != "HEAD":
                sock.sendall(conn.send(h11.Data(data=bytes(body))))
        elif body is not None:
            self._stream(sock, conn, body)
        sock.sendall(conn.send(h11.EndOfMessage()))

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


def _content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value)
    return None
