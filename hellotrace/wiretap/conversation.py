"""One connection's traffic, both directions, cut into exchanges the way a bystander on the wire sees them.

The bytes come from a tap (the mock engine's sockets, or the recording proxy in front of a real daemon), in
the order they crossed. HTTP/1.1 clients wait for a response before sending the next request on the same
connection (the docker CLI, curl and the SDKs never pipeline), so every byte the daemon writes belongs to the
oldest request still waiting. After a `101` both directions are the hijacked stream of that exchange.

Receiving only cuts the bytes into exchanges (heads and body framing): each record keeps its bytes in a
`Journal`. The full parse, by the tracing client's own `ExchangeRecorder` (so the stream decoding — progress
lines, stdcopy frames, in-stream errors — and the recording limits are the replay's), is made when a reader
asks, by feeding those bytes to a `Conversation(parse=True)` of its own, which then follows the exchange
live if it is still running.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from hellotrace.docker_host import DaemonAddress, InvalidDaemonAddress, parse_docker_host
from hellotrace.engine.guard import browser_header
from hellotrace.protocol.stdcopy import HEADER_SIZE, STREAM_NAMES
from hellotrace.tracing import Exchange, RecordedRequest, StreamKind, Timings, TraceLimits
from hellotrace.tracing.errors import ErrorKind, TraceError
from hellotrace.tracing.exchange import RecordedResponse
from hellotrace.tracing.recorder import ExchangeRecorder
from hellotrace.tracing.wire import CappedBytes, ConnectionInfo, MessageHead, parse_head
from hellotrace.whole_numbers import whole_number
from hellotrace.wiretap.record import TracedExchange, split_target
from hellotrace.wiretap.redact import SECRET_HEADERS, hide_secret_members, is_login, redact_body, redact_head


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


def response_framing(response: RecordedResponse) -> BodyReader:
    """The reader of a response's body as its head frames it (an upgrade's bytes are no longer HTTP: not here)."""
    size = 0
    if response.framing == "content-length":
        length = response.header("Content-Length") or ""
        size = whole_number(length.strip())
        if size is None:
            raise WireError(f"bad Content-Length {length[:20]!r}")
    return BodyReader(response.framing, size)


def request_framing(head: MessageHead) -> BodyReader:
    if "chunked" in (head.header("Transfer-Encoding") or "").lower():
        return BodyReader("chunked")
    length = head.header("Content-Length")
    if length is None:
        return BodyReader("none")
    size = whole_number(length.strip())
    if size is None:
        raise WireError(f"bad Content-Length {length[:20]!r}")
    return BodyReader("content-length", size)


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


@dataclass(eq=False)
class ParsedExchange:
    """The full parse of one exchange: what `TracedExchange.exchange` and `.client_stream` return."""

    exchange: Exchange
    client_stream: CappedBytes  # what the client wrote after the 101
    path: str


@dataclass(frozen=True)
class _Origin:
    """What a journal needs to parse its exchange as its connection did."""

    connection: ConnectionInfo
    address: DaemonAddress
    channel: str | None
    limits: WiretapLimits


# A journal's entries: bytes from the client (after a 101), bytes from the daemon; packed, the request's
# wire and body come first. Each packed entry is (kind, time, length) then the bytes.
_CLIENT, _DAEMON, _REQUEST_WIRE, _REQUEST_BODY = 0, 1, 2, 3
_ENTRY = struct.Struct("<BdI")
_WINDOW_BITS = 12  # a 4 KiB window: an exchange's bytes are a few KiB, and the set-up cost grows with it
# What most exchanges with a Docker daemon repeat: given to zlib as a preset dictionary, it lets a `/_ping`
# of 300 bytes pack to a third of that (most used last: zlib finds the nearest copy cheapest).
_PRESET = (
    b'{"Id":"","Warnings":[]}{"StatusCode":0}{"message":"No such container: {"status":"Downloading",'
    b'"progressDetail":{"current":,"total":},"id":"{"status":"Pulling fs layer","progressDetail":{},"id":"'
    b"Digest: sha256:Status: Downloaded newer image for hello-world:latest"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
    b"Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\nSwarm: inactive\r\n"
    b"Builder-Version: 2\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n"
    b"User-Agent: Docker-Client/29.1.3 (linux)\r\nUser-Agent: curl/8.14.1\r\nAccept: */*\r\n"
    b"POST /v1.55/containers/create /start /wait?condition=not-running /logs?stderr=1&stdout=1 "
    b"HEAD /_ping GET /sandboxes/ /v1.55/images/create?fromImage=hello-world&tag=latest HTTP/1.1\r\n"
    b"Host: localhost\r\nAccept-Encoding: identity\r\nContent-Length: 0\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nApi-Version: 1.55\r\nContent-Type: application/json\r\n"
    b"Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/29.7.2 (linux)\r\n"
    b"Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: "
)
def _compress(blob: bytes) -> bytes:
    packer = zlib.compressobj(1, zlib.DEFLATED, -_WINDOW_BITS, 2, zdict=_PRESET)  # 4x cheaper to set up
    return packer.compress(blob) + packer.flush()


# One lock for every journal: the receiving thread appends while a page's thread may be parsing.
_journals_lock = threading.Lock()


class Journal:
    """The bytes of one exchange as they crossed, and their full parse once someone asked for it.

    While the exchange runs the tap records are a list; when it ends they are packed into one compressed
    string (unless a parse follows them). A journal past the recording limit parses as it goes instead
    (it then holds what the eager parse held, within the same bounds).
    """

    __slots__ = ("origin", "served", "request", "entries", "kept", "packed", "end", "size", "_parser", "_parsed")

    def __init__(self, origin: _Origin, served: int, request: _PartialRequest, done_at: float) -> None:
        self.origin = origin
        self.served = served
        self.request = (request.raw.data, request.raw.total, request.body.data, request.body.total, request.at,
                        done_at)
        self.entries: list[tuple[int, float, bytes]] | None = []
        self.kept = 0  # bytes in `entries`
        self.packed: bytes | None = None
        self.end: tuple[float, TraceError | None] | None = None
        cap = origin.limits.recording.max_recorded_bytes
        self.size = min(request.raw.total, cap) + min(request.body.total, cap)  # what the parse will hold
        self._parser: Conversation | None = None  # following a running exchange for a reader
        self._parsed: ParsedExchange | None = None

    # --- written by the receiving Conversation ---------------------------------------------------------------

    def add(self, kind: int, at: float, data: bytes) -> None:
        with _journals_lock:
            if self._parser is not None:
                self._feed(self._parser, kind, at, data)
            if self.entries is not None:
                self.entries.append((kind, at, data))
                self.kept += len(data)
                if self.kept > 2 * self.origin.limits.recording.max_recorded_bytes:
                    self._parse_locked()
                    self.entries = None  # from here on the parse is the record

    def count(self, size: int) -> None:
        """Bytes the parse will hold, roughly (the wire and the decoded body, each capped)."""
        self.size = min(self.size + 2 * size, 5 * self.origin.limits.recording.max_recorded_bytes)

    def finish(self, at: float, error: TraceError | None) -> None:
        with _journals_lock:
            self.end = (at, error)
            if self._parser is not None:
                self._end(self._parser)
                self._parser = None
            if self.entries is not None and self._parsed is None:
                self._pack()

    # --- read by TracedExchange ------------------------------------------------------------------------------

    def view(self) -> ParsedExchange:
        with _journals_lock:
            return self._parse_locked()

    def release(self) -> None:
        with _journals_lock:
            if self.end is not None and self.entries is not None and self._parsed is not None:
                self._parsed = None
                if self.packed is None:
                    self._pack()

    def request_headers(self) -> list[tuple[str, str]]:
        head = parse_head(self._request_bytes()[0])
        return head.headers if head else []

    def request_body(self) -> bytes:
        return self._request_bytes()[1]

    def _request_bytes(self) -> tuple[bytes, bytes]:
        """(wire, body) of the request, read from the packed string without unpacking the rest."""
        with _journals_lock:
            packed, raw, body = self.packed, self.request[0], self.request[2]
        if packed is None:
            return raw, body
        most = 2 * _ENTRY.size + self.request[1] + self.request[3]
        blob = zlib.decompressobj(-_WINDOW_BITS, _PRESET).decompress(packed, most)
        found = []
        index = 0
        for _ in range(2):
            _, _, length = _ENTRY.unpack_from(blob, index)
            found.append(blob[index + _ENTRY.size:index + _ENTRY.size + length])
            index += _ENTRY.size + length
        return found[0], found[1]

    # --- internals --------------------------------------------------------------------------------------------

    def __getstate__(self) -> tuple[object, ...]:
        """A finished, packed journal as a copy keeps it, its bytes uncompressed: the trace store packs a quiet
        sandbox's journals together, which compresses them far better than each alone."""
        with _journals_lock:
            if self.packed is None:
                raise TypeError("only a finished journal, packed, is copied")
            blob = zlib.decompressobj(-_WINDOW_BITS, _PRESET).decompress(self.packed)
            return self.origin, self.served, self.request, blob, self.end, self.size

    def __setstate__(self, state: tuple[object, ...]) -> None:
        self.origin, self.served, self.request, blob, self.end, self.size = state  # type: ignore[assignment]
        self.entries, self.kept, self._parser, self._parsed = [], 0, None, None
        self.packed = _compress(blob)  # type: ignore[arg-type]

    def _pack(self) -> None:
        raw, _, body, _, _, _ = self.request
        entries = [(_REQUEST_WIRE, 0.0, raw), (_REQUEST_BODY, 0.0, body), *(self.entries or [])]
        self.packed = _compress(b"".join(_ENTRY.pack(kind, at, len(data)) + data for kind, at, data in entries))
        self.entries, self.request = [], (b"", *self.request[1:2], b"", *self.request[3:])

    def _unpack(self) -> None:
        blob, self.packed = zlib.decompressobj(-_WINDOW_BITS, _PRESET).decompress(self.packed or b""), None
        entries, index = [], 0
        while index < len(blob):
            kind, at, length = _ENTRY.unpack_from(blob, index)
            index += _ENTRY.size
            entries.append((kind, at, blob[index:index + length]))
            index += length
        raw, body = entries[0][2], entries[1][2]
        self.request = (raw, self.request[1], body, *self.request[3:])
        self.entries = entries[2:]

    def _parse_locked(self) -> ParsedExchange:
        if self._parsed is not None:
            return self._parsed
        if self.packed is not None:
            self._unpack()
        origin = self.origin
        parser = Conversation(origin.connection, origin.address, _ignore, channel=origin.channel,
                              limits=origin.limits, parse=True)
        parser._served = self.served - 1
        raw, raw_total, body, body_total, at, done_at = self.request
        head = parse_head(raw)
        if head is None:  # cannot be: the exchange was opened once its request head was complete
            raise WireError("request head lost")
        cap = origin.limits.recording.max_recorded_bytes
        wire, decoded = _capped(cap, raw, raw_total), _capped(cap, body, body_total)
        partial = _PartialRequest(head, BodyReader("none"), wire, decoded, at)
        parser._open_exchange(partial, done_at)
        parsed = parser._awaiting[-1].parsed
        for kind, entry_at, data in self.entries or []:
            self._feed(parser, kind, entry_at, data)
        if self.end is None:
            self._parser = parser
        else:
            self._end(parser)
        self._parsed = parsed
        return parsed

    @staticmethod
    def _feed(parser: Conversation, kind: int, at: float, data: bytes) -> None:
        if kind == _CLIENT:
            parser.client_bytes(data, at)
        else:
            parser.daemon_bytes(data, at)

    def _end(self, parser: Conversation) -> None:
        """The exchange ended as the receiving side saw it (unless its bytes already ended it here too)."""
        at, error = self.end or (0.0, None)
        pending = parser._hijacked or (parser._awaiting[0] if parser._awaiting else None)
        if pending is not None and pending.parsed is not None and not pending.parsed.exchange.finished:
            parser._finish(pending, error, at)


def _capped(limit: int, data: bytes, total: int) -> CappedBytes:
    capped = CappedBytes(limit)
    capped.append(data)
    capped.total = total
    return capped


def _ignore(_record: TracedExchange, _new: bool) -> None:
    """A parsing Conversation reports to its journal's record, not to a store."""


@dataclass
class _Pending:
    record: TracedExchange | None  # when receiving
    journal: Journal | None
    parsed: ParsedExchange | None  # when parsing
    recorder: ExchangeRecorder | None
    upgrade: bool  # the request asked to switch protocols
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
    the connection itself is not touched: a tap only watches. With `parse`, each exchange is also parsed in
    full (its `_Pending.parsed`): that is how a `Journal` makes its view.
    """

    def __init__(self, connection: ConnectionInfo, address: DaemonAddress, sink: Sink, *,
                 channel: str | None = None, limits: WiretapLimits | None = None, parse: bool = False) -> None:
        self.connection = connection
        self.address = address
        self.sink = sink
        self.channel = channel
        self.limits = limits or WiretapLimits()
        self.parse = parse
        self._origin = _Origin(connection, address, channel, self.limits)
        self._client = bytearray()
        self._daemon = bytearray()
        self._request: _PartialRequest | None = None
        self._awaiting: deque[_Pending] = deque()
        self._hijacked: _Pending | None = None
        self._served = 0
        self._sandbox_addresses: dict[str, DaemonAddress] = {}
        self._changed: dict[int, TracedExchange] = {}  # records changed by the current read or write (receiving)
        self.broken: str | None = None
        # A web browser's request came (it may carry the site's cookies): nothing the client sends from there on
        # is recorded; the mock engine refuses it and closes the connection (hellotrace/engine/guard.py).
        self.from_browser = False

    # --- what the tap reports -------------------------------------------------------------------------------

    def client_bytes(self, data: bytes, at: float) -> None:
        if self.broken or self.from_browser:
            return
        if self._hijacked is not None:
            self._client_stream(self._hijacked, data, at)
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
            self._journal(self._hijacked, _DAEMON, at, data)
            self._stream_body(self._hijacked, data)
        elif self._awaiting:  # else a daemon's own words on an idle connection (a 408 before closing)
            waiting = self._awaiting[0]
            if waiting.recorder is not None:
                waiting.recorder.capture.record_received(data)
            self._journal(waiting, _DAEMON, at, data)
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
            if self._awaiting and self._awaiting[-1].upgrade:
                return  # nothing but the hijacked stream follows an upgrade request; held until the 101
            if self._request is None:
                head = parse_head(bytes(self._client[: self.limits.max_head_bytes + 4]))
                if head is None:
                    if len(self._client) > self.limits.max_head_bytes:
                        raise WireError("request head too large")
                    return
                if browser_header(head.headers) is not None:
                    self.from_browser = True
                    self._client.clear()
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
        _, _, rest = partial.head.start_line.partition(" ")
        partial = _without_secrets(partial, rest.rpartition(" ")[0])
        head = partial.head
        method, _, rest = head.start_line.partition(" ")
        target, _, http_version = rest.rpartition(" ")
        sandbox = self.channel or split_target(target)[0]
        self._served += 1
        upgrade = _is_upgrade(head.headers)
        if not self.parse:
            journal = Journal(self._origin, self._served, partial, at)
            record = TracedExchange(sandbox, partial.at, method, target, head.header("User-Agent"), journal,
                                    self.connection.number)
            self._awaiting.append(_Pending(record, journal, None, None, upgrade))
            self.sink(record, True)
            return
        limits = self.limits.recording
        raw = partial.raw.data
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
        parsed = ParsedExchange(exchange, CappedBytes(limits.max_recorded_bytes), split_target(target)[2])
        recorder = ExchangeRecorder(exchange, (), limits)
        recorder.capture.connection = connection
        self._awaiting.append(_Pending(None, None, parsed, recorder, upgrade))
        exchange.timings.request_sent_ms = _ms(partial.at, at)

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

    def _journal(self, pending: _Pending, kind: int, at: float, data: bytes) -> None:
        """Receiving: the bytes go to the exchange's journal, which changed."""
        if pending.journal is not None and pending.record is not None:
            pending.journal.add(kind, at, data)
            pending.journal.count(len(data))
            self._changed[id(pending.record)] = pending.record

    def _client_stream(self, pending: _Pending, data: bytes, at: float) -> None:
        if pending.parsed is not None:
            pending.parsed.client_stream.append(data)
        else:
            self._journal(pending, _CLIENT, at, data)

    # --- responses -------------------------------------------------------------------------------------------

    def _parse_responses(self, at: float) -> None:
        while self._awaiting and self._daemon:
            pending = self._awaiting[0]
            if pending.reader is None:
                head = parse_head(bytes(self._daemon[: self.limits.max_head_bytes + 4]))
                if head is None:
                    if len(self._daemon) > self.limits.max_head_bytes:
                        raise WireError("response head too large")
                    return
                response = self._response_head(pending, head, at)
                if response is None:
                    raise WireError("response head too large")
                del self._daemon[: head.size]
                if response.framing == "upgrade":
                    self._upgrade(pending, at)
                    return
                pending.reader = response_framing(response)
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

    def _response_head(self, pending: _Pending, head: MessageHead, at: float) -> RecordedResponse | None:
        if pending.recorder is None or pending.parsed is None:  # receiving: the status is all a record keeps
            method = pending.record.method if pending.record else ""
            response = RecordedResponse.from_head(head, b"", request_method=method)
            if pending.record is not None:
                pending.record.status = response.status
            return response
        response = pending.recorder.head_received()
        if response is not None:
            timings = pending.parsed.exchange.timings
            timings.headers_ms = _ms(timings.started_at, at)
        return response

    def _upgrade(self, pending: _Pending, at: float) -> None:
        """101: from here on both directions belong to this exchange."""
        self._awaiting.popleft()
        self._hijacked = pending
        leftover, self._daemon = bytes(self._daemon), bytearray()
        early, self._client = bytes(self._client), bytearray()
        if early:
            self._client_stream(pending, early, at)
        if leftover:
            self._stream_body(pending, leftover)

    def _stream_body(self, pending: _Pending, data: bytes) -> None:
        if pending.recorder is None or pending.parsed is None:
            return  # receiving: the body is parsed when someone reads it
        if pending is self._hijacked:
            pending.recorder.capture.record_received(data)
        if not pending.kind_known:
            pending.sniffed += data
            parsed = pending.parsed
            response = parsed.exchange.response
            kind = stream_kind(parsed.path, response.content_type if response else None, bytes(pending.sniffed))
            if kind is None:
                return
            pending.kind_known = True
            pending.recorder.stream_known(kind)
            data, pending.sniffed = bytes(pending.sniffed), bytearray()
        pending.recorder.body_received(data)

    # --- ends ------------------------------------------------------------------------------------------------

    def _finish(self, pending: _Pending, error: TraceError | None, at: float) -> None:
        if pending.recorder is None:
            if pending.record is not None and pending.journal is not None:
                pending.record.finished = True
                pending.journal.finish(at, error)
                self._changed[id(pending.record)] = pending.record
            return
        if not pending.kind_known and pending.sniffed:
            pending.kind_known = True
            pending.recorder.stream_known("raw")
            pending.recorder.body_received(bytes(pending.sniffed))
        exchange = pending.recorder.finish(error)
        if exchange.response is not None and is_login(exchange.target):
            _hide_login_answer(exchange.response)
        # The recorder timed the site's reading; what matters is when the bytes crossed the daemon's socket.
        timings = exchange.timings
        timings.ended_ms = _ms(timings.started_at, at)
        timings.first_byte_ms = timings.headers_ms

    def _break(self, reason: str, at: float, kind: ErrorKind) -> None:
        self.broken = reason
        error = TraceError(kind, reason)
        if self._awaiting:
            pending = self._awaiting.popleft()
            self._finish(pending, error, at)
        self._close_all(at)


def _without_secrets(partial: _PartialRequest, target: str) -> _PartialRequest:
    """The request as the trace keeps it: secret header values and a login's password hidden (redact.py). The
    counts stay those of the bytes that crossed: the body's size on the wire is unchanged."""
    login = is_login(target)
    if not login and not any(name.lower() in SECRET_HEADERS for name, _ in partial.head.headers):
        return partial  # most requests: nothing to hide, nothing copied
    raw = partial.raw.data
    size = partial.head.size
    head, wire_body = redact_head(raw[:size]), redact_body(target, raw[size:])
    parsed = parse_head(head)
    if parsed is None:  # cannot be: only header values changed
        return partial
    wire = CappedBytes(partial.raw.limit)
    wire.append(head + wire_body)
    wire.total = partial.raw.total - size + len(head)
    decoded = CappedBytes(partial.body.limit)
    decoded.append(redact_body(target, partial.body.data))
    decoded.total = partial.body.total
    return _PartialRequest(parsed, partial.reader, wire, decoded, partial.at)


def _hide_login_answer(response: RecordedResponse) -> None:
    """A login's answer may hold an identity token (a registry's refresh token, a credential like the password
    the login sent): hidden in the decoded body and in the bytes as received. The sizes stay those received."""
    response.body = hide_secret_members(response.body)
    response.wire = hide_secret_members(response.wire)


def _is_upgrade(headers: list[tuple[str, str]]) -> bool:
    return any(name.lower() == "upgrade" for name, _ in headers)


def _closed_early() -> TraceError:
    return TraceError(ErrorKind.CONNECTION_CLOSED, "the connection closed before the response was complete")


def _ms(start: float, at: float) -> float:
    return round(max(0.0, at - start) * 1000, 3)

