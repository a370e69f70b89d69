"""An Exchange: one request and its response, recorded as they travelled, plus the events that announced them.

The request and response parts are built from the bytes captured at the socket (`wire.py`), so headers
are in wire order with their original spelling, and the response keeps its raw framing (chunk sizes,
the `101` head followed by the hijacked stream) beside the decoded body. Recorded byte strings are capped
(`TraceLimits`); each says how big it really was.
Events are published while the exchange runs, in this order: ExchangeStarted (nothing sent yet),
RequestSent, ResponseHead, then BodyData / JsonLine / StreamFrame / StreamTruncated as bytes arrive, and
always a final ExchangeEnded (a call that fails early skips the steps it never reached).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from hellotrace.docker_host import DaemonAddress
from hellotrace.protocol.stdcopy import Frame, TruncatedFrame
from hellotrace.tracing.errors import TraceError
from hellotrace.tracing.wire import ConnectionInfo, MessageHead, parse_head
from hellotrace.whole_numbers import whole_number

StreamKind = Literal["none", "json-lines", "stdcopy", "raw"]


def text_view(data: bytes, size: int | None = None) -> dict[str, object]:
    """Bytes for JSON and templates: UTF-8 text (undecodable bytes as \\xNN), the real size, truncation."""
    total = len(data) if size is None else size
    return {"text": data.decode("utf-8", "backslashreplace"), "size": total, "truncated": total > len(data)}


@dataclass
class RecordedRequest:
    """The request as written on the socket."""

    method: str
    target: str
    http_version: str
    headers: tuple[tuple[str, str], ...]
    head: bytes  # request line + headers + blank line, exactly as sent
    body: bytes  # capped
    body_size: int

    @classmethod
    def from_wire(cls, wire: bytes, total: int) -> RecordedRequest | None:
        head = parse_head(wire)
        if head is None:
            return None
        method, _, rest = head.start_line.partition(" ")
        target, _, version = rest.rpartition(" ")
        return cls(method, target, version, head.headers, wire[: head.size], wire[head.size:], total - head.size)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method, "target": self.target, "http_version": self.http_version,
            "headers": [list(h) for h in self.headers], "head": text_view(self.head),
            "body": text_view(self.body, self.body_size),
        }


@dataclass
class RecordedResponse:
    """The response as read from the socket: head, raw bytes (framing included) and the decoded body."""

    status: int
    reason: str
    http_version: str
    headers: tuple[tuple[str, str], ...]
    head: bytes
    framing: str  # "content-length", "chunked", "until-close", "upgrade" (101, then a raw stream), "none"
    wire: bytes = b""  # every byte received, head included, capped
    wire_size: int = 0
    body: bytes = b""  # the body once chunk framing is removed (for 101: the hijacked stream), capped
    body_size: int = 0

    @classmethod
    def from_head(cls, head: MessageHead, raw_head: bytes, *, request_method: str) -> RecordedResponse:
        version, _, rest = head.start_line.partition(" ")
        status_text, _, reason = rest.partition(" ")
        status = whole_number(status_text, 3) or 0
        response = cls(status, reason, version, head.headers, raw_head, "none")
        response.framing = response._framing(request_method)
        return response

    def _framing(self, request_method: str) -> str:
        if self.status == 101:
            return "upgrade"
        if request_method == "HEAD" or self.status in (204, 304) or 100 <= self.status < 200:
            return "none"
        if (self.header("Transfer-Encoding") or "").lower().endswith("chunked"):
            return "chunked"
        if self.header("Content-Length") is not None:
            return "content-length"
        return "until-close"

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")

    def json(self) -> object | None:
        """The decoded body as JSON when it is complete JSON, else None."""
        if self.body_size != len(self.body) or not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status, "reason": self.reason, "http_version": self.http_version,
            "headers": [list(h) for h in self.headers], "head": text_view(self.head), "framing": self.framing,
            "wire": text_view(self.wire, self.wire_size), "body": text_view(self.body, self.body_size),
        }


@dataclass
class Timings:
    """When things happened. `started_at` is wall-clock (epoch seconds); the rest are ms after the start."""

    started_at: float
    request_sent_ms: float | None = None
    first_byte_ms: float | None = None
    headers_ms: float | None = None
    ended_ms: float | None = None

    @property
    def duration_ms(self) -> float | None:
        return self.ended_ms

    def as_dict(self) -> dict[str, object]:
        return {
            "started_at": self.started_at, "request_sent_ms": self.request_sent_ms,
            "first_byte_ms": self.first_byte_ms, "headers_ms": self.headers_ms, "ended_ms": self.ended_ms,
            "duration_ms": self.duration_ms,
        }


@dataclass(frozen=True)
class JsonLineRecord:
    """One line of a JSON-lines stream (pull progress), with its terminator as received."""

    index: int
    raw: bytes
    value: object | None  # None when the line is not valid JSON
    terminated: bool  # False for a last line cut short by the end of the stream

    @property
    def error_message(self) -> str | None:
        """The daemon's in-stream error (`errorDetail.message`, which is what the CLI reads)."""
        if isinstance(self.value, dict) and isinstance(self.value.get("errorDetail"), dict):
            message = self.value["errorDetail"].get("message")
            return message if isinstance(message, str) else None
        return None

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index, "raw": text_view(self.raw), "value": self.value, "terminated": self.terminated,
            "error_message": self.error_message,
        }


@dataclass(frozen=True)
class FrameRecord:
    """One stdcopy frame of an attach or logs stream."""

    index: int
    frame: Frame

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index, "stream": self.frame.stream, "stream_name": self.frame.stream_name,
            "length": self.frame.length, "header_hex": self.frame.header.hex(" "),
            "payload": text_view(self.frame.payload),
        }


@dataclass
class Exchange:
    """One call to the daemon: what was meant, what was sent, what came back, and how it went."""

    number: int  # 1, 2, 3 … in the order the client started them
    label: str  # a name given by the caller ("ping", "create", …)
    address: DaemonAddress
    method: str
    target: str  # path and query as sent, base path and /v1.xx included
    request_headers: tuple[tuple[str, str], ...]  # the headers the client chose, in wire order
    request_body: bytes | None
    stream: StreamKind
    timings: Timings
    connection: ConnectionInfo | None = None
    request: RecordedRequest | None = None
    response: RecordedResponse | None = None
    json_lines: list[JsonLineRecord] = field(default_factory=list)
    frames: list[FrameRecord] = field(default_factory=list)
    truncated_frame: TruncatedFrame | None = None
    items_dropped: int = 0  # lines or frames not kept because of the item limit
    error: TraceError | None = None
    finished: bool = False

    @property
    def status(self) -> int | None:
        return self.response.status if self.response else None

    @property
    def daemon_message(self) -> str | None:
        """For an error status, the daemon's message as the CLI reads it (JSON `message` only with an exact
        `application/json` Content-Type, the raw text otherwise)."""
        response = self.response
        if response is None or response.status < 400:
            return None
        if response.content_type == "application/json":
            value = response.json()
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
        return response.body.decode("utf-8", "replace").strip()

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number, "label": self.label, "daemon": self.address.normalized,
            "method": self.method, "target": self.target,
            "request_headers": [list(h) for h in self.request_headers],
            "request_body": None if self.request_body is None else text_view(self.request_body),
            "stream": self.stream, "timings": self.timings.as_dict(),
            "connection": self.connection.as_dict() if self.connection else None,
            "request": self.request.as_dict() if self.request else None,
            "response": self.response.as_dict() if self.response else None,
            "json_lines": [line.as_dict() for line in self.json_lines],
            "frames": [frame.as_dict() for frame in self.frames],
            "truncated_frame": _truncated_dict(self.truncated_frame),
            "items_dropped": self.items_dropped,
            "daemon_message": self.daemon_message,
            "error": self.error.as_dict() if self.error else None, "finished": self.finished,
        }


# --- events ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceEvent:
    """Something that just happened to an exchange; `at_ms` counts from the exchange's start."""

    kind: ClassVar[str] = "event"
    at_ms: float

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "at_ms": self.at_ms}


@dataclass(frozen=True)
class ExchangeStarted(TraceEvent):
    """The call begins: what it means to send (the exchange's method, target, headers and body)."""

    kind: ClassVar[str] = "started"


@dataclass(frozen=True)
class RequestSent(TraceEvent):
    kind: ClassVar[str] = "request-sent"
    request: RecordedRequest

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "request": self.request.as_dict()}


@dataclass(frozen=True)
class ResponseHead(TraceEvent):
    kind: ClassVar[str] = "response-head"
    response: RecordedResponse

    def as_dict(self) -> dict[str, object]:
        head = self.response
        return {
            **super().as_dict(), "status": head.status, "reason": head.reason, "http_version": head.http_version,
            "headers": [list(h) for h in head.headers], "head": text_view(head.head), "framing": head.framing,
        }


@dataclass(frozen=True)
class BodyData(TraceEvent):
    """Bytes that just arrived: `wire` as read from the socket (chunk framing included), `data` decoded."""

    kind: ClassVar[str] = "body-data"
    wire: bytes
    data: bytes

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "wire": text_view(self.wire), "data": text_view(self.data)}


@dataclass(frozen=True)
class JsonLine(TraceEvent):
    kind: ClassVar[str] = "json-line"
    line: JsonLineRecord

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), **self.line.as_dict()}


@dataclass(frozen=True)
class StreamFrame(TraceEvent):
    kind: ClassVar[str] = "frame"
    record: FrameRecord

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), **self.record.as_dict()}


@dataclass(frozen=True)
class StreamTruncated(TraceEvent):
    """The stream ended inside a frame."""

    kind: ClassVar[str] = "stream-truncated"
    truncated: TruncatedFrame

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), **(_truncated_dict(self.truncated) or {})}


@dataclass(frozen=True)
class ExchangeEnded(TraceEvent):
    kind: ClassVar[str] = "ended"
    error: TraceError | None

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "error": self.error.as_dict() if self.error else None}


def _truncated_dict(truncated: TruncatedFrame | None) -> dict[str, object] | None:
    if truncated is None:
        return None
    return {
        "header_hex": truncated.header.hex(" "), "declared_length": truncated.declared_length,
        "received": len(truncated.payload), "missing": truncated.missing, "stream": truncated.stream,
    }
