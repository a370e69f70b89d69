"""Attach over a hijacked connection, as the Docker client does it (moby `client/hijack.go`).

The request carries `Connection: Upgrade` and `Upgrade: tcp`; the daemon answers `101 UPGRADED` and from
then on the socket is a raw byte stream, which ends when the daemon closes its side. So the call dials a
connection of its own, as the Docker client does, rather than one of the pool's, with h11 parsing the response
head. Like the CLI without `-i`, the client closes its writing side right after the 101 (there is no stdin to
send).
"""

from __future__ import annotations

import socket

import h11

from hellotrace.tracing import errors
from hellotrace.tracing.errors import TraceError
from hellotrace.tracing.recorder import ExchangeRecorder
from hellotrace.tracing.transport import READ_SIZE, latin1_headers
from hellotrace.tracing.wire import RecordingSocket


def run_hijacked(sock: RecordingSocket, recorder: ExchangeRecorder, read_timeout: float) -> TraceError | None:
    """Send the exchange's request on `sock`, then read the 101 and the stream to EOF (or the refusal)."""
    exchange = recorder.exchange
    conn = h11.Connection(h11.CLIENT)
    request = h11.Request(method=exchange.method, target=exchange.target,
                          headers=latin1_headers(exchange.request_headers))
    sock.settimeout(read_timeout)
    sock.sendall(conn.send(request) + conn.send(h11.EndOfMessage()))

    head = _read_head(sock, conn, recorder)
    if isinstance(head, TraceError):
        return head
    recorder.head_received()
    if head.status_code != 101:
        return _read_refusal(sock, conn, recorder) or errors.upgrade_refused(head.status_code)

    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the daemon may already have closed; reading will tell
    already_read, _ = conn.trailing_data
    if already_read:
        recorder.body_received(bytes(already_read))
    while chunk := sock.recv(READ_SIZE):
        recorder.body_received(chunk)
        if limit := recorder.over_limit():
            return limit
    return None


def _read_head(
    sock: RecordingSocket, conn: h11.Connection, recorder: ExchangeRecorder
) -> h11.InformationalResponse | h11.Response | TraceError:
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(sock.recv(READ_SIZE))
            if limit := recorder.over_limit():
                return limit
            continue
        if isinstance(event, h11.InformationalResponse) and event.status_code != 101:
            continue  # a 100 Continue would come before the real answer
        if isinstance(event, h11.InformationalResponse | h11.Response):
            return event
        return TraceError(errors.ErrorKind.CONNECTION_CLOSED, "the daemon closed the connection before answering")


def _read_refusal(sock: RecordingSocket, conn: h11.Connection, recorder: ExchangeRecorder) -> TraceError | None:
    """A non-101 answer: read its body (often written raw by the daemon, ending at EOF) for the record."""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(sock.recv(READ_SIZE))
        elif isinstance(event, h11.Data):
            recorder.body_received(bytes(event.data))
        else:
            return None
        if limit := recorder.over_limit():
            return limit
