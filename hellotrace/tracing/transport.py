"""The connections the traced client opens: a urllib3 pool (with requests-unixsocket's connection for unix
sockets) for ordinary calls, a plain socket for the hijacked attach. Every socket is wrapped in a RecordingSocket.

The pool serves one daemon: a keep-alive connection is reused across calls, as the Docker client does. Calls go
to it directly, not through requests: its layers (preparing, cookies, the response object) cost more than the
exchange itself against the mock engine, and change nothing on the wire, which the calls spell out themselves.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.parse import quote

import urllib3
from requests_unixsocket.adapters import UnixHTTPConnection

from hellotrace.docker_host import DaemonAddress
from hellotrace.tracing.wire import RecordingSocket

NextNumber = Callable[[], int]


class _UnixConnection(UnixHTTPConnection):
    next_number: NextNumber

    def connect(self) -> None:
        started = time.perf_counter()
        super().connect()
        self.sock = RecordingSocket(self.sock, self.next_number(), "unix", _ms_since(started))


class _TcpConnection(urllib3.connection.HTTPConnection):
    next_number: NextNumber

    def _new_conn(self) -> socket.socket:
        started = time.perf_counter()
        sock = super()._new_conn()
        return RecordingSocket(sock, self.next_number(), "tcp", _ms_since(started))  # type: ignore[return-value]


class DaemonPool(urllib3.HTTPConnectionPool):
    """Connections to one daemon address, numbered in the order they are opened. No retries (a retried request
    would be sent twice on the wire), no redirects, the response's bytes as they came."""

    def __init__(self, address: DaemonAddress, next_number: NextNumber, maxsize: int = 10) -> None:
        super().__init__(host=address.host or "localhost", port=address.port, maxsize=maxsize, block=False)
        self._address = address
        self._next_number = next_number

    def _new_conn(self) -> urllib3.connection.HTTPConnection:
        self.num_connections += 1
        timeout = self.timeout.connect_timeout  # type: ignore[union-attr]
        conn: _UnixConnection | _TcpConnection
        if self._address.scheme == "unix":
            conn = _UnixConnection(unix_socket_url(self._address), timeout=timeout)
        else:
            conn = _TcpConnection(host=self._address.host or "localhost", port=self._address.port, timeout=timeout)
        conn.next_number = self._next_number
        return conn

    def send(self, method: str, target: str, headers: dict[str, str], body: bytes | None,
             timeout: urllib3.Timeout) -> urllib3.BaseHTTPResponse:
        """`method target` with exactly these headers and body; the response with its body not yet read."""
        return self.urlopen(method, target, body=body, headers=headers, redirect=False, assert_same_host=False,
                            preload_content=False, decode_content=False, retries=_NO_RETRIES, timeout=timeout,
                            chunked=False)


# A connection that fails is reported, not tried again; a read that fails is raised as it is.
_NO_RETRIES = urllib3.Retry(0, read=False)


def unix_socket_url(address: DaemonAddress) -> str:
    return "http+unix://" + quote(address.socket_path or "", safe="")


def dial(address: DaemonAddress, timeout: float, next_number: NextNumber) -> RecordingSocket:
    """A fresh recorded connection, as the Docker client dials one for each hijacked call."""
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
    return RecordingSocket(sock, next_number(), address.scheme, _ms_since(started))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
