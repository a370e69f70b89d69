"""One connection's traffic, both directions, cut into exchanges the way a bystander on the wire sees them.

The bytes come from a tap (the mock engine's sockets, or the recording proxy in front of a real daemon), in
the order they crossed. HTTP/1.1 clients wait for a response before sending the next request on the same
connection (the docker CLI, curl and the SDKs never pipeline), so every byte the daemon writes belongs to the
oldest request still waiting. After a `101` both directions are the hijacked stream of that exchange.
Each exchange is filled by the tracing client's own `ExchangeRecorder`, so the stream decoding (progress
lines, stdcopy frames, in-stream errors) and the recording limits are the replay's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from hellotrace.docker_host import DaemonAddress, InvalidDaemonAddress, parse_docker_host
from hellotrace.protocol.stdcopy import HEADER_SIZE, STREAM_NAMES
from hellotrace.tracing import Exchange, RecordedRequest, StreamKind, Timings, TraceEvent, TraceLimits
from hellotrace.tracing.errors import ErrorKind, TraceError
from hellotrace.tracing.recorder import ExchangeRecorder
from hellotrace.tracing.wire import CappedBytes, ConnectionInfo, MessageHead, parse_head
from hellotrace.wiretap.record import TracedExchange, split_target


@dataclass(frozen=True)
class WiretapLimits:
    """Bounds on what one connection may make the site hold."""

    max_head_bytes: int = 64 * 1024  # a longer request or response head ends the parsing of that connection
    recording: TraceLimits = field(default_factory=lambda: TraceLimits(max_recorded_bytes=256 * 1024, max_items=2000))


class WireError(ValueError):
    """The bytes are not HTTP/1.1 as framed by their headers."""


class BodyReader:
    """Finds the end of one message body and removes chunk framing, whatever pieces the bytes come in."""

    _MAX_LINE = 4096

    def __init__(self, framing: str, length: int = 0) -> None:
        # framing: "content-length", "chunked", "until-close" or "none"
        self.framing = framing
        self._remaining = length
        self._state = "size"
        self._line = bytearray()
        self.done = framing == "none" or (framing == "content-length" and length == 0)

    def feed(self, data: bytes) -> tuple[bytes, int]:
        """Returns (body bytes, wire bytes consumed); bytes past the end of the body are left unconsumed."""
        if self.done:
            return b"", 0
        if self.framing == "until-close":
            return data, len(data)
        if self.framing == "content-length":
            take = min(self._remaining, len(data))
            self._remaining -= take
            self.done = self._remaining == 0
            return data[:take], take
        return self._feed_chunked(data)

    def _feed_chunked(self, data: bytes) -> tuple[bytes, int]:
        out = bytearray()
        index = 0
        while index < len(data) and not self.done:
            if self._state == "data":
                take = min(self._remaining, len(data) - index)
                out += data[index:index + take]
                index += take
                self._remaining -= take
                if self._remaining == 0:
                    self._state = "data-end"
                continue
            end = data.find(b"\n", index)
            if end < 0:
                self._line += data[index:]
                if len(self._line) > self._MAX_LINE:
                    raise WireError("a chunk-size line is too long")
                return bytes(out), len(data)
            line = bytes(self._line + data[index:end]).rstrip(b"\r")
            self._line.clear()
            index = end + 1
            if self._state == "size":
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError as exc:
                    raise WireError(f"bad chunk size {line[:20]!r}") from exc
                self._remaining, self._state = size, ("data" if size else "trailer")
            elif self._state == "data-end":
                self._state = "size"
            elif not line:  # an empty line ends the trailer section
                self.done = True
        return bytes(out), index


def request_framing(head: MessageHead) -> BodyReader:
    if "chunked" in (head.header("Transfer-Encoding") or "").lower():
        return BodyReader("chunked")
    length = head.header("Content-Length")
    if length is None:
        return BodyReader("none")
    if not length.strip().isdigit():
        raise WireError(f"bad Content-Length {length[:20]!r}")
    return BodyReader("content-length", int(length))


def stream_kind(path: str, content_type: str | None, first_bytes: bytes = b"") -> StreamKind | None:
    """How the body of an answer is decoded; None while the first bytes are needed to tell.

    A multiplexed-stream answer is stdcopy; a raw-stream one is raw (a TTY), except that before API 1.42 the
    daemon says raw-stream for both, so there the first 8 bytes decide: a stdcopy header is a stream number
    (0-3) and three zero bytes.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/vnd.docker.multiplexed-stream":
        return "stdcopy"
    if kind == "application/vnd.docker.raw-stream":
        if len(first_bytes) < HEADER_SIZE:
            return None
        looks_framed = first_bytes[0] in STREAM_NAMES and first_bytes[1:4] == b"\0\0\0"
        return "stdcopy" if looks_framed else "raw"
    if kind == "application/json" and path.endswith(("/images/create", "/images/push", "/build", "/images/load",
                                                     "/events", "/images/prune", "/build/prune")):
        return "json-lines"
    return "none"


Sink = Callable[[TracedExchange, bool], None]  # (record, is_new): a record appeared or changed


@dataclass
class _Pending:
    record: TracedExchange
    recorder: ExchangeRecorder
    reader: BodyReader | None = None  # set once the response head is in
    kind_known: bool = False
    sniffed: bytearray = field(default_factory=bytearray)  # body bytes held back while the stream kind is unknown


@dataclass
class _PartialRequest:
    head: MessageHead
    reader: BodyReader
    raw: CappedBytes  # the wire bytes, head included (an upload of gigabytes is counted, not kept)
    body: CappedBytes  # the body, chunk framing removed
    at: float


class Conversation:
    """Feed it `client_bytes`, `daemon_bytes` and `closed`, in wire order; it reports exchanges to `sink`.

    `channel` names the trace the exchanges go to; None takes each request's sandbox from its path.
    Anything that is not HTTP ends the parsing of this connection (the exchange in progress says why);
    the connection itself is not touched: a tap only watches.
    """

    def __init__(self, connection: ConnectionInfo, address: DaemonAddress, sink: Sink, *,
                 channel: str | None = None, limits: WiretapLimits | None = None) -> None:
        self.connection = connection
        self.address = address
        self.sink = sink
        self.channel = channel
        self.limits = limits or WiretapLimits()
        self._client = bytearray()
        self._daemon = bytearray()
        self._request: _PartialRequest | None = None
        self._awaiting: deque[_Pending] = deque()
        self._hijacked: _Pending | None = None
        self._served = 0
        self._sandbox_addresses: dict[str, DaemonAddress] = {}
        self._changed: dict[int, TracedExchange] = {}  # records changed by the current read or write
        self.broken: str | None = None

    # --- what the tap reports -------------------------------------------------------------------------------

    def client_bytes(self, data: bytes, at: float) -> None:
        if self.broken:
            return
        if self._hijacked is not None:
            self._hijacked.record.client_stream.append(data)
            self._changed[id(self._hijacked.record)] = self._hijacked.record
        else:
            self._client += data
            try:
                self._parse_requests(at)
            except WireError as exc:
                self._break(str(exc), at, ErrorKind.NOT_HTTP)
        self._flush()

    def daemon_bytes(self, data: bytes, at: float) -> None:
        if self.broken:
            return
        if self._hijacked is not None:
            self._stream_body(self._hijacked, data)
        elif self._awaiting:  # else a daemon's own words on an idle connection (a 408 before closing)
            self._awaiting[0].recorder.capture.record_received(data)
            self._daemon += data
            try:
                self._parse_responses(at)
            except WireError as exc:
                self._break(str(exc), at, ErrorKind.NOT_HTTP)
        self._flush()

    def lost(self, reason: str, at: float) -> None:
        """Part of the traffic was not seen: nothing after it can be cut into exchanges with certainty."""
        self._break(reason, at, ErrorKind.STREAM_TOO_LONG)
        self._flush()

    def closed(self, at: float) -> None:
        """The connection is gone: what was still open ends here (normally for a body read until close)."""
        self._close_all(at)
        self._flush()

    def _close_all(self, at: float) -> None:
        if self._hijacked is not None:
            self._finish(self._hijacked, None, at)
            self._hijacked = None
        while self._awaiting:
            pending = self._awaiting.popleft()
            complete = pending.reader is not None and pending.reader.framing == "until-close"
            self._finish(pending, None if complete else _closed_early(), at)

    def _flush(self) -> None:
        """One change notice per record for all that one read or write did (a record changes at each line,
        frame or part of it: announcing each would wake every reader many times for nothing)."""
        if self._changed:
            changed, self._changed = self._changed, {}
            for record in changed.values():
                self.sink(record, False)

    # --- requests --------------------------------------------------------------------------------------------

    def _parse_requests(self, at: float) -> None:
        while self._client:
            if self._awaiting and _is_upgrade(self._awaiting[-1].record.exchange):
                return  # nothing but the hijacked stream follows an upgrade request; held until the 101
            if self._request is None:
                head = parse_head(bytes(self._client[: self.limits.max_head_bytes + 4]))
                if head is None:
                    if len(self._client) > self.limits.max_head_bytes:
                        raise WireError("request head too large")
                    return
                cap = self.limits.recording.max_recorded_bytes
                self._request = _PartialRequest(head, request_framing(head), CappedBytes(cap), CappedBytes(cap), at)
                self._request.raw.append(bytes(self._client[: head.size]))
                del self._client[: head.size]
            partial = self._request
            decoded, used = partial.reader.feed(bytes(self._client))
            partial.raw.append(bytes(self._client[:used]))
            partial.body.append(decoded)
            del self._client[:used]
            if not partial.reader.done:
                return
            self._request = None
            self._open_exchange(partial, at)

    def _open_exchange(self, partial: _PartialRequest, at: float) -> None:
        head = partial.head
        method, _, rest = head.start_line.partition(" ")
        target, _, http_version = rest.rpartition(" ")
        limits = self.limits.recording
        raw = partial.raw.data
        sandbox = self.channel or split_target(target)[0]
        self._served += 1
        connection = ConnectionInfo(self.connection.number, self.connection.transport, self.connection.local,
                                    self.connection.peer, self._served > 1, None)
        exchange = Exchange(
            number=0, label="", address=self._address_for(target), method=method, target=target,
            request_headers=head.headers, request_body=partial.body.data if partial.body.total else None,
            stream="none", timings=Timings(started_at=partial.at), connection=connection,
            # Already parsed: made here rather than by feeding the recorder's capture, which would parse it again.
            request=RecordedRequest(method, target, http_version, head.headers, raw[:head.size], raw[head.size:],
                                    partial.raw.total - head.size),
        )
        record = TracedExchange(exchange, sandbox, partial.at, CappedBytes(limits.max_recorded_bytes))
        recorder = ExchangeRecorder(exchange, [self._listener(record)], limits)
        recorder.capture.connection = connection
        self._awaiting.append(_Pending(record, recorder))
        exchange.timings.request_sent_ms = _ms(partial.at, at)
        self.sink(record, True)

    def _address_for(self, target: str) -> DaemonAddress:
        """The DOCKER_HOST the client used: over TCP, a sandbox's path prefix is part of it."""
        prefix = target.split("?")[0]
        if self.address.scheme != "tcp" or not prefix.startswith("/sandboxes/"):
            return self.address
        sandbox = split_target(target)[0]
        cached = self._sandbox_addresses.get(sandbox)
        if cached is None:
            try:
                cached = parse_docker_host(f"{self.address.normalized}/sandboxes/{sandbox}")
            except InvalidDaemonAddress:
                return self.address  # a path no DOCKER_HOST can hold: the exchange keeps its full target
            self._sandbox_addresses = {sandbox: cached}  # one client, one sandbox: a cache of one is enough
        return cached

    def _listener(self, record: TracedExchange) -> Callable[[Exchange, TraceEvent], None]:
        def changed(_exchange: Exchange, _event: TraceEvent) -> None:
            self._changed[id(record)] = record

        return changed

    # --- responses -------------------------------------------------------------------------------------------

    def _parse_responses(self, at: float) -> None:
        while self._awaiting and self._daemon:
            pending = self._awaiting[0]
            exchange = pending.record.exchange
            if pending.reader is None:
                head = parse_head(bytes(self._daemon[: self.limits.max_head_bytes + 4]))
                if head is None:
                    if len(self._daemon) > self.limits.max_head_bytes:
                        raise WireError("response head too large")
                    return
                response = pending.recorder.head_received()
                if response is None:
                    raise WireError("response head too large")
                exchange.timings.headers_ms = _ms(exchange.timings.started_at, at)
                del self._daemon[: head.size]
                if response.framing == "upgrade":
                    self._upgrade(pending)
                    return
                length = response.header("Content-Length")
                if response.framing == "content-length" and not (length or "").strip().isdigit():
                    raise WireError(f"bad Content-Length {(length or '')[:20]!r}")
                pending.reader = BodyReader(response.framing, int(length) if response.framing == "content-length"
                                            else 0)
            decoded, used = pending.reader.feed(bytes(self._daemon))
            del self._daemon[:used]
            if decoded:
                self._stream_body(pending, decoded)
            if not pending.reader.done:
                return
            self._awaiting.popleft()
            self._finish(pending, None, at)
            if self._client:
                self._parse_requests(at)  # requests held behind an upgrade that was refused

    def _upgrade(self, pending: _Pending) -> None:
        """101: from here on both directions belong to this exchange."""
        self._awaiting.popleft()
        self._hijacked = pending
        leftover, self._daemon = bytes(self._daemon), bytearray()
        early, self._client = bytes(self._client), bytearray()
        if early:
            pending.record.client_stream.append(early)
        if leftover:
            self._stream_body(pending, leftover)

    def _stream_body(self, pending: _Pending, data: bytes) -> None:
        if pending is self._hijacked:
            pending.recorder.capture.record_received(data)
        if not pending.kind_known:
            pending.sniffed += data
            record = pending.record
            response = record.exchange.response
            kind = stream_kind(record.path, response.content_type if response else None, bytes(pending.sniffed))
            if kind is None:
                return
            pending.kind_known = True
            pending.recorder.stream_known(kind)
            data, pending.sniffed = bytes(pending.sniffed), bytearray()
        pending.recorder.body_received(data)

    # --- ends ------------------------------------------------------------------------------------------------

    def _finish(self, pending: _Pending, error: TraceError | None, at: float) -> None:
        if not pending.kind_known and pending.sniffed:
            pending.kind_known = True
            pending.recorder.stream_known("raw")
            pending.recorder.body_received(bytes(pending.sniffed))
        exchange = pending.recorder.finish(error)
        # The recorder timed the site's reading; what matters is when the bytes crossed the daemon's socket.
        timings = exchange.timings
        timings.ended_ms = _ms(timings.started_at, at)
        timings.first_byte_ms = timings.headers_ms
        self._changed[id(pending.record)] = pending.record

    def _break(self, reason: str, at: float, kind: ErrorKind) -> None:
        self.broken = reason
        error = TraceError(kind, reason)
        if self._awaiting:
            pending = self._awaiting.popleft()
            self._finish(pending, error, at)
        self._close_all(at)


def _is_upgrade(exchange: Exchange) -> bool:
    return any(name.lower() == "upgrade" for name, _ in exchange.request_headers)


def _closed_early() -> TraceError:
    return TraceError(ErrorKind.CONNECTION_CLOSED, "the connection closed before the response was complete")


def _ms(start: float, at: float) -> float:
    return round(max(0.0, at - start) * 1000, 3)

