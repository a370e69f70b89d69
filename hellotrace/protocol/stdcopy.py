"""Docker's stdout/stderr multiplexing ("stdcopy"), used by attach and logs when the container has no TTY.

Each write of the container becomes one frame: an 8-byte header `[stream, 0, 0, 0, size as uint32 big-endian]`
followed by `size` bytes of payload (engine-api-notes §4.1; moby `api/pkg/stdcopy`). The engine encodes with
`encode_frame`; the client decodes with `FrameDecoder`, which accepts bytes in whatever pieces the socket
delivers them and hands back only complete frames.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

STDIN = 0
STDOUT = 1
STDERR = 2
SYSTEMERR = 3  # an error from the daemon itself; Docker's StdCopy stops on it

STREAM_NAMES = {STDIN: "stdin", STDOUT: "stdout", STDERR: "stderr", SYSTEMERR: "systemerr"}
HEADER_SIZE = 8
MAX_FRAME_PAYLOAD = 0xFFFFFFFF
# Bigger declared frames are refused by the decoder rather than buffered (a container's single write is
# rarely above a few hundred kilobytes; this keeps a hostile or broken stream from exhausting memory).
DEFAULT_DECODER_LIMIT = 16 * 1024 * 1024

_HEADER = struct.Struct(">BxxxL")


def encode_frame(stream: int, payload: bytes) -> bytes:
    """Header + payload, as dockerd writes one container write on a multiplexed stream."""
    if stream not in STREAM_NAMES:
        raise ValueError(f"unknown stdcopy stream {stream}")
    if len(payload) > MAX_FRAME_PAYLOAD:
        raise ValueError("a stdcopy frame carries at most 4 GiB - 1 bytes")
    return _HEADER.pack(stream, len(payload)) + payload


@dataclass(frozen=True)
class Frame:
    """One complete frame as it was on the wire."""

    stream: int
    length: int  # the size declared in the header (equals len(payload))
    header: bytes  # the 8 header bytes, for an annotated byte view
    payload: bytes

    @property
    def stream_name(self) -> str:
        return STREAM_NAMES[self.stream]


@dataclass(frozen=True)
class TruncatedFrame:
    """What was left when the stream ended in the middle of a frame."""

    header: bytes  # 0 to 8 bytes
    payload: bytes  # the payload bytes that did arrive
    declared_length: int | None  # None when the header itself is incomplete

    @property
    def stream(self) -> int | None:
        return self.header[0] if len(self.header) == HEADER_SIZE else None

    @property
    def missing(self) -> int | None:
        """Payload bytes that never came (None when the header is incomplete)."""
        return None if self.declared_length is None else self.declared_length - len(self.payload)


class InvalidFrame(ValueError):
    """The bytes are not a stdcopy stream here; `message` is Docker's text where Docker has one."""

    def __init__(self, message: str, header: bytes) -> None:
        super().__init__(message)
        self.message = message
        self.header = header


class FrameDecoder:
    """Incremental decoder: `feed` the bytes as they arrive, get the frames they complete; `close` at EOF."""

    def __init__(self, max_payload: int = DEFAULT_DECODER_LIMIT) -> None:
        self._buffer = bytearray()
        self._max_payload = max_payload
        self._failed = False

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a complete frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes; return every frame they complete, in order. Raises InvalidFrame on a bad header."""
        if self._failed:
            raise ValueError("the decoder has already refused this stream")
        self._buffer += data
        frames: list[Frame] = []
        while len(self._buffer) >= HEADER_SIZE:
            header = bytes(self._buffer[:HEADER_SIZE])
            stream, length = _HEADER.unpack(header)
            if stream not in STREAM_NAMES:
                self._failed = True
                # moby stdcopy.StdCopy's own error text.
                raise InvalidFrame(f"Unrecognized input header: {stream}", header)
            if length > self._max_payload:
                self._failed = True
                raise InvalidFrame(f"frame of {length} bytes exceeds the {self._max_payload}-byte limit", header)
            end = HEADER_SIZE + length
            if len(self._buffer) < end:
                break
            frames.append(Frame(stream, length, header, bytes(self._buffer[HEADER_SIZE:end])))
            del self._buffer[:end]
        return frames

    def close(self) -> TruncatedFrame | None:
        """The stream has ended: report the incomplete frame left over, if any."""
        if not self._buffer:
            return None
        data = bytes(self._buffer)
        self._buffer.clear()
        if len(data) < HEADER_SIZE:
            return TruncatedFrame(header=data, payload=b"", declared_length=None)
        _, length = _HEADER.unpack(data[:HEADER_SIZE])
        return TruncatedFrame(header=data[:HEADER_SIZE], payload=data[HEADER_SIZE:], declared_length=length)
