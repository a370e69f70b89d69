"""Fills an Exchange while it runs and tells the listeners, whichever transport carries it.

The transports (a pool of kept-alive connections for ordinary calls, a connection of its own for attach) only
report moments: the request is written, the response head is in, some body bytes arrived, the end. The recorder
turns those into the recorded parts of the Exchange and into events, decodes JSON lines and stdcopy frames as
they complete, and enforces the limits.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hellotrace.protocol.stdcopy import SYSTEMERR, FrameDecoder, InvalidFrame
from hellotrace.tracing import errors
from hellotrace.tracing.errors import TraceError
from hellotrace.tracing.exchange import (
    BodyData,
    Exchange,
    ExchangeEnded,
    ExchangeStarted,
    FrameRecord,
    JsonLine,
    JsonLineRecord,
    RecordedRequest,
    RecordedResponse,
    RequestSent,
    ResponseHead,
    StreamFrame,
    StreamKind,
    StreamTruncated,
    TraceEvent,
)
from hellotrace.tracing.wire import CappedBytes, WireCapture, parse_head

log = logging.getLogger("hellotrace.tracing")

Listener = Callable[[Exchange, TraceEvent], None]


@dataclass(frozen=True)
class TraceLimits:
    """Bounds on time and memory for every traced call."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0  # longest silence allowed while waiting for bytes
    exchange_timeout: float = 120.0  # longest a whole call may last, streams included
    max_recorded_bytes: int = 256 * 1024  # kept per direction and per body; the rest is counted only
    max_stream_bytes: int = 16 * 1024 * 1024  # reading stops past this many body bytes
    max_items: int = 5000  # JSON lines or frames kept in an exchange (events still announce all of them)


class ExchangeRecorder:
    def __init__(self, exchange: Exchange, listeners: Iterable[Listener | None], limits: TraceLimits) -> None:
        self.exchange = exchange
        self.limits = limits
        self._listeners = [listener for listener in listeners if listener is not None]
        self._started = time.perf_counter()
        self.capture = WireCapture(limits.max_recorded_bytes, self._started)
        self.capture.on_sent = self._check_request_written
        self._body = CappedBytes(limits.max_recorded_bytes)
        self._lines = bytearray()
        self._frames = FrameDecoder() if exchange.stream == "stdcopy" else None
        self._stream_error: TraceError | None = None
        self._request_announced = False

    # --- moments reported by the transports ----------------------------------------------------------------

    def start(self) -> None:
        """Announce the exchange before anything is sent (a page can show the request and its curl already)."""
        self._emit(ExchangeStarted(self._ms()))

    def stream_known(self, kind: StreamKind) -> None:
        """The stream kind learnt from the response head (a bystander of the wire cannot know it before)."""
        self.exchange.stream = kind
        self._frames = FrameDecoder() if kind == "stdcopy" else None

    def restart_clock(self) -> None:
        """The exchange was held after its announcement (a paced replay): its times count from now."""
        self._started = time.perf_counter()
        self.capture.started = self._started
        self.exchange.timings.started_at = time.time()

    def head_received(self) -> RecordedResponse | None:
        """The response head is complete in the capture: record it and announce it."""
        self._announce_request()
        received = self.capture.received.data
        head = parse_head(received)
        if head is None:
            return None
        response = RecordedResponse.from_head(head, received[: head.size], request_method=self.exchange.method)
        self.capture.take_unreported(head.size)
        self.exchange.response = response
        if self.exchange.stream == "stdcopy" and response.status >= 300:
            # An error answers with a JSON message, not frames; the docker CLI reads it as such.
            self.stream_known("none")
        self.exchange.timings.headers_ms = self._ms()
        self._emit(ResponseHead(self._ms(), response))
        return response

    def body_received(self, data: bytes) -> None:
        """Decoded body bytes arrived (the socket bytes that carried them are in the capture)."""
        self._body.append(data)
        self._emit(BodyData(self._ms(), self.capture.take_unreported(), data))
        if self.exchange.stream == "json-lines":
            self._split_lines(data)
        elif self.exchange.stream == "stdcopy":
            self._decode_frames(data)

    def over_limit(self) -> TraceError | None:
        """Whether the call must stop now (too long, or too many bytes)."""
        if time.perf_counter() - self._started > self.limits.exchange_timeout:
            return errors.exchange_timeout(self.limits.exchange_timeout)
        if self._body.total > self.limits.max_stream_bytes:
            return errors.stream_too_long(self.limits.max_stream_bytes)
        return None

    def finish(self, error: TraceError | None = None) -> Exchange:
        """The exchange is over, completely or not: flush decoders, fill the record, announce the end."""
        exchange = self.exchange
        self._announce_request()
        if exchange.connection is None:
            exchange.connection = self.capture.connection
        leftover = self.capture.take_unreported()
        if leftover and exchange.response is not None:
            self._emit(BodyData(self._ms(), leftover, b""))
        if self._lines:
            self._add_line(bytes(self._lines), terminated=False)
            self._lines.clear()
        if self._frames is not None:
            truncated = self._frames.close()
            if truncated is not None:
                exchange.truncated_frame = truncated
                self._emit(StreamTruncated(self._ms(), truncated))
        response = exchange.response
        if response is not None:
            response.wire = self.capture.received.data
            response.wire_size = self.capture.received.total
            response.body = self._body.data
            response.body_size = self._body.total
        timings = exchange.timings
        if self.capture.first_byte_at is not None:
            timings.first_byte_ms = round((self.capture.first_byte_at - self._started) * 1000, 3)
        timings.ended_ms = self._ms()
        exchange.error = error or self._stream_error
        exchange.finished = True
        self._emit(ExchangeEnded(self._ms(), exchange.error))
        return exchange

    # --- internals ----------------------------------------------------------------------------------------

    def _check_request_written(self) -> None:
        """Called after each write: once head and body are all out, the request is announced."""
        if self._request_announced:
            return
        head = parse_head(self.capture.sent.data)
        body = self.exchange.request_body or b""
        if head is not None and self.capture.sent.total >= head.size + len(body):
            self._announce_request()

    def _announce_request(self) -> None:
        if self._request_announced or not self.capture.sent.total:
            return
        request = RecordedRequest.from_wire(self.capture.sent.data, self.capture.sent.total)
        if request is None:
            return
        self._request_announced = True
        self.exchange.request = request
        self.exchange.connection = self.capture.connection
        self.exchange.timings.request_sent_ms = self._ms()
        self._emit(RequestSent(self._ms(), request))

    def _split_lines(self, data: bytes) -> None:
        self._lines += data
        while (end := self._lines.find(b"\n")) >= 0:
            line = bytes(self._lines[: end + 1])
            del self._lines[: end + 1]
            self._add_line(line, terminated=True)

    def _add_line(self, raw: bytes, *, terminated: bool) -> None:
        try:
            value = json.loads(raw) if raw.strip() else None
        except ValueError:
            value = None
        record = JsonLineRecord(self._item_index(self.exchange.json_lines), raw, value, terminated)
        self._keep(self.exchange.json_lines, record)
        message = record.error_message
        if message is not None and self._stream_error is None:
            # The CLI prints this as `docker: <message>` and exits 125 (engine-api-notes §4.3).
            self._stream_error = errors.daemon_stream_error(message, message)
        self._emit(JsonLine(self._ms(), record))

    def _decode_frames(self, data: bytes) -> None:
        decoder = self._frames
        if decoder is None:
            return
        try:
            frames = decoder.feed(data)
        except InvalidFrame as exc:
            self._frames = None
            if self._stream_error is None:
                self._stream_error = errors.invalid_stream(exc.message)
            return
        for frame in frames:
            record = FrameRecord(self._item_index(self.exchange.frames), frame)
            self._keep(self.exchange.frames, record)
            if frame.stream == SYSTEMERR and self._stream_error is None:
                text = frame.payload.decode("utf-8", "replace")
                # moby stdcopy.StdCopy's wording when it meets a Systemerr frame.
                self._stream_error = errors.daemon_stream_error(text, f"error from daemon in stream: {text}")
            self._emit(StreamFrame(self._ms(), record))

    def _item_index(self, items: list) -> int:
        return len(items) + self.exchange.items_dropped

    def _keep(self, items: list, item: object) -> None:
        if len(items) < self.limits.max_items:
            items.append(item)
        else:
            self.exchange.items_dropped += 1

    def _ms(self) -> float:
        return round((time.perf_counter() - self._started) * 1000, 3)

    def _emit(self, event: TraceEvent) -> None:
        for listener in self._listeners:
            try:
                listener(self.exchange, event)
            except Exception:
                # A listener's failure (a closed browser stream, say) must not break the call being traced.
                log.exception("trace listener failed on %s", event.kind)
