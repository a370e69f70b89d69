"""The connections the traced client opens: requests (with requests-unixsocket for unix sockets) for ordinary
calls, a plain socket for the hijacked attach. Every socket is wrapped in a RecordingSocket.

requests' adapter is narrowed to one daemon: one connection pool (so a keep-alive connection is reused across
calls, as the Docker client does), no retries (a retried request would be sent twice on the wire), no proxies.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.parse import quote

import urllib3
from requests import PreparedRequest
from requests.adapters import HTTPAdapter
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


class _DaemonPool(urllib3.HTTPConnectionPool):
    """Connections to one daemon address, numbered in the order they are opened."""

    def __init__(self, address: DaemonAddress, next_number: NextNumber, maxsize: int) -> None:
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


class DaemonAdapter(HTTPAdapter):
    """A requests adapter that sends every request to one daemon, through recorded connections."""

    def __init__(self, address: DaemonAddress, next_number: NextNumber, pool_size: int = 10) -> None:
        super().__init__(max_retries=0)
        self._pool = _DaemonPool(address, next_number, pool_size)

    def get_connection_with_tls_context(
        self,
        request: PreparedRequest,
        verify: bool | str | None,
        proxies: dict[str, str] | None = None,
        cert: object = None,
    ) -> urllib3.HTTPConnectionPool:
        return self._pool

    def request_url(self, request: PreparedRequest, proxies: object) -> str:
        return request.path_url

    def close(self) -> None:
        self._pool.close()
        super().close()


def request_url(address: DaemonAddress, target: str) -> str:
    """The URL handed to requests: requests-unixsocket's `http+unix://` form for a socket, plain http for TCP."""
    if address.scheme == "unix":
        return unix_socket_url(address) + target
    return f"http://{address.http_host}{target}"


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
