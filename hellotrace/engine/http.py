"""The engine's view of one HTTP exchange: a parsed request in, a response (whole, streamed or hijacked) out.

The socket server (server.py) fills Request from h11 events and writes Response back; routes never
touch sockets except through a Hijack, which is how Docker's attach takes over the connection.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from hellotrace.protocol.errors import invalid_parameter
from hellotrace.protocol.gostrconv import atoi_with_error, quote


@dataclass
class Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    path: str = ""
    query: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        path, _, query = self.target.partition("?")
        self.path = path
        self.query = parse_qs(query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str) -> int | None:
        """A whole-number query parameter as the daemon reads it (strconv.Atoi): None when absent or empty, Go's
        own error text (invalid syntax, value out of range) as an invalid parameter otherwise."""
        text = self.arg(name)
        if not text:
            return None
        value, error = atoi_with_error(text)
        if error is not None:
            raise invalid_parameter(f"strconv.Atoi: parsing {quote(text)}: {error}")
        return value

    def args_all(self, name: str) -> list[str]:
        """Every value of a repeated query parameter (`changes` of a commit)."""
        return list(self.query.get(name, []))

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter as the daemon reads it (httputils.BoolValue): 0/no/false/none are false."""
        value = self.arg(name)
        if value is None:
            return default
        return value.strip().lower() not in ("", "0", "no", "false", "none")


_REASONS = {
    101: "Switching Protocols", 200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified",
    400: "Bad Request", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout", 409: "Conflict",
    413: "Request Entity Too Large", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 503: "Service Unavailable", 505: "HTTP Version Not Supported",
}


def reason_phrase(status: int) -> str:
    return _REASONS.get(status, "Unknown")


Body = bytes | Iterator[bytes] | None


@dataclass
class Response:
    """A response. A bytes body gets a Content-Length; an iterator body is sent chunked, each item flushed.

    Iterators may yield b"" while they wait: the server uses those moments to notice a client that left.
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Body = None
    reason: str | None = None
    # A Content-Type Go sniffed from the body rather than one the handler set: Go writes it last.
    sniffed_type: str | None = None


class ClientGone(Exception):
    """The peer closed the connection while a hijacked stream was being written."""


class RawConnection:
    """The hijacked socket handed to an attach handler: write bytes, watch for the peer leaving."""

    def __init__(self, sock: socket.socket, already_read: bytes = b"") -> None:
        self._sock = sock
        self.already_read = already_read

    def write(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise ClientGone from exc

    def read(self, size: int = 65536) -> bytes:
        """The client's next bytes (an attached stdin); b"" once it closed its side or left."""
        if self.already_read:
            data, self.already_read = self.already_read, b""
            return data
        try:
            return self._sock.recv(size)
        except OSError:
            return b""

    def close(self) -> None:
        """End the connection both ways (a detach), which also wakes a reader blocked on it."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def peer_closed(self) -> bool:
        """True once the peer closed its side or reset: a half-close from the client is *not* a reason to stop."""
        return peer_has_left(self._sock, half_close_is_gone=False)

    def close_write(self) -> None:
        """End our side, as the daemon does when the container's output closes."""
        try:
            self._sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def peer_has_left(sock: socket.socket, half_close_is_gone: bool = True) -> bool:
    """Peek at the socket without blocking: EOF or an error means the client went away."""
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
        events = poller.poll(0)
        if not events:
            return False
        if events[0][1] & (select.POLLHUP | select.POLLERR):
            return True
        data = sock.recv(1, socket.MSG_PEEK)
    except (OSError, ValueError):
        return True
    if data == b"":
        return half_close_is_gone
    return False


@dataclass
class Hijack:
    """Take over the connection (Docker's attach): the handler writes the status line itself."""

    handler: Callable[[RawConnection], None]
